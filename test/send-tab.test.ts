// Send Tab end to end (PROTOCOL.md §9, FIREFOX.md §3), with nothing faked: two instances
// behind one public URL share a database and an ephemeral store (Redis when REDIS_URL is
// set), devices register through POST /account/device with subscriptions of a loopback push
// service (test/helpers/push-sink.ts) that verifies VAPID and decrypts every message with the
// device's own keys, and commands travel invoke_command → Web Push → device/commands. Time
// moves only on the injected clock.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AuthClient, type RequestOptions } from '../src/client/index.js';
import { ManualClock } from '../src/runtime.js';
import { expectError, nextMail, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { FIREFOX, SCOPE_OLDSYNC } from './helpers/oauth.js';
import { startPushSink, type PushSink, type ReceivedPush, type SinkSubscription } from './helpers/push-sink.js';
import { startInstancePair, type InstancePair, type TestServer } from './helpers/server.js';
import type { InvokeResponse, Page } from './helpers/device-commands.js';

const PUBLIC_ORIGIN = 'http://accounts.lb.example';
const OPEN_URI = 'https://identity.mozilla.com/cmd/open-uri';
const SECOND = 1000;
/** What Firefox registers for open-uri: its public Send Tab keys, encrypted with kSync (opaque to the server). */
const OPEN_URI_KEYS = JSON.stringify({ kid: '1234-abcd', IV: 'aXY', hmac: 'aG1hYw', ciphertext: 'Y2lwaGVy' });

const clock = new ManualClock(Date.UTC(2026, 4, 4, 10, 0, 0));
let pair: InstancePair;
let sink: PushSink;
/** Clients that sign for the public URL and reach one instance, as a load balancer routes them. */
let first: AuthClient;
let second: AuthClient;

before(async () => {
  sink = await startPushSink();
  pair = await startInstancePair({ clock, env: { PUBLIC_URL: PUBLIC_ORIGIN, PUSH_ALLOW_LOOPBACK: 'true' } });
  first = via(pair.first);
  second = via(pair.second);
});
after(async () => {
  await pair?.close();
  await sink?.stop();
});

function via(instance: TestServer): AuthClient {
  return new AuthClient(`${PUBLIC_ORIGIN}/v1`, {
    now: () => clock.now(),
    fetch: (input, init) => fetch(String(input).replace(PUBLIC_ORIGIN, instance.origin), init),
  });
}

/** How a device authenticates: Hawk with its session token, or `Bearer <refresh token>` (Android, iOS). */
type Credential = { sessionToken: string } | { refreshToken: string };

const authOf = (credential: Credential): Pick<RequestOptions, 'token' | 'headers'> =>
  'sessionToken' in credential
    ? { token: { kind: 'sessionToken', tokenData: credential.sessionToken } }
    : { headers: { authorization: `Bearer ${credential.refreshToken}` } };

interface Device {
  id: string;
  credential: Credential;
  sub: SinkSubscription;
}

interface DeviceRecord {
  id: string;
  name: string;
  type: string;
  pushCallback?: string | null;
  pushPublicKey?: string | null;
  pushAuthKey?: string | null;
  pushEndpointExpired: boolean;
  availableCommands: Record<string, string>;
  isCurrentDevice?: boolean;
}

/** A verified account signed up through the first instance (its session is confirmed). */
async function newAccount(label: string): Promise<{ uid: string; email: string; sessionToken: string }> {
  const email = uniqueEmail(label);
  const account = await first.signUp(email, PASSWORD, { keys: true });
  const mail = await nextMail(pair.first, email, 'verify');
  await second.verifyCode(account.uid, mail.headers['x-verify-code']!);
  return { uid: account.uid, email, sessionToken: account.sessionToken };
}

/** POST /account/device with a fresh push subscription (or `sub`), as Firefox does once push works. */
async function register(
  client: AuthClient,
  credential: Credential,
  body: Record<string, unknown>,
  sub: SinkSubscription = sink.subscribe(),
): Promise<{ device: Device; record: DeviceRecord }> {
  const record = await client.request<DeviceRecord>('POST', '/account/device', {
    ...authOf(credential),
    body: { ...body, pushCallback: sub.endpoint, pushPublicKey: sub.publicKey, pushAuthKey: sub.authKey },
  });
  assert.equal(record.pushCallback, sub.endpoint);
  assert.equal(record.pushEndpointExpired, false);
  return { device: { id: (body.id as string | undefined) ?? record.id, credential, sub }, record };
}

const listDevices = (client: AuthClient, credential: Credential) =>
  client.request<DeviceRecord[]>('GET', '/account/devices', authOf(credential));

const invoke = (client: AuthClient, sender: Device, body: Record<string, unknown>) =>
  client.request<InvokeResponse>('POST', '/account/devices/invoke_command', { ...authOf(sender.credential), body });

const sendTab = (client: AuthClient, sender: Device, target: Device, payload: object, ttl?: number) =>
  invoke(client, sender, { target: target.id, command: OPEN_URI, payload, ...(ttl === undefined ? {} : { ttl }) });

const readCommands = (client: AuthClient, device: Device, query: Record<string, number> = {}) =>
  client.request<Page>('GET', '/account/device/commands', { ...authOf(device.credential), query });

/** Follows the `url` of a command_received push, as Firefox does: it must name this server's public URL. */
function fetchPushedUrl(client: AuthClient, device: Device, url: string): Promise<Page> {
  const parsed = new URL(url);
  assert.equal(parsed.origin, PUBLIC_ORIGIN);
  assert.equal(parsed.pathname, '/v1/account/device/commands');
  return client.request<Page>('GET', parsed.pathname.slice('/v1'.length), {
    ...authOf(device.credential),
    query: Object.fromEntries(parsed.searchParams),
  });
}

/** An opaque, encrypted-looking Send Tab payload (Firefox encrypts it to the target's keys). */
const encryptedTab = () => ({ encrypted: randomBytes(96).toString('base64url') });

const commandOf = (push: ReceivedPush): string | undefined => (push.payload as { command?: string } | null)?.command;

/** The next push to `device`'s subscription carrying `command`. */
const nextPush = (device: Device | SinkSubscription, command: string) => {
  const id = 'sub' in device ? device.sub.id : device.id;
  return sink.next((p) => p.subscription === id && commandOf(p) === command);
};

/** Every request the sink got for this subscription. */
const receivedBy = (sub: SinkSubscription) => sink.received.filter((p) => p.subscription === sub.id);

/** VAPID for the sink's origin, signed with the deployment's one key; an aes128gcm body that decrypted. */
function assertWellFormed(push: ReceivedPush, status = 201): void {
  assert.equal(push.vapidError, undefined);
  assert.ok(push.vapid);
  assert.equal(push.vapid.claims.aud, sink.origin);
  assert.equal(typeof push.vapid.claims.sub, 'string');
  assert.ok((push.vapid.claims.sub as string).length > 'mailto:'.length, 'VAPID sub names a contact');
  const lifetime = (push.vapid.claims.exp as number) - Date.now() / 1000;
  assert.ok(lifetime > 0 && lifetime <= 24 * 3600, `VAPID exp within 24 h (${lifetime} s left)`);
  assert.equal(push.vapid.publicKey, pair.first.app.services.push.vapidPublicKey);
  assert.equal(push.vapid.publicKey, pair.second.app.services.push.vapidPublicKey);
  assert.equal(push.payloadError, undefined);
  assert.equal(push.headers['content-encoding'], 'aes128gcm');
  assert.equal(push.status, status);
}

/**
 * Desktop A (its sign-up session, registered through the first instance) and B (a sign-in
 * through the second instance, registered there, offering open-uri). B's registration is
 * announced to A; the announcement is taken from the sink.
 */
/** Device A: a desktop on instance 1 that can receive tabs. */
function registerDesktopA(sessionToken: string) {
  return register(first, { sessionToken }, { name: 'Desktop A', type: 'desktop', availableCommands: { [OPEN_URI]: OPEN_URI_KEYS } });
}

async function desktopAndTarget(label: string) {
  const account = await newAccount(label);
  const { device: a } = await registerDesktopA(account.sessionToken);
  // B comes a minute later (devices are listed oldest first).
  clock.advance(60 * SECOND);
  const login = await second.signIn(account.email, PASSWORD, { keys: true });
  assert.equal(login.verified, true, 'a new account’s sign-in is confirmed');
  const { device: b, record } = await register(
    second,
    { sessionToken: login.sessionToken },
    {
      name: 'Laptop B',
      type: 'desktop',
      availableCommands: { [OPEN_URI]: OPEN_URI_KEYS },
    },
  );
  const connected = await nextPush(a, 'fxaccounts:device_connected');
  return { account, a, b, bRecord: record, connected };
}

describe('Send Tab across two instances', () => {
  test('B’s registration is announced to A; a tab sent on instance 1 is pushed to B and read on instance 2', async () => {
    const { a, b, bRecord, connected } = await desktopAndTarget('sendtab');
    assert.deepEqual(bRecord.availableCommands, { [OPEN_URI]: OPEN_URI_KEYS });

    assertWellFormed(connected);
    assert.equal(connected.ttl, 0);
    assert.deepEqual(connected.payload, { version: 1, command: 'fxaccounts:device_connected', data: { deviceName: 'Laptop B' } });
    assert.deepEqual(receivedBy(b.sub), [], 'the new device is not told of itself');

    // A sees B (and B's keys) in its device list, as Firefox does before offering "Send to Device".
    const listed = await listDevices(first, a.credential);
    assert.deepEqual(
      listed.map((d) => [d.id, d.isCurrentDevice, d.name, d.availableCommands]),
      [
        [a.id, true, 'Desktop A', { [OPEN_URI]: OPEN_URI_KEYS }],
        [b.id, false, 'Laptop B', { [OPEN_URI]: OPEN_URI_KEYS }],
      ],
    );

    const payload = encryptedTab();
    assert.deepEqual(await sendTab(first, a, b, payload), { enqueued: true, notified: true });
    const pushed = await nextPush(b, 'fxaccounts:command_received');
    assertWellFormed(pushed);
    // open-uri's default TTL: 30 days (kept 28 by the queue, pushed with the command's own).
    assert.equal(pushed.ttl, 30 * 24 * 3600);
    const url = `${PUBLIC_ORIGIN}/v1/account/device/commands?index=1&limit=1`;
    assert.deepEqual(pushed.payload, {
      version: 1,
      command: 'fxaccounts:command_received',
      data: { command: OPEN_URI, index: 1, sender: a.id, url },
    });
    assert.deepEqual(
      receivedBy(a.sub).filter((p) => commandOf(p) === 'fxaccounts:command_received'),
      [],
    );

    // B follows the pushed URL through the other instance.
    const expected = { index: 1, last: true, messages: [{ index: 1, data: { command: OPEN_URI, payload, sender: a.id } }] };
    assert.deepEqual(await fetchPushedUrl(second, b, url), expected);
    assert.deepEqual(await readCommands(second, b, { index: 1, limit: 1 }), expected);
    // Reading does not consume; the sender's own queue is empty.
    assert.deepEqual(await readCommands(first, b, { index: 1 }), expected);
    assert.deepEqual(await readCommands(first, a), { index: 0, last: true, messages: [] });
  });

  test('expired commands are gone; the indexes show Firefox which pushes it missed', async () => {
    const { a, b } = await desktopAndTarget('ttl');
    const start = clock.now();
    assert.equal(start % SECOND, 0, 'a whole second: expiry has a one-second grain');

    // 1: read at once, as Firefox does on its push; B's lastCommandIndex is now 1.
    await sendTab(first, a, b, { n: 1 }, 3600);
    const firstPush = await nextPush(b, 'fxaccounts:command_received');
    const lastIndex = (await fetchPushedUrl(second, b, (firstPush.payload as { data: { url: string } }).data.url)).index;
    assert.equal(lastIndex, 1);

    // B goes offline: 2 and 3 are short-lived, 4 is not. Their pushes arrive, unprocessed.
    await sendTab(second, a, b, { n: 2 }, 10);
    await sendTab(first, a, b, { n: 3 }, 20);
    await sendTab(second, a, b, { n: 4 }, 3600);
    const ttls: number[] = [];
    for (let i = 2; i <= 4; i++) {
      const push = await nextPush(b, 'fxaccounts:command_received');
      assert.equal((push.payload as { data: { index: number } }).data.index, i);
      ttls.push(push.ttl);
    }
    assert.deepEqual(ttls, [10, 20, 3600], 'each push carries its command’s TTL');
    const indexes = (page: Page) => page.messages.map((m) => [m.index, m.data.payload.n]);
    assert.deepEqual(indexes(await readCommands(second, b, { index: lastIndex + 1 })), [
      [2, 2],
      [3, 3],
      [4, 4],
    ]);

    // ttl 10 from a whole second: returned until 11 s have passed.
    clock.set(start + 11 * SECOND - 1);
    assert.deepEqual(indexes(await readCommands(second, b, { index: lastIndex + 1 })), [
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    clock.set(start + 11 * SECOND);
    assert.deepEqual(indexes(await readCommands(first, b, { index: lastIndex + 1 })), [
      [3, 3],
      [4, 4],
    ]);
    // 3 (ttl 20) is returned no more from 21 s on.
    clock.set(start + 21 * SECOND);

    // B comes back and gets the push for 5; it reads from its own lastIndex + 1.
    await sendTab(first, a, b, { n: 5 }, 10);
    const push5 = await nextPush(b, 'fxaccounts:command_received');
    const data5 = (push5.payload as { data: { index: number; url: string } }).data;
    assert.equal(data5.index, 5);
    assert.equal(data5.url, `${PUBLIC_ORIGIN}/v1/account/device/commands?index=5&limit=1`);
    const page = await readCommands(second, b, { index: lastIndex + 1 });
    assert.deepEqual(page, {
      index: 5,
      last: true,
      messages: [
        { index: 4, data: { command: OPEN_URI, payload: { n: 4 }, sender: a.id } },
        { index: 5, data: { command: OPEN_URI, payload: { n: 5 }, sender: a.id } },
      ],
    });
    // What Firefox concludes: 4 is below the pushed index, so its push was missed; 2 and 3
    // expired (not returned); the next read starts after page.index.
    const missed = page.messages.filter((m) => m.index < data5.index).map((m) => m.index);
    assert.deepEqual(missed, [4]);
    assert.deepEqual(await readCommands(second, b, { index: page.index + 1 }), { index: 0, last: true, messages: [] });
    // One page at a time: `last` says more follows.
    const one = await readCommands(first, b, { index: lastIndex + 1, limit: 1 });
    assert.deepEqual([one.index, one.last, one.messages.map((m) => m.index)], [4, false, [4]]);
    // The pushed URL returns just its own command.
    assert.deepEqual(
      (await fetchPushedUrl(second, b, data5.url)).messages.map((m) => m.index),
      [5],
    );

    // Everything short-lived has expired (5 at 21 s + 11 s); 1 and 4 stay their hour.
    clock.set(start + 32 * SECOND - 1);
    assert.deepEqual(
      (await readCommands(second, b)).messages.map((m) => m.index),
      [1, 4, 5],
    );
    clock.set(start + 32 * SECOND);
    assert.deepEqual(
      (await readCommands(second, b)).messages.map((m) => m.index),
      [1, 4],
    );
    clock.set(start + 3601 * SECOND);
    assert.deepEqual(await readCommands(second, b), { index: 0, last: true, messages: [] });
    // Expired, never reused: the next command gets the next index.
    await sendTab(first, a, b, { n: 6 });
    assert.equal(((await nextPush(b, 'fxaccounts:command_received')).payload as { data: { index: number } }).data.index, 6);
  });

  test('a 410 marks B’s endpoint expired: nothing more is pushed to it until B registers a new callback', async () => {
    const { a, b } = await desktopAndTarget('gone');
    sink.respondWith(b.sub.id, 410);

    const tab1 = encryptedTab();
    assert.deepEqual(await sendTab(first, a, b, tab1), { enqueued: true, notified: false, notifyError: 'resetCallback' });
    const refused = await nextPush(b, 'fxaccounts:command_received');
    assertWellFormed(refused, 410);

    const listed = await listDevices(second, a.credential);
    assert.deepEqual(
      listed.map((d) => [d.id, d.pushEndpointExpired]),
      [
        [a.id, false],
        [b.id, true],
      ],
    );
    assert.equal(listed[1]!.pushCallback, b.sub.endpoint, 'the callback is kept, only flagged');

    // No request reaches B's endpoint any more: not for a command, not for a client notification.
    const count = receivedBy(b.sub).length;
    const tab2 = encryptedTab();
    assert.deepEqual(await sendTab(second, a, b, tab2), { enqueued: true, notified: false, notifyError: 'expiredCallback' });
    const collectionChanged = { version: 1, command: 'sync:collection_changed', data: { collections: ['clients'] } };
    assert.deepEqual(
      await first.request('POST', '/account/devices/notify', {
        ...authOf(a.credential),
        body: { to: [b.id], payload: collectionChanged },
      }),
      {},
    );
    assert.equal(receivedBy(b.sub).length, count);

    // Both tabs are queued all the same.
    assert.deepEqual(
      (await readCommands(second, b)).messages.map((m) => [m.index, m.data.payload]),
      [
        [1, tab1],
        [2, tab2],
      ],
    );

    // Firefox resubscribes and updates its device with the new endpoint.
    const fresh = sink.subscribe();
    const { record } = await register(second, b.credential, { id: b.id }, fresh);
    assert.equal(record.pushEndpointExpired, false);
    const relisted = await listDevices(first, a.credential);
    assert.deepEqual(
      relisted.map((d) => [d.id, d.pushCallback, d.pushEndpointExpired]),
      [
        [a.id, a.sub.endpoint, false],
        [b.id, fresh.endpoint, false],
      ],
    );

    const tab3 = encryptedTab();
    assert.deepEqual(await sendTab(first, a, b, tab3), { enqueued: true, notified: true });
    const delivered = await nextPush(fresh, 'fxaccounts:command_received');
    assertWellFormed(delivered);
    assert.deepEqual((delivered.payload as { data: unknown }).data, {
      command: OPEN_URI,
      index: 3,
      sender: a.id,
      url: `${PUBLIC_ORIGIN}/v1/account/device/commands?index=3&limit=1`,
    });
    assert.equal(receivedBy(b.sub).length, count, 'nothing to the old endpoint');
    assert.deepEqual((await fetchPushedUrl(second, b, `${PUBLIC_ORIGIN}/v1/account/device/commands?index=3&limit=1`)).messages, [
      { index: 3, data: { command: OPEN_URI, payload: tab3, sender: a.id } },
    ]);
  });

  test('Firefox for Android: a device registered, listing and reading with `Bearer <refresh token>`', async () => {
    const account = await newAccount('android');
    const { device: a } = await registerDesktopA(account.sessionToken);
    clock.advance(60 * SECOND);
    // The phone signs in, then holds a refresh token of the built-in Firefox client with the Sync scope.
    const login = await second.signIn(account.email, PASSWORD, { keys: true });
    assert.equal(login.verified, true);
    const tokens = await second.oauthToken(
      { client_id: FIREFOX, grant_type: 'fxa-credentials', scope: SCOPE_OLDSYNC, access_type: 'offline' },
      login.sessionToken,
    );
    assert.match(tokens.refresh_token!, /^[0-9a-f]{64}$/);
    const credential = { refreshToken: tokens.refresh_token! };

    const { device: phone, record } = await register(second, credential, {
      name: 'Pixel',
      type: 'mobile',
      availableCommands: { [OPEN_URI]: OPEN_URI_KEYS },
    });
    assert.equal(record.type, 'mobile');
    const connected = await nextPush(a, 'fxaccounts:device_connected');
    assertWellFormed(connected);
    assert.deepEqual(connected.payload, { version: 1, command: 'fxaccounts:device_connected', data: { deviceName: 'Pixel' } });

    // The phone's list, through either instance, with the same bearer token.
    for (const client of [first, second]) {
      assert.deepEqual(
        (await listDevices(client, credential)).map((d) => [d.id, d.isCurrentDevice, d.name, d.type]),
        [
          [a.id, false, 'Desktop A', 'desktop'],
          [phone.id, true, 'Pixel', 'mobile'],
        ],
      );
    }

    // Desktop → phone.
    const tab = encryptedTab();
    assert.deepEqual(await sendTab(first, a, phone, tab), { enqueued: true, notified: true });
    const pushed = await nextPush(phone, 'fxaccounts:command_received');
    assertWellFormed(pushed);
    const data = (pushed.payload as { data: { index: number; sender: string; url: string } }).data;
    assert.deepEqual([data.index, data.sender], [1, a.id]);
    assert.deepEqual(await fetchPushedUrl(second, phone, data.url), {
      index: 1,
      last: true,
      messages: [{ index: 1, data: { command: OPEN_URI, payload: tab, sender: a.id } }],
    });

    // Phone → desktop: the sender is the refresh token's device.
    const back = encryptedTab();
    assert.deepEqual(await sendTab(second, phone, a, back), { enqueued: true, notified: true });
    const toDesktop = await nextPush(a, 'fxaccounts:command_received');
    assertWellFormed(toDesktop);
    const desktopData = (toDesktop.payload as { data: { index: number; sender: string; url: string } }).data;
    assert.deepEqual([desktopData.index, desktopData.sender], [1, phone.id]);
    assert.deepEqual((await fetchPushedUrl(first, a, desktopData.url)).messages, [
      { index: 1, data: { command: OPEN_URI, payload: back, sender: phone.id } },
    ]);
  });

  test('destroying B pushes device_disconnected {id} to A and to B itself', async () => {
    const { a, b } = await desktopAndTarget('disconnect');
    assert.deepEqual(await first.request('POST', '/account/device/destroy', { ...authOf(a.credential), body: { id: b.id } }), {});
    for (const device of [a, b]) {
      const push = await nextPush(device, 'fxaccounts:device_disconnected');
      assertWellFormed(push);
      assert.equal(push.ttl, 18000);
      assert.deepEqual(push.payload, { version: 1, command: 'fxaccounts:device_disconnected', data: { id: b.id } });
    }
    // B's session went with it; A is alone.
    await expectError(listDevices(second, b.credential), 110, 401);
    assert.deepEqual(
      (await listDevices(second, a.credential)).map((d) => d.id),
      [a.id],
    );
    await expectError(sendTab(first, a, b, encryptedTab()), 123, 400);
  });
});
