import type { Clock } from '../runtime.js';
import { MemoryStore } from './memory.js';
import { RedisStore, type RedisStoreOptions } from './redis.js';
import type { EphemeralStore } from './store.js';

export type { EphemeralStore, SlidingWindow } from './store.js';
export { MemoryStore } from './memory.js';

export function createEphemeralStore(
  redisUrl: string | undefined,
  prefix: string,
  clock: Clock,
  options: RedisStoreOptions = {},
): EphemeralStore {
  return redisUrl ? new RedisStore(redisUrl, prefix, options) : new MemoryStore(clock);
}
