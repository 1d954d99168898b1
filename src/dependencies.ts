// The services this server cannot work without (database, Redis, mail): checked at start
// with a bounded retry, so a wrong or unreachable setting stops the server with a message
// that names it instead of failing every request later, and each call bounded in time, so
// a stalled dependency costs a request (or a heartbeat) seconds, not minutes.

import { ConfigError } from './config.js';

/** A dependency check: `setting` names what to fix (DATABASE_URL, REDIS_URL, SMTP_URL, MAIL_DIR). */
export interface DependencyCheck {
  setting: string;
  /** What the setting points at, without secrets (shown in the error). */
  target: string;
  check(): Promise<void>;
}

export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** `promise`, or a TimeoutError after `ms` (the work itself is not cancelled). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A URL with its password replaced, fit for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export interface StartupCheckOptions {
  /** Keep retrying for this long before giving up (0: one attempt). */
  budgetMs: number;
  /** Each attempt's limit. */
  attemptTimeoutMs: number;
  /** Told about each failed attempt that will be retried. */
  onRetry?: (setting: string, attempt: number, err: unknown) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilHealthy(dep: DependencyCheck, options: StartupCheckOptions, deadline: number): Promise<void> {
  let delayMs = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      await withTimeout(dep.check(), options.attemptTimeoutMs, dep.setting);
      return;
    } catch (err) {
      if (Date.now() + delayMs >= deadline) throw err;
      options.onRetry?.(dep.setting, attempt, err);
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 2_000);
    }
  }
}

/**
 * Runs every check (in parallel), retrying each until it passes or `budgetMs` is spent,
 * then rejects with one error naming each setting that still fails.
 */
export async function checkDependencies(deps: readonly DependencyCheck[], options: StartupCheckOptions): Promise<void> {
  const deadline = Date.now() + options.budgetMs;
  const results = await Promise.allSettled(deps.map((dep) => untilHealthy(dep, options, deadline)));
  const failures = deps.flatMap((dep, i) => {
    const result = results[i]!;
    if (result.status === 'fulfilled') return [];
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    return [`${dep.setting} (${dep.target}): ${reason}`];
  });
  if (failures.length > 0) {
    const causes = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    // A configuration problem for the operator: one line naming each setting, no stack.
    throw new ConfigError(`dependency check failed: ${failures.join('; ')}`, { cause: causes.length === 1 ? causes[0] : causes });
  }
}
