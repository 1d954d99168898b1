// Account rules: sign-up, keys, status and deletion (sign-in lives in signin.ts).

import type { Logger } from 'pino';
import { emailOtp } from '../../crypto/index.js';
import type { Customs } from '../../customs/index.js';
import { isUniqueViolation, type Db } from '../../db/index.js';
import { AppError, ERRNO } from '../../errors.js';
import type { RequestContext } from '../../http/context.js';
import { parseUserAgent } from '../../http/user-agent.js';
import type { AccountMailer } from '../../mail/account-mailer.js';
import { assuranceLevel, availableAuthenticationMethods, type AuthenticationMethod } from '../../protocol/amr.js';
import { normalizeEmail } from '../../protocol/email.js';
import type { MetricsContext } from '../../protocol/metrics-context.js';
import type { PushNotifier } from '../../push/model.js';
import type { VerificationMethod } from '../../protocol/verification.js';
import type { Clock, RandomSource } from '../../runtime.js';
import type { AddressClaims } from '../emails/address-claims.js';
import type { EmailStore } from '../emails/store.js';
import type { SecurityEventInput } from '../security-events/service.js';
import type { SessionToken } from '../session/model.js';
import type { SessionService } from '../session/service.js';
import { hasPassword, type AccountByEmail, type AccountRecord } from './model.js';
import type { PasswordHasher, PasswordInput, StoredCredentials } from './password.js';
import { signupAllowed, type SignupPolicy } from './signup-policy.js';
import type { AccountStore } from './store.js';

export interface CreateAccountInput extends PasswordInput {
  email: string;
  wantsKeys: boolean;
  verificationMethod?: VerificationMethod;
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
  verificationMethod?: VerificationMethod;
}

export interface CredentialsStatus {
  currentVersion: 'v1' | 'v2';
  clientSalt?: string;
  upgradeNeeded: boolean;
}

/** The token work an account does: issuing tokens at sign-up, spending a key-fetch token. */
export type AccountTokens = Pick<SessionService, 'createSession' | 'createKeyFetchToken' | 'consumeKeyFetchToken'>;

export interface AccountEvents {
  record(name: 'account.create', event: SecurityEventInput): Promise<void>;
}

export interface VerificationReminders {
  scheduleVerification(uid: Buffer, signedUpAt: number, flow: MetricsContext | undefined): Promise<void>;
  cancelVerification(uid: Buffer): Promise<void>;
}

export interface AccountDeps {
  db: Db;
  store: AccountStore;
  emails: EmailStore;
  claims: AddressClaims;
  tokens: AccountTokens;
  hasher: PasswordHasher;
  customs: Customs;
  mail: AccountMailer;
  securityEvents: AccountEvents;
  reminders: VerificationReminders;
  /** Tells the account's devices it is gone (read before the deletion takes them). */
  push: Pick<PushNotifier, 'recipients' | 'accountDestroyed'>;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  /** SIGNUP_POLICY: who may sign up through the API (the operator's createByOperator ignores it). */
  signupPolicy: SignupPolicy;
}

/** What the operator's `accounts-server user add` creates: the client-side stretched credentials. */
export interface OperatorAccountInput extends PasswordInput {
  email: string;
  /** The primary address starts verified (no verification mail, no reminders). */
  verified: boolean;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Why an address cannot be signed up with, or nothing when it is free or held unverified. */
function signupRefusal(holder: { isPrimary: boolean; isVerified: boolean; email: string } | undefined): AppError | undefined {
  if (!holder?.isVerified) return undefined;
  return holder.isPrimary ? AppError.accountExists(holder.email) : new AppError(ERRNO.VERIFIED_SECONDARY_EMAIL_ALREADY_EXISTS);
}

/** GET /account/profile's answer (swagger Model13), each field present only when visible. */
export interface AccountProfile {
  email?: string;
  locale?: string;
  authenticationMethods?: AuthenticationMethod[];
  authenticatorAssuranceLevel?: number;
  accountDisabledAt?: number | null;
  accountLockedAt?: number | null;
  profileChangedAt?: number;
  metricsEnabled?: boolean;
}

export class AccountService {
  constructor(private readonly deps: AccountDeps) {}

  // ---- sign-up -------------------------------------------------------------------------------

  /**
   * Checks, then the verification mail, then one transaction that takes the address and
   * stores the account with its tokens. The mail goes first so that a relay failure (151)
   * leaves the database exactly as it was, including whoever held the address unverified.
   */
  async create(input: CreateAccountInput, ctx: RequestContext): Promise<CreateAccountResult> {
    const { emails, claims, hasher, customs } = this.deps;
    const normalizedEmail = normalizeEmail(input.email);
    await customs.check('accountCreate', { ip: ctx.ip, email: normalizedEmail });
    // Errno 207 "Account creation rejected.": what Mozilla answers when it refuses an address
    // at sign-up (a disallowed email domain), so clients already show it as a final refusal
    // of this address rather than a retryable or "sign in instead" case (101).
    if (!signupAllowed(this.deps.signupPolicy, normalizedEmail)) {
      this.deps.logger.info({ policy: this.deps.signupPolicy.mode }, 'sign-up refused by SIGNUP_POLICY');
      throw new AppError(ERRNO.ACCOUNT_CREATION_REJECTED);
    }
    const refusal = signupRefusal(await emails.find(normalizedEmail));
    if (refusal) throw refusal;

    return claims.exclusively(
      normalizedEmail,
      () => AppError.accountExists(input.email),
      async () => {
        const credentials = await hasher.newCredentials(input);
        const record = this.newRecord(input.email, credentials.stored, { verified: false, locale: ctx.acceptLanguage ?? null });
        const { uid, createdAt: now } = record.account;
        await this.sendSignupMail(record, input, ctx);
        const tokens = await this.persist(record, credentials, input.wantsKeys, ctx).catch((err: unknown) => {
          if (isUniqueViolation(err)) throw AppError.accountExists(input.email);
          throw err;
        });
        this.deps.logger.info({ uid: uid.toString('hex'), v2: credentials.wrapKbVersion2 !== undefined }, 'account created');
        return {
          uid,
          sessionToken: tokens.session.tokenData,
          keyFetchToken: tokens.kv1?.tokenData,
          keyFetchTokenVersion2: tokens.kv2?.tokenData,
          authAt: seconds(now),
          verificationMethod: input.verificationMethod,
        };
      },
    );
  }

  /** A new account and its primary address, as sign-up stores them. */
  private newRecord(
    email: string,
    stored: StoredCredentials,
    { verified, locale }: { verified: boolean; locale: string | null },
  ): AccountRecord {
    const { clock, random } = this.deps;
    const now = clock.now();
    const uid = random(16);
    const emailCode = random(16);
    const normalizedEmail = normalizeEmail(email);
    return {
      account: {
        uid,
        email,
        normalizedEmail,
        emailCode,
        emailVerified: verified,
        kA: random(32),
        ...stored,
        verifierSetAt: now,
        createdAt: now,
        locale,
        lockedAt: null,
        profileChangedAt: null,
        keysChangedAt: null,
        metricsOptOutAt: null,
        disabledAt: null,
      },
      primary: {
        normalizedEmail,
        email,
        uid,
        emailCode,
        isVerified: verified,
        isPrimary: true,
        verifiedAt: verified ? now : null,
        createdAt: now,
      },
    };
  }

  /**
   * `accounts-server user add`: the same account sign-up stores, from the same client-side
   * credentials, but without SIGNUP_POLICY, rate limits, mail, session or key-fetch tokens.
   * An unverified one gets its verification code when the user signs in and asks for it.
   */
  async createByOperator(input: OperatorAccountInput): Promise<{ uid: Buffer; createdAt: number }> {
    const { db, store, emails, claims, hasher, reminders } = this.deps;
    const normalizedEmail = normalizeEmail(input.email);
    const refusal = signupRefusal(await emails.find(normalizedEmail));
    if (refusal) throw refusal;
    return claims.exclusively(
      normalizedEmail,
      () => AppError.accountExists(input.email),
      async () => {
        const credentials = await hasher.newCredentials(input);
        const record = this.newRecord(input.email, credentials.stored, { verified: input.verified, locale: null });
        const { uid, createdAt } = record.account;
        await db
          .transaction(async () => {
            const holder = await emails.find(normalizedEmail);
            const again = signupRefusal(holder);
            if (again) throw again;
            if (holder) await claims.release(holder);
            await store.insert(record);
            // No account.create security event: it would vouch for an IP the user never used
            // (a confirmed presence skips sign-in confirmation from there).
            if (!input.verified) await reminders.scheduleVerification(uid, createdAt, undefined);
          })
          .catch((err: unknown) => {
            if (isUniqueViolation(err)) throw AppError.accountExists(input.email);
            throw err;
          });
        this.deps.logger.info({ uid: uid.toString('hex'), verified: input.verified, by: 'operator' }, 'account created');
        return { uid, createdAt };
      },
    );
  }

  private persist(
    record: AccountRecord,
    credentials: { wrapKb: Buffer; wrapKbVersion2?: Buffer },
    wantsKeys: boolean,
    ctx: RequestContext,
  ) {
    const { db, store, emails, claims, tokens, reminders, securityEvents } = this.deps;
    const { uid, emailCode, kA, createdAt } = record.account;
    return db.transaction(async () => {
      const holder = await emails.find(record.account.normalizedEmail);
      const refusal = signupRefusal(holder);
      if (refusal) throw refusal;
      if (holder) await claims.release(holder);
      await store.insert(record);
      await reminders.scheduleVerification(uid, createdAt, ctx.metricsContext);
      await securityEvents.record('account.create', { uid, ip: ctx.ip, verified: false, tokenVerificationId: emailCode });
      // The sign-up session waits on the account's emailCode, so the emailed link confirms both.
      const session = await tokens.createSession({
        uid,
        verificationId: emailCode,
        mustVerify: wantsKeys,
        userAgent: parseUserAgent(ctx.userAgent),
      });
      if (!wantsKeys) return { session };
      const kv1 = await tokens.createKeyFetchToken(uid, { kA, wrapKb: credentials.wrapKb }, emailCode);
      const kv2 = credentials.wrapKbVersion2
        ? await tokens.createKeyFetchToken(uid, { kA, wrapKb: credentials.wrapKbVersion2 }, emailCode)
        : undefined;
      return { session, kv1, kv2 };
    });
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

  /** The kA‖wrapKb bundle of a confirmed key-fetch token (the route checks that); spends the token. */
  async fetchKeys(token: { id: Buffer; keyBundle: Buffer }): Promise<Buffer> {
    await this.deps.tokens.consumeKeyFetchToken(token.id);
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
    const normalizedEmail = normalizeEmail(email);
    await this.deps.customs.check('accountStatusCheck', { ip: ctx.ip, email: normalizedEmail });
    const record = await this.deps.store.findByEmail(normalizedEmail);
    if (!record) return { exists: false };
    if (!thirdPartyAuthStatus) return { exists: true };
    return { exists: true, hasLinkedAccount: false, hasPassword: hasPassword(record.account) };
  }

  async credentialsStatus(email: string, ctx: RequestContext): Promise<CredentialsStatus> {
    const normalizedEmail = normalizeEmail(email);
    await this.deps.customs.check('getCredentialsStatus', { ip: ctx.ip, email: normalizedEmail });
    const record = await this.deps.store.findByEmail(normalizedEmail);
    if (!record) throw AppError.unknownAccount(email);
    const { account } = record;
    if (account.disabledAt !== null || !hasPassword(account)) throw new AppError(ERRNO.LOGIN_WITH_INVALID_EMAIL);
    return {
      currentVersion: account.clientSalt ? 'v2' : 'v1',
      ...(account.clientSalt ? { clientSalt: account.clientSalt } : {}),
      upgradeNeeded: account.wrapWrapKbVersion2 === null,
    };
  }

  async describe(session: SessionToken) {
    const record = await this.get(session.uid);
    // GET /account lists addresses in the order they were added.
    const emails = (await this.deps.emails.list(session.uid)).sort((a, b) => a.createdAt - b.createdAt);
    return {
      createdAt: record.account.createdAt,
      passwordCreatedAt: record.account.verifierSetAt,
      hasPassword: hasPassword(record.account),
      metricsOptOutAt: record.account.metricsOptOutAt,
      emails: emails.map((e) => ({ email: e.email, isPrimary: e.isPrimary, verified: e.isVerified })),
    };
  }

  /**
   * GET /account/profile: each field the caller may see, by the `profile:*` scope FxA puts it
   * behind (a session sees them all). Nothing visible: `{}`, without even the change time.
   */
  async profile(uid: Buffer, allows: (scope: string) => boolean): Promise<AccountProfile> {
    const { account, primary } = await this.get(uid);
    const profile: AccountProfile = {};
    if (allows('profile:email')) profile.email = primary.email;
    if (allows('profile:locale') && account.locale) profile.locale = account.locale;
    if (allows('profile:amr')) {
      // No two-step authentication yet: no account has a second factor.
      const methods = availableAuthenticationMethods({ secondFactorEnabled: false });
      profile.authenticationMethods = methods;
      profile.authenticatorAssuranceLevel = assuranceLevel(methods);
    }
    if (allows('profile:account_disabled_at')) profile.accountDisabledAt = account.disabledAt;
    if (allows('profile:account_locked_at')) profile.accountLockedAt = account.lockedAt;
    if (Object.keys(profile).length === 0) return profile;
    return {
      ...profile,
      profileChangedAt: account.profileChangedAt ?? account.verifierSetAt,
      metricsEnabled: account.metricsOptOutAt === null,
    };
  }

  /** The profile changed (display name…): relying parties see a new `profileChangedAt` and refetch. */
  async markProfileChanged(uid: Buffer): Promise<void> {
    await this.deps.store.setProfileChangedAt(uid, this.deps.clock.now());
  }

  // ---- deletion --------------------------------------------------------------------------------

  /**
   * `/account/destroy`: the password proves it is the owner; a session, when sent, must be
   * of this account (the route checks its assurance level). An account without a password
   * has nothing else to prove ownership with, so it needs its session.
   */
  async destroy(session: SessionToken | null, email: string, authPW: Buffer, ctx: RequestContext): Promise<void> {
    const { customs, store } = this.deps;
    const normalizedEmail = normalizeEmail(email);
    const record = await store.findByEmail(normalizedEmail);
    // The password budget is the account's, shared with sign-in.
    const subject = { ip: ctx.ip, email: normalizedEmail, uid: record?.account.uid.toString('hex') };
    await customs.check('accountDestroy', subject);
    if (!record || (session && !session.uid.equals(record.account.uid))) {
      await customs.recordFailure('passwordCheckFailed', subject);
      throw AppError.unknownAccount(email);
    }
    if (hasPassword(record.account)) {
      await this.deps.hasher.verify(record.account, authPW, email, () => customs.recordFailure('passwordCheckFailed', subject));
    } else if (!session) {
      throw AppError.invalidToken('Deleting an account without a password needs its session token');
    }
    const devices = await this.deps.push.recipients(record.account.uid);
    await store.delete(record.account.uid);
    this.deps.logger.info({ uid: record.account.uid.toString('hex') }, 'account deleted');
    await this.deps.push.accountDestroyed(devices);
  }

  /** `accounts-server user delete`: no password to prove; the account's devices are told it is gone. */
  async destroyByOperator(uid: Buffer): Promise<void> {
    const devices = await this.deps.push.recipients(uid);
    await this.deps.store.delete(uid);
    this.deps.logger.info({ uid: uid.toString('hex'), by: 'operator' }, 'account deleted');
    await this.deps.push.accountDestroyed(devices);
  }

  /** `accounts-server user list`: every account, oldest first. */
  listAll() {
    return this.deps.store.listAll();
  }

  // ---- used by other features ------------------------------------------------------------------

  async findByEmail(email: string): Promise<AccountByEmail | undefined> {
    return this.deps.store.findByEmail(normalizeEmail(email));
  }

  /** The account behind a uid the caller holds (a session's, a link's); 102 when it is gone. */
  async get(uid: Buffer): Promise<AccountRecord> {
    const record = await this.deps.store.findByUid(uid);
    if (!record) throw AppError.unknownAccount();
    return record;
  }

  async ownsAddress(uid: Buffer, email: string): Promise<boolean> {
    const address = await this.deps.emails.find(normalizeEmail(email));
    return address !== undefined && address.uid.equals(uid);
  }

  /** Marks the account's primary address verified (no more reminders); true when this call did. */
  async markVerified(uid: Buffer): Promise<boolean> {
    return this.deps.db.transaction(async () => {
      const verified = await this.deps.store.markVerified(uid, this.deps.clock.now());
      if (verified) await this.deps.reminders.cancelVerification(uid);
      return verified;
    });
  }
}
