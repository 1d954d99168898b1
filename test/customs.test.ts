// Built-in rate limits (PROTOCOL §10.4): StoreCustoms over the ephemeral store, then
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
const ipFor = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
let ipCounter = 1;
/** A fresh IP per call, so only the rule under test counts. */
const freshIp = () => ipFor(ipCounter++);

function isThrottled(err: unknown, retryAfter: number): true {
  assert.ok(err instanceof AppError, String(err));
  assert.equal(err.errno, 114);
  assert.equal(err.status, 429);
  assert.equal(err.extra.retryAfter, retryAfter);
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

const backends: StoreBackend[] = [
  { name: 'MemoryStore', make: (clock) => new MemoryStore(clock) },
];
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
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email: email.toUpperCase() }), (err) => isThrottled(err, 900));
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

    test('5 failed logins per email are tolerated; after the 6th, check is 114', async () => {
      const email = newEmail();
      for (let i = 0; i < 5; i++) {
        await customs.check('accountLogin', { ip: freshIp(), email });
        await customs.recordFailure('accountLogin', { ip: freshIp(), email });
      }
      await customs.check('accountLogin', { ip: freshIp(), email });
      await customs.recordFailure('accountLogin', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
      // recordFailure itself never throws, even while banned.
      await customs.recordFailure('accountLogin', { ip: freshIp(), email });
    });

    test('failed logins on one email leave other emails alone', async () => {
      const email = newEmail();
      for (let i = 0; i < 6; i++) await customs.recordFailure('accountLogin', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
      await customs.check('accountLogin', { ip: freshIp(), email: newEmail() });
      // A failure ban on accountLogin does not block other actions for that address.
      await customs.check('accountStatusCheck', { ip: freshIp(), email });
    });

    test('6 failures from one IP ban that IP for 30 minutes, whatever the email', async () => {
      const ip = freshIp();
      for (let i = 0; i < 6; i++) await customs.recordFailure('accountLogin', { ip, email: newEmail() });
      await assert.rejects(customs.check('accountLogin', { ip, email: newEmail() }), (err) => isThrottled(err, 1800));
      await customs.check('accountLogin', { ip: freshIp(), email: newEmail() });
    });

    test('with several bans, retryAfter is the longest (Mozilla picks the block with the longest retry)', async () => {
      // Same IP and email: the email ban (15 min) and the IP ban (30 min) both start.
      const subject: Subject = { ip: freshIp(), email: newEmail() };
      for (let i = 0; i < 6; i++) await customs.recordFailure('accountLogin', subject);
      await assert.rejects(customs.check('accountLogin', subject), (err) => isThrottled(err, 1800));
    });

    test('a failure ban lifts after its duration', async () => {
      const email = newEmail();
      for (let i = 0; i < 6; i++) await customs.recordFailure('accountLogin', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountLogin', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
      clock.advance(15 * MINUTE);
      await customs.check('accountLogin', { ip: freshIp(), email });
      // The failure window expired with the ban: 5 new failures are tolerated again.
      for (let i = 0; i < 5; i++) await customs.recordFailure('accountLogin', { ip: freshIp(), email });
      await customs.check('accountLogin', { ip: freshIp(), email });
    });

    test('failures older than the window are forgotten', async () => {
      const email = newEmail();
      for (let i = 0; i < 5; i++) await customs.recordFailure('accountLogin', { ip: freshIp(), email });
      clock.advance(15 * MINUTE);
      for (let i = 0; i < 5; i++) await customs.recordFailure('accountLogin', { ip: freshIp(), email });
      await customs.check('accountLogin', { ip: freshIp(), email });
    });

    test('accountDestroy has its own failure rules', async () => {
      const email = newEmail();
      for (let i = 0; i < 6; i++) await customs.recordFailure('accountDestroy', { ip: freshIp(), email });
      await assert.rejects(customs.check('accountDestroy', { ip: freshIp(), email }), (err) => isThrottled(err, 900));
      await customs.check('accountLogin', { ip: freshIp(), email });
    });

    test('verifySessionCode: 10 per uid per 15 minutes', async () => {
      const uid = randomBytes(16).toString('hex');
      for (let i = 0; i < 10; i++) await customs.check('verifySessionCode', { ip: freshIp(), uid });
      await assert.rejects(customs.check('verifySessionCode', { ip: freshIp(), uid }), (err) => isThrottled(err, 900));
      await customs.check('verifySessionCode', { ip: freshIp(), uid: randomBytes(16).toString('hex') });
    });

    test('verifySessionCode ban lifts after 15 minutes', async () => {
      const uid = randomBytes(16).toString('hex');
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
