// The device command queue (PROTOCOL.md §9.3) and devices/notify (§9.2) over real HTTP:
// indexes, paging, expiry on the injected clock, TTL defaults and cap, errnos, concurrency
// on every database, and a queue shared by two instances. Web Push is a recording fake.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AuthClient } from '../src/client/index.js';
import { deriveToken } from '../src/crypto/index.js';
import {
  COMMAND_RECEIVED_PUSH_TTL_SECONDS,
  MAX_COMMAND_TTL_SECONDS,
  type CommandPush,
} from '../src/features/devices/command-service.js';
import type { AvailableCommands } from '../src/features/devices/model.js';
import { DeviceStore } from '../src/features/devices/store.js';
import type { CommandNotice, NotifyTargets } from '../src/push/model.js';
import { ManualClock } from '../src/runtime.js';
import { BEYOND_SIGNIN_SHORTCUTS, DAY, expectRejectedWithoutChange, PASSWORD, signUpVerified, uniqueEmail } from './helpers/flows.js';
import { startInstancePair, startTestServer, type TestServer } from './helpers/server.js';
import type { InvokeResponse, Page } from './helpers/device-commands.js';

const OPEN_URI = 'https://identity.mozilla.com/cmd/open-uri';
const CLOSE_URI = 'https://identity.mozilla.com/cmd/close-uri/v1';
const SECOND = 1000;

/** Records what the queue asked of Web Push; answers as told. */
class RecordingPush implements CommandPush {
  received: Array<{ uid: Buffer; target: Buffer; notice: CommandNotice }> = [];
  notified: Array<{ uid: Buffer; targets: NotifyTargets; payload: object | null; ttl: number }> = [];
  outcome: { notified: boolean; error?: string } | 'throw' = { notified: true };

  async commandReceived(uid: Buffer, target: Buffer, notice: CommandNotice) {
    this.received.push({ uid, target, notice });
    if (this.outcome === 'throw') throw new Error('push service exploded');
    return this.outcome;
  }

  async notify(uid: Buffer, targets: NotifyTargets, payload: object | null, ttl: number) {
    this.notified.push({ uid, targets, payload, ttl });
    if (this.outcome === 'throw') throw new Error('push service exploded');
  }

  reset(): void {
    this.received = [];
    this.notified = [];
    this.outcome = { notified: true };
  }
}

interface Session {
  uid: Buffer;
  sessionToken: string;
  deviceId: Buffer;
}

interface Pair {
  email: string;
  /** The sending device (its own session). */
  sender: Session;
  /** The receiving device, offering open-uri and close-uri. */
  target: Session;
}

const tokenOf = (sessionToken: string) => ({ kind: 'sessionToken' as const, tokenData: sessionToken });

/** A device registered with `sessionToken`'s session, as POST /account/device would store it. */
async function addDevice(
  server: TestServer,
  uid: Buffer,
  sessionToken: string | null,
  availableCommands: AvailableCommands = {},
): Promise<Buffer> {
  const id = randomBytes(16);
  await new DeviceStore(server.app.services.db).insert({
    uid,
    id,
    sessionTokenId: sessionToken ? deriveToken('sessionToken', Buffer.from(sessionToken, 'hex')).tokenId : null,
    refreshTokenId: null,
    createdAt: server.clock.now(),
    name: 'a device',
    type: 'desktop',
    availableCommands,
  });
  return id;
}

/** A verified account with two confirmed sessions, each with its device. */
async function devicePair(server: TestServer, client: AuthClient = server.client): Promise<Pair> {
  const email = uniqueEmail('commands');
  const account = await signUpVerified(server, email);
  const uid = Buffer.from(account.uid, 'hex');
  const second = await client.sessionDuplicate(account.sessionToken);
  assert.equal(second.verified, true);
  const senderId = await addDevice(server, uid, account.sessionToken);
  const targetId = await addDevice(server, uid, second.sessionToken, { [OPEN_URI]: '{"kid":"x"}', [CLOSE_URI]: '{}' });
  return {
    email,
    sender: { uid, sessionToken: account.sessionToken, deviceId: senderId },
    target: { uid, sessionToken: second.sessionToken, deviceId: targetId },
  };
}

interface InvokeBody {
  target?: unknown;
  command?: unknown;
  payload?: unknown;
  ttl?: unknown;
  [extra: string]: unknown;
}

const invoke = (client: AuthClient, sessionToken: string, body: InvokeBody) =>
  client.request<InvokeResponse>('POST', '/account/devices/invoke_command', { token: tokenOf(sessionToken), body });

const readCommands = (client: AuthClient, sessionToken: string, query: Record<string, string | number | undefined> = {}) =>
  client.request<Page>('GET', '/account/device/commands', { token: tokenOf(sessionToken), query });

const notify = (client: AuthClient, sessionToken: string, body: Record<string, unknown>) =>
  client.request<Record<string, never>>('POST', '/account/devices/notify', { token: tokenOf(sessionToken), body });

/** Queues `count` open-uri commands for the pair's target, payload `{n}`; returns the indexes. */
async function sendMany(server: TestServer, pair: Pair, count: number, ttl?: number): Promise<void> {
  for (let n = 1; n <= count; n++) {
    await invoke(server.client, pair.sender.sessionToken, {
      target: pair.target.deviceId.toString('hex'),
      command: OPEN_URI,
      payload: { n },
      ...(ttl === undefined ? {} : { ttl }),
    });
  }
}

const indexesOf = (page: Page) => page.messages.map((m) => m.index);

async function storedRows(server: TestServer, deviceId: Buffer) {
  return server.app.services.db.kysely
    .selectFrom('deviceCommands')
    .selectAll()
    .where('deviceId', '=', deviceId)
    .orderBy('idx')
    .execute();
}

async function lastCommandIndex(server: TestServer, deviceId: Buffer): Promise<number> {
  const row = await server.app.services.db.kysely
    .selectFrom('devices')
    .select('lastCommandIndex')
    .where('id', '=', deviceId)
    .executeTakeFirstOrThrow();
  return Number(row.lastCommandIndex);
}

describe('device commands', () => {
  const push = new RecordingPush();
  let server: TestServer;

  before(async () => {
    // A whole second, so pushbox's one-second expiry grain is easy to read in the tests.
    server = await startTestServer({ commandPush: push, clock: new ManualClock(Date.UTC(2026, 3, 1, 9, 0, 0)) });
  });
  after(() => server?.close());

  test('invoke_command queues the command, pushes command_received with the fetch URL, and the target reads it', async () => {
    push.reset();
    const pair = await devicePair(server);
    const payload = { encrypted: 'abc', nested: { list: [1, 2, { deep: true }] } };
    const sent = await invoke(server.client, pair.sender.sessionToken, {
      target: pair.target.deviceId.toString('hex'),
      command: OPEN_URI,
      payload,
    });
    assert.deepEqual(sent, { enqueued: true, notified: true });

    assert.equal(push.received.length, 1);
    const [{ uid, target, notice }] = push.received as [(typeof push.received)[0]];
    assert.ok(uid.equals(pair.target.uid));
    assert.ok(target.equals(pair.target.deviceId));
    assert.deepEqual(notice, {
      command: OPEN_URI,
      index: 1,
      sender: pair.sender.deviceId,
      url: `${server.origin}/v1/account/device/commands?index=1&limit=1`,
      // FxA pushes with the command's own TTL: open-uri's 30-day default, before pushbox's cap.
      ttlSeconds: 30 * 24 * 3600,
    });

    // What the push URL asks for.
    const fetched = await readCommands(server.client, pair.target.sessionToken, { index: 1, limit: 1 });
    assert.deepEqual(fetched, {
      index: 1,
      last: true,
      messages: [{ index: 1, data: { command: OPEN_URI, payload, sender: pair.sender.deviceId.toString('hex') } }],
    });
    // The sender's own queue is empty; nothing was queued for it.
    assert.deepEqual(await readCommands(server.client, pair.sender.sessionToken), { index: 0, last: true, messages: [] });
  });

  test('a failed push still queues the command and says why; a sender without a device sends no sender', async () => {
    push.reset();
    const pair = await devicePair(server);
    push.outcome = { notified: false, error: 'expired' };
    const target = pair.target.deviceId.toString('hex');
    assert.deepEqual(await invoke(server.client, pair.sender.sessionToken, { target, command: CLOSE_URI, payload: {} }), {
      enqueued: true,
      notified: false,
      notifyError: 'expired',
    });
    push.outcome = 'throw';
    assert.deepEqual(await invoke(server.client, pair.sender.sessionToken, { target, command: CLOSE_URI, payload: {} }), {
      enqueued: true,
      notified: false,
      notifyError: 'unknown',
    });

    // A session without a device may send too (FxA: sender is the token's deviceId, absent here).
    push.reset();
    const deviceless = await server.client.sessionDuplicate(pair.sender.sessionToken);
    await invoke(server.client, deviceless.sessionToken, { target, command: CLOSE_URI, payload: { x: 1 } });
    assert.equal(push.received[0]!.notice.sender, undefined);
    assert.equal(push.received[0]!.notice.ttlSeconds, COMMAND_RECEIVED_PUSH_TTL_SECONDS);

    const page = await readCommands(server.client, pair.target.sessionToken);
    assert.deepEqual(indexesOf(page), [1, 2, 3]);
    assert.equal(page.messages[0]!.data.sender, pair.sender.deviceId.toString('hex'));
    assert.deepEqual(page.messages[2]!.data, { command: CLOSE_URI, payload: { x: 1 } });
  });

  test('indexes grow by one per device; reads are inclusive of index, limited, and say whether they reached the end', async () => {
    push.reset();
    const pair = await devicePair(server);
    const other = await devicePair(server);
    await sendMany(server, pair, 5);
    await sendMany(server, other, 2);
    assert.deepEqual(
      push.received.map((r) => r.notice.index),
      [1, 2, 3, 4, 5, 1, 2],
      'each device has its own sequence',
    );
    const token = pair.target.sessionToken;

    const all = await readCommands(server.client, token);
    assert.deepEqual(indexesOf(all), [1, 2, 3, 4, 5]);
    assert.deepEqual(
      all.messages.map((m) => m.data.payload),
      [1, 2, 3, 4, 5].map((n) => ({ n })),
    );
    assert.equal(all.index, 5);
    assert.equal(all.last, true);

    const first = await readCommands(server.client, token, { index: 2, limit: 2 });
    assert.deepEqual([indexesOf(first), first.index, first.last], [[2, 3], 3, false]);
    // Firefox's next read starts after the highest index it got.
    const next = await readCommands(server.client, token, { index: first.index + 1, limit: 2 });
    assert.deepEqual([indexesOf(next), next.index, next.last], [[4, 5], 5, true]);
    const beyond = await readCommands(server.client, token, { index: 6 });
    assert.deepEqual(beyond, { index: 0, last: true, messages: [] });
    // index 0 (Firefox with no stored index and no push) means from the start; limit 0 returns nothing (FxA).
    assert.deepEqual(indexesOf(await readCommands(server.client, token, { index: 0 })), [1, 2, 3, 4, 5]);
    assert.deepEqual(await readCommands(server.client, token, { limit: 0 }), { index: 0, last: true, messages: [] });
    // A fractional index is a lower bound like any other.
    assert.deepEqual(indexesOf(await readCommands(server.client, token, { index: 3.5 })), [4, 5]);
    assert.equal(await lastCommandIndex(server, pair.target.deviceId), 5);
  });

  test('entries expire on the clock with pushbox one-second grain; indexes go on past the gaps', async () => {
    push.reset();
    const pair = await devicePair(server);
    const token = pair.target.sessionToken;
    const start = server.clock.now();
    assert.equal(start % SECOND, 0);
    await sendMany(server, pair, 1, 60); // 1: 60 s
    await sendMany(server, pair, 1, 0); // 2: 0 s, still readable within this second
    await sendMany(server, pair, 1, 120); // 3: 120 s
    assert.deepEqual(indexesOf(await readCommands(server.client, token)), [1, 2, 3]);

    server.clock.advance(SECOND - 1);
    assert.deepEqual(indexesOf(await readCommands(server.client, token)), [1, 2, 3]);
    server.clock.advance(1);
    assert.deepEqual(indexesOf(await readCommands(server.client, token)), [1, 3], 'ttl 0 lasts until the second ends');

    server.clock.set(start + 61 * SECOND - 1);
    assert.deepEqual(indexesOf(await readCommands(server.client, token)), [1, 3]);
    server.clock.set(start + 61 * SECOND);
    const afterFirst = await readCommands(server.client, token);
    assert.deepEqual([indexesOf(afterFirst), afterFirst.index, afterFirst.last], [[3], 3, true]);

    // An expired entry at the end does not keep a page from being the last.
    await sendMany(server, pair, 1, 5); // 4: expires before 3
    server.clock.set(start + 61 * SECOND + 6 * SECOND);
    const page = await readCommands(server.client, token, { limit: 1 });
    assert.deepEqual([indexesOf(page), page.last], [[3], true]);

    server.clock.set(start + 121 * SECOND);
    assert.deepEqual(await readCommands(server.client, token), { index: 0, last: true, messages: [] });
    // Expired and gone, but never reused: the next command gets the next index.
    await sendMany(server, pair, 1);
    assert.equal(push.received.at(-1)!.notice.index, 5);
    assert.deepEqual(indexesOf(await readCommands(server.client, token, { index: 1 })), [5]);
  });

  test('expired entries are deleted by later requests, a bounded batch at a time', async () => {
    push.reset();
    const pair = await devicePair(server);
    await sendMany(server, pair, 3, 0);
    await sendMany(server, pair, 1, 3600);
    assert.equal((await storedRows(server, pair.target.deviceId)).length, 4);
    // Past their expiry and past the purge interval of this instance.
    server.clock.advance(2 * 60 * SECOND);
    await readCommands(server.client, pair.target.sessionToken);
    assert.deepEqual(
      (await storedRows(server, pair.target.deviceId)).map((row) => Number(row.idx)),
      [4],
    );
  });

  test('TTL: per-command default, pushbox cap of 28 days, and explicit TTLs', async () => {
    push.reset();
    const pair = await devicePair(server);
    const target = pair.target.deviceId.toString('hex');
    const now = server.clock.now();
    const send = (command: string, ttl?: number) =>
      invoke(server.client, pair.sender.sessionToken, { target, command, payload: {}, ...(ttl === undefined ? {} : { ttl }) });
    await send(OPEN_URI); // default 30 days, kept 28
    await send(CLOSE_URI); // no default: kept the maximum, pushed with FxA's command TTL
    await send(CLOSE_URI, 10_000_000); // capped
    await send(CLOSE_URI, 3600);
    const expiries = (await storedRows(server, pair.target.deviceId)).map((row) => Number(row.expiresAt) - now);
    const kept = (seconds: number) => (seconds + 1) * SECOND; // pushbox's grain, from a whole second
    assert.deepEqual(expiries, [
      kept(MAX_COMMAND_TTL_SECONDS),
      kept(MAX_COMMAND_TTL_SECONDS),
      kept(MAX_COMMAND_TTL_SECONDS),
      kept(3600),
    ]);
    assert.deepEqual(
      push.received.map((r) => r.notice.ttlSeconds),
      [30 * 24 * 3600, COMMAND_RECEIVED_PUSH_TTL_SECONDS, 10_000_000, 3600],
    );

    server.clock.advance(28 * DAY);
    assert.deepEqual(indexesOf(await readCommands(server.client, pair.target.sessionToken)), [1, 2, 3]);
    server.clock.advance(SECOND);
    assert.deepEqual(indexesOf(await readCommands(server.client, pair.target.sessionToken)), []);
  });

  test('errno 123 for a device not of the account (or gone), 157 for a command the target does not offer', async () => {
    const pair = await devicePair(server);
    const stranger = await devicePair(server);
    const send = (target: Buffer, command = OPEN_URI) =>
      invoke(server.client, pair.sender.sessionToken, { target: target.toString('hex'), command, payload: {} });
    push.reset();
    await expectRejectedWithoutChange(server, () => send(randomBytes(16)), 123, 400);
    await expectRejectedWithoutChange(server, () => send(stranger.target.deviceId), 123, 400);
    await expectRejectedWithoutChange(server, () => send(pair.target.deviceId, 'https://identity.mozilla.com/cmd/other'), 157, 400);
    // The sender's device offers nothing.
    await expectRejectedWithoutChange(server, () => send(pair.sender.deviceId), 157, 400);
    // Inherited properties are not commands.
    await expectRejectedWithoutChange(server, () => send(pair.target.deviceId, 'constructor'), 157, 400);
    assert.equal(push.received.length, 0);

    // A removed device takes its queue with it, and is then unknown.
    await sendMany(server, pair, 2);
    await new DeviceStore(server.app.services.db).delete(pair.target.uid, pair.target.deviceId);
    assert.equal((await storedRows(server, pair.target.deviceId)).length, 0);
    await expectRejectedWithoutChange(server, () => send(pair.target.deviceId), 123, 400);
  });

  test('bad input is errno 107 (108 when missing) and changes nothing', async () => {
    push.reset();
    const pair = await devicePair(server);
    const target = pair.target.deviceId.toString('hex');
    const good = { target, command: OPEN_URI, payload: { a: 1 } };
    const cases: Array<[string, InvokeBody, number]> = [
      ['empty command', { ...good, command: '' }, 107],
      ['command of 101 characters', { ...good, command: 'a'.repeat(101) }, 107],
      ['command with a space', { ...good, command: 'open uri' }, 107],
      ['command not a string', { ...good, command: 7 }, 107],
      ['payload an array', { ...good, payload: [1] }, 107],
      ['payload a string', { ...good, payload: 'x' }, 107],
      ['payload null', { ...good, payload: null }, 107],
      ['negative ttl', { ...good, ttl: -1 }, 107],
      ['fractional ttl', { ...good, ttl: 1.5 }, 107],
      ['ttl above 1e7', { ...good, ttl: 10_000_001 }, 107],
      ['ttl as a string', { ...good, ttl: '60' }, 107],
      ['target too short', { ...good, target: target.slice(2) }, 107],
      ['target not hex', { ...good, target: 'z'.repeat(32) }, 107],
      ['no target', { command: OPEN_URI, payload: {} }, 108],
      ['no command', { target, payload: {} }, 108],
      ['no payload', { target, command: OPEN_URI }, 108],
    ];
    for (const [label, body, errno] of cases) {
      await expectRejectedWithoutChange(server, () => invoke(server.client, pair.sender.sessionToken, body), errno, 400).catch(
        (err: unknown) => assert.fail(`${label}: ${String(err)}`),
      );
    }
    const token = pair.target.sessionToken;
    for (const query of [{ limit: 101 }, { limit: -1 }, { limit: 'many' }, { index: 'x' }]) {
      await expectRejectedWithoutChange(server, () => readCommands(server.client, token, query), 107, 400);
    }
    // Too large a body is 113 before anything else (BODY_LIMIT_BYTES, 16 KiB by default).
    await expectRejectedWithoutChange(
      server,
      () => invoke(server.client, pair.sender.sessionToken, { ...good, payload: { blob: 'x'.repeat(20_000) } }),
      113,
      413,
    );
    assert.equal(push.received.length, 0);
    // Unknown fields are dropped, as on every route.
    assert.equal((await invoke(server.client, pair.sender.sessionToken, { ...good, extra: true })).enqueued, true);
  });

  test('GET /account/device/commands from a session without a device is errno 123', async () => {
    const account = await signUpVerified(server, uniqueEmail('nodevice'));
    await expectRejectedWithoutChange(server, () => readCommands(server.client, account.sessionToken), 123, 400);
  });

  test('authentication: a token is needed, and sending needs a verified account and a confirmed session', async () => {
    push.reset();
    const pair = await devicePair(server);
    const target = pair.target.deviceId.toString('hex');
    const body = { target, command: OPEN_URI, payload: {} };
    const anonymous = () => server.client.request('POST', '/account/devices/invoke_command', { body });
    await expectRejectedWithoutChange(server, anonymous, 110, 401);
    await expectRejectedWithoutChange(server, () => server.client.request('GET', '/account/device/commands'), 110, 401);
    await expectRejectedWithoutChange(server, () => invoke(server.client, randomBytes(32).toString('hex'), body), 110, 401);
    const bad = { token: tokenOf(pair.sender.sessionToken), hawk: { payload: '{"other":"body"}' }, body };
    await expectRejectedWithoutChange(server, () => server.client.request('POST', '/account/devices/invoke_command', bad), 109, 401);

    // An account whose address is not verified.
    const unverified = await server.client.signUp(uniqueEmail('unverified'), PASSWORD);
    await expectRejectedWithoutChange(server, () => invoke(server.client, unverified.sessionToken, body), 104, 400);
    await expectRejectedWithoutChange(
      server,
      () =>
        notify(server.client, unverified.sessionToken, { to: 'all', payload: { version: 1, command: 'fxaccounts:profile_updated' } }),
      104,
      400,
    );

    // A sign-in that still has to be confirmed.
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await server.client.signIn(pair.email, PASSWORD, { keys: true });
    assert.equal(login.verified, false);
    await expectRejectedWithoutChange(server, () => invoke(server.client, login.sessionToken, body), 138, 400);
    assert.equal(push.received.length, 0);

    // Bearer token ids work like Hawk.
    const bearer = new AuthClient(server.url, { auth: 'bearer', now: () => server.clock.now() });
    assert.equal((await invoke(bearer, pair.sender.sessionToken, body)).enqueued, true);
    assert.equal((await readCommands(bearer, pair.target.sessionToken)).index, 1);
  });

  test('concurrent invoke_command calls to one device get distinct consecutive indexes', async () => {
    push.reset();
    const pair = await devicePair(server);
    const target = pair.target.deviceId.toString('hex');
    const N = 24;
    const results = await Promise.all(
      Array.from({ length: N }, (_, n) =>
        invoke(server.client, pair.sender.sessionToken, { target, command: OPEN_URI, payload: { n } }),
      ),
    );
    assert.ok(results.every((r) => r.enqueued));
    const pushed = push.received.map((r) => r.notice.index).sort((a, b) => a - b);
    assert.deepEqual(
      pushed,
      Array.from({ length: N }, (_, i) => i + 1),
    );
    const page = await readCommands(server.client, pair.target.sessionToken);
    assert.deepEqual(
      indexesOf(page),
      Array.from({ length: N }, (_, i) => i + 1),
    );
    assert.deepEqual(
      page.messages.map((m) => m.data.payload.n).sort((a, b) => Number(a) - Number(b)),
      Array.from({ length: N }, (_, n) => n),
    );
    assert.equal(await lastCommandIndex(server, pair.target.deviceId), N);
  });

  describe('POST /account/devices/notify', () => {
    const collectionChanged = {
      version: 1,
      command: 'sync:collection_changed',
      data: { collections: ['clients'], reason: 'sendtab' },
    };

    test('relays a payload of the push schema to all devices (minus excluded) or to named ones, with its TTL', async () => {
      push.reset();
      const pair = await devicePair(server);
      const sender = pair.sender.deviceId.toString('hex');
      const target = pair.target.deviceId.toString('hex');
      assert.deepEqual(
        await notify(server.client, pair.sender.sessionToken, { to: 'all', excluded: [sender], payload: collectionChanged, TTL: 60 }),
        {},
      );
      assert.deepEqual(await notify(server.client, pair.sender.sessionToken, { to: [target], payload: collectionChanged }), {});
      const passwordReset = { version: 1, command: 'fxaccounts:password_reset' };
      await notify(server.client, pair.sender.sessionToken, { to: 'all', payload: passwordReset });
      assert.equal(push.notified.length, 3);
      const [all, named, plain] = push.notified as [(typeof push.notified)[0], (typeof push.notified)[0], (typeof push.notified)[0]];
      assert.ok(all.uid.equals(pair.sender.uid));
      assert.equal(all.targets.to, 'all');
      assert.deepEqual(
        (all.targets as { excluded: Buffer[] }).excluded.map((id) => id.toString('hex')),
        [sender],
      );
      assert.deepEqual([all.payload, all.ttl], [collectionChanged, 60]);
      assert.deepEqual(
        (named.targets.to as Buffer[]).map((id) => id.toString('hex')),
        [target],
      );
      assert.equal(named.ttl, 0, 'TTL defaults to 0');
      assert.deepEqual(plain.payload, passwordReset);
    });

    test('accountVerify takes only an empty payload; other payloads must match the schema (else 107, nothing sent)', async () => {
      push.reset();
      const pair = await devicePair(server);
      const token = pair.sender.sessionToken;
      assert.deepEqual(await notify(server.client, token, { to: 'all', _endpointAction: 'accountVerify', payload: {} }), {});
      assert.equal(push.notified[0]!.payload, null, 'sent payloadless');
      push.reset();
      const rejected: Array<Record<string, unknown>> = [
        { to: 'all', payload: {} },
        { to: 'all', _endpointAction: 'accountVerify', payload: collectionChanged },
        { to: 'all', payload: { bogus: 'payload' } },
        { to: 'all', payload: { ...collectionChanged, extra: true } },
        { to: 'all', payload: { ...collectionChanged, data: { ...collectionChanged.data, extra: true } } },
        { to: 'all', payload: { ...collectionChanged, data: { collections: [] } } },
        { to: 'all', payload: { ...collectionChanged, data: { collections: ['tabs', 'tabs'] } } },
        { to: 'all', payload: { ...collectionChanged, data: { collections: ['music'] } } },
        { to: 'all', payload: { version: '1', command: 'fxaccounts:profile_updated' } },
        { to: 'all', payload: { version: 1, command: 'fxaccounts:command_received', data: { command: 'x', index: 1 } } },
        { to: 'all', _endpointAction: 'accountConfirm', payload: {} },
        { to: 'some', payload: collectionChanged },
        { to: ['abcd'], payload: collectionChanged },
        { to: 'all', excluded: ['zz'], payload: collectionChanged },
        { to: 'all', payload: collectionChanged, TTL: -1 },
      ];
      for (const body of rejected) {
        await expectRejectedWithoutChange(server, () => notify(server.client, token, body), 107, 400);
      }
      await expectRejectedWithoutChange(server, () => notify(server.client, token, { to: 'all' }), 108, 400);
      assert.equal(push.notified.length, 0);
    });

    test('push failures are not the caller’s problem', async () => {
      push.reset();
      const pair = await devicePair(server);
      push.outcome = 'throw';
      assert.deepEqual(await notify(server.client, pair.sender.sessionToken, { to: 'all', payload: collectionChanged }), {});
      assert.equal(push.notified.length, 1);
    });
  });
});

test('oversize payloads are 107 when the body limit lets them through', async () => {
  const push = new RecordingPush();
  const server = await startTestServer({ commandPush: push, env: { BODY_LIMIT_BYTES: '300000' } });
  try {
    const pair = await devicePair(server);
    const body = (size: number) => ({
      target: pair.target.deviceId.toString('hex'),
      command: OPEN_URI,
      // `{"blob":"…"}`: 11 bytes around the string.
      payload: { blob: 'x'.repeat(size - 11) },
    });
    await expectRejectedWithoutChange(server, () => invoke(server.client, pair.sender.sessionToken, body(65_536)), 107, 400);
    // Multi-byte characters count as the bytes they take.
    await expectRejectedWithoutChange(
      server,
      () => invoke(server.client, pair.sender.sessionToken, { ...body(11), payload: { blob: 'é'.repeat(40_000) } }),
      107,
      400,
    );
    assert.equal(push.received.length, 0);
    assert.equal((await invoke(server.client, pair.sender.sessionToken, body(65_535))).enqueued, true);
    const page = await readCommands(server.client, pair.target.sessionToken);
    assert.equal(JSON.stringify(page.messages[0]!.data.payload).length, 65_535);
  } finally {
    await server.close();
  }
});

test('a command queued through one instance is read through the other (shared database)', async () => {
  const clock = new ManualClock(Date.UTC(2026, 3, 2, 9, 0, 0));
  const push = new RecordingPush();
  const publicOrigin = 'http://accounts.lb.example';
  const pair = await startInstancePair({ clock, env: { PUBLIC_URL: publicOrigin }, commandPush: push });
  try {
    const via = (instance: TestServer) =>
      new AuthClient(`${publicOrigin}/v1`, {
        now: () => clock.now(),
        fetch: (input, init) => fetch(String(input).replace(publicOrigin, instance.origin), init),
      });
    const first = via(pair.first);
    const second = via(pair.second);
    const devices = await devicePair({ ...pair.first, client: first }, first);
    const target = devices.target.deviceId.toString('hex');

    await invoke(first, devices.sender.sessionToken, { target, command: OPEN_URI, payload: { from: 'first' } });
    await invoke(second, devices.sender.sessionToken, { target, command: OPEN_URI, payload: { from: 'second' } });
    assert.deepEqual(
      push.received.map((r) => [r.notice.index, r.notice.url]),
      [
        [1, `${publicOrigin}/v1/account/device/commands?index=1&limit=1`],
        [2, `${publicOrigin}/v1/account/device/commands?index=2&limit=1`],
      ],
    );
    const page = await readCommands(second, devices.target.sessionToken, { index: 1 });
    assert.deepEqual(
      page.messages.map((m) => [m.index, m.data.payload.from]),
      [
        [1, 'first'],
        [2, 'second'],
      ],
    );
    // Concurrent sends through both instances still get distinct consecutive indexes.
    const sends = Array.from({ length: 10 }, (_, n) =>
      invoke(n % 2 === 0 ? first : second, devices.sender.sessionToken, { target, command: OPEN_URI, payload: { n } }),
    );
    await Promise.all(sends);
    const all = await readCommands(first, devices.target.sessionToken);
    assert.deepEqual(
      indexesOf(all),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
  } finally {
    await pair.close();
  }
});
