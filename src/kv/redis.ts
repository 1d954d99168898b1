import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../errors.js';
import type { EphemeralStore, SlidingWindow } from './store.js';

// Loaded only when REDIS_URL is set, so the embedded mode does not carry the client.
const loadRedis = () => (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;

/**
 * slidingWindows in one round trip; a script runs atomically. Per window i, KEYS[2i-1] is a
 * list of event times (oldest first, at most `max`) and KEYS[2i] its ban end; ARGV[1] is now,
 * then per window: max, windowMs, banMs, record (0/1), gate (0/1). Times are the caller's
 * (integers in ms, exact in Lua's doubles); PX/PEXPIRE only collect garbage.
 */
const SLIDING_WINDOWS_LUA = `
local now = tonumber(ARGV[1])
local count = #KEYS / 2
local bans = {}
local gated = false
for i = 1, count do
  local ban = tonumber(redis.call('GET', KEYS[2 * i]) or '0') or 0
  if ban <= now then ban = 0 end
  bans[i] = ban
  if ban > 0 and ARGV[1 + 5 * i] == '1' then gated = true end
end
if gated then return bans end
for i = 1, count do
  if ARGV[5 * i] == '1' then
    local events = KEYS[2 * i - 1]
    local max = tonumber(ARGV[5 * i - 3])
    local windowMs = tonumber(ARGV[5 * i - 2])
    local banMs = tonumber(ARGV[5 * i - 1])
    local horizon = now - windowMs
    while true do
      local oldest = redis.call('LINDEX', events, 0)
      if not oldest or tonumber(oldest) > horizon then break end
      redis.call('LPOP', events)
    end
    if redis.call('LLEN', events) >= max then
      local untilMs = now + banMs
      if untilMs > bans[i] then
        redis.call('SET', KEYS[2 * i], string.format('%.0f', untilMs), 'PX', ARGV[5 * i - 1])
        bans[i] = untilMs
      end
    else
      redis.call('RPUSH', events, ARGV[1])
      redis.call('PEXPIRE', events, ARGV[5 * i - 2])
    end
  end
end
return bans
`;
const SLIDING_WINDOWS_SHA = createHash('sha1').update(SLIDING_WINDOWS_LUA).digest('hex');

/** Redis errors that mean "not now" rather than "wrong command". */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/;

export interface RedisStoreOptions {
  /** Bound on connecting and on every command; past it the call fails with DependencyUnavailableError. */
  timeoutMs?: number;
}

/**
 * The shared store for many instances. Expiry is Redis's own (server clock).
 *
 * While Redis is unreachable commands fail at once (no offline queue: a command queued during
 * an outage would run minutes later, e.g. a claim nobody waits for), a command on a stalled
 * connection fails after `timeoutMs` and the connection is dropped, and ioredis reconnects by
 * itself. Every such failure is a DependencyUnavailableError (503 errno 201 to clients).
 */
export class RedisStore implements EphemeralStore {
  private readonly redis: Redis;
  private readonly timeoutMs: number;
  private everReady = false;
  private handshakeTimer: NodeJS.Timeout | undefined;

  constructor(
    url: string,
    private readonly prefix: string,
    options: RedisStoreOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    const RedisClient = loadRedis();
    this.redis = new RedisClient(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.timeoutMs,
      commandTimeout: this.timeoutMs,
      // Reconnect for ever, at most a second apart, so service resumes soon after Redis does.
      retryStrategy: (times) => Math.min(times * 100, 1_000),
      lazyConnect: false,
    });
    this.redis.on('error', () => {
      /* surfaced through the failing command; avoids an unhandled 'error' event */
    });
    // connectTimeout covers the TCP connect only: a server (or proxy) that accepts and then
    // never answers the handshake would leave the client waiting for ever.
    this.redis.on('connect', () => {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = setTimeout(() => {
        if (this.redis.status === 'connect') this.redis.disconnect(true);
      }, this.timeoutMs);
      this.handshakeTimer.unref();
    });
    this.redis.on('ready', () => {
      this.everReady = true;
      clearTimeout(this.handshakeTimer);
    });
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  /** Waits for the connection, bounded by the timeout (false when it did not come). */
  private waitReady(): Promise<boolean> {
    if (this.redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), this.timeoutMs);
      this.redis.once('ready', onReady);
    });
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    // Only the first connection is waited for (a store used right after it is created);
    // afterwards a missing connection means an outage and the command fails fast.
    if (!this.everReady && this.redis.status !== 'ready') await this.waitReady();
    try {
      return await command();
    } catch (err) {
      throw this.classify(err);
    }
  }

  private classify(err: unknown): unknown {
    if (!(err instanceof Error)) return err;
    if (err.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(err.message)) return err;
    // A command that timed out on an open connection: the connection is stalled; start afresh.
    if (/timed out/i.test(err.message) && this.redis.status === 'ready') this.redis.disconnect(true);
    return new DependencyUnavailableError('redis', err);
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.run(async () => (await this.redis.set(this.k(key), value, 'PX', ttlMs, 'NX')) === 'OK');
  }

  async firstUse(key: string, windowMs: number): Promise<boolean> {
    return this.setIfAbsent(`seen:${key}`, '1', windowMs);
  }

  async slidingWindows(now: number, windows: readonly SlidingWindow[]): Promise<number[]> {
    if (windows.length === 0) return [];
    const keys = windows.flatMap((w) => [this.k(`${w.key}:events`), this.k(`${w.key}:ban`)]);
    const args = windows.flatMap((w) => [w.max, w.windowMs, w.banMs, w.record ? 1 : 0, w.gate ? 1 : 0]);
    const params = [keys.length, ...keys, Math.trunc(now), ...args] as const;
    const result = await this.run(async (): Promise<unknown> => {
      try {
        return await this.redis.evalsha(SLIDING_WINDOWS_SHA, ...params);
      } catch (err) {
        // Cached once per server (and again after a restart or SCRIPT FLUSH).
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
        return this.redis.eval(SLIDING_WINDOWS_LUA, ...params);
      }
    });
    return (result as (number | string)[]).map(Number);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.set(this.k(key), value, 'PX', ttlMs));
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.redis.get(this.k(key)));
  }

  take(key: string): Promise<string | null> {
    return this.run(() => this.redis.getdel(this.k(key)));
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.redis.del(this.k(key)));
  }

  async ttl(key: string): Promise<number | null> {
    const ms = await this.run(() => this.redis.pttl(this.k(key)));
    return ms < 0 ? null : ms;
  }

  /** Waits (within the timeout) for a connection, then PINGs. */
  async ping(): Promise<void> {
    await this.waitReady();
    try {
      await this.redis.ping();
    } catch (err) {
      throw this.classify(err);
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.handshakeTimer);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
