// Web Push (PROTOCOL.md §9.2) over real HTTP: the app pushes to a loopback push service that
// decrypts with each device's own keys (http_ece) and verifies VAPID (jose). Devices are
// stored directly with the device store; events are triggered through the routes that cause
// them where those exist, else through the push service the features call.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AuthClient } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import { deriveToken } from '../src/crypto/index.js';
import { OAUTH_ERRNO, OAuthError } from '../src/errors.js';
import { DeviceStore } from '../src/features/devices/store.js';
import type { AccessTokenVerifier, VerifiedAccessToken } from '../src/features/oauth/model.js';
import { VERIFY_LOGIN_BODY, VERIFY_LOGIN_TITLE } from '../src/features/session/push-login.js';
import { vapidPublicKey } from '../src/push/vapid-key.js';
import { expectError, expectRejectedWithoutChange, nextMail, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { startPushSink, type PushSink, type ReceivedPush, type SinkSubscription } from './helpers/push-sink.js';
import { startInstancePair, startTestServer, type TestServer } from './helpers/server.js';
import { ManualClock } from '../src/runtime.js';

const FIREFOX_DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const FIREFOX_IOS_UA = 'Firefox-iOS-FxA/131.0b1234 (iPhone; iPhone OS 17.5) (Firefox)';

/** Profile API tokens: `write:<uid hex>` may change that account's display name. */
class WriteTokens implements AccessTokenVerifier {
  async verify(token: string): Promise<VerifiedAccessToken> {
    const uid = /^write:([0-9a-f]{32})$/.exec(token)?.[1];
    if (!uid) throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
    const now = Date.now();
    return {
      uid: Buffer.from(uid, 'hex'),
      clientId: '5882386c6d801776',
      scope: ['profile:write'],
      createdAt: now,
      expiresAt: now + 3600_000,
      generation: 0,
    };
  }
}

let server: TestServer;
let sink: PushSink;
let devices: DeviceStore;

before(async () => {
  sink = await startPushSink();
  // Rate limits would stop the many sign-ups from one address; the throttling test has its own server.
  server = await startTestServer({
    accessTokens: new WriteTokens(),
    env: { SIGNIN_CONFIRMATION_FORCE_ALL: 'true', RATE_LIMIT_ENABLED: 'false' },
  });
  devices = new DeviceStore(server.app.services.db);
});
after(async () => {
  await server.close();
  await sink.stop();
});

const push = () => server.app.services.push;
const tokenIdOf = (sessionToken: string): Buffer => deriveToken('sessionToken', Buffer.from(sessionToken, 'hex')).tokenId;

/** A client whose requests carry `userAgent`. */
function clientWithAgent(userAgent: string, on = server): AuthClient {
  return new AuthClient(on.url, {
    now: () => on.clock.now(),
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('user-agent', userAgent);
      return fetch(input, { ...init, headers });
    },
  });
}

interface DeviceOptions {
  /** The session the device is registered with; none: a refresh-token device (no user agent). */
  sessionToken?: string;
  type?: string;
  /** 'none': no callback; 'noKeys': a callback without keys; 'expired': endpoint already marked expired. */
  push?: 'ok' | 'none' | 'noKeys' | 'expired';
}

interface TestDevice {
  id: Buffer;
  hex: string;
  sub: SinkSubscription;
}

async function addDevice(uid: string, options: DeviceOptions = {}, on = server): Promise<TestDevice> {
  const id = randomBytes(16);
  const sub = sink.subscribe();
  const mode = options.push ?? 'ok';
  await new DeviceStore(on.app.services.db).insert({
    uid: Buffer.from(uid, 'hex'),
    id,
    sessionTokenId: options.sessionToken ? tokenIdOf(options.sessionToken) : null,
    refreshTokenId: options.sessionToken ? null : randomBytes(32),
    createdAt: on.clock.now(),
    name: `device ${id.toString('hex').slice(0, 6)}`,
    type: options.type ?? 'desktop',
    pushCallback: mode === 'none' ? null : sub.endpoint,
    pushPublicKey: mode === 'none' || mode === 'noKeys' ? null : sub.publicKey,
    pushAuthKey: mode === 'none' || mode === 'noKeys' ? null : sub.authKey,
    pushEndpointExpired: mode === 'expired',
  });
  return { id, hex: id.toString('hex'), sub };
}

/** Every push received so far for these devices. */
const receivedBy = (...targets: TestDevice[]): ReceivedPush[] =>
  sink.received.filter((p) => targets.some((t) => t.sub.id === p.subscription));

/** The push `device` got for this event (already delivered: the services await delivery). */
async function pushTo(device: TestDevice, predicate: (p: ReceivedPush) => boolean = () => true): Promise<ReceivedPush> {
  return sink.next((p) => p.subscription === device.sub.id && predicate(p));
}

/** What every push must carry: a VAPID token for the sink's origin signed with the server's key, aes128gcm. */
function assertWellFormed(received: ReceivedPush, on = server): void {
  assert.equal(received.vapidError, undefined);
  assert.ok(received.vapid);
  assert.equal(received.vapid.claims.aud, sink.origin);
  // PUBLIC_URL is http in tests: the contact is MAIL_FROM's address.
  assert.equal(received.vapid.claims.sub, 'mailto:no-reply@localhost');
  assert.equal(received.vapid.publicKey, on.app.services.push.vapidPublicKey);
  const lifetime = (received.vapid.claims.exp as number) - Date.now() / 1000;
  assert.ok(lifetime > 11 * 3600 && lifetime <= 12 * 3600, `VAPID token lives 12 h (${lifetime} s left)`);
  assert.equal(received.payloadError, undefined);
  if (received.payload !== null) assert.equal(received.headers['content-encoding'], 'aes128gcm');
}

async function newAccount(
  label: string,
  client = server.client,
  on = server,
): Promise<{ uid: string; email: string; sessionToken: string }> {
  const email = uniqueEmail(label);
  const account = await client.signUp(email, PASSWORD);
  const mail = await nextMail(on, email, 'verify');
  await client.verifyCode(account.uid, mail.headers['x-verify-code']!);
  return { uid: account.uid, email, sessionToken: account.sessionToken };
}

describe('events', () => {
  test('device_connected: the other devices get {deviceName}, TTL 0; skip rules hold', async () => {
    const { uid } = await newAccount('connected');
    const newcomer = await addDevice(uid);
    const other = await addDevice(uid);
    const second = await addDevice(uid, { type: 'mobile' });
    const noCallback = await addDevice(uid, { push: 'none' });
    const noKeys = await addDevice(uid, { push: 'noKeys' });
    const expired = await addDevice(uid, { push: 'expired' });

    await push().deviceConnected(Buffer.from(uid, 'hex'), 'My laptop', newcomer.id);

    for (const device of [other, second]) {
      const received = await pushTo(device);
      assertWellFormed(received);
      assert.equal(received.ttl, 0);
      assert.deepEqual(received.payload, { version: 1, command: 'fxaccounts:device_connected', data: { deviceName: 'My laptop' } });
    }
    assert.deepEqual(receivedBy(newcomer, noCallback, noKeys, expired), []);
  });

  test('device_disconnected: every device, the removed one included, {id}, TTL 18000', async () => {
    const { uid } = await newAccount('disconnected');
    const staying = await addDevice(uid);
    const removed = await addDevice(uid);
    const stored = await devices.find(Buffer.from(uid, 'hex'), removed.id);
    await devices.delete(Buffer.from(uid, 'hex'), removed.id);

    await push().deviceDisconnected(Buffer.from(uid, 'hex'), { id: removed.id, push: stored!.push });

    for (const device of [staying, removed]) {
      const received = await pushTo(device);
      assertWellFormed(received);
      assert.equal(received.ttl, 18000);
      assert.deepEqual(received.payload, { version: 1, command: 'fxaccounts:device_disconnected', data: { id: removed.hex } });
    }
    // One signed VAPID token per push service, reused (signing it costs more than encrypting the payload).
    const [first, second] = [...receivedBy(staying), ...receivedBy(removed)];
    assert.equal(first!.headers.authorization, second!.headers.authorization);
  });

  test('profile_updated: a display-name change over the profile API pushes to every device, TTL 0', async () => {
    const { uid } = await newAccount('profile');
    const first = await addDevice(uid);
    const second = await addDevice(uid);
    const response = await fetch(`${server.origin}/profile/v1/display_name`, {
      method: 'POST',
      headers: { authorization: `Bearer write:${uid}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Alice' }),
    });
    assert.equal(response.status, 200);
    for (const device of [first, second]) {
      const received = await pushTo(device);
      assertWellFormed(received);
      assert.equal(received.ttl, 0);
      assert.deepEqual(received.payload, { version: 1, command: 'fxaccounts:profile_updated' });
    }
  });

  test('password_changed skips the originating device; password_reset reaches the devices read before; TTL 21600', async () => {
    const { uid } = await newAccount('password');
    const origin = await addDevice(uid);
    const other = await addDevice(uid);
    const uidBytes = Buffer.from(uid, 'hex');

    await push().passwordChanged(uidBytes, origin.id);
    const changed = await pushTo(other);
    assertWellFormed(changed);
    assert.equal(changed.ttl, 21600);
    assert.deepEqual(changed.payload, { version: 1, command: 'fxaccounts:password_changed' });
    assert.deepEqual(receivedBy(origin), []);

    const recipients = await push().recipients(uidBytes);
    await devices.delete(uidBytes, other.id); // a reset signs every device out
    await devices.delete(uidBytes, origin.id);
    await push().passwordReset(recipients);
    for (const device of [origin, other]) {
      const received = await pushTo(
        device,
        (p) => (p.payload as { command?: string } | null)?.command === 'fxaccounts:password_reset',
      );
      assert.equal(received.ttl, 21600);
      assert.deepEqual(received.payload, { version: 1, command: 'fxaccounts:password_reset' });
    }
  });

  test('account_destroyed: /account/destroy pushes {uid} to the devices it deletes, TTL 18000', async () => {
    const { uid, email } = await newAccount('destroyed');
    const first = await addDevice(uid);
    const second = await addDevice(uid);
    await server.client.accountDestroy(email, PASSWORD);
    assert.deepEqual(await devices.list(Buffer.from(uid, 'hex')), []);
    for (const device of [first, second]) {
      const received = await pushTo(device);
      assertWellFormed(received);
      assert.equal(received.ttl, 18000);
      assert.deepEqual(received.payload, { version: 1, command: 'fxaccounts:account_destroyed', data: { uid } });
    }
  });

  test('command_received: one device, {command, index, sender, url}, the command TTL; reports skips', async () => {
    const { uid } = await newAccount('command');
    const target = await addDevice(uid);
    const sender = await addDevice(uid);
    const silent = await addDevice(uid, { push: 'none' });
    const uidBytes = Buffer.from(uid, 'hex');
    const url = `${server.origin}/v1/account/device/commands?index=7&limit=1`;
    const notice = { command: 'https://identity.mozilla.com/cmd/open-uri', index: 7, sender: sender.id, url, ttlSeconds: 3600 };

    assert.deepEqual(await push().commandReceived(uidBytes, target.id, notice), { notified: true });
    const received = await pushTo(target);
    assertWellFormed(received);
    assert.equal(received.ttl, 3600);
    assert.deepEqual(received.payload, {
      version: 1,
      command: 'fxaccounts:command_received',
      data: { command: notice.command, index: 7, sender: sender.hex, url },
    });
    assert.deepEqual(receivedBy(sender), []);

    const { sender: _omitted, ...anonymous } = notice;
    await push().commandReceived(uidBytes, target.id, anonymous);
    assert.deepEqual((await pushTo(target)).payload, {
      version: 1,
      command: 'fxaccounts:command_received',
      data: { command: notice.command, index: 7, url },
    });
    assert.deepEqual(await push().commandReceived(uidBytes, silent.id, notice), { notified: false, error: 'noCallback' });
    assert.deepEqual(await push().commandReceived(uidBytes, randomBytes(16), notice), { notified: false, error: 'unknownDevice' });
  });

  test('notify: the client payload to all but the excluded, or to the listed ids, with its TTL', async () => {
    const { uid } = await newAccount('notify');
    const [a, b, c] = [await addDevice(uid), await addDevice(uid), await addDevice(uid)];
    const uidBytes = Buffer.from(uid, 'hex');
    const payload = { version: 1, command: 'sync:collection_changed', data: { collections: ['tabs'], reason: 'sendtab' } };

    await push().notify(uidBytes, { to: 'all', excluded: [a.id] }, payload, 42);
    for (const device of [b, c]) {
      const received = await pushTo(device);
      assertWellFormed(received);
      assert.equal(received.ttl, 42);
      assert.deepEqual(received.payload, payload);
    }
    assert.deepEqual(receivedBy(a), []);

    await push().notify(uidBytes, { to: [a.id] }, payload, 0);
    assert.deepEqual((await pushTo(a)).payload, payload);
    assert.equal(receivedBy(b, c).length, 2, 'b and c got only the first');
  });

  test('accountVerify: verifying the address sends an empty push, to devices with or without keys', async () => {
    const email = uniqueEmail('verify');
    const account = await server.client.signUp(email, PASSWORD);
    const withKeys = await addDevice(account.uid, { sessionToken: account.sessionToken });
    const withoutKeys = await addDevice(account.uid, { push: 'noKeys' });
    const mail = await nextMail(server, email, 'verify');
    await server.client.verifyCode(account.uid, mail.headers['x-verify-code']!);
    for (const device of [withKeys, withoutKeys]) {
      const received = await pushTo(device);
      assertWellFormed(received);
      assert.equal(received.payload, null);
      assert.equal(received.headers['content-length'], '0');
      assert.equal(received.headers['content-encoding'], undefined);
      assert.equal(received.ttl, 0);
    }
  });

  test('accountConfirm: confirming a sign-in with its mailed code sends an empty push', async () => {
    const { uid, email } = await newAccount('confirm');
    const device = await addDevice(uid);
    const login = await server.client.signIn(email, PASSWORD, { keys: true, verificationMethod: 'email-2fa' });
    const code = (await nextMail(server, email, 'verifyLoginCode')).headers['x-signin-verify-code']!;
    assert.deepEqual(receivedBy(device), []);
    await server.client.sessionVerifyCode(login.sessionToken, code);
    const received = await pushTo(device);
    assertWellFormed(received);
    assert.equal(received.payload, null);
    assert.equal(received.ttl, 0);
  });

  test('iOS devices get only command_received, device_connected and device_disconnected', async () => {
    const ios = clientWithAgent(FIREFOX_IOS_UA);
    const { uid, sessionToken } = await newAccount('ios', ios);
    const iphone = await addDevice(uid, { sessionToken, type: 'mobile' });
    const desktop = await addDevice(uid);
    const uidBytes = Buffer.from(uid, 'hex');

    await push().profileUpdated(uidBytes);
    await push().notify(
      uidBytes,
      { to: 'all' },
      { version: 1, command: 'sync:collection_changed', data: { collections: ['tabs'] } },
      0,
    );
    await push().accountConfirm(uidBytes);
    assert.equal(receivedBy(desktop).length, 3);
    assert.deepEqual(receivedBy(iphone), []);

    await push().deviceConnected(uidBytes, 'New', randomBytes(16));
    assert.equal(((await pushTo(iphone)).payload as { command: string }).command, 'fxaccounts:device_connected');
    await push().commandReceived(uidBytes, iphone.id, { command: 'c', index: 1, url: 'u', ttlSeconds: 0 });
    assert.equal(((await pushTo(iphone)).payload as { command: string }).command, 'fxaccounts:command_received');
  });
});

describe('push service answers', () => {
  test('410 marks the endpoint expired: nothing more is sent until the callback changes', async () => {
    const { uid } = await newAccount('gone');
    const device = await addDevice(uid);
    const uidBytes = Buffer.from(uid, 'hex');
    sink.respondWith(device.sub.id, 410);

    await push().profileUpdated(uidBytes);
    assert.equal((await pushTo(device)).status, 410);
    assert.equal((await devices.find(uidBytes, device.id))!.push!.endpointExpired, true);

    await push().profileUpdated(uidBytes);
    await push().accountVerify(uidBytes);
    assert.deepEqual(await push().commandReceived(uidBytes, device.id, { command: 'c', index: 1, url: 'u', ttlSeconds: 0 }), {
      notified: false,
      error: 'expiredCallback',
    });
    assert.equal(receivedBy(device).length, 1, 'no request after the 410');

    // The device subscribes again (what POST /account/device does with a new callback).
    const fresh = sink.subscribe();
    await devices.update(uidBytes, device.id, {
      pushCallback: fresh.endpoint,
      pushPublicKey: fresh.publicKey,
      pushAuthKey: fresh.authKey,
      pushEndpointExpired: false,
    });
    await push().profileUpdated(uidBytes);
    const received = await sink.next((p) => p.subscription === fresh.id);
    assert.equal(received.status, 201);
    assert.deepEqual(received.payload, { version: 1, command: 'fxaccounts:profile_updated' });
  });

  test('404 expires too; 500 and an unreachable service are only logged; the caller never fails', async () => {
    const { uid } = await newAccount('errors');
    const notFound = await addDevice(uid);
    const broken = await addDevice(uid);
    const healthy = await addDevice(uid);
    const uidBytes = Buffer.from(uid, 'hex');
    const unreachable = randomBytes(16);
    await devices.insert({
      uid: uidBytes,
      id: unreachable,
      sessionTokenId: null,
      refreshTokenId: randomBytes(32),
      createdAt: server.clock.now(),
      pushCallback: 'http://127.0.0.1:1/push/nobody',
      pushPublicKey: healthy.sub.publicKey,
      pushAuthKey: healthy.sub.authKey,
    });
    sink.respondWith(notFound.sub.id, 404);
    sink.respondWith(broken.sub.id, 500);

    await push().profileUpdated(uidBytes);
    assert.equal((await pushTo(notFound)).status, 404);
    assert.equal((await pushTo(broken)).status, 500);
    assert.equal((await pushTo(healthy)).status, 201);
    assert.equal((await devices.find(uidBytes, notFound.id))!.push!.endpointExpired, true);
    assert.equal((await devices.find(uidBytes, broken.id))!.push!.endpointExpired, false);
    assert.equal((await devices.find(uidBytes, unreachable))!.push!.endpointExpired, false);

    const metrics = await (await fetch(`${server.origin}/__metrics__`)).text();
    const count = (outcome: string): number => {
      const line = metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('push_notifications_total{') && l.includes('reason="profileUpdated"') && l.includes(`outcome="${outcome}"`),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    assert.ok(count('resetCallback') >= 1, 'the 404 is counted');
    assert.ok(count('failed') >= 2, 'the 500 and the unreachable service are counted');
  });

  test('keys that cannot encrypt mark the endpoint expired, as FxA does', async () => {
    const { uid } = await newAccount('badkeys');
    const device = await addDevice(uid);
    const uidBytes = Buffer.from(uid, 'hex');
    // 65 bytes in the uncompressed-point form, but not a point on the curve.
    const notAPoint = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)]).toString('base64url');
    await devices.update(uidBytes, device.id, { pushPublicKey: notAPoint });
    await push().profileUpdated(uidBytes);
    assert.equal((await devices.find(uidBytes, device.id))!.push!.endpointExpired, true);
    assert.deepEqual(receivedBy(device), []);
  });

  test('a push service that never answers is given up after PUSH_TIMEOUT_MS; the others still get theirs', async () => {
    const sockets = new Set<Socket>();
    // Accepts connections and reads requests, never answers.
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const slow = await startTestServer({ env: { PUSH_TIMEOUT_MS: '200', RATE_LIMIT_ENABLED: 'false' } });
    try {
      const { uid } = await newAccount('timeout', slow.client, slow);
      const healthy = await addDevice(uid, {}, slow);
      const hanging = randomBytes(16);
      await new DeviceStore(slow.app.services.db).insert({
        uid: Buffer.from(uid, 'hex'),
        id: hanging,
        sessionTokenId: null,
        refreshTokenId: randomBytes(32),
        createdAt: slow.clock.now(),
        pushCallback: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/push/hang`,
      });
      await slow.app.services.push.accountConfirm(Buffer.from(uid, 'hex'));
      // The deadline ends the exchange: the silent service sees its connection closed.
      assert.equal(sockets.size, 1);
      await Promise.all([...sockets].map((socket) => (socket.destroyed ? undefined : once(socket, 'close'))));
      assertWellFormed(await pushTo(healthy), slow);
      const metrics = await (await fetch(`${slow.origin}/__metrics__`)).text();
      assert.match(metrics, /push_notifications_total\{[^}]*outcome="failed"[^}]*\} 1\b/);
      assert.match(metrics, /push_notifications_total\{[^}]*outcome="sent"[^}]*\} 1\b/);
    } finally {
      await slow.close();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('POST /session/verify/send_push and /session/verify/verify_push', () => {
  /**
   * A verified account signed in on desktop Firefox (with a device), plus a new sign-in
   * waiting for confirmation, and devices that must not get the login request.
   */
  async function signInToApprove(label: string, on = server) {
    const firefox = clientWithAgent(FIREFOX_DESKTOP_UA, on);
    const { uid, email, sessionToken: approverToken } = await newAccount(label, firefox, on);
    const approver = await addDevice(uid, { sessionToken: approverToken }, on);
    const pending = await firefox.signIn(email, PASSWORD, { keys: true });
    assert.equal(pending.verified, false);
    const asking = await addDevice(uid, { sessionToken: pending.sessionToken }, on);
    // A device that is a phone by type, and one with no user agent at all (a refresh token's).
    const phoneSignin = await firefox.signIn(email, PASSWORD);
    const mobile = await addDevice(uid, { sessionToken: phoneSignin.sessionToken, type: 'mobile' }, on);
    const refreshDevice = await addDevice(uid, {}, on);
    // An unconfirmed desktop Firefox: it may belong to whoever asks, so it never gets the code.
    const unconfirmed = await firefox.signIn(email, PASSWORD);
    const unconfirmedDevice = await addDevice(uid, { sessionToken: unconfirmed.sessionToken }, on);
    return { uid, email, approverToken, approver, pending, asking, others: [mobile, refreshDevice, unconfirmedDevice] };
  }

  test('send_push delivers the login request to confirmed desktop Firefox devices; verify_push confirms the sign-in', async () => {
    const flow = await signInToApprove('approve');

    assert.deepEqual(await server.client.sessionVerifySendPush(flow.pending.sessionToken), {});
    const request = await pushTo(flow.approver);
    assertWellFormed(request);
    assert.equal(request.ttl, 0);
    const { version, command, data } = request.payload as {
      version: number;
      command: string;
      data: { title: string; body: string; url: string };
    };
    assert.equal(version, 1);
    assert.equal(command, 'fxaccounts:verify_login');
    assert.equal(data.title, VERIFY_LOGIN_TITLE);
    assert.equal(data.body, VERIFY_LOGIN_BODY);
    const url = new URL(data.url);
    assert.equal(`${url.origin}${url.pathname}`, `${server.origin}/signin_push_code_confirm`);
    assert.equal(url.searchParams.get('uid'), flow.uid);
    assert.equal(url.searchParams.get('email'), flow.email);
    assert.match(url.searchParams.get('code')!, /^\d{6}$/);
    assert.match(url.searchParams.get('tokenVerificationId')!, /^[0-9a-f]{32}$/);
    const meta = JSON.parse(decodeURIComponent(url.searchParams.get('remoteMetaData')!)) as Record<string, string>;
    assert.equal(meta.deviceFamily, 'Firefox');
    assert.equal(meta.ipAddress, '127.0.0.1');
    assert.deepEqual(receivedBy(flow.asking, ...flow.others), []);

    const code = url.searchParams.get('code')!;
    const tokenVerificationId = url.searchParams.get('tokenVerificationId')!;
    const wrong = code === '000000' ? '111111' : '000000';
    await expectRejectedWithoutChange(
      server,
      () => server.client.sessionVerifyPush(flow.approverToken, { code: wrong, tokenVerificationId }),
      183,
      400,
    );
    assert.equal((await server.client.sessionStatus(flow.pending.sessionToken)).state, 'unverified');

    assert.deepEqual(await server.client.sessionVerifyPush(flow.approverToken, { code, tokenVerificationId }), {});
    assert.equal((await server.client.sessionStatus(flow.pending.sessionToken)).state, 'verified');
    const notice = await nextMail(server, flow.email, 'newDeviceLogin');
    assert.match(notice.text, /Firefox/);
    // accountConfirm: an empty push to every device with a callback.
    for (const device of [flow.approver, flow.asking, ...flow.others]) {
      const confirm = await pushTo(device, (p) => p.payload === null);
      assertWellFormed(confirm);
    }

    // Already confirmed: nothing waits on the id any more, whatever the code.
    const before = await server.snapshot();
    assert.deepEqual(await server.client.sessionVerifyPush(flow.approverToken, { code: wrong, tokenVerificationId }), {});
    assert.equal(await server.snapshot(), before);
    // A confirmed session has nothing to ask for.
    const count = sink.received.length;
    assert.deepEqual(await server.client.sessionVerifySendPush(flow.pending.sessionToken), {});
    assert.equal(sink.received.length, count);
  });

  test('verify_push: bad input and unknown ids change nothing', async () => {
    const flow = await signInToApprove('badinput');
    const token = flow.approverToken;
    const id = randomBytes(16).toString('hex');
    const cases: [unknown, number][] = [
      [{ code: '123456' }, 108],
      [{ tokenVerificationId: id }, 108],
      [{ code: 'abcdef', tokenVerificationId: id }, 107],
      [{ code: 123456, tokenVerificationId: id }, 107],
      [{ code: '123456', tokenVerificationId: 'zz'.repeat(16) }, 107],
      [{ code: '123456', tokenVerificationId: 'ab'.repeat(15) }, 107],
      [{ code: '1'.repeat(33), tokenVerificationId: id }, 107],
      [null, 107],
    ];
    for (const [body, errno] of cases) {
      await expectRejectedWithoutChange(server, () => server.client.sessionVerifyPush(token, body as never), errno, 400);
    }
    // A well-formed id no session waits on: success, nothing confirmed.
    const before = await server.snapshot();
    assert.deepEqual(await server.client.sessionVerifyPush(token, { code: '123456', tokenVerificationId: id }), {});
    assert.equal(await server.snapshot(), before);
    assert.equal((await server.client.sessionStatus(flow.pending.sessionToken)).state, 'unverified');
    // Another account's session cannot confirm this one, even with the right code.
    const stranger = await newAccount('stranger');
    await server.client.sessionVerifySendPush(flow.pending.sessionToken);
    const url = new URL(((await pushTo(flow.approver)).payload as { data: { url: string } }).data.url);
    const pushed = { code: url.searchParams.get('code')!, tokenVerificationId: url.searchParams.get('tokenVerificationId')! };
    assert.deepEqual(await server.client.sessionVerifyPush(stranger.sessionToken, pushed), {});
    assert.equal((await server.client.sessionStatus(flow.pending.sessionToken)).state, 'unverified');
    // Unauthenticated.
    await expectError(server.client.sessionVerifyPush('ab'.repeat(32), pushed), 110, 401);
    await expectError(server.client.sessionVerifySendPush('ab'.repeat(32)), 110, 401);
  });

  test('send_push is throttled with the code-resend budget (114)', async () => {
    const limited = await startTestServer({ env: { SIGNIN_CONFIRMATION_FORCE_ALL: 'true' } });
    try {
      const flow = await signInToApprove('throttle', limited);
      for (let i = 0; i < 5; i++) await limited.client.sessionVerifySendPush(flow.pending.sessionToken);
      assert.equal(receivedBy(flow.approver).length, 5);
      assertWellFormed(receivedBy(flow.approver)[0]!, limited);
      await expectError(limited.client.sessionVerifySendPush(flow.pending.sessionToken), 114, 429);
      assert.equal(receivedBy(flow.approver).length, 5);
    } finally {
      await limited.close();
    }
  });
});

describe('VAPID keys', () => {
  test('generated once and shared by every instance of a deployment', async () => {
    const pair = await startInstancePair({ clock: new ManualClock() });
    try {
      const first = pair.first.app.services.push.vapidPublicKey;
      assert.equal(pair.second.app.services.push.vapidPublicKey, first);
      assert.equal(Buffer.from(first, 'base64url').length, 65);
      assert.notEqual(first, push().vapidPublicKey, 'each deployment has its own key');
    } finally {
      await pair.close();
    }
  });

  test('PUSH_VAPID_PRIVATE_KEY: configured key used as is; a bad one stops the start naming the setting', async () => {
    const privateKey = randomBytes(32);
    const configured = await startTestServer({ env: { PUSH_VAPID_PRIVATE_KEY: privateKey.toString('base64url') } });
    try {
      assert.equal(configured.app.services.push.vapidPublicKey, vapidPublicKey(privateKey).toString('base64url'));
    } finally {
      await configured.close();
    }
    assert.throws(() => loadConfig({}, { PUSH_VAPID_PRIVATE_KEY: 'not-a-key' }), /config PUSH_VAPID_PRIVATE_KEY: expected a 32-byte/);
    assert.throws(
      () => loadConfig({}, { PUSH_VAPID_PRIVATE_KEY: Buffer.alloc(32).toString('base64url') }),
      /config PUSH_VAPID_PRIVATE_KEY: not a valid P-256 private key/,
    );
  });

  test('sub is PUBLIC_URL when it is https', async () => {
    const { vapidSubject } = await import('../src/push/vapid.js');
    assert.equal(vapidSubject('https://accounts.example.com', 'Accounts <no-reply@example.com>'), 'https://accounts.example.com');
    assert.equal(vapidSubject('http://127.0.0.1:9000', 'Accounts <no-reply@example.com>'), 'mailto:no-reply@example.com');
    assert.equal(vapidSubject('http://127.0.0.1:9000', 'ops@example.com'), 'mailto:ops@example.com');
  });
});
