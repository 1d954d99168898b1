// Built-in rate limiting ("customs"), with FxA's default rules (PROTOCOL §10.4).
// Counters and bans live in the ephemeral store, so every instance sees the same
// numbers when Redis is configured. A rule allows `max` events per `window`; the
// event past that starts a ban of `ban`, answered with 429 errno 114 + Retry-After.

import { AppError } from '../errors.js';
import type { EphemeralStore } from '../kv/index.js';
import type { Clock } from '../runtime.js';

const MINUTE = 60_000;

export type Dimension = 'ip' | 'email' | 'uid';

interface Rule {
  on: Dimension;
  max: number;
  windowMs: number;
  banMs: number;
}

const perIpAndEmail = (max: number, windowMs: number, banMs: number): Rule[] => [
  { on: 'ip', max, windowMs, banMs },
  { on: 'email', max, windowMs, banMs },
];

function perUidMailSend(): Rule[] {
  return [{ on: 'uid', max: 5, windowMs: 15 * MINUTE, banMs: 15 * MINUTE }];
}

function perAddressMailSend(): Rule[] {
  return [
    { on: 'email', max: 5, windowMs: 15 * MINUTE, banMs: 15 * MINUTE },
    { on: 'ip', max: 5, windowMs: 10 * MINUTE, banMs: 30 * MINUTE },
  ];
}

/** Every request of these actions counts. */
const REQUEST_RULES = {
  accountCreate: perIpAndEmail(100, 15 * MINUTE, 15 * MINUTE),
  accountLogin: perIpAndEmail(100, 15 * MINUTE, 15 * MINUTE),
  accountStatusCheck: perIpAndEmail(100, 15 * MINUTE, 15 * MINUTE),
  getCredentialsStatus: perIpAndEmail(100, 15 * MINUTE, 15 * MINUTE),
  recoveryEmailVerifyCode: [
    { on: 'ip', max: 10, windowMs: 10 * MINUTE, banMs: 30 * MINUTE },
    { on: 'email', max: 10, windowMs: 15 * MINUTE, banMs: 15 * MINUTE },
  ],
  recoveryEmailSecondaryVerifyCode: [
    { on: 'ip', max: 10, windowMs: 10 * MINUTE, banMs: 30 * MINUTE },
    { on: 'email', max: 10, windowMs: 15 * MINUTE, banMs: 15 * MINUTE },
  ],
  verifySessionCode: [{ on: 'uid', max: 10, windowMs: 15 * MINUTE, banMs: 15 * MINUTE }],
  // Mail sends: nobody can make the server mail an address more than a few times.
  recoveryEmailResendCode: perUidMailSend(),
  sendVerifyCode: perUidMailSend(),
  createEmail: perUidMailSend(),
  recoveryEmailSecondaryResendCode: perAddressMailSend(),
  sendUnblockCode: perAddressMailSend(),
} satisfies Record<string, Rule[]>;

/** Throttling these may be lifted with an unblock code mailed to the account (PROTOCOL §6.1). */
const UNBLOCKABLE: ReadonlySet<string> = new Set(['accountLogin']);
export const UNBLOCK_HINT = { verificationMethod: 'email-captcha', verificationReason: 'login' } as const;

/** Only failed attempts (a wrong password) of these actions count. */
const FAILURE_RULES = {
  accountLogin: [
    { on: 'email', max: 5, windowMs: 15 * MINUTE, banMs: 15 * MINUTE },
    { on: 'ip', max: 5, windowMs: 10 * MINUTE, banMs: 30 * MINUTE },
  ],
  accountDestroy: [
    { on: 'email', max: 5, windowMs: 15 * MINUTE, banMs: 15 * MINUTE },
    { on: 'ip', max: 5, windowMs: 10 * MINUTE, banMs: 30 * MINUTE },
  ],
  authenticatedAccountLogin: [{ on: 'uid', max: 5, windowMs: 15 * MINUTE, banMs: 15 * MINUTE }],
} satisfies Record<string, Rule[]>;

export type RequestAction = keyof typeof REQUEST_RULES;
export type FailureAction = keyof typeof FAILURE_RULES;

export interface Subject {
  ip: string;
  email?: string;
  uid?: string;
}

export interface Customs {
  /** Counts one request of `action`; throws 114 when the subject is over a limit or banned. */
  check(action: RequestAction | FailureAction, subject: Subject): Promise<void>;
  /** Records a failed attempt (e.g. wrong password); enough of them ban the subject. */
  recordFailure(action: FailureAction, subject: Subject): Promise<void>;
}

function throttled(action: string, waitMs: number): AppError {
  return AppError.throttled(Math.ceil(waitMs / 1000), UNBLOCKABLE.has(action) ? UNBLOCK_HINT : {});
}

function keyOf(rule: Rule, subject: Subject): string | undefined {
  const value = subject[rule.on];
  return value === undefined ? undefined : `${rule.on}:${rule.on === 'email' ? value.toLowerCase() : value}`;
}

/**
 * Windows and bans are measured on the injected clock (counters are bucketed by window
 * number; a ban stores the time it ends), so every instance, and every test, agrees on
 * them whatever the store. The store's own expiry only collects garbage.
 */
export class StoreCustoms implements Customs {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
  ) {}

  private async throwIfBanned(action: string, rules: readonly Rule[], subject: Subject): Promise<void> {
    const now = this.clock.now();
    for (const rule of rules) {
      const key = keyOf(rule, subject);
      if (!key) continue;
      const bannedUntil = Number(await this.store.get(`customs:ban:${action}:${key}`));
      if (bannedUntil > now) throw throttled(action, bannedUntil - now);
    }
  }

  private async count(kind: 'req' | 'fail', action: string, rules: readonly Rule[], subject: Subject): Promise<void> {
    const now = this.clock.now();
    for (const rule of rules) {
      const key = keyOf(rule, subject);
      if (!key) continue;
      const window = Math.floor(now / rule.windowMs);
      const n = await this.store.increment(`customs:${kind}:${action}:${key}:${window}`, rule.windowMs);
      if (n > rule.max) {
        await this.store.set(`customs:ban:${action}:${key}`, String(now + rule.banMs), rule.banMs);
        if (kind === 'req') throw throttled(action, rule.banMs);
      }
    }
  }

  async check(action: RequestAction | FailureAction, subject: Subject): Promise<void> {
    const requestRules: readonly Rule[] = (REQUEST_RULES as Record<string, Rule[]>)[action] ?? [];
    const failureRules: readonly Rule[] = (FAILURE_RULES as Record<string, Rule[]>)[action] ?? [];
    await this.throwIfBanned(action, [...requestRules, ...failureRules], subject);
    await this.count('req', action, requestRules, subject);
  }

  async recordFailure(action: FailureAction, subject: Subject): Promise<void> {
    await this.count('fail', action, FAILURE_RULES[action], subject);
  }
}

/** RATE_LIMIT_ENABLED=false: for private deployments that rate-limit elsewhere. */
export const noCustoms: Customs = {
  check: async () => {},
  recordFailure: async () => {},
};
