import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
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

/** The shared store for many instances. Expiry is Redis's own (server clock). */
export class RedisStore implements EphemeralStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // Fail fast instead of queueing commands forever while Redis is down.
    const RedisClient = loadRedis();
    this.redis = new RedisClient(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.redis.on('error', () => {
      /* surfaced through the failing command; avoids an unhandled 'error' event */
    });
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k(key), value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async firstUse(key: string, windowMs: number): Promise<boolean> {
    return this.setIfAbsent(`seen:${key}`, '1', windowMs);
  }

  async slidingWindows(now: number, windows: readonly SlidingWindow[]): Promise<number[]> {
    if (windows.length === 0) return [];
    const keys = windows.flatMap((w) => [this.k(`${w.key}:events`), this.k(`${w.key}:ban`)]);
    const args = windows.flatMap((w) => [w.max, w.windowMs, w.banMs, w.record ? 1 : 0, w.gate ? 1 : 0]);
    const params = [keys.length, ...keys, Math.trunc(now), ...args] as const;
    let result: unknown;
    try {
      result = await this.redis.evalsha(SLIDING_WINDOWS_SHA, ...params);
    } catch (err) {
      // Cached once per server (and again after a restart or SCRIPT FLUSH).
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      result = await this.redis.eval(SLIDING_WINDOWS_LUA, ...params);
    }
    return (result as (number | string)[]).map(Number);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.k(key), value, 'PX', ttlMs);
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.k(key));
  }

  async take(key: string): Promise<string | null> {
    return this.redis.getdel(this.k(key));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async ttl(key: string): Promise<number | null> {
    const ms = await this.redis.pttl(this.k(key));
    return ms < 0 ? null : ms;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
