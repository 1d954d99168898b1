// Session and key-fetch tokens: issuing them, finding them for the auth schemes,
// confirming them, and their lifetime (PROTOCOL §3).

import { ACCOUNT_KEYS_INFO, BEARER_PREFIXES, bundle, deriveToken, TOKEN_DATA_LENGTH } from '../../crypto/index.js';
import { AppError } from '../../errors.js';
import type { ResolvedToken } from '../../http/auth.js';
import type { NamedStrategy } from '../../http/route.js';
import type { Clock, RandomSource } from '../../runtime.js';
import type { SecurityEventService } from '../security-events/service.js';
import type { Executor, KeyFetchWithAccountRow, SessionStore, SessionWithAccountRow, VerifiedMark } from './store.js';
import type { UserAgentFields } from './user-agent.js';

/** `verificationMethod` column values (PROTOCOL §3.2). */
export const VERIFICATION_METHOD = {
  email: 0,
  'email-2fa': 1,
  'totp-2fa': 2,
  'recovery-code': 3,
  'sms-2fa': 4,
} as const;
export type VerificationMethodName = keyof typeof VERIFICATION_METHOD;

/** A session token as the routes see it, with the account facts it was looked up with. */
export interface SessionToken {
  id: Buffer;
  uid: Buffer;
  createdAt: number;
  authAt: number;
  lastAccessTime: number;
  /** Set while the session waits for confirmation. */
  tokenVerificationId: Buffer | null;
  verified: boolean;
  mustVerify: boolean;
  verificationMethod: number | null;
  verifiedAt: number | null;
  userAgent: UserAgentFields;
  /** The current primary address. */
  email: string;
  emailVerified: boolean;
  accountCreatedAt: number;
  verifierSetAt: number;
  locale: string | null;
  metricsOptOutAt: number | null;
}

export interface KeyFetchToken {
  id: Buffer;
  uid: Buffer;
  keyBundle: Buffer;
  /** Both the account's email and the session the token came with are confirmed. */
  verified: boolean;
}

export interface NewSession {
  uid: Buffer;
  verificationId: Buffer | null;
  mustVerify: boolean;
  userAgent: UserAgentFields;
  /** Copied when duplicating; otherwise now. */
  createdAt?: number;
  authAt?: number;
  verificationMethod?: number | null;
  verifiedAt?: number | null;
}

export interface IssuedToken {
  /** The client's secret (hex goes on the wire). */
  tokenData: Buffer;
  tokenId: Buffer;
}

function toSessionToken(tokenId: Buffer, row: SessionWithAccountRow): SessionToken {
  return {
    id: tokenId,
    uid: row.uid,
    createdAt: row.createdAt,
    authAt: row.authAt,
    lastAccessTime: row.lastAccessTime,
    tokenVerificationId: row.tokenVerificationId,
    verified: row.tokenVerificationId === null,
    mustVerify: row.mustVerify === 1,
    verificationMethod: row.verificationMethod,
    verifiedAt: row.verifiedAt,
    userAgent: {
      uaBrowser: row.uaBrowser,
      uaBrowserVersion: row.uaBrowserVersion,
      uaOS: row.uaOS,
      uaOSVersion: row.uaOSVersion,
      uaDeviceType: row.uaDeviceType,
      uaFormFactor: row.uaFormFactor,
    },
    email: row.email,
    emailVerified: row.emailVerified === 1,
    accountCreatedAt: row.accountCreatedAt,
    verifierSetAt: row.verifierSetAt,
    locale: row.locale,
    metricsOptOutAt: row.metricsOptOutAt,
  };
}

function toKeyFetchToken(row: KeyFetchWithAccountRow): KeyFetchToken {
  return {
    id: row.tokenId,
    uid: row.uid,
    keyBundle: row.keyBundle,
    verified: row.emailVerified === 1 && row.tokenVerificationId === null,
  };
}

const AUTH_KEY_CACHE_SIZE = 10_000;

export class SessionService {
  private readonly authKeys = new Map<string, Buffer>();
  readonly sessionStrategy: NamedStrategy<SessionToken>;
  readonly keyFetchStrategy: NamedStrategy<KeyFetchToken>;

  constructor(
    private readonly store: SessionStore,
    private readonly securityEvents: SecurityEventService,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly sessionLifetimeMs: number,
  ) {
    this.sessionStrategy = {
      name: 'sessionToken',
      bearerPrefixes: [BEARER_PREFIXES.sessionToken],
      lookup: (tokenId) => this.findSession(tokenId),
    };
    this.keyFetchStrategy = {
      name: 'keyFetchToken',
      // Current clients name the verification-status flavour of the strategy `fxkv`.
      bearerPrefixes: [BEARER_PREFIXES.keyFetchToken, 'fxkv'],
      lookup: async (tokenId) => {
        const row = await this.store.findKeyFetch(tokenId);
        return row ? { authKey: row.authKey, token: toKeyFetchToken(row) } : null;
      },
    };
  }

  private async findSession(tokenId: Buffer): Promise<ResolvedToken<SessionToken> | null> {
    const row = await this.store.findSession(tokenId);
    if (!row) return null;
    // Devices (which make sessions live forever) come later; until then every session expires.
    if (this.clock.now() - row.createdAt > this.sessionLifetimeMs) {
      await this.store.deleteSession(tokenId);
      throw AppError.invalidToken('The authentication token has expired');
    }
    return { authKey: this.sessionAuthKey(tokenId, row.tokenData), token: toSessionToken(tokenId, row) };
  }

  /** HKDF per request is measurable; a token's key never changes, so derived keys are memoized. */
  private sessionAuthKey(tokenId: Buffer, tokenData: Buffer): Buffer {
    const cacheKey = tokenId.toString('latin1');
    let authKey = this.authKeys.get(cacheKey);
    if (!authKey) {
      if (this.authKeys.size >= AUTH_KEY_CACHE_SIZE) this.authKeys.clear();
      authKey = deriveToken('sessionToken', tokenData).authKey;
      this.authKeys.set(cacheKey, authKey);
    }
    return authKey;
  }

  async createSession(exec: Executor, session: NewSession): Promise<IssuedToken> {
    const now = this.clock.now();
    const tokenData = this.random(TOKEN_DATA_LENGTH);
    const { tokenId } = deriveToken('sessionToken', tokenData);
    await this.store.insertSession(
      {
      tokenId,
      tokenData,
      uid: session.uid,
      createdAt: session.createdAt ?? now,
      lastAccessTime: now,
      authAt: session.authAt ?? now,
      ...session.userAgent,
      tokenVerificationId: session.verificationId,
      mustVerify: session.mustVerify ? 1 : 0,
      verificationMethod: session.verificationMethod ?? null,
      verifiedAt: session.verifiedAt ?? null,
      },
      exec,
    );
    return { tokenData, tokenId };
  }

  /** A key-fetch token carrying kA‖wrapKb, locked until `verificationId` is confirmed. */
  async createKeyFetchToken(
    exec: Executor,
    uid: Buffer,
    keys: { kA: Buffer; wrapKb: Buffer },
    verificationId: Buffer | null,
  ): Promise<IssuedToken> {
    const tokenData = this.random(TOKEN_DATA_LENGTH);
    const { tokenId, authKey, bundleKey } = deriveToken('keyFetchToken', tokenData);
    await this.store.insertKeyFetch(
      {
      tokenId,
      authKey,
      uid,
      keyBundle: bundle(bundleKey, ACCOUNT_KEYS_INFO, Buffer.concat([keys.kA, keys.wrapKb])),
      createdAt: this.clock.now(),
      tokenVerificationId: verificationId,
      },
      exec,
    );
    return { tokenData, tokenId };
  }

  /** Confirms the tokens waiting on a link code; returns how many there were. */
  async verifyByCode(exec: Executor, uid: Buffer, code: Buffer): Promise<number> {
    const confirmed = await this.store.verifyByVerificationId(
      uid,
      code,
      { verificationMethod: null, verifiedAt: this.clock.now() },
      exec,
    );
    await this.securityEvents.sessionConfirmed(uid, code, exec);
    return confirmed;
  }

  /** Confirms one session (and the key-fetch tokens issued with it) by a method such as email-2fa. */
  async verifySession(exec: Executor, session: SessionToken, method: VerificationMethodName): Promise<void> {
    if (!session.tokenVerificationId) return; // already confirmed: never downgrade its method
    const mark: VerifiedMark = { verificationMethod: VERIFICATION_METHOD[method], verifiedAt: this.clock.now() };
    await this.store.verifyByVerificationId(session.uid, session.tokenVerificationId, mark, exec);
    await this.securityEvents.sessionConfirmed(session.uid, session.tokenVerificationId, exec);
  }

  async destroySession(exec: Executor, tokenId: Buffer): Promise<void> {
    await this.store.deleteSession(tokenId, exec);
  }

  /** Destroys another session of the same account by its tokenId (`customSessionToken`). */
  async destroyOwnedSession(exec: Executor, uid: Buffer, tokenId: Buffer): Promise<void> {
    const target = await this.store.findSessionRow(tokenId, exec);
    if (!target) throw AppError.invalidToken('The authentication token could not be found');
    if (!target.uid.equals(uid)) throw AppError.invalidToken('Invalid session token');
    await this.store.deleteSession(tokenId, exec);
  }

  /** A new token with the same state; a pending confirmation gets its own code. */
  async duplicateSession(exec: Executor, session: SessionToken, userAgent: UserAgentFields): Promise<IssuedToken> {
    return this.createSession(exec, {
      uid: session.uid,
      verificationId: session.verified ? null : this.random(16),
      mustVerify: session.mustVerify,
      userAgent,
      createdAt: session.createdAt,
      authAt: session.authAt,
      verificationMethod: session.verificationMethod,
      verifiedAt: session.verifiedAt,
    });
  }

  async markReauthenticated(
    exec: Executor,
    session: SessionToken,
    changes: { userAgent: UserAgentFields; mustVerify: boolean },
  ): Promise<number> {
    const now = this.clock.now();
    await this.store.updateSession(
      session.id,
      { authAt: now, lastAccessTime: now, ...changes.userAgent, mustVerify: changes.mustVerify ? 1 : 0 },
      exec,
    );
    return now;
  }

  async consumeKeyFetchToken(exec: Executor, tokenId: Buffer): Promise<void> {
    await this.store.deleteKeyFetch(tokenId, exec);
  }
}
