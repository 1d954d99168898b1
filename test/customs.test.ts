// Built-in rate limits (docs/protocol.md §10.4): StoreCustoms over the ephemeral store, then
// the same rules seen over HTTP. A rule allows `max` events per window; the event past
// that starts a ban answered with 429 errno 114, `retryAfter` and Retry-After.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ClientError } from '../src/client/index.js';
import { StoreCustoms, type Subject } from '../src/customs/index.js';
import { AppError, ERROR_INFO_URL } from '../src/errors.js';
import { MemoryStore, type EphemeralStore } from '../src/kv/index.js';
import { RedisStore } from '../src/kv/redis.js';
import { ManualClock } from '../src/runtime.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;
const id = () => randomBytes(6).toString('hex');
const newEmail = () => `customs-${id()}@example.com`;
const newUid = () => randomBytes(16).toString('hex');
const ipFor = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
let ipCounter = 1;
/** A fresh IP per call, so only the rule under test counts. */
const freshIp = () => ipFor(ipCounter++);

/** A 114 with this retryAfter; `unblockable`: whether it carries the unblock-code hint. */
function isThrottled(err: unknown, retryAfter: number, unblockable?: boolean): true {
  assert.ok(err instanceof AppError, String(err));
  assert.equal(err.errno, 114);
  assert.equal(err.status, 429);
  assert.equal(err.extra.retryAfter, retryAfter);
  if (unblockable !== undefined) {
    assert.equal(err.extra.verificationMethod, unblockable ? 'email-captcha' : undefined);
    assert.equal(err.extra.verificationReason, unblockable ? 'login' : undefined);
  }
  assert.equal(err.headers['retry-after'], String(retryAfter));
  const body = err.toJSON();
  assert.equal(body.code, 429);
  assert.equal(body.error, 'Too Many Requests');
  assert.equal(body.message, 'Client has sent too many requests');
  assert.equal(body.info, ERROR_INFO_URL);
  assert.equal(typeof body.retryAfterLocalized, 'string');
  return true;
}

interface StoreBackend {
  name: string;
  make(clock: ManualClock): EphemeralStore;
}

const backends: StoreBackend[] = [{ name: 'MemoryStore', make: (clock) => new MemoryStore(clock) }];
if (process.env.REDIS_URL) {
  const url = process.env.REDIS_URL;
  backends.push({
    name: 'RedisStore',
    make: () => new RedisStore(url, `test:customs:${id()}:`),
  });
}

for (const backend of backends) {
  describe(`StoreCustoms over ${backend.name}`, () => {
    let clock: ManualClock;
    let store: EphemeralStore;
    let customs: StoreCustoms;

    before(() => {
      clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
      store = backend.make(clock);
      customs = new StoreCustoms(store, clock);
    });
    after(async () => {
      await store.close();
    });

    test('100 accountLogin checks per email pass; the 101st is 114 with retryAfter 900', async () => {
      const email = newEmail();
      for (let i = 0; i < 100; i++) await customs.check('accountLogin', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
      // Banned: every further check is refused too, without counting.
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
      const thrown = await customs.check('accountLogin', { ip: freshIp(), email }).catch((err: AppError) => err);
      assert.ok(thrown instanceof AppError);
      assert.equal(thrown.extra.retryAfterLocalized, 'in 15 minutes');
    });

    test('the email rule is case-insensitive', async () => {
      const email = newEmail();
      for (let i = 0; i < 100; i++) {
        await customs.check('accountLogin', { ip: freshIp(), email: i % 2 ? email.toUpperCase() : email });
      }
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: email.toUpperCase() }), (err) =>
        isThrottled(err, 900),
      );
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
    });

    test('other emails and other actions are unaffected by an email ban', async () => {
      const banned = newEmail();
      for (let i = 0; i < 100; i++) await customs.check('accountLogin', { ip: freshIp(), email: banned });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: banned }), (err) => isThrottled(err, 900));
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: banned }), (err) => isThrottled(err, 900));
      await customs.check('accountLogin', { ip: freshIp(), email: newEmail() });
      await customs.check('accountCreate', { ip: freshIp(), email: banned });
      await customs.check('accountStatusCheck', { ip: freshIp(), email: banned });
    });

    test('100 requests per IP pass; the 101st from that IP is 114, other IPs are unaffected', async () => {
      const ip = freshIp();
      for (let i = 0; i < 100; i++) await customs.check('accountStatusCheck', { ip, email: newEmail() });
      await assert.rejects(customs.check('accountStatusCheck', { ip, email: newEmail() }), (err) => isThrottled(err, 900));
      await customs.check('accountStatusCheck', { ip: freshIp(), email: newEmail() });
    });

    test('a ban counts down and lifts after 15 minutes; the window restarts', async () => {
      const email = newEmail();
      for (let i = 0; i < 100; i++) await customs.check('accountLogin', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));

      clock.advance(5 * MINUTE);
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 600));
      clock.advance(10 * MINUTE - 1000);
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 1));

      clock.advance(1000);
      for (let i = 0; i < 100; i++) await customs.check('accountLogin', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
      clock.advance(15 * MINUTE);
    });

    test('requests spread over more than a window are not banned', async () => {
      const email = newEmail();
      for (let i = 0; i < 90; i++) await customs.check('accountLogin', { ip: freshIp(), email });
      clock.advance(15 * MINUTE);
      for (let i = 0; i < 90; i++) await customs.check('accountLogin', { ip: freshIp(), email });
    });

    // ---- password failures: one budget per account, address and IP --------------------------

    test('5 wrong passwords per account are tolerated; after the 6th, check is 114', async () => {
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 5; i++) {
        await customs.check('accountLogin', { ip: freshIp(), ...account });
        await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      }
      await customs.check('accountLogin', { ip: freshIp(), ...account });
      await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900, true));
      // recordFailure itself never throws, even while banned.
      await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
    });

    test('wrong passwords through a secondary address count on the account (uid)', async () => {
      // Regression: failures counted per address, so each address of an account had its own 5.
      const uid = newUid();
      const primary = newEmail();
      const secondary = newEmail();
      for (let i = 0; i < 3; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), email: primary, uid });
      for (let i = 0; i < 3; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), email: secondary, uid });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: primary, uid }), (err) =>
        isThrottled(err, 900, true),
      );
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: secondary, uid }), (err) =>
        isThrottled(err, 900, true),
      );
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: newEmail(), uid }), (err) =>
        isThrottled(err, 900, true),
      );
    });

    test('sign-in, re-authentication and deletion share one password budget', async () => {
      // Regression: /account/destroy had its own 5 guesses beside sign-in's.
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 5; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      await customs.check('accountDestroy', { ip: freshIp(), ...account });
      await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      // The uid ban refuses every password-checking action, deletion without the unblock hint.
      await assert.rejects(customs.check('accountDestroy', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900, false));
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900, true));
      await assert.rejects(customs.check('accountDestroy', { ip: freshIp(), uid: account.uid }), (err) =>
        isThrottled(err, 900, false),
      );
      // Other actions, and other accounts, are not affected.
      await customs.check('accountStatusCheck', { ip: freshIp(), email: account.email });
      await customs.check('sendUnblockCode', { ip: freshIp(), ...account });
      await customs.check('accountLogin', { ip: freshIp(), email: newEmail(), uid: newUid() });
    });

    test('failures by address alone (unknown accounts) share one budget per address', async () => {
      const email = newEmail();
      for (let i = 0; i < 6; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900, true));
      await assert.rejects(customs.check('accountDestroy', { ip: freshIp(), email }), (err) => isThrottled(err, 900, false));
    });

    test('wrong passwords on one account leave other accounts alone', async () => {
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 6; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900));
      await customs.check('accountLogin', { ip: freshIp(), email: newEmail(), uid: newUid() });
    });

    test('6 wrong passwords from one IP ban that IP for 30 minutes, whatever the account or action', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) await customs.recordFailure('passwordCheckFailed', { ip, email: newEmail(), uid: newUid() });
      for (let i = 0; i < 3; i++) await customs.recordFailure('passwordCheckFailed', { ip, email: newEmail() });
      await assert.rejects(customs.check('accountLogin', { ip, email: newEmail(), uid: newUid() }), (err) => isThrottled(err, 1800));
      await assert.rejects(customs.check('accountDestroy', { ip, email: newEmail(), uid: newUid() }), (err) =>
        isThrottled(err, 1800),
      );
      await customs.check('accountLogin', { ip: freshIp(), email: newEmail(), uid: newUid() });
    });

    test('with several bans, retryAfter is the longest (Mozilla picks the block with the longest retry)', async () => {
      // Same IP and account: the account ban (15 min) and the IP ban (30 min) both start.
      const subject: Subject = { ip: freshIp(), email: newEmail(), uid: newUid() };
      for (let i = 0; i < 6; i++) await customs.recordFailure('passwordCheckFailed', subject);
      await assert.rejects(customs.check('accountLogin', subject), (err) => isThrottled(err, 1800));
    });

    test('retryAfter is the longest ban even when a shorter one is found first; waiting that long is enough', async () => {
      // Regression: the first banned rule was reported. Here the IP's ban (found first) has
      // 5 minutes left while the address's has 15.
      const ip = freshIp();
      for (let i = 0; i < 100; i++) await customs.check('accountLogin', { ip, email: newEmail() });
      await assert.rejects(customs.check('accountLogin', { ip, email: newEmail() }), (err) => isThrottled(err, 900));
      clock.advance(10 * MINUTE);
      const email = newEmail();
      for (let i = 0; i < 100; i++) await customs.check('accountLogin', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
      await assert.rejects(customs.check('accountLogin', { ip, email }), (err) => isThrottled(err, 900));
      clock.advance(900_000 - 1000);
      await assert.rejects(customs.check('accountLogin', { ip, email }), (err) => isThrottled(err, 1));
      clock.advance(1000);
      await customs.check('accountLogin', { ip, email });
    });

    test("a ban on the account and a longer one on the IP: retryAfter is the IP's", async () => {
      const ip = freshIp();
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 6; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      clock.advance(5 * MINUTE);
      for (let i = 0; i < 6; i++) await customs.recordFailure('passwordCheckFailed', { ip, uid: newUid() });
      await assert.rejects(customs.check('accountLogin', { ip, ...account }), (err) => isThrottled(err, 1800));
      clock.advance(10 * MINUTE);
      await assert.rejects(customs.check('accountLogin', { ip, ...account }), (err) => isThrottled(err, 1200));
      await customs.check('accountLogin', { ip: freshIp(), ...account });
      clock.advance(20 * MINUTE);
      await customs.check('accountLogin', { ip, ...account });
    });

    test('a failure ban lifts after its duration', async () => {
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 6; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900));
      clock.advance(15 * MINUTE);
      await customs.check('accountLogin', { ip: freshIp(), ...account });
      // The failures that caused the ban have left the window: 5 new ones are tolerated again.
      for (let i = 0; i < 5; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      await customs.check('accountLogin', { ip: freshIp(), ...account });
    });

    test('failures older than the window are forgotten', async () => {
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 5; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      clock.advance(15 * MINUTE);
      for (let i = 0; i < 5; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      await customs.check('accountLogin', { ip: freshIp(), ...account });
    });

    // ---- sliding windows ----------------------------------------------------------------------

    test('max requests just before a window boundary and max just after do not all pass', async () => {
      // Regression: fixed windows numbered on the clock let 2 × max through around a boundary.
      const boundary = Math.ceil((clock.now() + MINUTE) / (15 * MINUTE)) * 15 * MINUTE;
      clock.set(boundary - 1000);
      const email = newEmail();
      for (let i = 0; i < 100; i++) await customs.check('accountLogin', { ip: freshIp(), email });
      clock.advance(2000);
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
    });

    test('a request leaves the window exactly 15 minutes after it was made', async () => {
      const early = newEmail();
      const probe = newEmail();
      for (let i = 0; i < 50; i++) {
        await customs.check('accountLogin', { ip: freshIp(), email: early });
        await customs.check('accountLogin', { ip: freshIp(), email: probe });
      }
      clock.advance(10 * MINUTE);
      for (let i = 0; i < 50; i++) {
        await customs.check('accountLogin', { ip: freshIp(), email: early });
        await customs.check('accountLogin', { ip: freshIp(), email: probe });
      }
      // One millisecond short of 15 minutes after the first 50, the window is still full.
      clock.advance(5 * MINUTE - 1);
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: probe }), (err) => isThrottled(err, 900));
      // At 15 minutes the first 50 have left it: 50 more pass, not 100.
      clock.advance(1);
      for (let i = 0; i < 50; i++) await customs.check('accountLogin', { ip: freshIp(), email: early });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: early }), (err) => isThrottled(err, 900));
    });

    test('at most 10 verifySessionCode checks pass in any 15 minutes, however they are spread', async () => {
      const uid = newUid();
      const start = clock.now();
      const passed: number[] = [];
      let seed = 42;
      for (let i = 0; i < 150; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        clock.advance((seed % 240) * 1000);
        const ok = await customs.check('verifySessionCode', { ip: freshIp(), uid }).then(
          () => true,
          (err: unknown) => isThrottled(err, Number((err as AppError).extra.retryAfter)) && false,
        );
        if (ok) passed.push(clock.now());
      }
      for (const end of passed) {
        const inSpan = passed.filter((t) => t > end - 15 * MINUTE && t <= end).length;
        assert.ok(inSpan <= 10, `${inSpan} passed in the 15 minutes up to +${(end - start) / 1000} s`);
      }
      assert.ok(passed.length >= 30, `only ${passed.length} passed`);
    });

    // ---- unblock codes ------------------------------------------------------------------------

    test('5 wrong unblock codes per account are tolerated; after the 6th, unblock attempts are 114 without the hint', async () => {
      // Regression: a wrong unblock code was answered 127 without limit.
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 5; i++) {
        await customs.check('unblockCodeCheck', { ip: freshIp(), ...account });
        await customs.recordFailure('unblockCodeFailed', { ip: freshIp(), ...account });
      }
      await customs.check('unblockCodeCheck', { ip: freshIp(), ...account });
      await customs.recordFailure('unblockCodeFailed', { ip: freshIp(), ...account });
      await assert.rejects(customs.check('unblockCodeCheck', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900, false));
      // reject_unblock_code knows only the uid.
      await assert.rejects(customs.check('unblockCodeCheck', { ip: freshIp(), uid: account.uid }), (err) =>
        isThrottled(err, 900, false),
      );
      // No new code is mailed for an account that may not use one…
      await assert.rejects(customs.check('sendUnblockCode', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900, false));
      // …but other accounts are not affected.
      await customs.check('unblockCodeCheck', { ip: freshIp(), email: newEmail(), uid: newUid() });
    });

    test('once unblock codes are banned, a blocked sign-in is 114 without the hint until its own ban ends', async () => {
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 6; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      // Blocked; an unblock code may still lift it.
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900, true));
      clock.advance(5 * MINUTE);
      for (let i = 0; i < 6; i++) await customs.recordFailure('unblockCodeFailed', { ip: freshIp(), ...account });
      // Now no code lifts it; retryAfter is still the sign-in's own ban, which the unblock ban outlasts.
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), ...account }), (err) => isThrottled(err, 600, false));
      await assert.rejects(customs.check('unblockCodeCheck', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900, false));
      clock.advance(10 * MINUTE);
      // The sign-in's ban is over: the password is checked again; unblock codes are not.
      await customs.check('accountLogin', { ip: freshIp(), ...account });
      await assert.rejects(customs.check('unblockCodeCheck', { ip: freshIp(), ...account }), (err) => isThrottled(err, 300, false));
      clock.advance(5 * MINUTE);
      await customs.check('unblockCodeCheck', { ip: freshIp(), ...account });
    });

    test('an unblock-code ban alone does not block signing in with the password', async () => {
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 6; i++) await customs.recordFailure('unblockCodeFailed', { ip: freshIp(), ...account });
      await customs.check('accountLogin', { ip: freshIp(), ...account });
      await customs.check('accountDestroy', { ip: freshIp(), ...account });
    });

    test('6 wrong unblock codes from one IP, on any accounts, ban unblock attempts from that IP for 30 minutes', async () => {
      const ip = freshIp();
      for (let i = 0; i < 6; i++) await customs.recordFailure('unblockCodeFailed', { ip, uid: newUid() });
      await assert.rejects(customs.check('unblockCodeCheck', { ip, uid: newUid() }), (err) => isThrottled(err, 1800, false));
      await customs.check('unblockCodeCheck', { ip: freshIp(), uid: newUid() });
      // A blocked sign-in from that IP loses the hint too.
      const account = { email: newEmail(), uid: newUid() };
      for (let i = 0; i < 6; i++) await customs.recordFailure('passwordCheckFailed', { ip: freshIp(), ...account });
      await assert.rejects(customs.check('accountLogin', { ip, ...account }), (err) => isThrottled(err, 900, false));
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), ...account }), (err) => isThrottled(err, 900, true));
      clock.advance(30 * MINUTE);
      await customs.check('unblockCodeCheck', { ip, uid: newUid() });
    });

    test('verifySessionCode: 10 per uid per 15 minutes', async () => {
      const uid = newUid();
      for (let i = 0; i < 10; i++) await customs.check('verifySessionCode', { ip: freshIp(), uid });
      await assert.rejects(customs.check('verifySessionCode', { ip: freshIp(), uid }), (err) => isThrottled(err, 900));
      await customs.check('verifySessionCode', { ip: freshIp(), uid: newUid() });
    });

    test('verifySessionCode ban lifts after 15 minutes', async () => {
      const uid = newUid();
      for (let i = 0; i < 10; i++) await customs.check('verifySessionCode', { ip: freshIp(), uid });
      await assert.rejects(customs.check('verifySessionCode', { ip: freshIp(), uid }), (err) => isThrottled(err, 900));
      clock.advance(15 * MINUTE);
      for (let i = 0; i < 10; i++) await customs.check('verifySessionCode', { ip: freshIp(), uid });
    });

    test('recoveryEmailVerifyCode: 10 per IP per 10 minutes (30 min ban), 10 per email per 15 minutes', async () => {
      const ip = freshIp();
      for (let i = 0; i < 10; i++) await customs.check('recoveryEmailVerifyCode', { ip, email: newEmail() });
      await assert.rejects(customs.check('recoveryEmailVerifyCode', { ip, email: newEmail() }), (err) => isThrottled(err, 1800));

      const email = newEmail();
      for (let i = 0; i < 10; i++) await customs.check('recoveryEmailVerifyCode', { ip: freshIp(), email });
      await assert.rejects(customs.check('recoveryEmailVerifyCode', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
    });
  });
}

describe('rate limits over HTTP', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  async function loginError(email: string, password: string): Promise<ClientError> {
    const err = await server.client.signIn(email, password).then(
      () => assert.fail('login should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClientError, String(err));
    return err;
  }

  /** Sign-in throttling also tells the client it may ask for an unblock code. */
  const UNBLOCKABLE = { verificationMethod: 'email-captcha', verificationReason: 'login' };

  function assertThrottledResponse(err: ClientError, extra: Record<string, string> = {}): void {
    assert.equal(err.status, 429, JSON.stringify(err.body));
    assert.equal(err.errno, 114);
    const retryAfter = err.body.retryAfter;
    assert.ok(typeof retryAfter === 'number' && retryAfter >= 900 && retryAfter <= 1800, `retryAfter ${String(retryAfter)}`);
    assert.equal(err.headers['retry-after'], String(retryAfter));
    assert.equal(err.headers.timestamp, String(Math.floor(server.clock.now() / 1000)));
    assert.deepEqual(err.body, {
      code: 429,
      errno: 114,
      error: 'Too Many Requests',
      message: 'Client has sent too many requests',
      info: ERROR_INFO_URL,
      retryAfter,
      retryAfterLocalized: err.body.retryAfterLocalized,
      ...extra,
    });
    assert.equal(typeof err.body.retryAfterLocalized, 'string');
  }

  test('wrong passwords: after the 6th, even the right password gets 429 errno 114', async () => {
    const email = newEmail();
    const password = 'the right password';
    const account = await server.client.signUp(email, password);

    for (let i = 1; i <= 5; i++) {
      const err = await loginError(email, `wrong ${i}`);
      assert.equal(err.errno, 103, `attempt ${i}`);
      assert.equal(err.body.email, email);
    }
    // The 6th wrong password may be refused outright or counted and answered 103.
    const sixth = await loginError(email, 'wrong 6');
    assert.ok(sixth.errno === 103 || sixth.errno === 114, `6th: errno ${sixth.errno}`);

    const before = await server.snapshot();
    const blocked = await loginError(email, password);
    assertThrottledResponse(blocked, UNBLOCKABLE);
    // A ban masks other errors, and a refused login stores nothing.
    assertThrottledResponse(await loginError(email, 'wrong again'), UNBLOCKABLE);
    assert.equal(await server.snapshot(), before);

    // Existing sessions are unaffected.
    assert.equal((await server.client.sessionStatus(account.sessionToken)).uid, account.uid);
  });

  test('101 status checks for one address: the 101st gets 429 errno 114', async () => {
    const email = newEmail();
    for (let i = 0; i < 100; i++) assert.deepEqual(await server.client.accountStatusByEmail(email), { exists: false });
    const err = await server.client.accountStatusByEmail(email).then(
      () => assert.fail('the 101st status check should be throttled'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClientError);
    assert.equal(err.status, 429);
    assert.equal(err.errno, 114);
    assert.equal(err.body.retryAfter, 900);
    assert.equal(err.headers['retry-after'], '900');
  });
});

describe('rate limits over HTTP, on the test clock', () => {
  test('a login ban lifts when the clock passes its end', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    const kv = new MemoryStore(clock);
    const server = await startTestServer({ clock, kv });
    try {
      const email = newEmail();
      const password = 'the right password';
      await server.client.signUp(email, password);
      for (let i = 0; i < 6; i++) {
        const wrong = await server.client.signIn(email, `wrong ${i}`).then(
          () => assert.fail('wrong password accepted'),
          (e: unknown) => e,
        );
        assert.ok(wrong instanceof ClientError, String(wrong));
        assert.equal(wrong.errno, 103, `attempt ${i}: ${JSON.stringify(wrong.body)}`);
      }
      const blocked = await server.client.signIn(email, password).then(
        () => assert.fail('should be throttled'),
        (e: unknown) => e,
      );
      assert.ok(blocked instanceof ClientError);
      assert.equal(blocked.errno, 114);
      const retryAfter = Number(blocked.body.retryAfter);
      assert.equal(blocked.headers['retry-after'], String(retryAfter));

      clock.advance(retryAfter * 1000 - 1000);
      const stillBlocked = await server.client.signIn(email, password).then(
        () => assert.fail('should still be throttled'),
        (e: unknown) => e,
      );
      assert.ok(stillBlocked instanceof ClientError);
      assert.equal(stillBlocked.errno, 114);
      assert.equal(stillBlocked.body.retryAfter, 1);

      // The advertised retryAfter is enough: the client may retry then.
      clock.advance(1000);
      const login = await server.client.signIn(email, password);
      assert.match(login.sessionToken, /^[0-9a-f]{64}$/);
    } finally {
      await server.close();
      await kv.close();
    }
  });

  test('RATE_LIMIT_ENABLED=false: no errno 114', async () => {
    const server = await startTestServer({ env: { RATE_LIMIT_ENABLED: 'false' } });
    try {
      const email = newEmail();
      const password = 'the right password';
      await server.client.signUp(email, password);
      for (let i = 0; i < 8; i++) {
        const err = await server.client.signIn(email, `wrong ${i}`).then(
          () => assert.fail('wrong password accepted'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof ClientError);
        assert.equal(err.errno, 103, `attempt ${i}`);
      }
      const login = await server.client.signIn(email, password);
      assert.match(login.sessionToken, /^[0-9a-f]{64}$/);

      const other = newEmail();
      for (let i = 0; i < 105; i++) assert.deepEqual(await server.client.accountStatusByEmail(other), { exists: false });
    } finally {
      await server.close();
    }
  });
});
