// Confirming a sign-in from another device by Web Push (FxA's `/session/verify/send_push`
// and `/session/verify/verify_push`). The new sign-in asks the account's confirmed desktop
// Firefox devices to approve it; the push opens the content server's
// `/signin_push_code_confirm` page with the sign-in's tokenVerificationId and the current
// 6-digit code (the same TOTP over the account's emailCode that `/session/verify_code`
// takes), and that page, signed in on the approving device, calls verify_push.

import type { Logger } from 'pino';
import { emailOtp, verifyEmailOtp } from '../../crypto/index.js';
import type { Customs } from '../../customs/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import { signinDetails, type AccountMailer } from '../../mail/account-mailer.js';
import type { PushNotifier } from '../../push/model.js';
import type { Clock } from '../../runtime.js';
import type { AccountRecord } from '../account/model.js';
import type { SessionToken } from './model.js';
import type { SessionService } from './service.js';

/** FxA's English strings (`session-verify-send-push-title-2`, `-body-2`). */
export const VERIFY_LOGIN_TITLE = 'Logging in to your Mozilla account?';
export const VERIFY_LOGIN_BODY = 'Click here to confirm it\u2019s you';

export interface PushLoginDeps {
  accounts: { get(uid: Buffer): Promise<AccountRecord> };
  sessions: Pick<SessionService, 'findPending' | 'verifyPending'>;
  push: Pick<PushNotifier, 'verifyLogin' | 'accountConfirm'>;
  customs: Customs;
  mail: Pick<AccountMailer, 'notify'>;
  clock: Clock;
  logger: Logger;
  /** Origin of the web pages (CONTENT_URL). */
  contentUrl: string;
}

export class PushLoginService {
  constructor(private readonly deps: PushLoginDeps) {}

  /** Pushes the approval request; a session with nothing to confirm sends nothing. Push errors never reach the caller. */
  async sendPush(session: SessionToken, ctx: RequestContext): Promise<void> {
    const { customs, clock, push } = this.deps;
    const uid = session.uid.toString('hex');
    // Each call pushes to every confirmed device: the resend budget of the mailed code bounds it.
    await customs.check('sendVerifyCode', { ip: ctx.ip, uid });
    // (Once two-step authentication exists, an account with it must not be confirmed this way: FxA returns here.)
    if (!session.tokenVerificationId) return;
    const record = await this.deps.accounts.get(session.uid);
    const remoteMetaData = {
      deviceFamily: session.userAgent.uaBrowser ?? undefined,
      deviceOS: session.userAgent.uaOS ?? undefined,
      ipAddress: ctx.ip,
    };
    const params = new URLSearchParams({
      tokenVerificationId: session.tokenVerificationId.toString('hex'),
      code: emailOtp(record.primary.emailCode, clock.now()),
      uid,
      email: record.primary.email,
      // FxA encodes this one twice (the page decodes it twice).
      remoteMetaData: encodeURIComponent(JSON.stringify(remoteMetaData)),
    });
    const url = `${this.deps.contentUrl.replace(/\/+$/, '')}/signin_push_code_confirm?${params.toString()}`;
    const delivered = await push.verifyLogin(session.uid, session.id, { title: VERIFY_LOGIN_TITLE, body: VERIFY_LOGIN_BODY, url });
    this.deps.logger.info({ uid, delivered }, 'sign-in approval pushed');
  }

  /**
   * Confirms the sign-in waiting on `tokenVerificationId` when `code` is the account's current
   * code (errno 183 otherwise). Nothing waits on it (already confirmed, or never a sign-in of
   * this account): success, as in FxA, since the user cannot do anything more. Then, as
   * FxA, the payloadless accountConfirm push and the new-device-login mail (with the
   * approved sign-in's browser, and the address of the request).
   */
  async verifyPush(session: SessionToken, code: string, tokenVerificationId: Buffer, ctx: RequestContext): Promise<void> {
    const { customs, sessions, clock } = this.deps;
    const uid = session.uid.toString('hex');
    await customs.check('verifySessionCode', { ip: ctx.ip, uid });
    const approved = await sessions.findPending(session.uid, tokenVerificationId);
    if (!approved) return;
    const record = await this.deps.accounts.get(session.uid);
    if (!verifyEmailOtp(record.primary.emailCode, code, clock.now())) throw new AppError(ERRNO.INVALID_EXPIRED_OTP_CODE);
    await sessions.verifyPending(session.uid, tokenVerificationId, 'email-2fa');
    this.deps.logger.info({ uid }, 'sign-in approved from another device');
    await this.deps.push.accountConfirm(session.uid);
    if (record.account.emailVerified) {
      await this.deps.mail.notify('newDeviceLogin', record, ctx, { signin: signinDetails(approved, ctx.ip, clock.now()) });
    }
  }
}
