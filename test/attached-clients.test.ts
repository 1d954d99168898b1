// Attached clients (PROTOCOL.md §9.4) over real HTTP: GET /account/attached_clients merges
// devices, OAuth authorisations and sessions; GET /account/sessions lists sessions with their
// devices; POST /account/attached_client/destroy disconnects exactly the client it names —
// on whichever database DATABASE_URL names. Devices are inserted with the device store, as the
// registration routes are another feature's.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AuthClient, ClientError } from '../src/client/index.js';
import { deriveToken } from '../src/crypto/index.js';
import { mergeAttachedClients, synthesizeName, type SessionEntry } from '../src/features/devices/attached-clients.js';
import { AttachedClientsService } from '../src/features/devices/attached-service.js';
import { DeviceService } from '../src/features/devices/service.js';
import { DeviceStore, type NewDevice } from '../src/features/devices/store.js';
import { EMPTY_USER_AGENT } from '../src/http/user-agent.js';
import { formatRelativeTime, relativeTimeLanguage } from '../src/protocol/relative-time.js';
import { createFxaJsClient, type FxaJsClient } from './helpers/fxa-js-client.js';
import { expectError, expectRejectedWithoutChange, HOUR, DAY, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { basicAuth, CONFIDENTIAL, FIREFOX, OAUTH_CLIENTS, oauthPost, UNTRUSTED } from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

let server: TestServer;
let devices: DeviceStore;
before(async () => {
  server = await startTestServer({ env: { OAUTH_CLIENTS, RATE_LIMIT_ENABLED: 'false' } });
  devices = new DeviceStore(server.app.services.db);
});
after(() => server.close());

interface AttachedClient {
  clientId: string | null;
  deviceId: string | null;
  sessionTokenId: string | null;
  sessionTokenHandle: string | null;
  refreshTokenId: string | null;
  isCurrentSession: boolean;
  deviceType: string | null;
  name: string | null;
  createdTime: number;
  createdTimeFormatted?: string;
  lastAccessTime: number;
  lastAccessTimeFormatted?: string;
  approximateLastAccessTime?: number;
  scope: string[] | null;
  location: Record<string, string>;
  userAgent: string;
  os: string | null;
}

/** A client whose requests carry `userAgent` (sessions remember it). */
function clientWithAgent(userAgent: string): AuthClient {
  return new AuthClient(server.url, {
    now: () => server.clock.now(),
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('user-agent', userAgent);
      return fetch(input, { ...init, headers });
    },
  });
}

const tokenIdOf = (sessionToken: string) => deriveToken('sessionToken', Buffer.from(sessionToken, 'hex')).tokenId;
const refreshTokenIdOf = (refreshToken: string) => createHash('sha256').update(Buffer.from(refreshToken, 'hex')).digest();

/** A verified account whose first session was made by Firefox on Windows. */
async function account(label: string) {
  const email = uniqueEmail(label);
  const signup = await clientWithAgent(FIREFOX_WINDOWS).signUp(email, PASSWORD);
  const verify = await server.mail.waitForMail(email, (mail) => mail.headers['x-template-name'] === 'verify');
  await server.client.verifyCode(signup.uid, verify.headers['x-verify-code']!);
  return { email, uid: signup.uid, sessionToken: signup.sessionToken };
}

/** Another (confirmed) session of the account, from `userAgent`. */
async function anotherSession(email: string, userAgent = FIREFOX_LINUX): Promise<string> {
  const login = await clientWithAgent(userAgent).signIn(email, PASSWORD);
  assert.equal(login.sessionVerified, true);
  return login.sessionToken;
}

/** A Firefox refresh token (fxa-credentials, offline), as a mobile Firefox holds one. */
async function firefoxRefreshToken(sessionToken: string, scope = 'profile'): Promise<string> {
  const tokens = await server.client.oauthToken(
    { client_id: FIREFOX, grant_type: 'fxa-credentials', scope, access_type: 'offline' },
    sessionToken,
  );
  assert.ok(tokens.refresh_token);
  return tokens.refresh_token;
}

async function insertDevice(uid: string, fields: Partial<NewDevice> = {}): Promise<string> {
  const id = randomBytes(16);
  await devices.insert({
    uid: Buffer.from(uid, 'hex'),
    id,
    sessionTokenId: null,
    refreshTokenId: null,
    createdAt: server.clock.now(),
    ...fields,
  });
  return id.toString('hex');
}

function attachedClients(sessionToken: string, options: { lang?: string; query?: Record<string, string> } = {}) {
  return server.client.request<AttachedClient[]>('GET', '/account/attached_clients', {
    token: { kind: 'sessionToken', tokenData: sessionToken },
    query: options.query,
    headers: options.lang ? { 'accept-language': options.lang } : {},
  });
}

function destroy(sessionToken: string, body: unknown) {
  return server.client.request<Record<string, never>>('POST', '/account/attached_client/destroy', {
    token: { kind: 'sessionToken', tokenData: sessionToken },
    body,
  });
}

async function sessionStatus(sessionToken: string): Promise<number> {
  try {
    await server.client.request('GET', '/session/status', { token: { kind: 'sessionToken', tokenData: sessionToken } });
    return 200;
  } catch (err) {
    assert.ok(err instanceof ClientError);
    return err.errno!;
  }
}

/** 200 when the refresh token still mints access tokens, else the errno. */
async function refreshes(refreshToken: string): Promise<number> {
  const response = await oauthPost(server, '/token', {
    grant_type: 'refresh_token',
    client_id: FIREFOX,
    refresh_token: refreshToken,
  });
  return response.status === 200 ? 200 : (response.body.errno as number);
}

const HANDLE = /^[0-9a-f]{64}$/;

describe('GET /account/attached_clients', () => {
  test('a lone session: an opaque handle, the current session, names and times from its user agent', async () => {
    const signedUpAt = server.clock.now();
    const { sessionToken } = await account('lone');
    server.clock.advance(3 * HOUR);
    const [entry, ...rest] = await attachedClients(sessionToken);
    assert.equal(rest.length, 0);
    assert.match(entry!.sessionTokenId!, HANDLE);
    assert.notEqual(entry!.sessionTokenId, tokenIdOf(sessionToken).toString('hex'), 'the raw token id never leaves the server');
    assert.equal(entry!.sessionTokenHandle, entry!.sessionTokenId);
    assert.deepEqual(entry, {
      clientId: null,
      deviceId: null,
      sessionTokenId: entry!.sessionTokenId,
      sessionTokenHandle: entry!.sessionTokenId,
      refreshTokenId: null,
      isCurrentSession: true,
      deviceType: null,
      name: 'Firefox 130, Windows 10',
      createdTime: signedUpAt,
      createdTimeFormatted: '3 hours ago',
      // Listing uses the session (FxA touches it).
      lastAccessTime: server.clock.now(),
      lastAccessTimeFormatted: 'a few seconds ago',
      scope: null,
      location: {},
      userAgent: 'Firefox 130',
      os: 'Windows',
    });

    const [german] = await attachedClients(sessionToken, { lang: 'de-DE,de;q=0.9,en;q=0.5' });
    assert.equal(german!.createdTimeFormatted, 'vor 3 Stunden');
    const [french] = await attachedClients(sessionToken, { lang: 'en;q=0.5, fr;q=0.51' });
    assert.equal(french!.createdTimeFormatted, 'il y a 3 heures');
    const [fallback] = await attachedClients(sessionToken, { lang: 'ja' });
    assert.equal(fallback!.createdTimeFormatted, '3 hours ago');
    // The handle is stable and the same for every session of the account that lists it.
    assert.equal((await attachedClients(sessionToken))[0]!.sessionTokenId, entry!.sessionTokenId);
  });

  test('a session with a device: one entry, the device first, typed desktop, min/max times', async () => {
    const { email, uid, sessionToken } = await account('session-device');
    server.clock.advance(HOUR);
    const laptop = await anotherSession(email);
    const sessionCreatedAt = server.clock.now();
    server.clock.advance(10 * 60_000);
    const deviceId = await insertDevice(uid, { sessionTokenId: tokenIdOf(laptop), name: 'My laptop' });
    const deviceCreatedAt = server.clock.now();
    server.clock.advance(HOUR);

    const list = await attachedClients(sessionToken);
    assert.equal(list.length, 2);
    const [device, own] = list;
    assert.equal(device!.deviceId, deviceId);
    assert.equal(device!.deviceType, 'desktop');
    assert.equal(device!.name, 'My laptop');
    assert.equal(device!.isCurrentSession, false);
    assert.equal(device!.clientId, null);
    assert.equal(device!.refreshTokenId, null);
    assert.match(device!.sessionTokenId!, HANDLE);
    assert.equal(device!.createdTime, sessionCreatedAt, 'the earlier of the device and its session');
    assert.equal(device!.lastAccessTime, deviceCreatedAt, 'the later of the device and its session');
    assert.equal(device!.createdTimeFormatted, 'an hour ago');
    assert.equal(device!.userAgent, 'Firefox 128');
    assert.equal(device!.os, 'Linux');
    assert.equal(own!.deviceId, null);
    assert.equal(own!.isCurrentSession, true);

    // Seen from the laptop, the device entry is the current session.
    const fromLaptop = await attachedClients(laptop);
    assert.equal(fromLaptop.find((entry) => entry.deviceId === deviceId)!.isCurrentSession, true);
    assert.equal(fromLaptop.find((entry) => entry.deviceId === null)!.isCurrentSession, false);
  });

  test('a device registered with a refresh token joins its OAuth authorisation: mobile, named after the client', async () => {
    const { uid, sessionToken } = await account('oauth-device');
    server.clock.advance(HOUR);
    const refreshToken = await firefoxRefreshToken(sessionToken, 'profile https://identity.mozilla.com/apps/oldsync');
    const refreshTokenId = refreshTokenIdOf(refreshToken);
    const tokenAt = server.clock.now();
    server.clock.advance(HOUR);
    const deviceId = await insertDevice(uid, { refreshTokenId });
    server.clock.advance(HOUR);
    // Using the token moves its last access.
    assert.equal(await refreshes(refreshToken), 200);
    const usedAt = server.clock.now();

    const list = await attachedClients(sessionToken);
    assert.equal(list.length, 2, JSON.stringify(list));
    const [device, own] = list;
    assert.deepEqual(
      { ...device, createdTimeFormatted: undefined, lastAccessTimeFormatted: undefined },
      {
        clientId: FIREFOX,
        deviceId,
        sessionTokenId: null,
        sessionTokenHandle: null,
        refreshTokenId: refreshTokenId.toString('hex'),
        isCurrentSession: false,
        deviceType: 'mobile',
        name: 'Firefox',
        createdTime: tokenAt,
        createdTimeFormatted: undefined,
        lastAccessTime: usedAt,
        lastAccessTimeFormatted: undefined,
        scope: ['https://identity.mozilla.com/apps/oldsync', 'profile'],
        location: {},
        userAgent: '',
        os: null,
      },
    );
    assert.equal(device!.createdTimeFormatted, '2 hours ago');
    assert.equal(own!.isCurrentSession, true);
  });

  test('OAuth clients without a device: refresh tokens one entry each, access-token-only clients merged', async () => {
    const { sessionToken } = await account('oauth-only');
    const refreshToken = await firefoxRefreshToken(sessionToken);
    // An untrusted relying party that got an access token only (no offline access).
    const { code } = await server.client.oauthAuthorization(sessionToken, {
      client_id: UNTRUSTED.id,
      scope: 'profile:email',
      state: 's',
    } as never);
    const tokens = await oauthPost(server, '/token', { code }, { authorization: basicAuth(UNTRUSTED) });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.refresh_token, undefined);

    const list = await attachedClients(sessionToken);
    assert.equal(list.length, 3, JSON.stringify(list));
    const firefox = list.find((entry) => entry.clientId === FIREFOX)!;
    assert.equal(firefox.refreshTokenId, refreshTokenIdOf(refreshToken).toString('hex'));
    assert.equal(firefox.deviceId, null);
    assert.equal(firefox.deviceType, null, 'only devices get a default type');
    assert.equal(firefox.name, 'Firefox');
    assert.deepEqual(firefox.scope, ['profile']);
    assert.equal(firefox.sessionTokenId, null);
    const untrusted = list.find((entry) => entry.clientId === UNTRUSTED.id)!;
    assert.equal(untrusted.refreshTokenId, null);
    assert.equal(untrusted.name, 'Third party');
    assert.deepEqual(untrusted.scope, ['profile:email']);
    // Sessions come last.
    assert.equal(list[2]!.isCurrentSession, true);
    assert.equal(list[2]!.clientId, null);
  });

  test('order: devices (oldest first), then OAuth authorisations, then the remaining sessions', async () => {
    const { email, uid, sessionToken } = await account('order');
    const second = await anotherSession(email);
    await firefoxRefreshToken(sessionToken);
    server.clock.advance(1000);
    const older = await insertDevice(uid, { sessionTokenId: tokenIdOf(second), name: 'Older', type: 'tablet' });
    server.clock.advance(1000);
    const newer = await insertDevice(uid, { name: null });
    const list = await attachedClients(sessionToken);
    assert.deepEqual(
      list.map((entry) => [entry.deviceId, entry.clientId, entry.isCurrentSession]),
      [
        [older, null, false],
        [newer, null, false],
        [null, FIREFOX, false],
        [null, null, true],
      ],
    );
    assert.equal(list[0]!.deviceType, 'tablet', 'a type the device sent is kept');
    // A device with no name, token or client stays nameless (FxA answers null).
    assert.equal(list[1]!.name, null);
    assert.equal(list[1]!.deviceType, 'desktop');
  });

  test('?filterIdleDevicesTimestamp leaves out devices idle since then', async () => {
    const { uid, sessionToken } = await account('idle');
    const now = server.clock.now();
    await insertDevice(uid, { name: 'stale', createdAt: now - 30 * DAY });
    const fresh = await insertDevice(uid, { name: 'fresh', createdAt: now - 40 * DAY });
    // Last used recently, though registered long ago.
    await devices.touch(Buffer.from(uid, 'hex'), Buffer.from(fresh, 'hex'), now - DAY);
    const since = String(now - 21 * DAY);
    const shown = await attachedClients(sessionToken, { query: { filterIdleDevicesTimestamp: since } });
    assert.deepEqual(
      shown.filter((entry) => entry.deviceId).map((entry) => entry.deviceId),
      [fresh],
    );
    assert.equal((await attachedClients(sessionToken)).filter((entry) => entry.deviceId).length, 2);
    await expectError(attachedClients(sessionToken, { query: { filterIdleDevicesTimestamp: 'soon' } }), 107, 400);
  });

  test('an expired session without a device is not listed', async () => {
    const { email, sessionToken } = await account('expired');
    server.clock.advance(27 * DAY);
    // Confirmed or not, a session may list.
    const fresh = (await clientWithAgent(FIREFOX_LINUX).signIn(email, PASSWORD)).sessionToken;
    server.clock.advance(2 * DAY);
    const list = await attachedClients(fresh);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.isCurrentSession, true);
    assert.equal(await sessionStatus(sessionToken), 110);
  });

  test('needs a session token', async () => {
    const response = await fetch(`${server.url}/account/attached_clients`);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { errno: number }).errno, 110);
  });
});

describe('GET /account/sessions', () => {
  test('each session with its device, in FxA shape', async () => {
    const { email, uid, sessionToken } = await account('sessions');
    const phone = await anotherSession(email, 'Mozilla/5.0 (Android 14; Mobile; rv:130.0) Gecko/130.0 Firefox/130.0');
    const deviceId = await insertDevice(uid, {
      sessionTokenId: tokenIdOf(phone),
      name: 'Phone',
      type: 'mobile',
      pushCallback: 'https://updates.push.services.mozilla.com/wpush/v2/abc',
      pushPublicKey: 'BCp93zru09_hab2Bg37LpTNG__Pw6eMPEP2hrQpwuytoj3h4chXpGc-3qqdKyqjuvAiEupsnOd_RLyc7erJHWgA',
      pushAuthKey: 'w3b14Zjc-Afj2SDOLOyong',
      availableCommands: { 'https://identity.mozilla.com/cmd/open-uri': 'keys' },
    });
    server.clock.advance(5 * 60_000);
    const list = await server.client.request<Array<Record<string, unknown>>>('GET', '/account/sessions', {
      token: { kind: 'sessionToken', tokenData: sessionToken },
    });
    assert.equal(list.length, 2);
    const own = list.find((entry) => entry.isCurrentDevice)!;
    const device = list.find((entry) => entry.isDevice)!;
    assert.match(own.id as string, HANDLE);
    assert.notEqual(own.id, tokenIdOf(sessionToken).toString('hex'));
    assert.deepEqual(own, {
      id: own.id,
      lastAccessTime: own.createdTime,
      createdTime: own.createdTime,
      createdTimeFormatted: '5 minutes ago',
      lastAccessTimeFormatted: '5 minutes ago',
      location: {},
      userAgent: 'Firefox 130',
      os: 'Windows',
      deviceId: null,
      deviceName: 'Firefox 130, Windows 10',
      deviceAvailableCommands: null,
      deviceType: 'desktop',
      deviceCallbackURL: null,
      deviceCallbackPublicKey: null,
      deviceCallbackAuthKey: null,
      deviceCallbackIsExpired: false,
      isDevice: false,
      isCurrentDevice: true,
    });
    assert.equal(device.deviceId, deviceId);
    assert.equal(device.deviceName, 'Phone');
    assert.equal(device.deviceType, 'mobile');
    assert.equal(device.os, 'Android');
    assert.equal(device.deviceCallbackURL, 'https://updates.push.services.mozilla.com/wpush/v2/abc');
    assert.equal(device.deviceCallbackAuthKey, 'w3b14Zjc-Afj2SDOLOyong');
    assert.deepEqual(device.deviceAvailableCommands, { 'https://identity.mozilla.com/cmd/open-uri': 'keys' });
    assert.equal(device.isCurrentDevice, false);
    // The same handles as the attached clients.
    const attached = await attachedClients(sessionToken);
    assert.deepEqual(new Set(attached.map((entry) => entry.sessionTokenId)), new Set(list.map((entry) => entry.id)));
  });
});

describe('POST /account/attached_client/destroy', () => {
  test('deviceId: the device, its session and its refresh token go; nothing else', async () => {
    const { email, uid, sessionToken } = await account('destroy-device');
    const laptop = await anotherSession(email);
    const laptopId = await insertDevice(uid, { sessionTokenId: tokenIdOf(laptop), name: 'Laptop' });
    const phoneToken = await firefoxRefreshToken(sessionToken);
    const phoneId = await insertDevice(uid, { refreshTokenId: refreshTokenIdOf(phoneToken), name: 'Phone' });
    const otherToken = await firefoxRefreshToken(sessionToken);
    const list = await attachedClients(sessionToken);
    const laptopEntry = list.find((entry) => entry.deviceId === laptopId)!;

    // The entry as listed, ids and all.
    assert.deepEqual(await destroy(sessionToken, laptopEntry), {});
    assert.equal(await devices.find(Buffer.from(uid, 'hex'), Buffer.from(laptopId, 'hex')), undefined);
    assert.equal(await sessionStatus(laptop), 110);
    assert.equal(await sessionStatus(sessionToken), 200);

    const phoneEntry = (await attachedClients(sessionToken)).find((entry) => entry.deviceId === phoneId)!;
    assert.equal(phoneEntry.refreshTokenId, refreshTokenIdOf(phoneToken).toString('hex'));
    assert.deepEqual(
      await destroy(sessionToken, { deviceId: phoneId, refreshTokenId: phoneEntry.refreshTokenId, clientId: FIREFOX }),
      {},
    );
    assert.equal(await refreshes(phoneToken), 108);
    assert.equal(await refreshes(otherToken), 200, "the client's other token is not the device's");
    const after = await attachedClients(sessionToken);
    assert.deepEqual(
      after.map((entry) => [entry.deviceId, entry.clientId]),
      [
        [null, FIREFOX],
        [null, null],
      ],
    );
    // Gone: a second destroy of it is 123.
    await expectRejectedWithoutChange(server, () => destroy(sessionToken, { deviceId: laptopId }), 123, 400);
  });

  test('deviceId with ids that are not the device’s: 107, and nothing is destroyed', async () => {
    const { email, uid, sessionToken } = await account('destroy-mismatch');
    const laptop = await anotherSession(email);
    const third = await anotherSession(email);
    const deviceId = await insertDevice(uid, { sessionTokenId: tokenIdOf(laptop) });
    const entries = await attachedClients(sessionToken);
    const thirdHandle = entries.find((entry) => !entry.deviceId && !entry.isCurrentSession)!.sessionTokenId;
    await expectRejectedWithoutChange(server, () => destroy(sessionToken, { deviceId, sessionTokenId: thirdHandle }), 107, 400);
    await expectRejectedWithoutChange(server, () => destroy(sessionToken, { deviceId, sessionTokenHandle: thirdHandle }), 107, 400);
    await expectRejectedWithoutChange(
      server,
      () => destroy(sessionToken, { deviceId, refreshTokenId: 'ab'.repeat(32), clientId: FIREFOX }),
      107,
      400,
    );
    // The raw token id is not a handle.
    await expectRejectedWithoutChange(
      server,
      () => destroy(sessionToken, { deviceId, sessionTokenId: tokenIdOf(laptop).toString('hex') }),
      107,
      400,
    );
    await expectRejectedWithoutChange(server, () => destroy(sessionToken, { deviceId: 'cd'.repeat(16) }), 123, 400);
    assert.equal(await sessionStatus(laptop), 200);
    assert.equal(await sessionStatus(third), 200);
    assert.ok(await devices.find(Buffer.from(uid, 'hex'), Buffer.from(deviceId, 'hex')));
  });

  test("another account's device is unknown (123)", async () => {
    const owner = await account('device-owner');
    const deviceId = await insertDevice(owner.uid, { name: 'theirs' });
    const intruder = await account('device-intruder');
    await expectRejectedWithoutChange(server, () => destroy(intruder.sessionToken, { deviceId }), 123, 400);
  });

  test('refreshTokenId + clientId: that token only; again, or not ours: {} and nothing changes', async () => {
    const { sessionToken } = await account('destroy-refresh');
    const first = await firefoxRefreshToken(sessionToken);
    const second = await firefoxRefreshToken(sessionToken);
    const body = { clientId: FIREFOX, refreshTokenId: refreshTokenIdOf(first).toString('hex') };
    assert.deepEqual(await destroy(sessionToken, body), {});
    assert.equal(await refreshes(first), 108);
    assert.equal(await refreshes(second), 200);
    const before = await server.snapshot();
    assert.deepEqual(await destroy(sessionToken, body), {}, 'already revoked: the account is as asked');
    assert.equal(await server.snapshot(), before);

    const stranger = await account('refresh-stranger');
    const theirs = await firefoxRefreshToken(stranger.sessionToken);
    const beforeForeign = await server.snapshot();
    assert.deepEqual(
      await destroy(sessionToken, { clientId: FIREFOX, refreshTokenId: refreshTokenIdOf(theirs).toString('hex') }),
      {},
    );
    assert.equal(await server.snapshot(), beforeForeign);
    assert.equal(await refreshes(theirs), 200);
  });

  test('clientId alone: every token the client holds for the account, and only for it', async () => {
    const { sessionToken } = await account('destroy-client');
    const first = await firefoxRefreshToken(sessionToken);
    const second = await firefoxRefreshToken(sessionToken);
    const { code } = await server.client.oauthAuthorization(sessionToken, {
      client_id: CONFIDENTIAL.id,
      scope: 'profile',
      access_type: 'offline',
      state: 's',
    } as never);
    const relier = await oauthPost(server, '/token', { code }, { authorization: basicAuth(CONFIDENTIAL) });
    assert.equal(relier.status, 200);
    const stranger = await account('client-stranger');
    const theirs = await firefoxRefreshToken(stranger.sessionToken);

    assert.deepEqual(await destroy(sessionToken, { clientId: FIREFOX }), {});
    assert.equal(await refreshes(first), 108);
    assert.equal(await refreshes(second), 108);
    assert.equal(await refreshes(theirs), 200);
    const list = await attachedClients(sessionToken);
    assert.deepEqual(
      list.map((entry) => entry.clientId),
      [CONFIDENTIAL.id, null],
    );
    assert.equal(await sessionStatus(sessionToken), 200);
  });

  test('a session handle: that session (and a device on it), the current one included; not another account’s', async () => {
    const { email, uid, sessionToken } = await account('destroy-session');
    const other = await anotherSession(email);
    const withDevice = await anotherSession(email);
    const deviceId = await insertDevice(uid, { sessionTokenId: tokenIdOf(withDevice) });
    const list = await attachedClients(sessionToken);
    const otherHandle = list.find((entry) => !entry.deviceId && !entry.isCurrentSession)!.sessionTokenId!;
    const deviceHandle = list.find((entry) => entry.deviceId === deviceId)!.sessionTokenId!;
    const ownHandle = list.find((entry) => entry.isCurrentSession)!.sessionTokenId!;

    assert.deepEqual(await destroy(sessionToken, { sessionTokenId: otherHandle }), {});
    assert.equal(await sessionStatus(other), 110);
    assert.equal(await sessionStatus(withDevice), 200);

    // The newest FxA's field name works too; the session's device goes with it.
    assert.deepEqual(await destroy(sessionToken, { sessionTokenHandle: deviceHandle }), {});
    assert.equal(await sessionStatus(withDevice), 110);
    assert.equal(await devices.find(Buffer.from(uid, 'hex'), Buffer.from(deviceId, 'hex')), undefined);

    // A handle of another account's session names nothing of ours.
    const stranger = await account('session-stranger');
    const strangerHandle = (await attachedClients(stranger.sessionToken))[0]!.sessionTokenId!;
    await expectRejectedWithoutChange(server, () => destroy(sessionToken, { sessionTokenId: strangerHandle }), 107, 400);
    assert.equal(await sessionStatus(stranger.sessionToken), 200);
    // Nor does its raw id.
    await expectRejectedWithoutChange(
      server,
      () => destroy(sessionToken, { sessionTokenId: tokenIdOf(stranger.sessionToken).toString('hex') }),
      107,
      400,
    );
    // Spent handles are unknown.
    await expectRejectedWithoutChange(server, () => destroy(sessionToken, { sessionTokenId: otherHandle }), 107, 400);

    assert.deepEqual(await destroy(sessionToken, { sessionTokenId: ownHandle }), {});
    assert.equal(await sessionStatus(sessionToken), 110);
  });

  test('bad input is 107 and changes nothing', async () => {
    const { email, uid, sessionToken } = await account('destroy-bad');
    const other = await anotherSession(email);
    const deviceId = await insertDevice(uid, { sessionTokenId: tokenIdOf(other) });
    await firefoxRefreshToken(sessionToken);
    const handle = (await attachedClients(sessionToken)).find((entry) => entry.deviceId)!.sessionTokenId!;
    const cases: unknown[] = [
      {},
      { deviceId: null, clientId: null, sessionTokenId: null, refreshTokenId: null },
      { deviceId: 'zz'.repeat(16) },
      { deviceId: deviceId.slice(2) },
      { deviceId: 12345 },
      { deviceId: [deviceId] },
      { clientId: 'not hex' },
      { clientId: FIREFOX + 'aa' },
      { clientId: true },
      { sessionTokenId: 'g'.repeat(64) },
      { sessionTokenId: handle.slice(1) },
      { sessionTokenId: { id: handle } },
      { refreshTokenId: 'ab'.repeat(32) },
      { refreshTokenId: 'ab'.repeat(31), clientId: FIREFOX },
      { clientId: FIREFOX, sessionTokenId: handle },
      { clientId: FIREFOX, refreshTokenId: 'ab'.repeat(32), sessionTokenId: handle },
      { sessionTokenId: handle, sessionTokenHandle: 'ab'.repeat(32) },
      'deviceId',
      [deviceId],
    ];
    for (const body of cases) {
      const error = await expectRejectedWithoutChange(server, () => destroy(sessionToken, body), 107, 400);
      assert.equal(error.body.code, 400, JSON.stringify(body));
    }
    // No body at all, and a body that is not JSON (sent raw, with the bearer form of the token).
    const before = await server.snapshot();
    await expectError(
      server.client.request('POST', '/account/attached_client/destroy', {
        token: { kind: 'sessionToken', tokenData: sessionToken },
        headers: { 'content-type': 'application/json' },
      }),
      107,
      400,
    );
    const raw = await fetch(`${server.url}/account/attached_client/destroy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer fxs_${tokenIdOf(sessionToken).toString('hex')}` },
      body: `{"deviceId": "${deviceId}"`,
    });
    assert.equal(raw.status, 400);
    assert.equal(((await raw.json()) as { errno: number }).errno, 106);
    assert.equal(await server.snapshot(), before);
    assert.equal(await sessionStatus(other), 200);
  });

  test('needs a verified account (104) and a confirmed session (138)', async () => {
    const { email, sessionToken } = await account('destroy-unconfirmed');
    server.clock.advance(8 * DAY);
    // Past the sign-in shortcuts, a new sign-in waits for its code.
    const login = await clientWithAgent(FIREFOX_LINUX).signIn(email, PASSWORD, { keys: true });
    assert.equal(login.sessionVerified, false);
    const handle = (await attachedClients(sessionToken)).find((entry) => entry.isCurrentSession)!.sessionTokenId!;
    await expectRejectedWithoutChange(server, () => destroy(login.sessionToken, { sessionTokenId: handle }), 138, 400);
    // Listing needs no confirmation.
    assert.equal((await attachedClients(login.sessionToken)).length, 2);

    // An account whose address is not verified yet: 104 first.
    const pending = await clientWithAgent(FIREFOX_WINDOWS).signUp(uniqueEmail('destroy-pending'), PASSWORD);
    const pendingHandle = (await attachedClients(pending.sessionToken))[0]!.sessionTokenId!;
    await expectRejectedWithoutChange(server, () => destroy(pending.sessionToken, { sessionTokenId: pendingHandle }), 104, 400);
  });

  test('concurrent destroys of one client both answer sanely and leave it fully gone', async () => {
    const { email, uid, sessionToken } = await account('destroy-race');
    for (let round = 0; round < 3; round++) {
      const laptop = await anotherSession(email);
      const refreshToken = await firefoxRefreshToken(sessionToken);
      const deviceId = await insertDevice(uid, { sessionTokenId: tokenIdOf(laptop), refreshTokenId: refreshTokenIdOf(refreshToken) });
      const results = await Promise.allSettled([destroy(sessionToken, { deviceId }), destroy(sessionToken, { deviceId })]);
      const outcomes = results.map((result) =>
        result.status === 'fulfilled' ? 200 : result.reason instanceof ClientError ? result.reason.errno : String(result.reason),
      );
      assert.ok(outcomes.includes(200), JSON.stringify(outcomes));
      for (const outcome of outcomes) assert.ok(outcome === 200 || outcome === 123, JSON.stringify(outcomes));
      assert.equal(await devices.find(Buffer.from(uid, 'hex'), Buffer.from(deviceId, 'hex')), undefined);
      assert.equal(await sessionStatus(laptop), 110);
      assert.equal(await refreshes(refreshToken), 108);
    }

    // A session by its handle, twice at once.
    const other = await anotherSession(email);
    const handle = (await attachedClients(sessionToken)).find((entry) => !entry.isCurrentSession && !entry.clientId)!.sessionTokenId!;
    const sessionResults = await Promise.allSettled([
      destroy(sessionToken, { sessionTokenId: handle }),
      destroy(sessionToken, { sessionTokenId: handle }),
    ]);
    const sessionOutcomes = sessionResults.map((result) =>
      result.status === 'fulfilled' ? 200 : result.reason instanceof ClientError ? result.reason.errno : String(result.reason),
    );
    assert.ok(sessionOutcomes.includes(200), JSON.stringify(sessionOutcomes));
    for (const outcome of sessionOutcomes) assert.ok(outcome === 200 || outcome === 107, JSON.stringify(sessionOutcomes));
    assert.equal(await sessionStatus(other), 110);

    // A refresh token, twice at once: both succeed.
    const refreshToken = await firefoxRefreshToken(sessionToken);
    const body = { clientId: FIREFOX, refreshTokenId: refreshTokenIdOf(refreshToken).toString('hex') };
    assert.deepEqual(await Promise.all([destroy(sessionToken, body), destroy(sessionToken, body)]), [{}, {}]);
    assert.equal(await refreshes(refreshToken), 108);
    assert.deepEqual(
      (await attachedClients(sessionToken)).map((entry) => entry.isCurrentSession),
      [true],
    );
  });

  test('a destroyed device is announced (device_disconnected) once, after the change is committed', async () => {
    const services = server.app.services;
    const reported: Array<{ deviceId: string; stillThere: boolean }> = [];
    const removal = new DeviceService({
      db: services.db,
      store: devices,
      sessions: services.sessions,
      refreshTokens: services.oauth,
      clock: services.clock,
      random: services.random,
      logger: services.logger,
      push: {
        deviceConnected: async () => undefined,
        deviceDisconnected: async (uid, removed) => {
          const found = await devices.find(uid, removed.id);
          reported.push({ deviceId: removed.id.toString('hex'), stillThere: found !== undefined });
          throw new Error('push service down');
        },
      },
    });
    const attached = new AttachedClientsService({
      db: services.db,
      devices,
      sessions: services.sessions,
      oauth: services.oauth,
      handleKey: randomBytes(32),
      clock: services.clock,
      removal,
    });
    const { email, uid, sessionToken } = await account('destroy-listener');
    const session = (await services.sessions.sessionStrategy.lookup(tokenIdOf(sessionToken)))!.token;
    const laptop = await anotherSession(email);
    const deviceId = await insertDevice(uid, { sessionTokenId: tokenIdOf(laptop) });
    // A failing push does not fail the destroy.
    await attached.destroy(session, { deviceId });
    assert.deepEqual(reported, [{ deviceId, stillThere: false }]);
    // A refused destroy reports nothing.
    await assert.rejects(attached.destroy(session, { deviceId }), (err: Error & { errno?: number }) => err.errno === 123);
    // A session destroyed with its device reports the device.
    const phone = await anotherSession(email);
    const phoneId = await insertDevice(uid, { sessionTokenId: tokenIdOf(phone) });
    const handle = attached.sessionHandle(Buffer.from(uid, 'hex'), tokenIdOf(phone));
    await attached.destroy(session, { sessionTokenId: handle });
    assert.deepEqual(reported, [
      { deviceId, stillThere: false },
      { deviceId: phoneId, stillThere: false },
    ]);
    // A plain session reports nothing.
    const plain = await anotherSession(email);
    await attached.destroy(session, { sessionTokenId: attached.sessionHandle(Buffer.from(uid, 'hex'), tokenIdOf(plain)) });
    assert.equal(reported.length, 2);
  });
});

describe("Mozilla's fxa-js-client", () => {
  /** The calls of the library's API this feature serves (the shared helper declares the rest). */
  type WithAttachedClients = FxaJsClient & {
    attachedClients(sessionToken: string): Promise<AttachedClient[]>;
    attachedClientDestroy(sessionToken: string, clientInfo: AttachedClient): Promise<Record<string, never>>;
    sessions(sessionToken: string): Promise<Array<{ id: string; isCurrentDevice: boolean }>>;
  };

  test('lists and disconnects with the entries it was given, nulls and all', async () => {
    const { email, uid, sessionToken } = await account('fxa-js');
    const laptop = await anotherSession(email);
    const plain = await anotherSession(email);
    const deviceId = await insertDevice(uid, { sessionTokenId: tokenIdOf(laptop), name: 'Laptop' });
    const refreshToken = await firefoxRefreshToken(sessionToken);
    // Its Hawk timestamps follow the test server's clock.
    const fxa = createFxaJsClient(server.url, { localtimeOffsetMsec: server.clock.now() - Date.now() }) as WithAttachedClients;

    const list = await fxa.attachedClients(sessionToken);
    assert.equal(list.length, 4);
    const sessions = await fxa.sessions(sessionToken);
    assert.equal(sessions.length, 3);
    assert.equal(sessions.filter((entry) => entry.isCurrentDevice).length, 1);

    const device = list.find((entry) => entry.deviceId === deviceId)!;
    const oauth = list.find((entry) => entry.clientId === FIREFOX)!;
    const other = list.find((entry) => !entry.deviceId && !entry.clientId && !entry.isCurrentSession)!;
    for (const entry of [device, oauth, other]) assert.deepEqual(await fxa.attachedClientDestroy(sessionToken, entry), {});
    assert.equal(await sessionStatus(laptop), 110);
    assert.equal(await sessionStatus(plain), 110);
    assert.equal(await refreshes(refreshToken), 108);
    const left = await fxa.attachedClients(sessionToken);
    assert.deepEqual(
      left.map((entry) => entry.isCurrentSession),
      [true],
    );
  });
});

describe('the merge rules, without I/O', () => {
  const presentation = { now: Date.UTC(2026, 0, 15), language: 'en' };
  const session = (id: string, fields: Partial<SessionEntry> = {}): SessionEntry => ({
    id,
    createdAt: presentation.now - 1000,
    lastAccessTime: presentation.now - 500,
    userAgent: EMPTY_USER_AGENT,
    ...fields,
  });

  test("a device's refresh token that no longer exists is not shown; its session still joins", () => {
    const [client, ...rest] = mergeAttachedClients(
      {
        devices: [
          {
            id: 'd1',
            sessionTokenId: 's1',
            refreshTokenId: 'r-dangling',
            name: null,
            type: null,
            createdAt: presentation.now - 4000,
            lastAccessTime: null,
          },
        ],
        oauthClients: [],
        sessions: [session('s1')],
        currentSessionId: 's1',
      },
      presentation,
    );
    assert.equal(rest.length, 0);
    assert.equal(client!.refreshTokenId, null);
    assert.equal(client!.isCurrentSession, true);
    assert.equal(client!.deviceType, 'desktop');
    assert.equal(client!.name, '');
    assert.equal(client!.createdTime, presentation.now - 4000);
    assert.equal(client!.lastAccessTime, presentation.now - 500);
  });

  test('names: the device’s, else the client’s, else one from the user agent; Mac OS X reads macOS', () => {
    const clients = mergeAttachedClients(
      {
        devices: [
          { id: 'd1', sessionTokenId: null, refreshTokenId: 'r1', name: 'Kept', type: null, createdAt: 1, lastAccessTime: 5 },
          { id: 'd2', sessionTokenId: null, refreshTokenId: 'r2', name: null, type: null, createdAt: 1, lastAccessTime: null },
        ],
        oauthClients: [
          { client_id: 'c1', refresh_token_id: 'r1', client_name: 'Fenix', created_time: 2, last_access_time: 3, scope: ['profile'] },
          { client_id: 'c1', refresh_token_id: 'r2', client_name: 'Fenix', created_time: 2, last_access_time: 3, scope: ['profile'] },
        ],
        sessions: [
          session('s1', {
            userAgent: {
              ...EMPTY_USER_AGENT,
              uaBrowser: 'Firefox',
              uaBrowserVersion: '115.0.2',
              uaOS: 'Mac OS X',
              uaOSVersion: '10.15',
            },
          }),
        ],
        currentSessionId: 'other',
      },
      presentation,
    );
    assert.deepEqual(
      clients.map((client) => [client.name, client.deviceType, client.createdTime, client.lastAccessTime]),
      [
        ['Kept', 'mobile', 1, 5],
        ['Fenix', 'mobile', 1, 3],
        ['Firefox 115, macOS 10.15', null, presentation.now - 1000, presentation.now - 500],
      ],
    );
    assert.equal(clients[2]!.userAgent, 'Firefox 115');
    assert.equal(clients[2]!.os, 'Mac OS X');
    assert.equal(clients[2]!.isCurrentSession, false);
  });

  test('synthesised names and the formatted times FxA (moment) gives', () => {
    assert.equal(
      synthesizeName({ ...EMPTY_USER_AGENT, uaBrowser: 'Firefox', uaBrowserVersion: '129.0', uaFormFactor: 'iPad' }),
      'Firefox 129, iPad',
    );
    assert.equal(synthesizeName({ ...EMPTY_USER_AGENT, uaBrowser: 'Chrome' }), 'Chrome');
    assert.equal(synthesizeName({ ...EMPTY_USER_AGENT, uaOS: 'Linux' }), 'Linux');
    const now = presentation.now;
    const cases: Array<[number, string, string, string]> = [
      [0, 'a few seconds ago', 'vor ein paar Sekunden', 'il y a quelques secondes'],
      [44_000, 'a few seconds ago', 'vor ein paar Sekunden', 'il y a quelques secondes'],
      [46_000, 'a minute ago', 'vor einer Minute', 'il y a une minute'],
      [20 * 60_000, '20 minutes ago', 'vor 20 Minuten', 'il y a 20 minutes'],
      [50 * 60_000, 'an hour ago', 'vor einer Stunde', 'il y a une heure'],
      [21 * HOUR, '21 hours ago', 'vor 21 Stunden', 'il y a 21 heures'],
      [23 * HOUR, 'a day ago', 'vor einem Tag', 'il y a un jour'],
      [10 * DAY, '10 days ago', 'vor 10 Tagen', 'il y a 10 jours'],
      [27 * DAY, 'a month ago', 'vor einem Monat', 'il y a un mois'],
      [100 * DAY, '3 months ago', 'vor 3 Monaten', 'il y a 3 mois'],
      [330 * DAY, 'a year ago', 'vor einem Jahr', 'il y a un an'],
      [1000 * DAY, '3 years ago', 'vor 3 Jahren', 'il y a 3 ans'],
    ];
    for (const [ago, en, de, fr] of cases) {
      assert.equal(formatRelativeTime(now - ago, now, 'en'), en);
      assert.equal(formatRelativeTime(now - ago, now, 'de'), de);
      assert.equal(formatRelativeTime(now - ago, now, 'fr'), fr);
    }
    assert.equal(formatRelativeTime(now + 2 * HOUR, now, 'en'), 'in 2 hours');
    assert.equal(formatRelativeTime(null, now, 'en'), '');
    assert.equal(relativeTimeLanguage('fr-CA, en;q=0.8'), 'fr');
    assert.equal(relativeTimeLanguage('de;q=0, fr;q=0.1'), 'fr');
    assert.equal(relativeTimeLanguage(undefined), 'en');
  });

  test('accesses before FxA recorded them reliably are also given as approximate', () => {
    const [client] = mergeAttachedClients(
      {
        devices: [
          {
            id: 'd',
            sessionTokenId: null,
            refreshTokenId: null,
            name: 'old',
            type: 'desktop',
            createdAt: 1_400_000_000_000,
            lastAccessTime: null,
          },
        ],
        oauthClients: [],
        sessions: [],
        currentSessionId: 'x',
      },
      presentation,
    );
    assert.equal(client!.approximateLastAccessTime, 1507081020000);
    assert.equal(client!.approximateLastAccessTimeFormatted, '8 years ago');
  });
});
