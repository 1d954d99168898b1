// Devices over real HTTP (PROTOCOL.md §9.1): registration and update with FxA's field rules,
// one device per session or refresh token (also under a race), listing with last-access times,
// destroy with its token, refresh-token bearer auth (Firefox for Android and iOS) through
// rotation and revocation, and a session with a device outliving the session lifetime. Runs on
// whichever database DATABASE_URL names.

import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AuthClient, type ClientError } from '../src/client/index.js';
import type { DevicePush } from '../src/features/devices/service.js';
import { DeviceStore } from '../src/features/devices/store.js';
import { formatLastAccess, timeAgo, EARLIEST_SANE_TIMESTAMP } from '../src/features/devices/timestamps.js';
import type { PushSubscription } from '../src/features/devices/model.js';
import { isAllowedPushCallback } from '../src/push/push-urls.js';
import {
  BEYOND_SIGNIN_SHORTCUTS,
  DAY,
  expectError,
  expectRejectedWithoutChange,
  HOUR,
  PASSWORD,
  signUpVerified,
  uniqueEmail,
} from './helpers/flows.js';
import { FIREFOX, OAUTH_CLIENTS, oauthPost, SCOPE_OLDSYNC } from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Records what the device feature asks the push sender to send. */
class RecordingPush implements DevicePush {
  connected: Array<{ uid: string; deviceName: string; id: string }> = [];
  disconnected: Array<{ uid: string; id: string; push: PushSubscription | null }> = [];
  async deviceConnected(uid: Buffer, deviceName: string, newDeviceId: Buffer): Promise<void> {
    this.connected.push({ uid: uid.toString('hex'), deviceName, id: newDeviceId.toString('hex') });
  }
  async deviceDisconnected(uid: Buffer, removed: { id: Buffer; push: PushSubscription | null }): Promise<void> {
    this.disconnected.push({ uid: uid.toString('hex'), id: removed.id.toString('hex'), push: removed.push });
  }
}

/** A public Sync client whose refresh tokens rotate (the built-in browsers keep theirs). */
const ROTATING = { id: 'b1e2c3d4e5f60718', redirectUri: 'https://rotating.example/cb' };
const CLIENTS = JSON.stringify([
  ...(JSON.parse(OAUTH_CLIENTS) as object[]),
  {
    id: ROTATING.id,
    name: 'Rotating Sync app',
    imageUri: '',
    redirectUri: ROTATING.redirectUri,
    trusted: true,
    canGrant: true,
    publicClient: true,
    rotateRefreshTokens: true,
    allowedScopes: SCOPE_OLDSYNC,
  },
]);

const FIREFOX_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

const push = new RecordingPush();
let server: TestServer;
before(async () => {
  server = await startTestServer({
    env: { OAUTH_CLIENTS: CLIENTS, RATE_LIMIT_ENABLED: 'false', PUSH_ALLOW_LOOPBACK: 'true' },
    devicePush: push,
  });
});
after(() => server.close());

interface DeviceBody {
  id: string;
  createdAt: number;
  name: string;
  type: string;
  pushCallback?: string;
  pushPublicKey?: string;
  pushAuthKey?: string;
  pushEndpointExpired: boolean;
  availableCommands: Record<string, string>;
}

interface ListedBody {
  id: string;
  isCurrentDevice: boolean;
  lastAccessTime: number | null;
  lastAccessTimeFormatted?: string;
  location: Record<string, string>;
  name: string;
  type: string;
  pushCallback: string | null;
  pushPublicKey: string | null;
  pushAuthKey: string | null;
  pushEndpointExpired: boolean;
  availableCommands: Record<string, string>;
}

const session = (tokenData: string) => ({ kind: 'sessionToken' as const, tokenData });
const bearer = (refreshToken: string) => ({ authorization: `Bearer ${refreshToken}` });

function register(sessionToken: string, body: Record<string, unknown>, client: AuthClient = server.client): Promise<DeviceBody> {
  return client.request('POST', '/account/device', { token: session(sessionToken), body });
}
function listDevices(sessionToken: string, query: Record<string, number> = {}): Promise<ListedBody[]> {
  return server.client.request('GET', '/account/devices', { token: session(sessionToken), query });
}
function destroyDevice(sessionToken: string, id: string): Promise<object> {
  return server.client.request('POST', '/account/device/destroy', { token: session(sessionToken), body: { id } });
}

/** A verified account with a confirmed session (accounts younger than 48 h sign in confirmed). */
async function signedIn(label: string, client: AuthClient = server.client) {
  const email = uniqueEmail(label);
  const account = await client.signUp(email, PASSWORD);
  const mail = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verify');
  await client.verifyCode(account.uid, mail.headers['x-verify-code']!);
  return { email, uid: account.uid, sessionToken: account.sessionToken };
}

/** A push subscription a browser would make: a real P-256 key and a 16-byte auth secret. */
function subscription(callback = `https://updates.push.services.mozilla.com/wpush/v2/${randomBytes(8).toString('hex')}`) {
  const ecdh = createECDH('prime256v1');
  return {
    pushCallback: callback,
    pushPublicKey: ecdh.generateKeys().toString('base64url'),
    pushAuthKey: randomBytes(16).toString('base64url'),
  };
}

/** A refresh token of `clientId` for `scope` (fxa-credentials, offline). */
async function refreshTokenFor(sessionToken: string, scope = SCOPE_OLDSYNC, clientId = FIREFOX): Promise<string> {
  const tokens = await server.client.oauthToken(
    { client_id: clientId, grant_type: 'fxa-credentials', scope, access_type: 'offline' },
    sessionToken,
  );
  assert.match(tokens.refresh_token!, /^[0-9a-f]{64}$/);
  return tokens.refresh_token!;
}

const deviceStore = () => new DeviceStore(server.app.services.db);

describe('POST /account/device', () => {
  test('registers the session’s device, announces it, and lists it as the current device', async () => {
    const { uid, sessionToken } = await signedIn('register');
    const sub = subscription();
    const commands = { 'https://identity.mozilla.com/cmd/open-uri': 'encrypted keys' };
    const device = await register(sessionToken, {
      name: 'My Firefox',
      type: 'desktop',
      ...sub,
      availableCommands: commands,
      capabilities: [],
    });
    assert.match(device.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(device, {
      id: device.id,
      createdAt: server.clock.now(),
      name: 'My Firefox',
      type: 'desktop',
      ...sub,
      pushEndpointExpired: false,
      availableCommands: commands,
    });
    assert.deepEqual(
      push.connected.filter((event) => event.uid === uid),
      [{ uid, deviceName: 'My Firefox', id: device.id }],
    );

    const [listed, ...others] = await listDevices(sessionToken);
    assert.deepEqual(others, []);
    assert.deepEqual(listed, {
      id: device.id,
      isCurrentDevice: true,
      lastAccessTime: server.clock.now(),
      lastAccessTimeFormatted: 'a few seconds ago',
      location: {},
      name: 'My Firefox',
      type: 'desktop',
      ...sub,
      pushEndpointExpired: false,
      availableCommands: commands,
    });
  });

  test('a missing name is synthesised from the session’s user agent; no push fields without a subscription', async () => {
    const client = new AuthClient(server.url, {
      now: () => server.clock.now(),
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('user-agent', FIREFOX_UA);
        return fetch(input, { ...init, headers });
      },
    });
    const { sessionToken } = await signedIn('synth', client);
    const device = await register(sessionToken, {}, client);
    assert.equal(device.name, 'Firefox 128, Windows 10');
    assert.equal(device.type, 'desktop');
    assert.equal(device.pushCallback, undefined);
    assert.deepEqual(device.availableCommands, {});
    const [listed] = await listDevices(sessionToken);
    assert.equal(listed!.name, 'Firefox 128, Windows 10');
    assert.equal(listed!.pushCallback, null);
    assert.equal(listed!.pushPublicKey, null);
    assert.equal(listed!.pushAuthKey, null);
  });

  test('an unconfirmed session registers its device without announcing it', async () => {
    const email = uniqueEmail('unconfirmed');
    const { uid } = await signUpVerified(server, email);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(login.verified, false);
    const device = await register(login.sessionToken, { name: 'Unconfirmed', type: 'mobile' });
    assert.equal(device.name, 'Unconfirmed');
    assert.deepEqual(
      push.connected.filter((event) => event.uid === uid),
      [],
    );
  });

  test('update by id: changed fields are written, unchanged ones write nothing', async () => {
    const { sessionToken } = await signedIn('update');
    const device = await register(sessionToken, { name: 'Before', type: 'desktop' });
    server.clock.advance(1000);
    const renamed = await register(sessionToken, { id: device.id, name: 'After' });
    assert.equal(renamed.id, device.id);
    assert.equal(renamed.name, 'After');
    assert.equal(renamed.type, 'desktop');
    assert.equal(renamed.createdAt, device.createdAt);

    const before = await server.snapshot();
    const same = await register(sessionToken, { id: device.id, name: 'After', type: 'desktop', availableCommands: {} });
    assert.deepEqual(same, renamed);
    assert.equal(await server.snapshot(), before, 'an unchanged update wrote');
  });

  test('a new pushCallback clears pushEndpointExpired; the same one keeps it', async () => {
    const { uid, sessionToken } = await signedIn('expired');
    const first = subscription();
    const device = await register(sessionToken, { name: 'Push', ...first });
    await deviceStore().markPushEndpointExpired(Buffer.from(uid, 'hex'), Buffer.from(device.id, 'hex'), first.pushCallback);

    const sameCallback = await register(sessionToken, {
      id: device.id,
      ...first,
      pushAuthKey: randomBytes(16).toString('base64url'),
    });
    assert.equal(sameCallback.pushEndpointExpired, true);
    const second = subscription();
    const renewed = await register(sessionToken, { id: device.id, ...second });
    assert.equal(renewed.pushEndpointExpired, false);
    assert.equal(renewed.pushCallback, second.pushCallback);
    assert.equal(renewed.pushPublicKey, second.pushPublicKey);
  });

  test('a push service on loopback is accepted with PUSH_ALLOW_LOOPBACK', async () => {
    const { sessionToken } = await signedIn('loopback');
    const device = await register(sessionToken, { ...subscription('http://127.0.0.1:8082/push/abc') });
    assert.equal(device.pushCallback, 'http://127.0.0.1:8082/push/abc');
  });

  test('a session registers one device: a second registration is 124 and changes nothing', async () => {
    const { sessionToken } = await signedIn('second');
    await register(sessionToken, { name: 'First' });
    await expectRejectedWithoutChange(server, () => register(sessionToken, { name: 'Second' }), 124, 400);
    assert.equal((await listDevices(sessionToken)).length, 1);
  });

  test('two concurrent registrations on one session: one device, one 124', async () => {
    // A few rounds, so the race is run both ways: the loser sees the winner's device, or its insert hits the unique index.
    for (let round = 0; round < 4; round++) {
      const { sessionToken } = await signedIn(`race${round}`);
      const outcomes = await Promise.allSettled([register(sessionToken, { name: 'A' }), register(sessionToken, { name: 'B' })]);
      const fulfilled = outcomes.filter((outcome): outcome is PromiseFulfilledResult<DeviceBody> => outcome.status === 'fulfilled');
      const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      assert.equal(fulfilled.length, 1, JSON.stringify(outcomes));
      assert.equal(rejected.length, 1);
      assert.equal((rejected[0]!.reason as ClientError).errno, 124);
      const listed = await listDevices(sessionToken);
      assert.equal(listed.length, 1);
      assert.equal(listed[0]!.id, fulfilled[0]!.value.id);
    }
  });

  test('update of an unknown id is 123; of another token’s device while this one has its own, 124', async () => {
    const { email, sessionToken } = await signedIn('unknown');
    await register(sessionToken, { name: 'Mine' });
    await expectRejectedWithoutChange(
      server,
      () => register(sessionToken, { id: randomBytes(16).toString('hex'), name: 'x' }),
      123,
      400,
    );

    const other = await server.client.signIn(email, PASSWORD);
    const theirs = await register(other.sessionToken, { name: 'Theirs' });
    await expectRejectedWithoutChange(server, () => register(sessionToken, { id: theirs.id, name: 'Taken' }), 124, 400);
  });

  test('a token without a device that updates another device by id takes it over (FxA)', async () => {
    const { email, sessionToken } = await signedIn('takeover');
    const device = await register(sessionToken, { name: 'Old session' });
    const fresh = await server.client.signIn(email, PASSWORD);
    const updated = await register(fresh.sessionToken, { id: device.id, name: 'New session' });
    assert.equal(updated.id, device.id);
    const listed = await listDevices(fresh.sessionToken);
    assert.deepEqual(
      listed.map((d) => [d.id, d.isCurrentDevice, d.name]),
      [[device.id, true, 'New session']],
    );
  });

  test('bad fields are 107 (108 when missing) and change nothing', async () => {
    const { sessionToken } = await signedIn('invalid');
    const good = subscription();
    const notAPoint = Buffer.alloc(65, 7);
    notAPoint[0] = 4;
    const cases: Array<[string, Record<string, unknown>]> = [
      ['control character in name', { name: 'bad\u0007name' }],
      ['private-use character in name', { name: 'bad\uE000' }],
      ['name over 255', { name: 'n'.repeat(256) }],
      ['type over 16', { type: 't'.repeat(17) }],
      ['name not a string', { name: 5 }],
      ['id not hex', { id: 'z'.repeat(32) }],
      ['id too short', { id: 'ab'.repeat(15) }],
      ['pushCallback on another host', { ...good, pushCallback: 'https://push.example.com/abc' }],
      ['pushCallback http on a Mozilla host', { ...good, pushCallback: 'http://updates.push.services.mozilla.com/abc' }],
      ['pushCallback that does not round-trip', { ...good, pushCallback: 'https://updates.push.services.mozilla.com/a b' }],
      ['pushCallback over 255', { ...good, pushCallback: `https://updates.push.services.mozilla.com/${'a'.repeat(220)}` }],
      ['pushPublicKey not a P-256 point', { ...good, pushPublicKey: notAPoint.toString('base64url') }],
      ['pushPublicKey not base64url', { ...good, pushPublicKey: 'a+b/c=' }],
      ['pushPublicKey over 88', { ...good, pushPublicKey: 'A'.repeat(89) }],
      ['pushAuthKey over 24', { ...good, pushAuthKey: 'A'.repeat(25) }],
      ['pushCallback without its keys', { pushCallback: good.pushCallback }],
      ['keys without a pushCallback', { pushPublicKey: good.pushPublicKey, pushAuthKey: good.pushAuthKey }],
      ['command name outside the pattern', { availableCommands: { 'bad name!': 'x' } }],
      ['command name over 100', { availableCommands: { ['c'.repeat(101)]: 'x' } }],
      ['command data over 2048', { availableCommands: { 'https://identity.mozilla.com/cmd/open-uri': 'd'.repeat(2049) } }],
      ['command data not a string', { availableCommands: { 'https://identity.mozilla.com/cmd/open-uri': 1 } }],
      ['non-empty capabilities', { capabilities: ['messages'] }],
    ];
    for (const [label, body] of cases) {
      const error = await expectRejectedWithoutChange(server, () => register(sessionToken, body), 107, 400);
      assert.ok(error.body.validation, `${label}: ${JSON.stringify(error.body)}`);
    }
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/account/device/destroy', { token: session(sessionToken), body: {} }),
      108,
      400,
    );
  });
});

describe('authentication', () => {
  test('no token, an unknown token, a bad signature and a replayed nonce', async () => {
    const { sessionToken } = await signedIn('auth');
    await register(sessionToken, { name: 'Authed' });
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/account/device', { body: { name: 'x' } }),
      110,
      401,
    );
    await expectRejectedWithoutChange(server, () => register(randomBytes(32).toString('hex'), { name: 'x' }), 110, 401);
    await expectRejectedWithoutChange(
      server,
      () =>
        server.client.request('POST', '/account/device', {
          token: session(sessionToken),
          body: { name: 'x' },
          hawk: { payload: '{"name":"y"}' },
        }),
      109,
      401,
    );
    const nonce = randomBytes(5).toString('base64');
    await server.client.request('GET', '/account/devices', { token: session(sessionToken), hawk: { nonce } });
    await expectError(server.client.request('GET', '/account/devices', { token: session(sessionToken), hawk: { nonce } }), 115, 401);
    // Bearer token ids work as for every session route.
    const bearerClient = new AuthClient(server.url, { auth: 'bearer', now: () => server.clock.now() });
    const listed = await bearerClient.request<ListedBody[]>('GET', '/account/devices', { token: session(sessionToken) });
    assert.equal(listed.length, 1);
  });

  test('refresh tokens: unknown, malformed, or without the Sync scope are 110', async () => {
    const { sessionToken } = await signedIn('badrefresh');
    const profileOnly = await refreshTokenFor(sessionToken, 'profile');
    for (const credential of [randomBytes(32).toString('hex'), 'not-hex', profileOnly]) {
      await expectRejectedWithoutChange(
        server,
        () => server.client.request('POST', '/account/device', { headers: bearer(credential), body: { name: 'x' } }),
        110,
        401,
      );
    }
  });
});

describe('refresh-token devices (Firefox for Android and iOS)', () => {
  test('register and list with the refresh token; a second call without id updates the same device', async () => {
    const { uid, sessionToken } = await signedIn('mobile');
    const refreshToken = await refreshTokenFor(sessionToken);
    const sub = subscription();
    const device = await server.client.request<DeviceBody>('POST', '/account/device', {
      headers: bearer(refreshToken),
      body: { type: 'mobile', ...sub },
    });
    // Without a name, FxA names the device after its OAuth client.
    assert.equal(device.name, 'Firefox');
    assert.equal(device.type, 'mobile');
    assert.deepEqual(
      push.connected.filter((event) => event.id === device.id),
      [{ uid, deviceName: 'Firefox', id: device.id }],
    );

    const renamed = await server.client.request<DeviceBody>('POST', '/account/device', {
      headers: bearer(refreshToken),
      body: { name: 'Pixel' },
    });
    assert.equal(renamed.id, device.id);
    assert.equal(renamed.name, 'Pixel');
    assert.equal(renamed.pushCallback, sub.pushCallback);

    const listed = await server.client.request<ListedBody[]>('GET', '/account/devices', { headers: bearer(refreshToken) });
    assert.deepEqual(
      listed.map((d) => [d.id, d.isCurrentDevice, d.name, d.type]),
      [[device.id, true, 'Pixel', 'mobile']],
    );
    // The session sees it too, not as its own.
    const fromSession = await listDevices(sessionToken);
    assert.deepEqual(
      fromSession.map((d) => [d.id, d.isCurrentDevice]),
      [[device.id, false]],
    );
  });

  test('a refresh-token device’s last access is the later of its own and its token’s last use', async () => {
    const { sessionToken } = await signedIn('lastused');
    const refreshToken = await refreshTokenFor(sessionToken);
    const device = await server.client.request<DeviceBody>('POST', '/account/device', {
      headers: bearer(refreshToken),
      body: { name: 'Syncing phone' },
    });
    const registeredAt = server.clock.now();
    server.clock.advance(3 * HOUR);
    // Firefox's refresh tokens do not rotate; using one records its lastUsedAt.
    const refreshed = await oauthPost(server, '/oauth/token', {
      client_id: FIREFOX,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const usedAt = server.clock.now();
    server.clock.advance(HOUR);
    const listed = await listDevices(sessionToken);
    assert.equal(listed.find((d) => d.id === device.id)!.lastAccessTime, usedAt);
    assert.ok(usedAt > registeredAt);
  });

  test('revoking the refresh token keeps its device (FIREFOX.md §3)', async () => {
    const { sessionToken } = await signedIn('revoke');
    const refreshToken = await refreshTokenFor(sessionToken);
    const device = await server.client.request<DeviceBody>('POST', '/account/device', {
      headers: bearer(refreshToken),
      body: { name: 'Kept' },
    });
    const revoked = await oauthPost(server, '/oauth/destroy', { client_id: FIREFOX, token: refreshToken });
    assert.equal(revoked.status, 200);
    await expectError(server.client.request('GET', '/account/devices', { headers: bearer(refreshToken) }), 110, 401);
    // The same through the OAuth server's /v1/destroy.
    const second = await refreshTokenFor(sessionToken);
    const phone = await server.client.request<DeviceBody>('POST', '/account/device', {
      headers: bearer(second),
      body: { name: 'Also kept' },
    });
    const destroyed = await oauthPost(server, '/destroy', { refresh_token: second });
    assert.equal(destroyed.status, 200);
    await expectError(server.client.request('GET', '/account/devices', { headers: bearer(second) }), 110, 401);
    const listed = await listDevices(sessionToken);
    assert.deepEqual(
      listed.map((d) => [d.id, d.name]).sort(),
      [
        [device.id, 'Kept'],
        [phone.id, 'Also kept'],
      ].sort(),
    );
  });

  test('rotation moves the device to the new refresh token', async () => {
    const { sessionToken } = await signedIn('rotate');
    const first = await refreshTokenFor(sessionToken, SCOPE_OLDSYNC, ROTATING.id);
    const device = await server.client.request<DeviceBody>('POST', '/account/device', {
      headers: bearer(first),
      body: { name: 'Rotating' },
    });
    const refreshed = await oauthPost(server, '/oauth/token', {
      client_id: ROTATING.id,
      grant_type: 'refresh_token',
      refresh_token: first,
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const second = refreshed.body.refresh_token as string;
    assert.notEqual(second, first);
    await expectError(server.client.request('GET', '/account/devices', { headers: bearer(first) }), 110, 401);
    const listed = await server.client.request<ListedBody[]>('GET', '/account/devices', { headers: bearer(second) });
    assert.deepEqual(
      listed.map((d) => [d.id, d.isCurrentDevice]),
      [[device.id, true]],
    );
    // An update without id from the new token is the same device.
    const updated = await server.client.request<DeviceBody>('POST', '/account/device', {
      headers: bearer(second),
      body: { name: 'Rotated' },
    });
    assert.equal(updated.id, device.id);
  });
});

describe('POST /account/device/destroy', () => {
  test('removes the device and its session, then tells every device including the removed one', async () => {
    const { email, uid, sessionToken } = await signedIn('destroy');
    const mine = await register(sessionToken, { name: 'Mine' });
    const other = await server.client.signIn(email, PASSWORD);
    const sub = subscription();
    const theirs = await register(other.sessionToken, { name: 'Theirs', ...sub });

    assert.deepEqual(await destroyDevice(sessionToken, theirs.id), {});
    await expectError(server.client.sessionStatus(other.sessionToken), 110, 401);
    assert.deepEqual(
      (await listDevices(sessionToken)).map((d) => d.id),
      [mine.id],
    );
    assert.deepEqual(
      push.disconnected.filter((event) => event.uid === uid),
      [
        {
          uid,
          id: theirs.id,
          push: { callback: sub.pushCallback, publicKey: sub.pushPublicKey, authKey: sub.pushAuthKey, endpointExpired: false },
        },
      ],
    );

    await expectRejectedWithoutChange(server, () => destroyDevice(sessionToken, theirs.id), 123, 400);
    await expectRejectedWithoutChange(server, () => destroyDevice(sessionToken, randomBytes(16).toString('hex')), 123, 400);
  });

  test('another account’s device is unknown (123)', async () => {
    const alice = await signedIn('alice');
    const bob = await signedIn('bob');
    const device = await register(bob.sessionToken, { name: 'Bob’s' });
    await expectRejectedWithoutChange(server, () => destroyDevice(alice.sessionToken, device.id), 123, 400);
  });

  test('destroying a refresh-token device revokes its refresh token', async () => {
    const { sessionToken } = await signedIn('destroymobile');
    const refreshToken = await refreshTokenFor(sessionToken);
    const device = await server.client.request<DeviceBody>('POST', '/account/device', {
      headers: bearer(refreshToken),
      body: { name: 'Phone' },
    });
    await destroyDevice(sessionToken, device.id);
    await expectError(server.client.request('GET', '/account/devices', { headers: bearer(refreshToken) }), 110, 401);
    assert.deepEqual(await listDevices(sessionToken), []);
    const introspected = await oauthPost(server, '/introspect', { token: refreshToken, token_type_hint: 'refresh_token' });
    assert.equal(introspected.body.active, false);
  });

  test('/session/destroy takes the session’s device with it', async () => {
    const { email, sessionToken } = await signedIn('signout');
    const other = await server.client.signIn(email, PASSWORD);
    await register(other.sessionToken, { name: 'Signing out' });
    assert.equal((await listDevices(sessionToken)).length, 1);
    await server.client.sessionDestroy(other.sessionToken);
    assert.deepEqual(await listDevices(sessionToken), []);
  });
});

describe('GET /account/devices', () => {
  test('lastAccessTime is written at most hourly; idle devices are filtered out', async () => {
    const { email, uid, sessionToken } = await signedIn('idle');
    const start = server.clock.now();
    const idle = await register(sessionToken, { name: 'Idle' });
    const other = await server.client.signIn(email, PASSWORD);
    const active = await register(other.sessionToken, { name: 'Active' });
    const stored = async (id: string) => (await deviceStore().find(Buffer.from(uid, 'hex'), Buffer.from(id, 'hex')))!.lastAccessTime;

    // Within the hour a request writes nothing; the device asking still shows itself as active now.
    server.clock.advance(30 * 60 * 1000);
    const before = await server.snapshot();
    const listed = await listDevices(other.sessionToken);
    assert.equal(await server.snapshot(), before);
    assert.equal(listed.find((d) => d.id === active.id)!.lastAccessTime, server.clock.now());
    assert.equal(listed.find((d) => d.id === idle.id)!.lastAccessTime, start);
    assert.equal(listed.find((d) => d.id === idle.id)!.lastAccessTimeFormatted, '30 minutes ago');

    // Past the hour the next request records it.
    server.clock.advance(31 * 60 * 1000);
    await listDevices(other.sessionToken);
    assert.equal(await stored(active.id), server.clock.now());
    assert.equal(await stored(idle.id), start);

    server.clock.advance(2 * DAY);
    const filtered = await listDevices(other.sessionToken, { filterIdleDevicesTimestamp: server.clock.now() - DAY });
    assert.deepEqual(
      filtered.map((d) => d.id),
      [active.id],
    );
    const all = await listDevices(other.sessionToken);
    assert.equal(all.find((d) => d.id === idle.id)!.lastAccessTimeFormatted, '2 days ago');
    await expectRejectedWithoutChange(server, () => listDevices(other.sessionToken, { filterIdleDevicesTimestamp: -1 }), 107, 400);
  });

  test('a session with a device outlives the session lifetime; one without expires', async () => {
    const { email, sessionToken } = await signedIn('lifetime');
    await register(sessionToken, { name: 'Forever' });
    const plain = await server.client.signIn(email, PASSWORD);
    server.clock.advance(29 * DAY);
    assert.equal((await server.client.sessionStatus(sessionToken)).state, 'verified');
    assert.equal((await listDevices(sessionToken)).length, 1);
    await expectError(server.client.sessionStatus(plain.sessionToken), 110, 401);
  });
});

describe('BrowserID', () => {
  test('a certificate names the session’s device', async () => {
    const { sessionToken } = await signedIn('cert');
    const device = await register(sessionToken, { name: 'Certified' });
    const { cert } = await server.client.request<{ cert: string }>('POST', '/certificate/sign', {
      token: session(sessionToken),
      body: { publicKey: { algorithm: 'DS', y: '12345', p: '67890', q: '1357', g: '2468' }, duration: 60_000 },
    });
    const payload = JSON.parse(Buffer.from(cert.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(payload['fxa-deviceId'], device.id);
  });
});

describe('/openapi.json', () => {
  test('the device routes take a session token or a refresh token, and list their errnos', async () => {
    const document = (await (await fetch(`${server.origin}/openapi.json`)).json()) as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, { description?: string }> }>>;
    };
    assert.ok(document.components.securitySchemes.refreshToken);
    for (const [path, method] of [
      ['/v1/account/device', 'post'],
      ['/v1/account/devices', 'get'],
      ['/v1/account/device/destroy', 'post'],
    ] as const) {
      const operation = document.paths[path]![method]!;
      assert.deepEqual(operation.security, [{ sessionToken: [] }, { refreshToken: [] }], path);
      assert.match(operation.responses['401']!.description!, /errno 110/, path);
    }
    const register = document.paths['/v1/account/device']!.post!;
    assert.match(register.responses['400']!.description!, /errno 123.*errno 124/);
  });
});

describe('helpers', () => {
  test('isAllowedPushCallback: FxA’s push hosts, exact URLs, loopback only when allowed', () => {
    for (const url of [
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://updates.push.services.mozilla.com:443/wpush/v1/abc',
      'https://updates-autopush.dev.mozaws.net/wpush/v1/abc',
      'https://updates-autopush.stage.mozaws.net/x',
    ]) {
      assert.equal(isAllowedPushCallback(url, false), true, url);
    }
    for (const url of [
      'http://updates.push.services.mozilla.com/x',
      'https://services.mozilla.com.evil.example/x',
      'https://evil.example/updates.push.services.mozilla.com',
      'https://updates.push.services.mozilla.com/a b',
      'https://updates.push.services.mozilla.com/../x',
      'https://user@updates.push.services.mozilla.com/x',
      'http://127.0.0.1:8082/push',
      `https://updates.push.services.mozilla.com/${'a'.repeat(230)}`,
    ]) {
      assert.equal(isAllowedPushCallback(url, false), false, url);
    }
    assert.equal(isAllowedPushCallback('http://127.0.0.1:8082/push', true), true);
    assert.equal(isAllowedPushCallback('http://localhost:8082/push', true), true);
    assert.equal(isAllowedPushCallback('http://[::1]:8082/push', true), true);
    assert.equal(isAllowedPushCallback('http://10.0.0.1/push', true), false);
  });

  test('timeAgo and the approximate last-access time follow FxA (moment)', () => {
    const now = Date.UTC(2026, 0, 15);
    const cases: Array<[number, string]> = [
      [10_000, 'a few seconds ago'],
      [50_000, 'a minute ago'],
      [5 * 60_000, '5 minutes ago'],
      [50 * 60_000, 'an hour ago'],
      [3 * HOUR, '3 hours ago'],
      [23 * HOUR, 'a day ago'],
      [2 * DAY, '2 days ago'],
      [30 * DAY, 'a month ago'],
      [90 * DAY, '3 months ago'],
      [400 * DAY, 'a year ago'],
      [800 * DAY, '2 years ago'],
    ];
    for (const [ago, words] of cases) assert.equal(timeAgo(now - ago, now), words, words);
    assert.equal(timeAgo(now + 5 * 60_000, now), 'in 5 minutes');
    assert.deepEqual(formatLastAccess(null, now), {});
    assert.deepEqual(formatLastAccess(now - 1000, now), { lastAccessTimeFormatted: 'a few seconds ago' });
    const old = formatLastAccess(EARLIEST_SANE_TIMESTAMP - DAY, now);
    assert.equal(old.approximateLastAccessTime, EARLIEST_SANE_TIMESTAMP);
    assert.equal(old.approximateLastAccessTimeFormatted, timeAgo(EARLIEST_SANE_TIMESTAMP, now));
  });
});
