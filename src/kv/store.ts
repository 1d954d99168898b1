// The ephemeral store: everything instances must agree on that may expire
// (Hawk nonces, rate-limit counters, short-lived codes). In-process for the
// embedded mode, Redis when REDIS_URL is set.

/** One limit of `EphemeralStore.slidingWindows`. */
export interface SlidingWindow {
  /** Names the window; the store keeps its events and its ban under keys starting with it. */
  key: string;
  /** Events allowed in any span of `windowMs`; the one past that is not recorded and starts a ban. */
  max: number;
  windowMs: number;
  banMs: number;
  /** Record one event now; otherwise the window is only read. */
  record: boolean;
  /** While this window is banned, the call records nothing, on any window. */
  gate: boolean;
}

export interface EphemeralStore {
  /** Stores `value` under `key` only if the key is absent; true when it was stored. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** Reads and deletes `key` in one step: of two concurrent takers only one gets the value. */
  take(key: string): Promise<string | null>;
  /**
   * Sliding-window limits (a log of event times, so at most `max` events are recorded in
   * any span of `windowMs`), all read and updated in one atomic step at `now`, a time on the
   * caller's clock so that every instance agrees whatever the store. Unless a `gate` window
   * is banned, each `record` window gets one event at `now`, or, when it already holds `max`
   * events in (now - windowMs, now], a ban until now + banMs instead (a later end is kept).
   * Returns, window by window, when its ban ends, or 0 when it is not banned at `now`. The
   * store's own expiry only collects garbage.
   */
  slidingWindows(now: number, windows: readonly SlidingWindow[]): Promise<number[]>;
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
