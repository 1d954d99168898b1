// Built-in rate limiting ("customs"), with FxA's default rules (docs/protocol.md §10.4).
// Counters and bans live in the ephemeral store, so every instance sees the same
// numbers when Redis is configured. A rule allows `max` events in ANY span of its
// window (a sliding log, not numbered windows, so nothing doubles at a boundary);
// the event past that starts a ban, answered with 429 errno 114 + Retry-After.
// `retryAfter` is the longest ban that blocks the request: a client that waits
// that long is let through.
//
// API
//
//   check(action, { ip, email?, uid? })    before the work; throws 114 while banned.
//   recordFailure(kind, { ip, email?, uid? })  after a failed secret; never throws 114.
//
// Pass every dimension the call site knows: a rule on a dimension the subject lacks
// does not apply. `uid` is the account's uid in hex, `email` the address as typed.
//
// check actions
//   - Request actions (REQUEST_RULES: accountCreate, accountLogin, accountStatusCheck,
//     sendUnblockCode, verifySessionCode, …): every call counts.
//   - Password-checking actions, accountLogin and accountDestroy: also refused while
//     the subject is banned for failed password checks (on uid, email or ip), whatever
//     action, address or route the failures came from. Call check once, after loading
//     the account, with its uid, before the password is verified.
//   - unblockCodeCheck (counts nothing): refused while the subject is banned for
//     failed unblock codes (on uid or ip). sendUnblockCode is refused by that ban too:
//     a code that could not be used is not mailed.
//   A 114 from accountLogin carries the unblock hint (verificationMethod
//   'email-captcha'): a valid unblock code may let that sign-in through, unless the
//   subject is banned for failed unblock codes, in which case the 114 has no hint and
//   no code lifts it until it ends.
//
// recordFailure kinds
//   - passwordCheckFailed: a wrong password (or a sign-in to an unknown account), from
//     any route. One budget per account (uid), per address (email) and per ip, shared
//     by sign-in, re-authentication and account deletion.
//   - unblockCodeFailed: a wrong, spent or expired unblock code (sign-in or
//     reject_unblock_code). One budget per account (uid) and per ip.
//
// What each call site calls
//   POST /account/login, POST /session/reauth (account loaded first; reauth: the
//   session's uid):
//       check('accountLogin', { ip, email, uid })          uid omitted when no account
//       wrong password or unknown account → recordFailure('passwordCheckFailed', { ip, email, uid })
//       with unblockCode, before consuming it: check('unblockCodeCheck', { ip, email, uid })
//           (a blocked sign-in uses the code only when the accountLogin 114 had the hint)
//       code not accepted → recordFailure('unblockCodeFailed', { ip, email, uid }), then 127
//   POST /account/destroy:
//       check('accountDestroy', { ip, email, uid })
//       wrong password or unknown account → recordFailure('passwordCheckFailed', { ip, email, uid })
//   POST /account/login/send_unblock_code:
//       check('sendUnblockCode', { ip, email, uid })       uid once the account is loaded
//   POST /account/login/reject_unblock_code:
//       check('unblockCodeCheck', { ip, uid }) before consuming the code
//       code not accepted → recordFailure('unblockCodeFailed', { ip, uid }), then 127

import { AppError, ERRNO } from '../errors.js';
import type { CustomsMetrics } from '../metrics.js';
import { normalizeEmail } from '../protocol/email.js';
import type { EphemeralStore, SlidingWindow } from '../kv/index.js';
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

/** Only failures count, one budget per kind whatever the action that saw them. */
const FAILURE_RULES = {
  // FxA: 5 bad logins per 15 minutes per account (`authenticatedAccountLogin : uid`, and
  // `accountLogin : email` for callers that do not know the account), 5 per 10 minutes
  // per IP with a 30-minute ban (`accountLogin : ip`).
  passwordCheckFailed: [
    { on: 'uid', max: 5, windowMs: 15 * MINUTE, banMs: 15 * MINUTE },
    { on: 'email', max: 5, windowMs: 15 * MINUTE, banMs: 15 * MINUTE },
    { on: 'ip', max: 5, windowMs: 10 * MINUTE, banMs: 30 * MINUTE },
  ],
  // FxA's customs lets an address try unblock codes 5 times per 15 minutes
  // (`maxUnblockAttempts`, later `unblockEmail : email : 5 : 15 minutes`), here per
  // account; it reports a wrong code as a failed login of the IP, hence the per-IP
  // bad-login rule here.
  unblockCodeFailed: [
    { on: 'uid', max: 5, windowMs: 15 * MINUTE, banMs: 15 * MINUTE },
    { on: 'ip', max: 5, windowMs: 10 * MINUTE, banMs: 30 * MINUTE },
  ],
} satisfies Record<string, Rule[]>;

export type RequestAction = keyof typeof REQUEST_RULES;
export type FailureKind = keyof typeof FAILURE_RULES;
export type CheckAction = RequestAction | 'accountDestroy' | 'unblockCodeCheck';

/** A ban for failed password checks refuses all of these. */
const PASSWORD_CHECKING: ReadonlySet<CheckAction> = new Set<CheckAction>(['accountLogin', 'accountDestroy']);
/** A ban for failed unblock codes refuses all of these. */
const USING_UNBLOCK_CODES: ReadonlySet<CheckAction> = new Set<CheckAction>(['unblockCodeCheck', 'sendUnblockCode']);
/** Throttling these may be lifted with an unblock code mailed to the account (docs/protocol.md §6.1). */
const UNBLOCKABLE: ReadonlySet<CheckAction> = new Set<CheckAction>(['accountLogin']);
export const UNBLOCK_HINT = { verificationMethod: 'email-captcha', verificationReason: 'login' } as const;

// A request rule's ban outlasts its window, so the requests that caused it have left the
// window when it ends and the next request passes. Keys name one rule per dimension.
for (const [scope, rules] of Object.entries({ ...REQUEST_RULES, ...FAILURE_RULES })) {
  const dimensions = new Set(rules.map((rule) => rule.on));
  if (dimensions.size !== rules.length) throw new Error(`customs: ${scope} has two rules on one dimension`);
  if (scope in REQUEST_RULES && rules.some((rule) => rule.banMs < rule.windowMs)) {
    throw new Error(`customs: a ${scope} ban is shorter than its window`);
  }
}

export interface Subject {
  ip: string;
  email?: string;
  /** The account's uid, hex. */
  uid?: string;
}

export interface Customs {
  /** Before the work: counts a request action; throws 114 when the subject is over a limit or banned. */
  check(action: CheckAction, subject: Subject): Promise<void>;
  /** After a failed secret: enough of them within a window ban the subject. Never throws 114. */
  recordFailure(kind: FailureKind, subject: Subject): Promise<void>;
}

function keyOf(rule: Rule, subject: Subject): string | undefined {
  const value = subject[rule.on];
  return value === undefined ? undefined : `${rule.on}:${rule.on === 'email' ? normalizeEmail(value) : value}`;
}

function windowsOf(
  scope: string,
  rules: readonly Rule[],
  subject: Subject,
  mode: Pick<SlidingWindow, 'record' | 'gate'>,
): SlidingWindow[] {
  return rules.flatMap((rule) => {
    const key = keyOf(rule, subject);
    return key ? [{ key: `customs:${scope}:${key}`, max: rule.max, windowMs: rule.windowMs, banMs: rule.banMs, ...mode }] : [];
  });
}

const requestRules = (action: CheckAction): readonly Rule[] => (REQUEST_RULES as Record<string, Rule[]>)[action] ?? [];

/**
 * Windows and bans are measured on the injected clock (each store keeps the times of the
 * events in a window; a ban stores the time it ends), so every instance, and every test,
 * agrees on them whatever the store. One store round trip per call.
 */
export class StoreCustoms implements Customs {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
  ) {}

  async check(action: CheckAction, subject: Subject): Promise<void> {
    // Bans of these refuse the request; while one holds, nothing is counted.
    const blocking = windowsOf(action, requestRules(action), subject, { record: true, gate: true });
    if (PASSWORD_CHECKING.has(action)) {
      blocking.push(...windowsOf('passwordCheckFailed', FAILURE_RULES.passwordCheckFailed, subject, { record: false, gate: true }));
    }
    if (USING_UNBLOCK_CODES.has(action)) {
      blocking.push(...windowsOf('unblockCodeFailed', FAILURE_RULES.unblockCodeFailed, subject, { record: false, gate: true }));
    }
    // Bans of these only take away the unblock hint.
    const unblockable = UNBLOCKABLE.has(action);
    const noUnblock = unblockable
      ? windowsOf('unblockCodeFailed', FAILURE_RULES.unblockCodeFailed, subject, { record: false, gate: false })
      : [];
    if (blocking.length === 0) return;

    const now = this.clock.now();
    const bans = await this.store.slidingWindows(now, [...blocking, ...noUnblock]);
    const waitMs = Math.max(0, ...bans.slice(0, blocking.length).map((end) => end - now));
    if (waitMs === 0) return;
    const canUnblock = unblockable && bans.slice(blocking.length).every((end) => end <= now);
    throw AppError.throttled(Math.ceil(waitMs / 1000), canUnblock ? UNBLOCK_HINT : {});
  }

  async recordFailure(kind: FailureKind, subject: Subject): Promise<void> {
    const windows = windowsOf(kind, FAILURE_RULES[kind], subject, { record: true, gate: false });
    if (windows.length > 0) await this.store.slidingWindows(this.clock.now(), windows);
  }
}

/** RATE_LIMIT_ENABLED=false: for private deployments that rate-limit elsewhere. */
export const noCustoms: Customs = {
  check: async () => {},
  recordFailure: async () => {},
};

/** Counts each check's decision (allowed, or blocked with 114) per action. */
export function countDecisions(customs: Customs, metrics: CustomsMetrics): Customs {
  return {
    async check(action, subject) {
      try {
        await customs.check(action, subject);
      } catch (err) {
        if (err instanceof AppError && err.errno === ERRNO.THROTTLED) metrics.decision(action, 'blocked');
        throw err;
      }
      metrics.decision(action, 'allowed');
    },
    recordFailure: (kind, subject) => customs.recordFailure(kind, subject),
  };
}
