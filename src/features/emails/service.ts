// Confirming addresses and sessions with the codes we mailed (docs/protocol.md §6.1).

import type { Logger } from 'pino';
import { constantTimeEqual, emailOtp, verifyEmailOtp } from '../../crypto/index.js';
import type { Customs } from '../../customs/index.js';
import type { Db } from '../../db/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import { signinDetails, type AccountMailer } from '../../mail/account-mailer.js';
import type { PushNotifier } from '../../push/model.js';
import type { Clock } from '../../runtime.js';
import type { AccountRecord } from '../account/model.js';
import type { AccountService } from '../account/service.js';
import type { SessionToken } from '../session/model.js';
import type { SessionService } from '../session/service.js';

export interface EmailsDeps {
  db: Db;
  accounts: Pick<AccountService, 'get' | 'ownsAddress' | 'markVerified'>;
  sessions: Pick<SessionService, 'verifyByCode' | 'verifySession'>;
  customs: Customs;
  mail: AccountMailer;
  /** Payloadless pushes that make the account's devices refetch its state (FxA's accountVerify / accountConfirm). */
  push: Pick<PushNotifier, 'accountVerify' | 'accountConfirm'>;
  clock: Clock;
  logger: Logger;
}

export interface ResendLinkOptions {
  email?: string;
  type?: 'upgradeSession';
  redirectTo?: string;
  resume?: string;
  style?: string;
}

export interface EmailStatus {
  email: string;
  verified: boolean;
  sessionVerified: boolean;
  emailVerified: boolean;
}

export class EmailsService {
  constructor(private readonly deps: EmailsDeps) {}

  /** Sync users are told what to do next once their account is confirmed. */
  private async welcome(record: AccountRecord, ctx: RequestContext): Promise<void> {
    if (ctx.service === 'sync') await this.deps.mail.notify('postVerify', record, ctx, {});
  }

  /**
   * `/recovery_email/verify_code`: the code is the account's emailCode (sign-up link) or a
   * session's tokenVerificationId (sign-in link). Either confirms the tokens waiting on it and,
   * if it is still unverified, the account.
   */
  async verifyLinkCode(uid: Buffer, code: Buffer, ctx: RequestContext): Promise<void> {
    const { accounts, sessions, customs, db } = this.deps;
    const record = await this.deps.accounts.get(uid);
    await customs.check('recoveryEmailVerifyCode', { ip: ctx.ip, email: record.primary.normalizedEmail });
    const isAccountCode = constantTimeEqual(code, record.account.emailCode);
    const { confirmed, newlyVerified } = await db.transaction(async () => {
      const confirmed = await sessions.verifyByCode(uid, code);
      if (confirmed === 0 && !isAccountCode) throw new AppError(ERRNO.INVALID_VERIFICATION_CODE);
      return { confirmed, newlyVerified: record.account.emailVerified ? false : await accounts.markVerified(uid) };
    });
    this.deps.logger.info({ uid: uid.toString('hex'), accountVerified: newlyVerified }, 'confirmed by link');
    if (newlyVerified) {
      await this.deps.push.accountVerify(uid);
      await this.welcome(record, ctx);
    } else if (confirmed > 0) {
      await this.deps.push.accountConfirm(uid);
    }
  }

  /** `/session/verify_code`: the 6-digit code mailed for this sign-in (or sign-up). */
  async verifySessionCode(session: SessionToken, code: string | undefined, ctx: RequestContext): Promise<void> {
    const { accounts, sessions, customs, db, clock } = this.deps;
    await customs.check('verifySessionCode', { ip: ctx.ip, uid: session.uid.toString('hex') });
    const record = await this.deps.accounts.get(session.uid);
    if (code === undefined || !verifyEmailOtp(record.primary.emailCode, code, clock.now())) {
      throw new AppError(ERRNO.INVALID_EXPIRED_OTP_CODE);
    }
    const accountWasVerified = record.account.emailVerified;
    await db.transaction(async () => {
      await sessions.verifySession(session, 'email-2fa');
      if (!accountWasVerified) await accounts.markVerified(session.uid);
    });
    this.deps.logger.info({ uid: session.uid.toString('hex'), accountVerified: !accountWasVerified }, 'confirmed by code');
    if (!accountWasVerified) {
      await this.deps.push.accountVerify(session.uid);
      await this.welcome(record, ctx);
    } else if (!session.verified) {
      await this.deps.push.accountConfirm(session.uid);
      await this.deps.mail.notify('newDeviceLogin', record, ctx, {
        signin: signinDetails(session.userAgent, ctx.ip, clock.now()),
      });
    }
  }

  /**
   * `/recovery_email/resend_code`: mails the link this session still waits on again: the
   * sign-up `verify` mail while the account is unverified (or `verifyPrimary` when the
   * client asks to upgrade the session), else the sign-in `verifyLogin` mail. Nothing to
   * confirm, nothing sent. `email`, when given, must be one of the account's addresses.
   */
  async resendLink(session: SessionToken, options: ResendLinkOptions, ctx: RequestContext): Promise<void> {
    await this.deps.customs.check('recoveryEmailResendCode', { ip: ctx.ip, uid: session.uid.toString('hex') });
    const record = await this.deps.accounts.get(session.uid);
    if (options.email !== undefined) {
      const owned = await this.deps.accounts.ownsAddress(session.uid, options.email);
      if (!owned) throw new AppError(ERRNO.RESEND_EMAIL_CODE_TO_UNOWNED_EMAIL);
    }
    const code = (session.tokenVerificationId ?? record.account.emailCode).toString('hex');
    const links = { redirectTo: options.redirectTo, resume: options.resume };
    if (!record.account.emailVerified) {
      const template = options.type === 'upgradeSession' ? 'verifyPrimary' : 'verify';
      await this.deps.mail.send(template, record, ctx, { code, ...links, style: options.style });
    } else if (session.tokenVerificationId) {
      const signin = signinDetails(session.userAgent, ctx.ip, this.deps.clock.now());
      await this.deps.mail.send('verifyLogin', record, ctx, { code, ...links, signin });
    }
  }

  /**
   * `/session/resend_code`: the 6-digit code again, as `verifyLoginCode` for a verified
   * account or as the sign-up `verifyShortCode` for an unverified one.
   */
  async resendSessionCode(session: SessionToken, ctx: RequestContext): Promise<void> {
    const { customs, clock, mail } = this.deps;
    await customs.check('sendVerifyCode', { ip: ctx.ip, uid: session.uid.toString('hex') });
    const record = await this.deps.accounts.get(session.uid);
    const code = emailOtp(record.primary.emailCode, clock.now());
    if (record.account.emailVerified) {
      await mail.send('verifyLoginCode', record, ctx, { code, signin: signinDetails(session.userAgent, ctx.ip, clock.now()) });
    } else {
      await mail.send('verifyShortCode', record, ctx, { code });
    }
  }

  status(session: SessionToken): EmailStatus {
    return {
      email: session.email,
      verified: session.emailVerified && (session.mustVerify ? session.verified : true),
      sessionVerified: session.verified,
      emailVerified: session.emailVerified,
    };
  }
}
