// Secondary addresses: add one (confirmed with a 6-digit code mailed to it), list,
// remove, and promote a verified one to primary. The sign-up address stays the v1
// key-stretching salt whatever the primary is (docs/protocol.md §1.1). Which session may do
// this (a confirmed one, of a verified account) is declared on the routes.

import { emailOtp, verifyEmailOtp } from '../../crypto/index.js';
import type { Customs } from '../../customs/index.js';
import { isUniqueViolation, type Db } from '../../db/index.js';
import { AppError, ERRNO, type Errno } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import type { AccountMailer } from '../../mail/account-mailer.js';
import { normalizeEmail } from '../../protocol/email.js';
import type { Clock, RandomSource } from '../../runtime.js';
import type { AccountRecord, EmailAddress } from '../account/model.js';
import type { SecurityEventInput } from '../security-events/service.js';
import type { SessionToken } from '../session/model.js';
import type { AddressClaims } from './address-claims.js';
import type { EmailStore } from './store.js';

export type AddressEventName =
  'account.secondary_email_added' | 'account.secondary_email_removed' | 'account.primary_secondary_swapped';

export interface SecondaryEmailDeps {
  db: Db;
  store: EmailStore;
  claims: AddressClaims;
  accounts: { get(uid: Buffer): Promise<AccountRecord> };
  securityEvents: { record(name: AddressEventName, event: SecurityEventInput): Promise<void> };
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

/**
 * Why `uid` cannot add the address `holder` holds, or nothing when it is free or held
 * unverified by someone else (then it is taken over).
 */
function addRefusal(uid: Buffer, holder: EmailAddress | undefined): Errno | undefined {
  if (!holder) return undefined;
  if (holder.uid.equals(uid)) return holder.isPrimary ? ERRNO.USER_PRIMARY_EMAIL_EXISTS : ERRNO.EMAIL_EXISTS;
  if (!holder.isVerified) return undefined;
  return holder.isPrimary ? ERRNO.VERIFIED_PRIMARY_EMAIL_EXISTS : ERRNO.VERIFIED_SECONDARY_EMAIL_EXISTS;
}

export class SecondaryEmailService {
  constructor(private readonly deps: SecondaryEmailDeps) {}

  /** The address if it is one of this account's secondaries, else `errno`. */
  private async ownSecondary(
    uid: Buffer,
    email: string,
    errno: typeof ERRNO.SECONDARY_EMAIL_UNKNOWN | typeof ERRNO.RESEND_EMAIL_CODE_TO_UNOWNED_EMAIL,
  ): Promise<EmailAddress> {
    const address = await this.deps.store.find(normalizeEmail(email));
    if (!address || !address.uid.equals(uid)) throw new AppError(errno);
    return address;
  }

  async list(session: SessionToken): Promise<ListedEmail[]> {
    const addresses = await this.deps.store.list(session.uid);
    return addresses.map((a) => ({ email: a.email, isPrimary: a.isPrimary, verified: a.isVerified }));
  }

  /**
   * `POST /recovery_email`: mails a code to the new address, then stores it unverified,
   * taking it over from whoever held it without verifying it. The mail goes first, so a
   * relay failure (151) changes nothing, not even the previous holder's rows.
   */
  async add(session: SessionToken, email: string, ctx: RequestContext): Promise<void> {
    const { store, claims, customs, clock, random } = this.deps;
    await customs.check('createEmail', { ip: ctx.ip, uid: session.uid.toString('hex') });
    const record = await this.deps.accounts.get(session.uid);
    const normalizedEmail = normalizeEmail(email);
    if (normalizedEmail === record.primary.normalizedEmail) throw new AppError(ERRNO.USER_PRIMARY_EMAIL_EXISTS);
    const refuse = (errno: Errno | undefined) => {
      if (errno !== undefined) throw new AppError(errno);
    };
    refuse(addRefusal(session.uid, await store.find(normalizedEmail)));

    const address: EmailAddress = {
      normalizedEmail,
      email,
      uid: session.uid,
      emailCode: random(16),
      isVerified: false,
      isPrimary: false,
      verifiedAt: null,
      createdAt: clock.now(),
    };
    await claims.exclusively(
      normalizedEmail,
      () => new AppError(ERRNO.EMAIL_EXISTS),
      async () => {
        await this.sendCode(record, address, ctx);
        await this.deps.db
          .transaction(async () => {
            const holder = await store.find(normalizedEmail);
            refuse(addRefusal(session.uid, holder));
            if (holder) await claims.release(holder);
            await store.insert(address);
          })
          .catch((err: unknown) => {
            if (isUniqueViolation(err)) throw new AppError(ERRNO.EMAIL_EXISTS);
            throw err;
          });
      },
    );
  }

  private sendCode(record: AccountRecord, address: EmailAddress, ctx: RequestContext): Promise<void> {
    return this.deps.mail.sendTo(address.email, 'verifySecondaryCode', record, ctx, {
      code: emailOtp(address.emailCode, this.deps.clock.now()),
      email: address.email,
    });
  }

  /** `POST /recovery_email/secondary/resend_code`. */
  async resendCode(session: SessionToken, email: string, ctx: RequestContext): Promise<void> {
    await this.deps.customs.check('recoveryEmailSecondaryResendCode', { ip: ctx.ip, email: normalizeEmail(email) });
    const address = await this.ownSecondary(session.uid, email, ERRNO.RESEND_EMAIL_CODE_TO_UNOWNED_EMAIL);
    if (address.isVerified) return;
    await this.sendCode(await this.deps.accounts.get(session.uid), address, ctx);
  }

  /** `POST /recovery_email/secondary/verify_code`: the code mailed to the new address. */
  async verify(session: SessionToken, email: string, code: string, ctx: RequestContext): Promise<void> {
    const { db, store, customs, clock, securityEvents, mail } = this.deps;
    await customs.check('recoveryEmailSecondaryVerifyCode', { ip: ctx.ip, email: normalizeEmail(email) });
    const address = await this.ownSecondary(session.uid, email, ERRNO.SECONDARY_EMAIL_UNKNOWN);
    if (address.isVerified) return;
    if (!verifyEmailOtp(address.emailCode, code, clock.now())) throw new AppError(ERRNO.INVALID_VERIFICATION_CODE);
    const verified = await db.transaction(async () => {
      if (!(await store.markVerified(session.uid, address.normalizedEmail, clock.now()))) return false;
      await securityEvents.record('account.secondary_email_added', { uid: session.uid, ip: ctx.ip, verified: true });
      return true;
    });
    // Two requests with the right code at once: the one that verified it tells the user.
    if (!verified) return;
    await mail.notify('postVerifySecondary', await this.deps.accounts.get(session.uid), ctx, {
      secondaryEmail: address.email,
    });
  }

  /** `POST /recovery_email/destroy`: the primary cannot go (137); an unknown address is already gone. */
  async remove(session: SessionToken, email: string, ctx: RequestContext): Promise<void> {
    const { db, store, securityEvents } = this.deps;
    const address = await store.find(normalizeEmail(email));
    if (!address || !address.uid.equals(session.uid)) return;
    if (address.isPrimary) throw new AppError(ERRNO.EMAIL_DELETE_PRIMARY);
    const removed = await db.transaction(async () => {
      if (!(await store.delete(session.uid, address.normalizedEmail))) return false;
      await securityEvents.record('account.secondary_email_removed', { uid: session.uid, ip: ctx.ip, verified: true });
      return true;
    });
    if (removed && address.isVerified) {
      await this.deps.mail.notify('postRemoveSecondary', await this.deps.accounts.get(session.uid), ctx, {
        secondaryEmail: address.email,
      });
    }
  }

  /** `POST /recovery_email/set_primary`: a verified secondary becomes the primary. */
  async setPrimary(session: SessionToken, email: string, ctx: RequestContext): Promise<void> {
    const { db, store, securityEvents, mail } = this.deps;
    const address = await store.find(normalizeEmail(email));
    if (!address || !address.uid.equals(session.uid)) throw new AppError(ERRNO.CHANGE_EMAIL_TO_UNOWNED_EMAIL);
    if (!address.isVerified) throw new AppError(ERRNO.CHANGE_EMAIL_TO_UNVERIFIED_EMAIL);
    if (address.isPrimary) return;
    await db.transaction(async () => {
      await store.setPrimary(session.uid, address.normalizedEmail);
      await securityEvents.record('account.primary_secondary_swapped', { uid: session.uid, ip: ctx.ip, verified: true });
    });
    // Goes to the new primary, which now receives all account mail.
    await mail.notify('postChangePrimary', await this.deps.accounts.get(session.uid), ctx, { newPrimaryEmail: address.email });
  }
}
