// The ephemeral store: everything instances must agree on that may expire
// (Hawk nonces, rate-limit counters, short-lived codes). In-process for the
// embedded mode, Redis when REDIS_URL is set.

export interface EphemeralStore {
  /** Stores `value` under `key` only if the key is absent; true when it was stored. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** Reads and deletes `key` in one step: of two concurrent takers only one gets the value. */
  take(key: string): Promise<string | null>;
  /** Adds one to a counter, creating it with `ttlMs` to live when absent; returns the new count. */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * True the first time `key` is seen within `windowMs` (replay detection: Hawk nonces).
   * A key may be remembered longer than the window, never shorter.
   */
  firstUse(key: string, windowMs: number): Promise<boolean>;
  /** Milliseconds until `key` expires, or null when absent. */
  ttl(key: string): Promise<number | null>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
