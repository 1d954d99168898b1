// Prometheus metrics, served at /__metrics__. One Registry per app (tests start many
// apps in one process), handed to each part as the narrow interface it reports to.
// prom-client's default process metrics are left out: they cost memory and CPU on
// every instance and an operator's node exporter already has them.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PushMetrics, PushOutcome, PushReason } from './push/model.js';

export interface RequestMetrics {
  /** One finished request: the route pattern (never the raw URL), its status and errno if it failed. */
  request(labels: { method: string; route: string; status: number; errno?: number }, seconds: number): void;
}

export interface ServerErrorMetrics {
  /** A request answered 5xx, by errno and by what failed underneath (see failureCause). */
  serverError(errno: number, cause: FailureCause): void;
}

export interface ScryptMetrics {
  /** Time a hash waited for a slot (0 when one was free). */
  waited(seconds: number): void;
  /** A hash refused because the queue was full (errno 201). */
  rejected(): void;
}

export interface MailMetrics {
  sent(template: string): void;
  failed(template: string): void;
}

export interface CustomsMetrics {
  decision(action: string, outcome: 'allowed' | 'blocked'): void;
}

/** Bounds the per-series cache of `request` (route patterns × statuses × errnos stay far below). */
const MAX_CACHED_SERIES = 2000;

export type FailureCause = 'database' | 'ephemeral_store' | 'scrypt_busy' | 'other';

/** Set on errors thrown by a backend wrapped with `tagFailures`, so the error handler can tell them apart. */
export const FAILED_BACKEND = Symbol('failedBackend');

/** Marks whatever `target`'s methods throw (or reject with) as a failure of `backend`. */
export function tagFailures<T extends object>(target: T, backend: FailureCause): T {
  const tag = (err: unknown): never => {
    if (err !== null && typeof err === 'object' && !(FAILED_BACKEND in err)) {
      Object.defineProperty(err, FAILED_BACKEND, { value: backend });
    }
    throw err;
  };
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(object, args);
          return result instanceof Promise ? result.catch(tag) : result;
        } catch (err) {
          return tag(err);
        }
      };
    },
  });
}

/** What failed under a 5xx: a tagged backend, else the database drivers' own error shapes. */
export function failureCause(err: unknown): FailureCause {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const tagged = (e as { [FAILED_BACKEND]?: FailureCause })[FAILED_BACKEND];
    if (tagged) return tagged;
    if ((e as { errno?: unknown }).errno === 201 && (e as { status?: unknown }).status === 503) return 'scrypt_busy';
    const name = (e as { name?: unknown }).name;
    // better-sqlite3, mysql2 (sqlMessage/sqlState), pg (severity + routine), Kysely's own.
    if (name === 'SqliteError' || 'sqlMessage' in e || 'sqlState' in e || ('severity' in e && 'routine' in e)) return 'database';
    if (name === 'NoResultError') return 'database';
  }
  return 'other';
}

export class Metrics implements RequestMetrics, ServerErrorMetrics, ScryptMetrics, MailMetrics, CustomsMetrics, PushMetrics {
  readonly registry = new Registry();

  /**
   * Each request's counter and histogram series, by label values: prom-client hashes a label
   * object on every call, which cost more than the rest of the bookkeeping.
   */
  private readonly requestSeries = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by method, route pattern, status and errno (errors only).',
    labelNames: ['method', 'route', 'status', 'errno'] as const,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly serverErrors = new Counter({
    name: 'server_errors_total',
    help: 'Requests answered 5xx, by errno and cause (database, ephemeral_store, scrypt_busy, other).',
    labelNames: ['errno', 'cause'] as const,
    registers: [this.registry],
  });
  private readonly scryptWait = new Histogram({
    name: 'scrypt_queue_wait_seconds',
    help: 'Time a server-side password hash waited for a scrypt slot.',
    buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly scryptRejected = new Counter({
    name: 'scrypt_rejected_total',
    help: 'Password hashes refused with errno 201 because the scrypt queue was full.',
    registers: [this.registry],
  });
  private readonly mailSent = new Counter({
    name: 'mail_sent_total',
    help: 'Mails handed to the transport, by template.',
    labelNames: ['template'] as const,
    registers: [this.registry],
  });
  private readonly mailFailed = new Counter({
    name: 'mail_failures_total',
    help: 'Mails that failed to send, by template.',
    labelNames: ['template'] as const,
    registers: [this.registry],
  });
  private readonly customs = new Counter({
    name: 'customs_decisions_total',
    help: 'Rate-limit checks, by action and decision (allowed, blocked).',
    labelNames: ['action', 'decision'] as const,
    registers: [this.registry],
  });

  private readonly pushes = new Counter({
    name: 'push_notifications_total',
    help: 'Web Push messages per device, by event (FxA push reason) and outcome (sent, failed, resetCallback, or why it was skipped).',
    labelNames: ['reason', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Reports the scrypt pool's slots in use and queue depth at each scrape. */
  watchScryptPool(pool: { readonly stats: { active: number; queued: number } }): void {
    new Gauge({
      name: 'scrypt_queue_depth',
      help: 'Password hashes waiting for a scrypt slot.',
      registers: [this.registry],
      collect() {
        this.set(pool.stats.queued);
      },
    });
    new Gauge({
      name: 'scrypt_active',
      help: 'Password hashes being computed.',
      registers: [this.registry],
      collect() {
        this.set(pool.stats.active);
      },
    });
  }

  request({ method, route, status, errno }: { method: string; route: string; status: number; errno?: number }, seconds: number) {
    const key = `${method} ${route} ${status} ${errno ?? ''}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      // Route patterns, not URLs, so the map stays small; cleared if something floods it anyway.
      if (this.requestSeries.size >= MAX_CACHED_SERIES) this.requestSeries.clear();
      const labels = { method, route, status: String(status) };
      series = {
        count: this.requests.labels(errno === undefined ? labels : { ...labels, errno: String(errno) }),
        duration: this.durations.labels(labels),
      };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }
  serverError(errno: number, cause: FailureCause) {
    this.serverErrors.inc({ errno: String(errno), cause });
  }
  waited(seconds: number) {
    this.scryptWait.observe(seconds);
  }
  rejected() {
    this.scryptRejected.inc();
  }
  sent(template: string) {
    this.mailSent.inc({ template });
  }
  failed(template: string) {
    this.mailFailed.inc({ template });
  }
  decision(action: string, outcome: 'allowed' | 'blocked') {
    this.customs.inc({ action, decision: outcome });
  }

  pushed(reason: PushReason, outcome: PushOutcome) {
    this.pushes.inc({ reason, outcome });
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
  get contentType(): string {
    return this.registry.contentType;
  }
}
