// The bounded scrypt pool: at most `concurrency` hashes at once, FIFO, at most
// `queueLimit` waiting, and 503 errno 201 with Retry-After past that.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ClientError, type SignInResult } from '../src/client/index.js';
import { scryptAsync } from '../src/crypto/index.js';
import { AppError, ERROR_INFO_URL } from '../src/errors.js';
import { ScryptPool, type ScryptFunction } from '../src/hashing/scrypt-pool.js';
import { startTestServer } from './helpers/server.js';

/** One call of the fake scrypt, settled by the test. */
interface Call {
  password: string;
  resolve(value: Buffer): void;
  reject(err: Error): void;
}

/** A scrypt whose calls wait until the test resolves them; tracks how many run at once. */
function controlledScrypt() {
  const calls: Call[] = [];
  let running = 0;
  let maxRunning = 0;
  const fn: ScryptFunction = (password) =>
    new Promise<Buffer>((resolve, reject) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const done = () => {
        running--;
      };
      calls.push({
        password: password.toString(),
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      });
    });
  return {
    fn,
    calls,
    get running() {
      return running;
    },
    get maxRunning() {
      return maxRunning;
    },
  };
}

/** Lets pending promise callbacks run (event-loop turns, not time). */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Yields to the event loop, turn by turn, until `condition` holds. Not bounded by a
 * number of turns (under load a request can take many): the test's own timeout
 * ends a wait that never succeeds.
 */
async function until(condition: () => boolean, what: string, signal?: AbortSignal): Promise<void> {
  while (!condition()) {
    if (signal?.aborted) assert.fail(`gave up waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

const pw = (name: string) => Buffer.from(name);
const SALT = Buffer.alloc(32);

function assertServerBusy(err: unknown, retryAfter: number): true {
  assert.ok(err instanceof AppError, String(err));
  assert.equal(err.errno, 201);
  assert.equal(err.status, 503);
  assert.equal(err.extra.retryAfter, retryAfter);
  assert.equal(err.headers['retry-after'], String(retryAfter));
  assert.deepEqual(err.toJSON(), {
    code: 503,
    errno: 201,
    error: 'Service Unavailable',
    message: 'Service unavailable',
    info: ERROR_INFO_URL,
    retryAfter,
    retryAfterLocalized: err.extra.retryAfterLocalized,
  });
  return true;
}

describe('ScryptPool', { timeout: 10_000 }, () => {
  test('runs at most `concurrency` hashes at once', async () => {
    const scrypt = controlledScrypt();
    const pool = new ScryptPool({ concurrency: 2, queueLimit: 10, retryAfterSeconds: 5 }, scrypt.fn);
    const results = ['a', 'b', 'c', 'd', 'e'].map((name) => pool.hash(pw(name), SALT));
    await settle();
    assert.equal(scrypt.calls.length, 2);
    assert.deepEqual(pool.stats, { active: 2, queued: 3 });

    scrypt.calls[0]!.resolve(Buffer.from('A'));
    await settle();
    assert.equal(scrypt.calls.length, 3);
    assert.deepEqual(pool.stats, { active: 2, queued: 2 });
    assert.equal(scrypt.running, 2);

    for (let i = 1; i < 5; i++) {
      await until(() => scrypt.calls.length > i, `call ${i}`);
      scrypt.calls[i]!.resolve(Buffer.from(String(i)));
    }
    const values = await Promise.all(results);
    assert.deepEqual(
      values.map((v) => v.toString()),
      ['A', '1', '2', '3', '4'],
    );
    assert.equal(scrypt.maxRunning, 2);
    assert.deepEqual(pool.stats, { active: 0, queued: 0 });
  });

  test('hands each result to its own caller', async () => {
    const scrypt = controlledScrypt();
    const pool = new ScryptPool({ concurrency: 3, queueLimit: 0, retryAfterSeconds: 5 }, scrypt.fn);
    const results = ['x', 'y', 'z'].map((name) => pool.hash(pw(name), SALT));
    await settle();
    // Finish out of order.
    for (const index of [2, 0, 1]) scrypt.calls[index]!.resolve(Buffer.from(`${scrypt.calls[index]!.password}!`));
    assert.deepEqual(
      (await Promise.all(results)).map((v) => v.toString()),
      ['x!', 'y!', 'z!'],
    );
  });

  test('waiting hashes start in FIFO order', async () => {
    const scrypt = controlledScrypt();
    const pool = new ScryptPool({ concurrency: 1, queueLimit: 10, retryAfterSeconds: 5 }, scrypt.fn);
    const names = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
    const results = names.map((name) => pool.hash(pw(name), SALT));
    for (let i = 0; i < names.length; i++) {
      await until(() => scrypt.calls.length === i + 1, `call ${i}`);
      await settle();
      assert.equal(scrypt.calls.length, i + 1, 'only one runs at a time');
      scrypt.calls[i]!.resolve(Buffer.from(names[i]!));
    }
    await Promise.all(results);
    assert.deepEqual(
      scrypt.calls.map((c) => c.password),
      names,
    );
    assert.equal(scrypt.maxRunning, 1);
  });

  test('past `queueLimit` waiting, a hash is rejected with 503 errno 201 and Retry-After', async () => {
    const scrypt = controlledScrypt();
    const pool = new ScryptPool({ concurrency: 1, queueLimit: 2, retryAfterSeconds: 7 }, scrypt.fn);
    const running = pool.hash(pw('running'), SALT);
    const queued = [pool.hash(pw('q1'), SALT), pool.hash(pw('q2'), SALT)];
    assert.deepEqual(pool.stats, { active: 1, queued: 2 });

    await assert.rejects(pool.hash(pw('rejected'), SALT), (err) => assertServerBusy(err, 7));
    await assert.rejects(pool.hash(pw('rejected again'), SALT), (err) => assertServerBusy(err, 7));
    assert.deepEqual(pool.stats, { active: 1, queued: 2 }, 'rejections take no slot');

    // Once one finishes there is room to wait again.
    await settle();
    scrypt.calls[0]!.resolve(Buffer.from('r'));
    await running;
    assert.deepEqual(pool.stats, { active: 1, queued: 1 });
    const late = pool.hash(pw('late'), SALT);
    assert.deepEqual(pool.stats, { active: 1, queued: 2 });

    for (let i = 1; i <= 3; i++) {
      await until(() => scrypt.calls.length > i, `call ${i}`);
      scrypt.calls[i]!.resolve(Buffer.from(String(i)));
    }
    await Promise.all([...queued, late]);
    assert.deepEqual(
      scrypt.calls.map((c) => c.password),
      ['running', 'q1', 'q2', 'late'],
    );
    assert.deepEqual(pool.stats, { active: 0, queued: 0 });
  });

  test('queueLimit 0 rejects as soon as every slot is busy', async () => {
    const scrypt = controlledScrypt();
    const pool = new ScryptPool({ concurrency: 2, queueLimit: 0, retryAfterSeconds: 3 }, scrypt.fn);
    const a = pool.hash(pw('a'), SALT);
    const b = pool.hash(pw('b'), SALT);
    await assert.rejects(pool.hash(pw('c'), SALT), (err) => assertServerBusy(err, 3));
    await settle();
    scrypt.calls.forEach((call) => call.resolve(Buffer.alloc(1)));
    await Promise.all([a, b]);
  });

  test('a failing hash releases its slot and passes the error on', async () => {
    const scrypt = controlledScrypt();
    const pool = new ScryptPool({ concurrency: 1, queueLimit: 5, retryAfterSeconds: 5 }, scrypt.fn);
    const failing = pool.hash(pw('fails'), SALT);
    const next = pool.hash(pw('next'), SALT);
    await settle();
    const boom = new Error('scrypt exploded');
    scrypt.calls[0]!.reject(boom);
    await assert.rejects(failing, (err) => err === boom);
    await until(() => scrypt.calls.length === 2, 'the next hash');
    assert.deepEqual(pool.stats, { active: 1, queued: 0 });
    scrypt.calls[1]!.resolve(Buffer.from('ok'));
    assert.equal((await next).toString(), 'ok');
    assert.deepEqual(pool.stats, { active: 0, queued: 0 });
  });

  test('a synchronously throwing scrypt also releases its slot', async () => {
    let calls = 0;
    // Not async: it throws before returning a promise.
    const throwing = ((): Promise<Buffer> => {
      calls++;
      throw new Error('bad parameters');
    }) as ScryptFunction;
    const pool = new ScryptPool({ concurrency: 1, queueLimit: 0, retryAfterSeconds: 5 }, throwing);
    for (let i = 0; i < 3; i++) {
      await assert.rejects(pool.hash(pw('x'), SALT), /bad parameters/);
      assert.deepEqual(pool.stats, { active: 0, queued: 0 });
    }
    assert.equal(calls, 3);
  });

  test('many failures in a row never leak slots', async () => {
    const scrypt = controlledScrypt();
    const pool = new ScryptPool({ concurrency: 2, queueLimit: 20, retryAfterSeconds: 5 }, scrypt.fn);
    const results = Array.from({ length: 10 }, (_, i) =>
      pool.hash(pw(`h${i}`), SALT).then(
        (v) => v.toString(),
        (e: Error) => e.message,
      ),
    );
    for (let i = 0; i < 10; i++) {
      await until(() => scrypt.calls.length > i, `call ${i}`);
      if (i % 2 === 0) scrypt.calls[i]!.reject(new Error(`fail ${i}`));
      else scrypt.calls[i]!.resolve(Buffer.from(`ok ${i}`));
    }
    assert.deepEqual(
      await Promise.all(results),
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? `fail ${i}` : `ok ${i}`)),
    );
    assert.equal(scrypt.maxRunning, 2);
    assert.deepEqual(pool.stats, { active: 0, queued: 0 });
  });

  test('concurrency below 1 is refused', () => {
    assert.throws(() => new ScryptPool({ concurrency: 0, queueLimit: 1, retryAfterSeconds: 1 }, scryptAsync), /concurrency/);
  });

  test('passes password and salt through to scrypt', async () => {
    const seen: Array<[string, string]> = [];
    const pool = new ScryptPool({ concurrency: 1, queueLimit: 1, retryAfterSeconds: 1 }, async (p, s) => {
      seen.push([p.toString('hex'), s.toString('hex')]);
      return Buffer.from('done');
    });
    const password = randomBytes(32);
    const salt = randomBytes(32);
    assert.equal((await pool.hash(password, salt)).toString(), 'done');
    assert.deepEqual(seen, [[password.toString('hex'), salt.toString('hex')]]);
  });
});

describe('scrypt pool over HTTP', () => {
  test('a full hashing queue answers 503 errno 201 with Retry-After; queued logins then succeed', { timeout: 60_000 }, async (t) => {
    let gateOpen = true;
    const waiting: Array<() => void> = [];
    let started = 0;
    const gated: ScryptFunction = async (password, salt) => {
      started++;
      if (!gateOpen) await new Promise<void>((resolve) => waiting.push(resolve));
      return scryptAsync(password, salt);
    };
    const server = await startTestServer({
      env: { SCRYPT_CONCURRENCY: '1', SCRYPT_QUEUE_LIMIT: '1', SCRYPT_RETRY_AFTER_SECONDS: '7' },
      scrypt: gated,
    });
    try {
      const email = `busy-${randomBytes(6).toString('hex')}@example.com`;
      const password = 'busy password';
      const account = await server.client.signUp(email, password);
      const pool = server.app.services.scryptPool;
      assert.deepEqual(pool.stats, { active: 0, queued: 0 });

      gateOpen = false;
      const startedBefore = started;
      const first = server.client.signIn(email, password);
      await until(() => started === startedBefore + 1 && pool.stats.active === 1, 'the first login to hash', t.signal);
      const second = server.client.signIn(email, password);
      await until(() => pool.stats.queued === 1, 'the second login to queue', t.signal);

      const before = await server.snapshot();
      const err = await server.client.signIn(email, password).then(
        () => assert.fail('the third login should be refused'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ClientError, String(err));
      assert.equal(err.status, 503);
      assert.equal(err.errno, 201);
      assert.equal(err.headers['retry-after'], '7');
      assert.equal(err.headers.timestamp, String(Math.floor(server.clock.now() / 1000)));
      assert.deepEqual(err.body, {
        code: 503,
        errno: 201,
        error: 'Service Unavailable',
        message: 'Service unavailable',
        info: ERROR_INFO_URL,
        retryAfter: 7,
        retryAfterLocalized: 'in a few seconds',
      });

      // Sign-up needs the pool too.
      const createErr = await server.client.signUp(`other-${email}`, password).then(
        () => assert.fail('sign-up should be refused'),
        (e: unknown) => e,
      );
      assert.ok(createErr instanceof ClientError);
      assert.equal(createErr.errno, 201);
      assert.equal(createErr.headers['retry-after'], '7');
      assert.equal(await server.snapshot(), before, 'refused requests store nothing');
      assert.deepEqual(pool.stats, { active: 1, queued: 1 });

      gateOpen = true;
      waiting.splice(0).forEach((release) => release());
      const results: SignInResult[] = await Promise.all([first, second]);
      for (const result of results) {
        assert.equal(result.uid, account.uid);
        assert.match(result.sessionToken, /^[0-9a-f]{64}$/);
      }
      assert.notEqual(results[0]!.sessionToken, results[1]!.sessionToken);
      assert.deepEqual(pool.stats, { active: 0, queued: 0 });

      // With room again, logins work.
      const again = await server.client.signIn(email, password);
      assert.equal(again.uid, account.uid);
    } finally {
      gateOpen = true;
      waiting.splice(0).forEach((release) => release());
      await server.close();
    }
  });
});
