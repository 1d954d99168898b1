// One conformance suite for the ephemeral store, run against every implementation:
// MemoryStore on a ManualClock (expiry by moving the clock) and, when REDIS_URL is
// set, RedisStore under a random key prefix (expiry checked through ttl(), never by
// waiting).

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createEphemeralStore, MemoryStore, type EphemeralStore, type SlidingWindow } from '../src/kv/index.js';
import { RedisStore } from '../src/kv/redis.js';
import { ManualClock } from '../src/runtime.js';

interface Backend {
  name: string;
  create(): Promise<{
    store: EphemeralStore;
    advance?: (ms: number) => void;
    /** A time to pass to slidingWindows: the store's clock, or a fixed one for Redis. */
    now: () => number;
    cleanup(): Promise<void>;
  }>;
}

const memoryBackend: Backend = {
  name: 'MemoryStore',
  async create() {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    const store = new MemoryStore(clock);
    return { store, advance: (ms) => clock.advance(ms), now: () => clock.now(), cleanup: () => store.close() };
  },
};

async function deleteByPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

const redisUrl = process.env.REDIS_URL;
const redisBackend: Backend | undefined = redisUrl
  ? {
      name: 'RedisStore',
      async create() {
        const prefix = `test:kv:${randomBytes(6).toString('hex')}:`;
        const store = new RedisStore(redisUrl, prefix);
        return {
          store,
          now: () => Date.UTC(2026, 0, 15, 12, 0, 0),
          async cleanup() {
            await store.close();
            await deleteByPrefix(redisUrl, prefix);
          },
        };
      },
    }
  : undefined;

const MINUTE = 60_000;

function conformance(backend: Backend): void {
  describe(`EphemeralStore conformance: ${backend.name}`, () => {
    let store: EphemeralStore;
    let advance: ((ms: number) => void) | undefined;
    let now: () => number;
    let cleanup: () => Promise<void>;
    let n = 0;
    const key = (name: string) => `${name}:${++n}`;

    before(async () => {
      ({ store, advance, now, cleanup } = await backend.create());
    });
    after(async () => {
      await cleanup();
    });

    test('ping resolves', async () => {
      await store.ping();
    });

    test('absent keys: get → null, ttl → null, delete is harmless', async () => {
      const k = key('absent');
      assert.equal(await store.get(k), null);
      assert.equal(await store.ttl(k), null);
      await store.delete(k);
      assert.equal(await store.get(k), null);
    });

    test('set then get; set overwrites value and ttl; delete removes', async () => {
      const k = key('set');
      await store.set(k, 'one', 10 * MINUTE);
      assert.equal(await store.get(k), 'one');
      const first = await store.ttl(k);
      assert.ok(first !== null && first > 9 * MINUTE && first <= 10 * MINUTE, `ttl ${first}`);

      await store.set(k, 'two', MINUTE);
      assert.equal(await store.get(k), 'two');
      const second = await store.ttl(k);
      assert.ok(second !== null && second > 0 && second <= MINUTE, `ttl ${second}`);

      await store.delete(k);
      assert.equal(await store.get(k), null);
      assert.equal(await store.ttl(k), null);
    });

    test('values are stored as given (empty, unicode, JSON, long)', async () => {
      const values = ['', 'ünïcödé ✓ 𝄞', JSON.stringify({ a: [1, 2], b: 'c' }), 'x'.repeat(10_000)];
      for (const value of values) {
        const k = key('value');
        await store.set(k, value, MINUTE);
        assert.equal(await store.get(k), value);
      }
    });

    test('keys with separators and odd characters are distinct', async () => {
      const base = key('odd');
      const keys = [`${base}:a`, `${base}:A`, `${base}:a:b`, `${base} a`, `${base}*`, `${base}:ü`];
      for (const [i, k] of keys.entries()) await store.set(k, String(i), MINUTE);
      for (const [i, k] of keys.entries()) assert.equal(await store.get(k), String(i));
    });

    test('setIfAbsent stores only when absent and never overwrites', async () => {
      const k = key('nx');
      assert.equal(await store.setIfAbsent(k, 'first', 10 * MINUTE), true);
      assert.equal(await store.setIfAbsent(k, 'second', MINUTE), false);
      assert.equal(await store.get(k), 'first');
      // The failed attempt did not shorten the expiry.
      const ttl = await store.ttl(k);
      assert.ok(ttl !== null && ttl > 9 * MINUTE, `ttl ${ttl}`);

      await store.delete(k);
      assert.equal(await store.setIfAbsent(k, 'third', MINUTE), true);
      assert.equal(await store.get(k), 'third');
    });

    test('setIfAbsent over a key written by set is refused', async () => {
      const k = key('nx-set');
      await store.set(k, 'existing', MINUTE);
      assert.equal(await store.setIfAbsent(k, 'new', MINUTE), false);
      assert.equal(await store.get(k), 'existing');
    });

    test('concurrent setIfAbsent: exactly one wins', async () => {
      const k = key('nx-race');
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.setIfAbsent(k, `v${i}`, MINUTE)));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal(await store.get(k), `v${winner}`);
    });

    test('a short ttl is reported in milliseconds', async () => {
      const k = key('short');
      await store.set(k, 'x', 50);
      const ttl = await store.ttl(k);
      // Checked right away: the key lives at most 50 ms (it may just have expired on a slow machine).
      assert.ok(ttl === null || (ttl > 0 && ttl <= 50), `ttl ${ttl}`);
    });

    describe("slidingWindows (times on the caller's clock)", () => {
      let T0 = 0;
      beforeEach(() => {
        T0 = now();
      });
      const win = (name: string, extra: Partial<SlidingWindow> = {}): SlidingWindow => ({
        key: key(name),
        max: 3,
        windowMs: 10_000,
        banMs: 20_000,
        record: true,
        gate: true,
        ...extra,
      });

      test('max events pass; the next is refused with a ban until now + banMs and is not recorded', async () => {
        const w = win('sw-max');
        for (let i = 0; i < 3; i++) assert.deepEqual(await store.slidingWindows(T0 + i, [w]), [0]);
        assert.deepEqual(await store.slidingWindows(T0 + 5, [w]), [T0 + 5 + 20_000]);
        // Banned: a gated call records nothing and reports the same end.
        assert.deepEqual(await store.slidingWindows(T0 + 6, [w]), [T0 + 5 + 20_000]);
        assert.deepEqual(await store.slidingWindows(T0 + 5 + 19_999, [{ ...w, record: false }]), [T0 + 5 + 20_000]);
        // The ban ends exactly at its end; the refused events were not recorded, so the
        // window (events at T0..T0+2, long gone) has room again.
        for (let i = 0; i < 3; i++) assert.deepEqual(await store.slidingWindows(T0 + 5 + 20_000, [w]), [0]);
        assert.deepEqual(await store.slidingWindows(T0 + 5 + 20_000, [w]), [T0 + 5 + 40_000]);
      });

      test('an event leaves the window exactly windowMs after it happened', async () => {
        const w = win('sw-slide');
        await store.slidingWindows(T0, [w]);
        await store.slidingWindows(T0 + 4000, [w]);
        await store.slidingWindows(T0 + 8000, [w]);
        // At T0 + 9999 all three are inside (T0 - 1, T0 + 9999]: refused.
        const other = win('sw-slide-probe');
        for (const t of [T0, T0 + 4000, T0 + 8000]) await store.slidingWindows(t, [other]);
        assert.deepEqual(await store.slidingWindows(T0 + 9999, [other]), [T0 + 9999 + 20_000]);
        // At T0 + 10000 the first has left: one more passes, and the window is full again.
        assert.deepEqual(await store.slidingWindows(T0 + 10_000, [w]), [0]);
        assert.deepEqual(await store.slidingWindows(T0 + 10_001, [w]), [T0 + 10_001 + 20_000]);
      });

      test('no more than max in any span of windowMs, across any boundary', async () => {
        const w = win('sw-span', { max: 5, windowMs: 1000, banMs: 1000 });
        const passed: number[] = [];
        let seed = 7;
        let t = T0;
        for (let i = 0; i < 200; i++) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          t += seed % 150;
          const [ban] = await store.slidingWindows(t, [w]);
          if (ban === 0) passed.push(t);
        }
        for (const end of passed) {
          const inSpan = passed.filter((p) => p > end - 1000 && p <= end).length;
          assert.ok(inSpan <= 5, `${inSpan} events in the span ending at +${end - T0} ms`);
        }
        assert.ok(passed.length > 20, `only ${passed.length} passed`);
      });

      test('a gate ban stops every window from recording; a ban without gate does not', async () => {
        const gate = win('sw-gate', { max: 1 });
        const counted = win('sw-gated', { max: 2 });
        await store.slidingWindows(T0, [gate]);
        assert.deepEqual(await store.slidingWindows(T0 + 1, [gate]), [T0 + 1 + 20_000]);
        // While the gate is banned, the other window records nothing…
        for (let i = 0; i < 5; i++) {
          assert.deepEqual(await store.slidingWindows(T0 + 2, [counted, gate]), [0, T0 + 1 + 20_000]);
        }
        assert.deepEqual(await store.slidingWindows(T0 + 3, [counted]), [0]);
        assert.deepEqual(await store.slidingWindows(T0 + 3, [counted]), [0]);
        assert.deepEqual(await store.slidingWindows(T0 + 3, [counted]), [T0 + 3 + 20_000]);
        // …but with gate off, the same ban is only reported.
        const free = win('sw-free', { max: 2 });
        const info = { ...gate, gate: false, record: false };
        assert.deepEqual(await store.slidingWindows(T0 + 4, [free, info]), [0, T0 + 1 + 20_000]);
        assert.deepEqual(await store.slidingWindows(T0 + 4, [free, info]), [0, T0 + 1 + 20_000]);
        assert.deepEqual(await store.slidingWindows(T0 + 4, [free, info]), [T0 + 4 + 20_000, T0 + 1 + 20_000]);
      });

      test('a window that is only read records nothing; an unknown window is 0', async () => {
        const w = win('sw-read', { max: 1 });
        for (let i = 0; i < 3; i++) assert.deepEqual(await store.slidingWindows(T0, [{ ...w, record: false }]), [0]);
        assert.deepEqual(await store.slidingWindows(T0, [w]), [0]);
        assert.deepEqual(await store.slidingWindows(T0, [w]), [T0 + 20_000]);
        assert.deepEqual(await store.slidingWindows(T0, []), []);
      });

      test('ungated events during a ban count, and may only lengthen it', async () => {
        const w = win('sw-extend', { max: 2, windowMs: 60_000, banMs: 10_000, gate: false });
        await store.slidingWindows(T0, [w]);
        await store.slidingWindows(T0, [w]);
        assert.deepEqual(await store.slidingWindows(T0 + 1, [w]), [T0 + 10_001]);
        // A ban shorter than the window: the window still holds its events when it ends,
        // so the next event bans again.
        assert.deepEqual(await store.slidingWindows(T0 + 10_001, [{ ...w, record: false }]), [0]);
        assert.deepEqual(await store.slidingWindows(T0 + 10_001, [w]), [T0 + 20_001]);
        // A window with a shorter ban than the one in place keeps the later end.
        assert.deepEqual(await store.slidingWindows(T0 + 10_002, [{ ...w, banMs: 1000 }]), [T0 + 20_001]);
      });

      test('concurrent calls are atomic: exactly max events pass', async () => {
        const w = win('sw-race', { max: 10 });
        const results = await Promise.all(Array.from({ length: 40 }, () => store.slidingWindows(T0, [w])));
        assert.equal(results.filter(([ban]) => ban === 0).length, 10);
      });
    });

    if (backend.name === 'MemoryStore') {
      describe('expiry on the injected clock', () => {
        test('a key lives exactly its ttl', async () => {
          const k = key('expire');
          await store.set(k, 'v', 1000);
          assert.equal(await store.ttl(k), 1000);
          advance!(999);
          assert.equal(await store.get(k), 'v');
          assert.equal(await store.ttl(k), 1);
          advance!(1);
          assert.equal(await store.get(k), null);
          assert.equal(await store.ttl(k), null);
        });

        test('setIfAbsent succeeds again once the key expired', async () => {
          const k = key('nx-expire');
          assert.equal(await store.setIfAbsent(k, 'a', 500), true);
          advance!(499);
          assert.equal(await store.setIfAbsent(k, 'b', 500), false);
          advance!(1);
          assert.equal(await store.setIfAbsent(k, 'c', 500), true);
          assert.equal(await store.get(k), 'c');
          assert.equal(await store.ttl(k), 500);
        });

        test('sliding windows are collected once their events and ban are over', async () => {
          const windows = (store as unknown as { windows: Map<string, unknown> }).windows;
          const k = key('sw-gc');
          const w: SlidingWindow = { key: k, max: 1, windowMs: 5000, banMs: 5000, record: true, gate: true };
          await store.slidingWindows(now(), [w]);
          advance!(4000);
          assert.notEqual((await store.slidingWindows(now(), [w]))[0], 0);
          // Past its first expiry, but banned: a sweep keeps it (filed again under its ban's end).
          advance!(2000);
          for (let i = 0; i < 1100; i++) await store.set(key('filler'), 'x', 5);
          assert.ok(windows.has(k));
          // Past the ban: the next sweep drops it.
          advance!(4000);
          for (let i = 0; i < 1100; i++) await store.set(key('filler'), 'x', 5);
          assert.equal(windows.has(k), false);
        });

        test('expired keys stay expired when many other keys are written', async () => {
          const k = key('sweep');
          await store.set(k, 'old', 10);
          advance!(10);
          for (let i = 0; i < 2100; i++) await store.set(key('filler'), 'x', 5);
          assert.equal(await store.get(k), null);
          assert.equal(await store.setIfAbsent(k, 'new', 100), true);
          assert.equal(await store.get(k), 'new');
        });
      });
    }
  });
}

conformance(memoryBackend);
if (redisBackend) conformance(redisBackend);

describe('store isolation', () => {
  test('two MemoryStores share nothing', async () => {
    const clock = new ManualClock(0);
    const a = new MemoryStore(clock);
    const b = new MemoryStore(clock);
    await a.set('k', 'a', 1000);
    assert.equal(await b.get('k'), null);
    assert.equal(await b.setIfAbsent('k', 'b', 1000), true);
    assert.equal(await a.get('k'), 'a');
    await a.close();
    await b.close();
  });

  test('MemoryStore.close forgets everything', async () => {
    const store = new MemoryStore(new ManualClock(0));
    await store.set('k', 'v', 1000);
    await store.close();
    assert.equal(await store.get('k'), null);
  });

  test('createEphemeralStore picks the in-process store without a Redis URL', async () => {
    const store = createEphemeralStore(undefined, 'ignored:', new ManualClock(0));
    assert.ok(store instanceof MemoryStore);
    await store.close();
  });

  test('RedisStore keys live under its prefix and prefixes do not collide', { skip: !redisUrl && 'REDIS_URL not set' }, async () => {
    const prefixA = `test:kv:${randomBytes(6).toString('hex')}:`;
    const prefixB = `test:kv:${randomBytes(6).toString('hex')}:`;
    const a = createEphemeralStore(redisUrl, prefixA, new ManualClock(0));
    const b = createEphemeralStore(redisUrl, prefixB, new ManualClock(0));
    const raw = new Redis(redisUrl!);
    try {
      assert.ok(a instanceof RedisStore);
      await a.set('shared', 'from a', MINUTE);
      assert.equal(await b.get('shared'), null);
      assert.equal(await b.setIfAbsent('shared', 'from b', MINUTE), true);
      assert.equal(await a.get('shared'), 'from a');
      assert.equal(await raw.get(`${prefixA}shared`), 'from a');
      assert.equal(await raw.get(`${prefixB}shared`), 'from b');
      assert.equal(await raw.exists('shared'), 0, 'nothing is written without the prefix');
      const pttl = await raw.pttl(`${prefixA}shared`);
      assert.ok(pttl > 0 && pttl <= MINUTE, `pttl ${pttl}`);
    } finally {
      await a.close();
      await b.close();
      await raw.quit();
      await deleteByPrefix(redisUrl!, prefixA);
      await deleteByPrefix(redisUrl!, prefixB);
    }
  });
});
