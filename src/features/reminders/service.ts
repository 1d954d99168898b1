// Reminder mails on a schedule: "finish creating your account" for accounts that stay
// unverified (docs/protocol.md §6.3: 1, 5 and 15 days) and "connect another device" once a
// client asks for it. Every instance runs the job; a claim in the database makes each
// reminder go out once, and a failed delivery is retried later.

import type { Logger } from 'pino';
import type { Db } from '../../db/index.js';
import type { RequestContext } from '../../http/context.js';
import type { AccountMailer } from '../../mail/account-mailer.js';
import type { MetricsContext } from '../../protocol/metrics-context.js';
import type { Clock } from '../../runtime.js';
import type { AccountRecord } from '../account/model.js';
import type { ReminderRow, ReminderStore } from './store.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

interface ReminderKind {
  /** After sign-up (verification) or after the request (CAD). */
  delayMs: number;
  /** False when the reminder no longer makes sense for this account. */
  stillWanted(record: AccountRecord): boolean;
  send(mail: AccountMailer, record: AccountRecord, ctx: RequestContext): Promise<void>;
}

const unverified = (record: AccountRecord) => !record.account.emailVerified;
const always = () => true;

/** A verification reminder carries the sign-up code, so its link verifies the account. */
const verificationReminder =
  (template: 'verificationReminderFirst' | 'verificationReminderSecond' | 'verificationReminderFinal') =>
  (mail: AccountMailer, record: AccountRecord, ctx: RequestContext) =>
    mail.send(template, record, ctx, { code: record.account.emailCode.toString('hex') });

const cadReminder =
  (template: 'cadReminderFirst' | 'cadReminderSecond') => (mail: AccountMailer, record: AccountRecord, ctx: RequestContext) =>
    mail.send(template, record, ctx, {});

export const REMINDERS = {
  verificationFirst: { delayMs: 1 * DAY, stillWanted: unverified, send: verificationReminder('verificationReminderFirst') },
  verificationSecond: { delayMs: 5 * DAY, stillWanted: unverified, send: verificationReminder('verificationReminderSecond') },
  verificationFinal: { delayMs: 15 * DAY, stillWanted: unverified, send: verificationReminder('verificationReminderFinal') },
  cadFirst: { delayMs: 8 * HOUR, stillWanted: always, send: cadReminder('cadReminderFirst') },
  cadSecond: { delayMs: 72 * HOUR, stillWanted: always, send: cadReminder('cadReminderSecond') },
} satisfies Record<string, ReminderKind>;

export type ReminderKindName = keyof typeof REMINDERS;

const VERIFICATION: readonly ReminderKindName[] = ['verificationFirst', 'verificationSecond', 'verificationFinal'];
const CAD: readonly ReminderKindName[] = ['cadFirst', 'cadSecond'];

/** How long an instance may hold a reminder it is sending before another may take over. */
const CLAIM_LEASE_MS = 10 * 60 * 1000;
/** How long a reminder whose mail failed waits before the next attempt. */
const RETRY_DELAY_MS = 15 * 60 * 1000;
const BATCH = 100;

export interface ReminderDeps {
  db: Db;
  store: ReminderStore;
  mail: AccountMailer;
  findAccount(uid: Buffer): Promise<AccountRecord | undefined>;
  clock: Clock;
  logger: Logger;
}

export class ReminderService {
  constructor(private readonly deps: ReminderDeps) {}

  private async scheduleAll(uid: Buffer, kinds: readonly ReminderKindName[], from: number, flow?: MetricsContext): Promise<void> {
    for (const kind of kinds) await this.deps.store.schedule(uid, kind, from + REMINDERS[kind].delayMs, flow);
  }

  /** The reminders carry the sign-up's flow, so their mails join it (X-Flow-Id). */
  scheduleVerification(uid: Buffer, signedUpAt: number, flow: MetricsContext | undefined): Promise<void> {
    return this.scheduleAll(uid, VERIFICATION, signedUpAt, flow);
  }

  cancelVerification(uid: Buffer): Promise<void> {
    return this.deps.store.cancel(uid, VERIFICATION);
  }

  /** Both reminders or neither: two requests at once each replace the pair as a whole. */
  scheduleConnectAnotherDevice(uid: Buffer): Promise<void> {
    return this.deps.db.transaction(() => this.scheduleAll(uid, CAD, this.deps.clock.now()));
  }

  /** The reminders waiting for an account, soonest first. */
  async pending(uid: Buffer): Promise<Array<{ kind: string; dueAt: number }>> {
    return (await this.deps.store.list(uid)).map(({ kind, dueAt }) => ({ kind, dueAt }));
  }

  /** Sends every reminder that is due; returns how many mails this instance sent. */
  async sendDue(): Promise<number> {
    const { store, clock } = this.deps;
    let sent = 0;
    for (const row of await store.due(clock.now(), BATCH)) {
      if (!(await store.claim(row, clock.now(), CLAIM_LEASE_MS))) continue; // another instance has it
      if (await this.deliver(row)) sent++;
    }
    return sent;
  }

  private async deliver(row: ReminderRow): Promise<boolean> {
    const { store, mail, clock, logger } = this.deps;
    const kind: ReminderKind | undefined = REMINDERS[row.kind as ReminderKindName];
    const record = kind && (await this.deps.findAccount(row.uid));
    if (!kind || !record || !kind.stillWanted(record)) {
      await store.complete(row);
      return false;
    }
    const ctx: RequestContext = {
      ip: '',
      userAgent: undefined,
      acceptLanguage: undefined,
      service: undefined,
      metricsContext: { flowId: row.flowId ?? undefined, flowBeginTime: row.flowBeginTime ?? undefined },
    };
    try {
      await kind.send(mail, record, ctx);
    } catch (err) {
      logger.warn({ err, uid: row.uid.toString('hex'), reminder: row.kind }, 'reminder mail failed; will retry');
      await store.postpone(row, clock.now() + RETRY_DELAY_MS);
      return false;
    }
    await store.complete(row);
    logger.info({ uid: row.uid.toString('hex'), reminder: row.kind }, 'reminder sent');
    return true;
  }
}

/** Runs sendDue() every `intervalMs` in the background; stop() before shutting down. */
export class ReminderJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly reminders: ReminderService,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.running = this.reminders.sendDue().catch((err: unknown) => this.logger.error({ err }, 'reminder job failed'));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
