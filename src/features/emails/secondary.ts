// Secondary addresses: add one (confirmed with a 6-digit code mailed to it), list,
// remove, and promote a verified one to primary. The sign-up address stays the v1
// key-stretching salt whatever the primary is (PROTOCOL §1.1).

import { emailOtp, verifyEmailOtp } from '../../crypto/index.js';
import type { Customs } from '../../customs/index.js';
import type { Db } from '../../db/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock, RandomSource } from '../../runtime.js';
import type { AccountMailer } from '../account/mail.js';
import type { AccountService } from '../account/service.js';
import type { AccountRecord, EmailRow } from '../account/store.js';
import type { SecurityEventService } from '../security-events/service.js';
import type { SessionToken } from '../session/service.js';
import type { Executor } from '../session/store.js';
import type { EmailStore } from './store.js';

export interface SecondaryEmailDeps {
  db: Db;
  store: EmailStore;
  accounts: AccountService;
  securityEvents: SecurityEventService;
  customs: Customs;
  mail: AccountMailer;
  clock: Clock;
  random: RandomSource;
}

export interface ListedEmail {
  email: string;
  isPrimary: boolean;
  verified: boolean;
}

/** Changing addresses needs a confirmed session (errno 138), as every account-security change does. */
export function requireConfirmedSession(session: SessionToken): void {
  if (!session.verified) throw new AppError(ERRNO.SESSION_UNVERIFIED);
}

export class SecondaryEmailService {
  constructor(private readonly deps: SecondaryEmailDeps) {}

  /** The address if it is one of this account's secondaries, else `errno`. */
  private async ownSecondary(uid: Buffer, email: string, errno: typeof ERRNO.SECONDARY_EMAIL_UNKNOWN | typeof ERRNO.RESEND_EMAIL_CODE_TO_UNOWNED_EMAIL) {
    const row = await this.deps.store.find(email.toLowerCase());
    if (!row || !row.uid.equals(uid)) throw new AppError(errno);
    return row;
  }

  async list(session: SessionToken): Promise<ListedEmail[]> {
    const rows = await this.deps.store.list(session.uid);
    return rows.map((row) => ({ email: row.email, isPrimary: row.isPrimary === 1, verified: row.isVerified === 1 }));
  }

  /**
   * An address someone else holds without having verified it can be taken over (their
   * unverified account is deleted, their unverified secondary released); a verified one
   * cannot (140 primary, 141 secondary).
   */
  private async claimAddress(uid: Buffer, normalizedEmail: string, exec: Executor): Promise<void> {
    const existing = await this.deps.store.find(normalizedEmail, exec);
    if (!existing) return;
    if (existing.uid.equals(uid)) throw new AppError(existing.isPrimary ? ERRNO.USER_PRIMARY_EMAIL_EXISTS : ERRNO.EMAIL_EXISTS);
    if (existing.isPrimary === 1) {
      if (existing.isVerified === 1) throw new AppError(ERRNO.VERIFIED_PRIMARY_EMAIL_EXISTS);
      await this.deps.accounts.deleteUnverified(existing.uid, exec);
    } else {
      if (existing.isVerified === 1) throw new AppError(ERRNO.VERIFIED_SECONDARY_EMAIL_EXISTS);
      await this.deps.store.delete(existing.uid, normalizedEmail, exec);
    }
  }

  /** `POST /recovery_email`: adds an unverified secondary address and mails it a code. */
  async add(session: SessionToken, email: string, ctx: RequestContext): Promise<void> {
    const { db, store, customs, clock, random } = this.deps;
    if (!session.emailVerified) throw new AppError(ERRNO.UNVERIFIED_ACCOUNT);
    requireConfirmedSession(session);
    await customs.check('createEmail', { ip: ctx.ip, uid: session.uid.toString('hex') });
    const record = await this.deps.accounts.get(session.uid);
    const normalizedEmail = email.toLowerCase();
    if (normalizedEmail === record.primary.normalizedEmail) throw new AppError(ERRNO.USER_PRIMARY_EMAIL_EXISTS);

    const row: EmailRow = {
      normalizedEmail,
      email,
      uid: session.uid,
      emailCode: random(16),
      isVerified: 0,
      isPrimary: 0,
      verifiedAt: null,
      createdAt: clock.now(),
    };
    await db.kysely.transaction().execute(async (trx) => {
      await this.claimAddress(session.uid, normalizedEmail, trx);
      await store.insert(row, trx);
    });
    try {
      await this.sendCode(record, row, ctx);
    } catch (err) {
      // Without the mail the user could never confirm it: leave nothing half-done.
      await store.delete(session.uid, normalizedEmail);
      throw err;
    }
  }

  private sendCode(record: AccountRecord, row: EmailRow, ctx: RequestContext): Promise<void> {
    return this.deps.mail.sendTo(row.email, 'verifySecondaryCode', record, ctx, {
      code: emailOtp(row.emailCode, this.deps.clock.now()),
      email: row.email,
    });
  }

  /** `POST /recovery_email/secondary/resend_code`. */
  async resendCode(session: SessionToken, email: string, ctx: RequestContext): Promise<void> {
    requireConfirmedSession(session);
    await this.deps.customs.check('recoveryEmailSecondaryResendCode', { ip: ctx.ip, email: email.toLowerCase() });
    const row = await this.ownSecondary(session.uid, email, ERRNO.RESEND_EMAIL_CODE_TO_UNOWNED_EMAIL);
    if (row.isVerified === 1) return;
    await this.sendCode(await this.deps.accounts.get(session.uid), row, ctx);
  }

  /** `POST /recovery_email/secondary/verify_code`: the code mailed to the new address. */
  async verify(session: SessionToken, email: string, code: string, ctx: RequestContext): Promise<void> {
    const { store, customs, clock, securityEvents, mail } = this.deps;
    requireConfirmedSession(session);
    await customs.check('recoveryEmailSecondaryVerifyCode', { ip: ctx.ip, email: email.toLowerCase() });
    const row = await this.ownSecondary(session.uid, email, ERRNO.SECONDARY_EMAIL_UNKNOWN);
    if (row.isVerified === 1) return;
    if (!verifyEmailOtp(row.emailCode, code, clock.now())) throw new AppError(ERRNO.INVALID_VERIFICATION_CODE);
    await store.markVerified(session.uid, row.normalizedEmail, clock.now());
    await securityEvents.record('account.secondary_email_added', { uid: session.uid, ip: ctx.ip, verified: true });
    await mail.notify('postVerifySecondary', await this.deps.accounts.get(session.uid), ctx, { secondaryEmail: row.email });
  }

  /** `POST /recovery_email/destroy`: the primary cannot go (137). */
  async remove(session: SessionToken, email: string, ctx: RequestContext): Promise<void> {
    requireConfirmedSession(session);
    const row = await this.deps.store.find(email.toLowerCase());
    if (!row || !row.uid.equals(session.uid)) return; // already gone: removing is idempotent, as in FxA
    if (row.isPrimary === 1) throw new AppError(ERRNO.EMAIL_DELETE_PRIMARY);
    await this.deps.store.delete(session.uid, row.normalizedEmail);
    await this.deps.securityEvents.record('account.secondary_email_removed', { uid: session.uid, ip: ctx.ip, verified: true });
    if (row.isVerified === 1) {
      await this.deps.mail.notify('postRemoveSecondary', await this.deps.accounts.get(session.uid), ctx, {
        secondaryEmail: row.email,
      });
    }
  }

  /** `POST /recovery_email/set_primary`: a verified secondary becomes the primary. */
  async setPrimary(session: SessionToken, email: string, ctx: RequestContext): Promise<void> {
    const { db, store, securityEvents, mail } = this.deps;
    requireConfirmedSession(session);
    const row = await store.find(email.toLowerCase());
    if (!row || !row.uid.equals(session.uid)) throw new AppError(ERRNO.CHANGE_EMAIL_TO_UNOWNED_EMAIL);
    if (row.isVerified !== 1) throw new AppError(ERRNO.CHANGE_EMAIL_TO_UNVERIFIED_EMAIL);
    if (row.isPrimary === 1) return;
    await db.kysely.transaction().execute(async (trx) => {
      await store.setPrimary(session.uid, row.normalizedEmail, trx);
      await securityEvents.record('account.primary_secondary_swapped', { uid: session.uid, ip: ctx.ip, verified: true }, trx);
    });
    // Goes to the new primary, which now receives all account mail.
    await mail.notify('postChangePrimary', await this.deps.accounts.get(session.uid), ctx, { newPrimaryEmail: row.email });
  }
}
