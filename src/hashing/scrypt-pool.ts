// Server-side scrypt costs 64 MiB and ~100 ms of CPU per call. It runs on libuv's
// thread pool (off the event loop) with at most `concurrency` calls in flight and
// at most `queueLimit` waiting; past that the caller gets 503 errno 201 with
// Retry-After, so load spikes cost neither unbounded memory nor unbounded latency.

import { performance } from 'node:perf_hooks';
import { AppError } from '../errors.js';
import type { ScryptMetrics } from '../metrics.js';

export type ScryptFunction = (password: Buffer, salt: Buffer) => Promise<Buffer>;

export interface ScryptPoolOptions {
  concurrency: number;
  queueLimit: number;
  retryAfterSeconds: number;
}

export class ScryptPool {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly options: ScryptPoolOptions,
    private readonly scrypt: ScryptFunction,
    private readonly metrics?: ScryptMetrics,
  ) {
    if (options.concurrency < 1) throw new Error('scrypt concurrency must be at least 1');
  }

  get stats(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }

  async hash(password: Buffer, salt: Buffer): Promise<Buffer> {
    await this.acquire();
    try {
      return await this.scrypt(password, salt);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      this.metrics?.waited(0);
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.queueLimit) {
      this.metrics?.rejected();
      return Promise.reject(AppError.serverBusy(this.options.retryAfterSeconds));
    }
    // The slot is handed over directly by release(), so `active` stays counted.
    const queuedAt = performance.now();
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.metrics?.waited((performance.now() - queuedAt) / 1000);
        resolve();
      }),
    );
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
