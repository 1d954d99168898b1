// Account rules: sign-up, keys, status and deletion (sign-in lives in signin.ts).

import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { emailOtp } from '../../crypto/index.js';
import type { Customs } from '../../customs/index.js';
import { isUniqueViolation, type Db } from '../../db/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock, RandomSource } from '../../runtime.js';
import type { ReminderService } from '../reminders/service.js';
import type { SecurityEventService } from '../security-events/service.js';
import type { KeyFetchToken, SessionService, SessionToken } from '../session/service.js';
import type { UnblockCodes } from '../unblock/service.js';
import type { Executor } from '../session/store.js';
import { parseUserAgent } from '../session/user-agent.js';
import type { AccountMailer } from './mail.js';
import type { PasswordHasher, PasswordInput } from './password.js';
import type { RequestedMethod } from './signin-policy.js';
import type { AccountByEmail, AccountRecord, AccountStore } from './store.js';

export interface CreateAccountInput extends PasswordInput {
  email: string;
  wantsKeys: boolean;
  verificationMethod?: RequestedMethod;
  redirectTo?: string;
  resume?: string;
  style?: string;
}

export interface CreateAccountResult {
  uid: Buffer;
  sessionToken: Buffer;
  keyFetchToken?: Buffer;
  keyFetchTokenVersion2?: Buffer;
  authAt: number;
  verificationMethod?: RequestedMethod;
}

export interface CredentialsStatus {
  currentVersion: 'v1' | 'v2';
  clientSalt?: string;
  upgradeNeeded: boolean;
}

export interface AccountDeps {
  db: Db;
  store: AccountStore;
  sessions: SessionService;
  hasher: PasswordHasher;
  customs: Customs;
  mail: AccountMailer;
  clock: Clock;
  random: RandomSource;
  config: Config;
  logger: Logger;
  securityEvents: SecurityEventService;
  unblockCodes: UnblockCodes;
  reminders: ReminderService;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

export class AccountService {
  constructor(private readonly deps: AccountDeps) {}

  private transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T> {
    return this.deps.db.kysely.transaction().execute(work);
  }

  // ---- sign-up -------------------------------------------------------------------------------

  /**
   * An address can be reused when it belongs to nobody, to an unverified account (which is
   * deleted), or is an unverified secondary address of someone else (which is released).
   */
  private async releaseAddress(normalizedEmail: string, exec: Executor): Promise<void> {
    const existing = await this.deps.store.emails.find(normalizedEmail, exec);
    if (!existing) return;
    if (existing.isPrimary === 1) {
      if (existing.isVerified === 1) throw AppError.accountExists(existing.email);
      await this.deps.store.delete(existing.uid, exec);
    } else {
      if (existing.isVerified === 1) throw new AppError(ERRNO.VERIFIED_SECONDARY_EMAIL_ALREADY_EXISTS);
      await this.deps.store.emails.delete(existing.uid, normalizedEmail, exec);
    }
  }

  async create(input: CreateAccountInput, ctx: RequestContext): Promise<CreateAccountResult> {
    const { store, sessions, hasher, customs, clock, random } = this.deps;
    const normalizedEmail = input.email.toLowerCase();
    await customs.check('accountCreate', { ip: ctx.ip, email: normalizedEmail });
    // Fail fast before spending two scrypt runs; checked again inside the transaction.
    const existing = await store.emails.find(normalizedEmail);
    if (existing?.isVerified === 1) {
      throw existing.isPrimary === 1
        ? AppError.accountExists(existing.email)
        : new AppError(ERRNO.VERIFIED_SECONDARY_EMAIL_ALREADY_EXISTS);
    }

    const credentials = await hasher.newCredentials(input);
    const now = clock.now();
    const uid = random(16);
    const emailCode = random(16);
    const kA = random(32);
    const record: AccountRecord = {
      account: {
        uid,
        email: input.email,
        normalizedEmail,
        emailCode,
        emailVerified: 0,
        kA,
        ...credentials.stored,
        verifierSetAt: now,
        createdAt: now,
        locale: ctx.acceptLanguage ?? null,
        lockedAt: null,
        profileChangedAt: null,
        keysChangedAt: null,
        metricsOptOutAt: null,
        disabledAt: null,
      },
      primary: {
        normalizedEmail,
        email: input.email,
        uid,
        emailCode,
        isVerified: 0,
        isPrimary: 1,
        verifiedAt: null,
        createdAt: now,
      },
    };

    const tokens = await this.transaction(async (trx) => {
      await this.releaseAddress(normalizedEmail, trx);
      await store.insert(record.account, record.primary, trx);
      await this.deps.reminders.scheduleVerification(uid, now, ctx.metricsContext, trx);
      await this.deps.securityEvents.record(
        'account.create',
        { uid, ip: ctx.ip, verified: false, tokenVerificationId: emailCode },
        trx,
      );
      // The sign-up session waits on the account's emailCode, so the emailed link confirms both.
      const session = await sessions.createSession(trx, {
        uid,
        verificationId: emailCode,
        mustVerify: input.wantsKeys,
        userAgent: parseUserAgent(ctx.userAgent),
      });
      if (!input.wantsKeys) return { session };
      const kv1 = await sessions.createKeyFetchToken(trx, uid, { kA, wrapKb: credentials.wrapKb }, emailCode);
      const kv2 = credentials.wrapKbVersion2
        ? await sessions.createKeyFetchToken(trx, uid, { kA, wrapKb: credentials.wrapKbVersion2 }, emailCode)
        : undefined;
      return { session, kv1, kv2 };
    }).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw AppError.accountExists(input.email);
      throw err;
    });

    this.deps.logger.info({ uid: uid.toString('hex'), v2: credentials.wrapKbVersion2 !== undefined }, 'account created');
    try {
      await this.sendSignupMail(record, input, ctx);
    } catch (err) {
      // Without its verification mail nobody could use the account: undo it (errno 151),
      // so signing up again once mail works starts cleanly.
      await this.transaction((trx) => store.delete(uid, trx));
      throw err;
    }

    return {
      uid,
      sessionToken: tokens.session.tokenData,
      keyFetchToken: tokens.kv1?.tokenData,
      keyFetchTokenVersion2: tokens.kv2?.tokenData,
      authAt: seconds(now),
      verificationMethod: input.verificationMethod,
    };
  }

  private sendSignupMail(record: AccountRecord, input: CreateAccountInput, ctx: RequestContext): Promise<void> {
    const { emailCode } = record.account;
    if (input.verificationMethod === 'email-otp') {
      return this.deps.mail.send('verifyShortCode', record, ctx, { code: emailOtp(emailCode, this.deps.clock.now()) });
    }
    return this.deps.mail.send('verify', record, ctx, {
      code: emailCode.toString('hex'),
      redirectTo: input.redirectTo,
      resume: input.resume,
      style: input.style,
    });
  }

  // ---- keys and status -------------------------------------------------------------------------

  /** The kA‖wrapKb bundle; the token is spent only when it is handed out. */
  async fetchKeys(token: KeyFetchToken): Promise<Buffer> {
    if (!token.verified) throw new AppError(ERRNO.UNVERIFIED_ACCOUNT);
    await this.transaction((trx) => this.deps.sessions.consumeKeyFetchToken(trx, token.id));
    return token.keyBundle;
  }

  async existsByUid(uid: Buffer): Promise<boolean> {
    return this.deps.store.exists(uid);
  }

  async statusByEmail(
    email: string,
    thirdPartyAuthStatus: boolean,
    ctx: RequestContext,
  ): Promise<{ exists: boolean; hasLinkedAccount?: boolean; hasPassword?: boolean }> {
    const normalizedEmail = email.toLowerCase();
    await this.deps.customs.check('accountStatusCheck', { ip: ctx.ip, email: normalizedEmail });
    const record = await this.deps.store.findByEmail(normalizedEmail);
    if (!record) return { exists: false };
    if (!thirdPartyAuthStatus) return { exists: true };
    return { exists: true, hasLinkedAccount: false, hasPassword: record.account.verifierSetAt > 0 };
  }

  async credentialsStatus(email: string, ctx: RequestContext): Promise<CredentialsStatus> {
    const normalizedEmail = email.toLowerCase();
    await this.deps.customs.check('getCredentialsStatus', { ip: ctx.ip, email: normalizedEmail });
    const record = await this.deps.store.findByEmail(normalizedEmail);
    if (!record) throw AppError.unknownAccount(email);
    const { account } = record;
    if (account.disabledAt !== null || account.verifierSetAt <= 0) throw new AppError(ERRNO.LOGIN_WITH_INVALID_EMAIL);
    return {
      currentVersion: account.clientSalt ? 'v2' : 'v1',
      ...(account.clientSalt ? { clientSalt: account.clientSalt } : {}),
      upgradeNeeded: account.wrapWrapKbVersion2 === null,
    };
  }

  async describe(session: SessionToken) {
    const record = await this.get(session.uid);
    // GET /account lists addresses in the order they were added.
    const emails = (await this.deps.store.emails.list(session.uid)).sort((a, b) => a.createdAt - b.createdAt);
    return {
      createdAt: record.account.createdAt,
      passwordCreatedAt: record.account.verifierSetAt,
      hasPassword: record.account.verifierSetAt > 0,
      metricsOptOutAt: record.account.metricsOptOutAt,
      emails: emails.map((e) => ({ email: e.email, isPrimary: e.isPrimary === 1, verified: e.isVerified === 1 })),
    };
  }

  // ---- deletion --------------------------------------------------------------------------------

  async destroy(session: SessionToken | null, email: string, authPW: Buffer, ctx: RequestContext): Promise<void> {
    const { customs, store } = this.deps;
    const normalizedEmail = email.toLowerCase();
    const subject = { ip: ctx.ip, email: normalizedEmail };
    await customs.check('accountDestroy', subject);
    const record = await store.findByEmail(normalizedEmail);
    if (!record || (session && !session.uid.equals(record.account.uid))) {
      await customs.recordFailure('accountDestroy', subject);
      throw AppError.unknownAccount(email);
    }
    if (session && !session.verified) throw new AppError(ERRNO.SESSION_UNVERIFIED);
    if (record.account.verifierSetAt > 0) {
      await this.deps.hasher.verify(record.account, authPW, email, () => customs.recordFailure('accountDestroy', subject));
    }
    await this.transaction((trx) => store.delete(record.account.uid, trx));
    this.deps.logger.info({ uid: record.account.uid.toString('hex') }, 'account deleted');
  }

  // ---- used by the emails feature --------------------------------------------------------------

  async findByEmail(email: string): Promise<AccountByEmail | undefined> {
    return this.deps.store.findByEmail(email.toLowerCase());
  }

  async findByUid(uid: Buffer): Promise<AccountRecord | undefined> {
    return this.deps.store.findByUid(uid);
  }

  /** The account behind a uid the caller holds (a session's, a link's); 102 when it is gone. */
  async get(uid: Buffer): Promise<AccountRecord> {
    const record = await this.deps.store.findByUid(uid);
    if (!record) throw AppError.unknownAccount();
    return record;
  }

  async ownsAddress(uid: Buffer, email: string): Promise<boolean> {
    const row = await this.deps.store.emails.find(email.toLowerCase());
    return row !== undefined && row.uid.equals(uid);
  }

  /** Frees an address held by an account that never verified it (someone else may claim it). */
  async deleteUnverified(uid: Buffer, exec: Executor): Promise<void> {
    const record = await this.deps.store.findByUid(uid, exec);
    if (record && record.account.emailVerified === 0) await this.deps.store.delete(uid, exec);
  }

  /** Marks the account's primary address verified (no more reminders); true when this call did. */
  async markVerified(uid: Buffer, exec: Executor): Promise<boolean> {
    const verified = await this.deps.store.markVerified(uid, this.deps.clock.now(), exec);
    if (verified) await this.deps.reminders.cancelVerification(uid, exec);
    return verified;
  }

}
