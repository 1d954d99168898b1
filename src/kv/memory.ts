import type { Clock } from '../runtime.js';
import type { EphemeralStore, SlidingWindow } from './store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** A sliding window: times of the events still in it (oldest first) and when its ban ends. */
interface WindowLog {
  events: number[];
  bannedUntil: number;
  expiresAt: number;
  /** The second it is filed under for the sweep (once at a time). */
  filedUnder: number;
}

const SWEEP_EVERY_WRITES = 1024;

/** 53-bit string hash (cyrb53): a number, so fingerprints live in typed arrays. */
function fingerprint(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // 0 marks an empty slot.
  return 4294967296 * (2097151 & h2) + (h1 >>> 0) || 1;
}

/** An open-addressing set of fingerprints in a Float64Array: no per-key objects for the GC to trace. */
class FingerprintSet {
  private slots = new Float64Array(1024);
  private size = 0;

  has(value: number): boolean {
    const mask = this.slots.length - 1;
    for (let i = value & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i]!;
      if (slot === value) return true;
      if (slot === 0) return false;
    }
  }

  add(value: number): void {
    if (2 * (this.size + 1) > this.slots.length) this.grow();
    const mask = this.slots.length - 1;
    for (let i = value & mask; ; i = (i + 1) & mask) {
      if (this.slots[i] === value) return;
      if (this.slots[i] === 0) {
        this.slots[i] = value;
        this.size++;
        return;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.size = 0;
    for (const value of old) if (value !== 0) this.add(value);
  }
}

/**
 * Keys seen in the last `windowMs` (Hawk nonces: one per authenticated request), as 53-bit
 * fingerprints in three generations that rotate every half window, so a key is kept for
 * one to one and a half windows. A fingerprint collision can only refuse a fresh request
 * as a replay, with odds far below one in a million per window at full load.
 */
class SeenKeys {
  private generations = [new FingerprintSet(), new FingerprintSet(), new FingerprintSet()];
  private rotatedAt: number;

  constructor(
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    this.rotatedAt = clock.now();
  }

  firstUse(key: string): boolean {
    this.rotate();
    const value = fingerprint(key);
    const [current, previous, oldest] = this.generations as [FingerprintSet, FingerprintSet, FingerprintSet];
    if (current.has(value) || previous.has(value) || oldest.has(value)) return false;
    current.add(value);
    return true;
  }

  private rotate(): void {
    const half = this.windowMs / 2;
    const due = Math.floor((this.clock.now() - this.rotatedAt) / half);
    if (due <= 0) return;
    for (let i = 0; i < Math.min(due, 3); i++) {
      this.generations = [new FingerprintSet(), ...this.generations.slice(0, 2)];
    }
    this.rotatedAt += due * half;
  }
}

export class MemoryStore implements EphemeralStore {
  private readonly entries = new Map<string, Entry>();
  private readonly windows = new Map<string, WindowLog>();
  private readonly expiring = new Map<number, string[]>();
  private writesSinceSweep = 0;
  private readonly seen = new Map<number, SeenKeys>();

  constructor(private readonly clock: Clock) {}

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, value: string, ttlMs: number): void {
    const expiresAt = this.clock.now() + ttlMs;
    this.entries.set(key, { value, expiresAt });
    this.file(key, expiresAt);
    this.countWrite();
  }

  /** Files `key` for the sweep under the second it expires (entries and windows alike). */
  private file(key: string, expiresAt: number): number {
    const second = Math.ceil(expiresAt / 1000);
    const keys = this.expiring.get(second);
    if (keys) keys.push(key);
    else this.expiring.set(second, [key]);
    return second;
  }

  private countWrite(): void {
    if (++this.writesSinceSweep >= SWEEP_EVERY_WRITES) this.sweep();
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.clock.now();
    for (const [second, keys] of this.expiring) {
      if (second * 1000 > now) continue;
      // A key rewritten later is filed again under its new second; only drop it if it expired.
      for (const key of keys) {
        if ((this.entries.get(key)?.expiresAt ?? Infinity) <= now) this.entries.delete(key);
        // A window is filed once, when it starts, and its expiry moves on with each event:
        // file it again under its current expiry (a later second, so this loop skips it).
        const log = this.windows.get(key);
        if (!log || log.filedUnder !== second) continue;
        if (log.expiresAt <= now) this.windows.delete(key);
        else log.filedUnder = this.file(key, log.expiresAt);
      }
      this.expiring.delete(second);
    }
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.write(key, value, ttlMs);
    return true;
  }

  async firstUse(key: string, windowMs: number): Promise<boolean> {
    let seen = this.seen.get(windowMs);
    if (!seen) {
      seen = new SeenKeys(windowMs, this.clock);
      this.seen.set(windowMs, seen);
    }
    return seen.firstUse(key);
  }

  /** Synchronous from start to end, hence atomic. */
  async slidingWindows(now: number, windows: readonly SlidingWindow[]): Promise<number[]> {
    const logs = windows.map((w) => {
      const log = this.windows.get(w.key);
      return log && log.expiresAt > now ? log : undefined;
    });
    const bans = logs.map((log) => (log && log.bannedUntil > now ? log.bannedUntil : 0));
    if (windows.some((w, i) => w.gate && bans[i]! > 0)) return bans;
    let started = 0;
    windows.forEach((w, i) => {
      if (!w.record) return;
      const log = logs[i] ?? { events: [], bannedUntil: 0, expiresAt: 0, filedUnder: 0 };
      const horizon = now - w.windowMs;
      let expired = 0;
      while (expired < log.events.length && log.events[expired]! <= horizon) expired++;
      if (expired > 0) log.events.splice(0, expired);
      if (log.events.length >= w.max) {
        log.bannedUntil = Math.max(log.bannedUntil, now + w.banMs);
        bans[i] = log.bannedUntil;
      } else {
        log.events.push(now);
      }
      log.expiresAt = Math.max(log.bannedUntil, (log.events.at(-1) ?? 0) + w.windowMs);
      if (!logs[i]) {
        this.windows.set(w.key, log);
        log.filedUnder = this.file(w.key, log.expiresAt);
        started++;
      }
    });
    for (let i = 0; i < started; i++) this.countWrite();
    return bans;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async take(key: string): Promise<string | null> {
    const value = this.live(key)?.value ?? null;
    this.entries.delete(key);
    return value;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async ttl(key: string): Promise<number | null> {
    const entry = this.live(key);
    return entry ? entry.expiresAt - this.clock.now() : null;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.windows.clear();
    this.expiring.clear();
    this.seen.clear();
  }
}
