// Sign-in and re-authentication: rate limits and unblock codes, the password, the
// confirmation policy (docs/protocol.md §3.2) and the confirmation mail (docs/protocol.md §6.3).

import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { emailOtp } from '../../crypto/index.js';
import { UNBLOCK_HINT, type Customs, type Subject } from '../../customs/index.js';
import type { Db } from '../../db/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import { parseUserAgent } from '../../http/user-agent.js';
import { requestSigninDetails, type AccountMailer } from '../../mail/account-mailer.js';
import { normalizeEmail } from '../../protocol/email.js';
import type { VerificationMethod } from '../../protocol/verification.js';
import type { Clock, RandomSource } from '../../runtime.js';
import type { SecurityEventInput } from '../security-events/service.js';
import type { SessionToken } from '../session/model.js';
import type { SessionService } from '../session/service.js';
import type { UnblockCodes } from '../unblock/codes.js';
import { hasPassword, type AccountByEmail, type AccountRecord } from './model.js';
import type { PasswordHasher } from './password.js';
import { decideSessionVerification, verificationStatus, type VerificationStatus } from './signin-policy.js';
import type { AccountStore } from './store.js';

export type SigninTokens = Pick<SessionService, 'createSession' | 'createKeyFetchToken' | 'markReauthenticated'>;

export interface SigninEvents {
  record(name: 'account.login', event: SecurityEventInput): Promise<void>;
  confirmedFromIpRecently(uid: Buffer, ip: string, withinMs: number): Promise<boolean>;
}

export interface SigninDeps {
  db: Db;
  store: AccountStore;
  tokens: SigninTokens;
  hasher: PasswordHasher;
  customs: Customs;
  mail: AccountMailer;
  securityEvents: SigninEvents;
  unblockCodes: UnblockCodes;
  config: Pick<Config, 'signinConfirmation' | 'signinUnblockForcedEmailRegex'>;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
}

export interface SigninInput {
  email: string;
  authPW: Buffer;
  unblockCode?: string;
  wantsKeys: boolean;
  originalLoginEmail?: string;
  verificationMethod?: VerificationMethod;
  redirectTo?: string;
  resume?: string;
}

export interface LoginResult extends VerificationStatus {
  uid: Buffer;
  sessionToken: Buffer;
  keyFetchToken?: Buffer;
  keyFetchTokenVersion2?: Buffer;
  authAt: number;
  metricsEnabled: boolean;
}

export type ReauthResult = Omit<LoginResult, 'sessionToken'>;

/** The session facts that decide which confirmation mail a sign-in sends. */
interface SigninSession {
  tokenVerificationId: Buffer | null;
  mustVerify: boolean;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

export class SigninService {
  constructor(private readonly deps: SigninDeps) {}

  /**
   * Rate limits first, then the account. A throttled sign-in may carry an unblock code
   * mailed to the account: a valid one lets it through (and confirms it); after a
   * block every later failure but a bad code reports the block, so the answers reveal
   * nothing about the account (docs/protocol.md §10.3).
   */
  private async signIn<T>(
    input: SigninInput,
    ctx: RequestContext,
    proceed: (record: AccountByEmail, unblocked: boolean, subject: Subject) => Promise<T>,
  ): Promise<T> {
    const { customs, store, config } = this.deps;
    const email = normalizeEmail(input.email);
    // The account first, so the password budget is the account's whichever address or route is used.
    const record = await store.findByEmail(email);
    const subject: Subject = { ip: ctx.ip, email, uid: record?.account.uid.toString('hex') };
    let blocked: AppError | undefined;
    try {
      if (config.signinUnblockForcedEmailRegex?.test(email)) {
        throw new AppError(ERRNO.REQUEST_BLOCKED, { extra: UNBLOCK_HINT });
      }
      await customs.check('accountLogin', subject);
    } catch (err) {
      if (!(err instanceof AppError) || err.extra.verificationMethod !== 'email-captcha' || !input.unblockCode) throw err;
      blocked = err;
    }
    try {
      if (!record) {
        await customs.recordFailure('passwordCheckFailed', subject);
        throw AppError.unknownAccount(input.email);
      }
      if (record.account.disabledAt !== null) throw new AppError(ERRNO.LOGIN_WITH_INVALID_EMAIL);
      const unblocked = input.unblockCode !== undefined && (await this.spendUnblockCode(record, input.unblockCode, subject));
      return await proceed(record, unblocked, subject);
    } catch (err) {
      if (blocked && !(err instanceof AppError && err.errno === ERRNO.INVALID_UNBLOCK_CODE)) throw blocked;
      throw err;
    }
  }

  /** Unblock codes have their own small budget of failures; past it no code is even tried. */
  private async spendUnblockCode(record: AccountRecord, code: string, subject: Subject): Promise<true> {
    await this.deps.customs.check('unblockCodeCheck', subject);
    if (!(await this.deps.unblockCodes.consume(record.account.uid, code.toUpperCase()))) {
      await this.deps.customs.recordFailure('unblockCodeFailed', subject);
      throw new AppError(ERRNO.INVALID_UNBLOCK_CODE);
    }
    return true;
  }

  /** 142 unless the address typed (or the one the client re-hashed with) is the primary. */
  private checkPrimaryAddress(record: AccountRecord, input: SigninInput): void {
    const candidate = normalizeEmail(input.originalLoginEmail ?? input.email);
    if (candidate !== record.primary.normalizedEmail) throw new AppError(ERRNO.LOGIN_WITH_SECONDARY_EMAIL);
  }

  private checkPassword(record: AccountRecord, input: SigninInput, subject: Subject) {
    return this.deps.hasher.verify(record.account, input.authPW, input.email, () =>
      this.deps.customs.recordFailure('passwordCheckFailed', subject),
    );
  }

  /** TOTP arrives in a later issue; until then no account has it, so asking for it is 160. */
  private checkVerificationMethod(method: VerificationMethod | undefined): void {
    if (method === 'totp-2fa') throw new AppError(ERRNO.TOTP_REQUIRED);
  }

  /**
   * The confirmation mail a sign-in needs (docs/protocol.md §6.3). It is sent before anything is
   * stored, so a mail failure (errno 151) leaves no half-made session behind.
   */
  private async sendConfirmationMail(
    record: AccountRecord,
    session: SigninSession,
    input: SigninInput,
    ctx: RequestContext,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const signin = requestSigninDetails(ctx, now);
    const method = input.verificationMethod;
    if (!record.account.emailVerified) {
      if (method === 'email-otp') {
        return this.deps.mail.send('verifyLoginCode', record, ctx, { code: emailOtp(record.primary.emailCode, now), signin });
      }
      const code = session.tokenVerificationId ?? record.primary.emailCode;
      return this.deps.mail.send('verify', record, ctx, {
        code: code.toString('hex'),
        redirectTo: input.redirectTo,
        resume: input.resume,
      });
    }
    if (!session.mustVerify || !session.tokenVerificationId) return;
    if (method === 'email-2fa' || method === 'email-otp') {
      return this.deps.mail.send('verifyLoginCode', record, ctx, { code: emailOtp(record.primary.emailCode, now), signin });
    }
    // email-captcha: the client asks for an unblock code itself (send_unblock_code).
    if (method === 'email-captcha') return;
    return this.deps.mail.send('verifyLogin', record, ctx, {
      code: session.tokenVerificationId.toString('hex'),
      redirectTo: input.redirectTo,
      resume: input.resume,
      signin,
    });
  }

  /** A sign-in that needed no confirmation is announced to the account, as FxA does. */
  private async announceNewDevice(record: AccountRecord, ctx: RequestContext): Promise<void> {
    if (!record.account.emailVerified) return;
    const signin = requestSigninDetails(ctx, this.deps.clock.now());
    await this.deps.mail.notify('newDeviceLogin', record, ctx, { signin });
  }

  async login(input: SigninInput, ctx: RequestContext): Promise<LoginResult> {
    return this.signIn(input, ctx, (record, unblocked, subject) => this.startSession(record, unblocked, subject, input, ctx));
  }

  private async startSession(
    record: AccountByEmail,
    unblocked: boolean,
    subject: Subject,
    input: SigninInput,
    ctx: RequestContext,
  ): Promise<LoginResult> {
    const { tokens, securityEvents, clock, config } = this.deps;
    if (!hasPassword(record.account)) throw new AppError(ERRNO.LOGIN_WITH_INVALID_EMAIL);
    this.checkPrimaryAddress(record, input);
    const password = await this.checkPassword(record, input, subject);
    this.checkVerificationMethod(input.verificationMethod);

    const now = clock.now();
    const uid = record.account.uid;
    const decision = decideSessionVerification(config.signinConfirmation, {
      primaryEmail: record.primary.normalizedEmail,
      accountCreatedAt: record.account.createdAt,
      wantsKeys: input.wantsKeys,
      now,
      confirmedFromIpRecently: await securityEvents.confirmedFromIpRecently(
        uid,
        ctx.ip,
        config.signinConfirmation.skipForSameIpDays * 24 * 3600 * 1000,
      ),
      unblocked,
    });
    const verificationId = decision.needsVerification ? this.deps.random(16) : null;
    const session = { tokenVerificationId: verificationId, mustVerify: decision.mustVerify };
    await this.sendConfirmationMail(record, session, input, ctx);
    const issued = await this.deps.db.transaction(async () => {
      const session = await tokens.createSession({
        uid,
        verificationId,
        mustVerify: decision.mustVerify,
        userAgent: parseUserAgent(ctx.userAgent),
      });
      const keyFetch = input.wantsKeys
        ? await tokens.createKeyFetchToken(uid, { kA: record.account.kA, wrapKb: password.wrapKb }, verificationId)
        : undefined;
      await securityEvents.record('account.login', {
        uid,
        ip: ctx.ip,
        verified: verificationId === null,
        tokenVerificationId: verificationId,
      });
      return { session, keyFetch };
    });

    this.deps.logger.info(
      { uid: uid.toString('hex'), sessionVerified: verificationId === null, mustVerify: decision.mustVerify },
      'login',
    );
    if (verificationId === null) await this.announceNewDevice(record, ctx);

    const status = verificationStatus(
      {
        emailVerified: record.account.emailVerified,
        sessionVerified: verificationId === null,
        mustVerify: decision.mustVerify,
      },
      input.verificationMethod,
    );
    return {
      uid,
      sessionToken: issued.session.tokenData,
      ...(password.version === 2
        ? { keyFetchTokenVersion2: issued.keyFetch?.tokenData }
        : { keyFetchToken: issued.keyFetch?.tokenData }),
      authAt: seconds(now),
      metricsEnabled: record.account.metricsOptOutAt === null,
      ...status,
    };
  }

  /** `/session/reauth`: a fresh password check on an existing session, keeping its state. */
  async reauth(session: SessionToken, input: SigninInput, ctx: RequestContext): Promise<ReauthResult> {
    return this.signIn(input, ctx, (record, _unblocked, subject) => this.reauthenticate(session, record, subject, input, ctx));
  }

  private async reauthenticate(
    session: SessionToken,
    record: AccountByEmail,
    subject: Subject,
    input: SigninInput,
    ctx: RequestContext,
  ): Promise<ReauthResult> {
    const { tokens } = this.deps;
    if (!record.account.uid.equals(session.uid)) throw AppError.unknownAccount(input.email);
    this.checkPrimaryAddress(record, input);
    const password = await this.checkPassword(record, input, subject);
    this.checkVerificationMethod(input.verificationMethod);

    const mustVerify = session.mustVerify || input.wantsKeys || input.verificationMethod !== undefined;
    await this.sendConfirmationMail(record, { tokenVerificationId: session.tokenVerificationId, mustVerify }, input, ctx);
    const { authAt, keyFetch } = await this.deps.db.transaction(async () => {
      const authAt = await tokens.markReauthenticated(session, {
        userAgent: parseUserAgent(ctx.userAgent),
        mustVerify,
      });
      const keyFetch = input.wantsKeys
        ? await tokens.createKeyFetchToken(
            session.uid,
            { kA: record.account.kA, wrapKb: password.wrapKb },
            session.tokenVerificationId,
          )
        : undefined;
      return { authAt, keyFetch };
    });

    this.deps.logger.info({ uid: session.uid.toString('hex') }, 'session reauthenticated');

    const status = verificationStatus(
      { emailVerified: record.account.emailVerified, sessionVerified: session.verified, mustVerify },
      input.verificationMethod,
    );
    return {
      uid: session.uid,
      ...(password.version === 2 ? { keyFetchTokenVersion2: keyFetch?.tokenData } : { keyFetchToken: keyFetch?.tokenData }),
      authAt: seconds(authAt),
      metricsEnabled: record.account.metricsOptOutAt === null,
      ...status,
    };
  }
}
