import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { EphemeralStore } from './store.js';

// Loaded only when REDIS_URL is set, so the embedded mode does not carry the client.
const loadRedis = () => (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;

/** The shared store for many instances. Expiry is Redis's own (server clock). */
export class RedisStore implements EphemeralStore {
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix: string) {
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

  async increment(key: string, ttlMs: number): Promise<number> {
    // SET NX starts a fresh window with its expiry; INCR keeps that expiry.
    const results = await this.redis.multi().set(this.k(key), 0, 'PX', ttlMs, 'NX').incr(this.k(key)).exec();
    const [, incr] = results ?? [];
    if (!incr || incr[0]) throw incr?.[0] ?? new Error('redis increment failed');
    return incr[1] as number;
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
