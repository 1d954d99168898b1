// Session and key-fetch tokens: issuing them, finding them for the auth schemes,
// confirming them, and their lifetime (docs/protocol.md §3).

import { ACCOUNT_KEYS_INFO, BEARER_PREFIXES, bundle, deriveToken, TOKEN_DATA_LENGTH } from '../../crypto/index.js';
import type { Db } from '../../db/index.js';
import { flag } from '../../db/schema.js';
import { AppError, ERRNO } from '../../errors.js';
import type { AuthStrategy, ResolvedToken } from '../../http/auth.js';
import type { UserAgentFields } from '../../http/user-agent.js';
import { SESSION_VERIFICATION_METHOD, type SessionVerificationMethod } from '../../protocol/verification.js';
import type { Clock, RandomSource } from '../../runtime.js';
import type { AccountSession, KeyFetchToken, SessionToken } from './model.js';
import type { SessionStore, VerifiedMark } from './store.js';

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

/** What confirming a session records in the account's security history. */
export interface SessionConfirmations {
  sessionConfirmed(uid: Buffer, tokenVerificationId: Buffer): Promise<void>;
}

export interface SessionDeps {
  db: Db;
  store: SessionStore;
  securityEvents: SessionConfirmations;
  clock: Clock;
  random: RandomSource;
  sessionLifetimeMs: number;
}

const AUTH_KEY_CACHE_SIZE = 10_000;

/** How many sessions account-wide lists show (FxA: "a maximum 500 last used devices and sessions"). */
export const ACCOUNT_SESSION_LIST_LIMIT = 500;

/** Until two-step authentication exists every session is at level 1, and so is every account's requirement. */
const ASSURANCE = { assuranceLevel: 1, requiredAssuranceLevel: 1 } as const;

export class SessionService {
  private readonly authKeys = new Map<string, Buffer>();
  readonly sessionStrategy: AuthStrategy<SessionToken>;
  readonly keyFetchStrategy: AuthStrategy<KeyFetchToken>;

  constructor(private readonly deps: SessionDeps) {
    this.sessionStrategy = {
      name: 'sessionToken',
      bearerPrefixes: [BEARER_PREFIXES.sessionToken],
      lookup: (tokenId) => this.findSession(tokenId),
      state: (session) => ({ emailVerified: session.emailVerified, tokenVerified: session.verified, ...ASSURANCE }),
      unconfirmedErrno: ERRNO.SESSION_UNVERIFIED,
    };
    this.keyFetchStrategy = {
      name: 'keyFetchToken',
      // Current clients name the verification-status flavour of the strategy `fxkv`.
      bearerPrefixes: [BEARER_PREFIXES.keyFetchToken, 'fxkv'],
      lookup: async (tokenId) => (await this.deps.store.findKeyFetch(tokenId)) ?? null,
      state: (token) => ({ emailVerified: token.emailVerified, tokenVerified: token.tokenVerified, ...ASSURANCE }),
      // FxA answers "unverified account" for keys locked behind an unconfirmed sign-in too.
      unconfirmedErrno: ERRNO.UNVERIFIED_ACCOUNT,
    };
  }

  private async findSession(tokenId: Buffer): Promise<ResolvedToken<SessionToken> | null> {
    const found = await this.deps.store.findSession(tokenId);
    if (!found) return null;
    // A session with a device lives until it is signed out (FxA): Firefox keeps its session for years.
    if (!found.session.deviceId && this.deps.clock.now() - found.session.createdAt > this.deps.sessionLifetimeMs) {
      await this.deps.store.deleteSession(tokenId);
      throw AppError.invalidToken('The authentication token has expired');
    }
    return { authKey: this.sessionAuthKey(tokenId, found.tokenData), token: found.session };
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

  async createSession(session: NewSession): Promise<IssuedToken> {
    const now = this.deps.clock.now();
    const tokenData = this.deps.random(TOKEN_DATA_LENGTH);
    const { tokenId } = deriveToken('sessionToken', tokenData);
    await this.deps.store.insertSession({
      tokenId,
      tokenData,
      uid: session.uid,
      createdAt: session.createdAt ?? now,
      lastAccessTime: now,
      authAt: session.authAt ?? now,
      ...session.userAgent,
      tokenVerificationId: session.verificationId,
      mustVerify: flag(session.mustVerify),
      verificationMethod: session.verificationMethod ?? null,
      verifiedAt: session.verifiedAt ?? null,
    });
    return { tokenData, tokenId };
  }

  /** A key-fetch token carrying kA‖wrapKb, locked until `verificationId` is confirmed. */
  async createKeyFetchToken(uid: Buffer, keys: { kA: Buffer; wrapKb: Buffer }, verificationId: Buffer | null): Promise<IssuedToken> {
    const tokenData = this.deps.random(TOKEN_DATA_LENGTH);
    const { tokenId, authKey, bundleKey } = deriveToken('keyFetchToken', tokenData);
    await this.deps.store.insertKeyFetch({
      tokenId,
      authKey,
      uid,
      keyBundle: bundle(bundleKey, ACCOUNT_KEYS_INFO, Buffer.concat([keys.kA, keys.wrapKb])),
      createdAt: this.deps.clock.now(),
      tokenVerificationId: verificationId,
    });
    return { tokenData, tokenId };
  }

  /** Confirms the tokens waiting on a link code; returns how many there were. */
  async verifyByCode(uid: Buffer, code: Buffer): Promise<number> {
    return this.confirm(uid, code, { verificationMethod: null, verifiedAt: this.deps.clock.now() });
  }

  /** Confirms one session (and the key-fetch tokens issued with it) by a method such as email-2fa. */
  async verifySession(session: SessionToken, method: SessionVerificationMethod): Promise<void> {
    if (!session.tokenVerificationId) return; // already confirmed: never downgrade its method
    await this.confirm(session.uid, session.tokenVerificationId, {
      verificationMethod: SESSION_VERIFICATION_METHOD[method],
      verifiedAt: this.deps.clock.now(),
    });
  }

  /** The user agent of the sign-in of `uid` waiting on `verificationId` (one another device may approve), if any. */
  async findPending(uid: Buffer, verificationId: Buffer): Promise<UserAgentFields | undefined> {
    return this.deps.store.findPendingSession(uid, verificationId);
  }

  /**
   * Confirms the sign-in waiting on `verificationId` from another session of the account
   * (`/session/verify/verify_push`), as `verifySession` confirms the caller's own.
   */
  async verifyPending(uid: Buffer, verificationId: Buffer, method: SessionVerificationMethod): Promise<void> {
    await this.confirm(uid, verificationId, {
      verificationMethod: SESSION_VERIFICATION_METHOD[method],
      verifiedAt: this.deps.clock.now(),
    });
  }

  private confirm(uid: Buffer, verificationId: Buffer, mark: VerifiedMark): Promise<number> {
    return this.deps.db.transaction(async () => {
      const confirmed = await this.deps.store.verifyByVerificationId(uid, verificationId, mark);
      await this.deps.securityEvents.sessionConfirmed(uid, verificationId);
      return confirmed;
    });
  }

  /** `/session/destroy`: this session, or another of the same account by its tokenId (`customSessionToken`). */
  async destroy(session: SessionToken, otherTokenId?: Buffer): Promise<void> {
    if (!otherTokenId) {
      await this.deps.store.deleteSession(session.id);
      return;
    }
    await this.deps.db.transaction(async () => {
      const owner = await this.deps.store.findSessionOwner(otherTokenId);
      if (!owner) throw AppError.invalidToken('The authentication token could not be found');
      if (!owner.equals(session.uid)) throw AppError.invalidToken('Invalid session token');
      await this.deps.store.deleteSession(otherTokenId);
    });
  }

  /**
   * The account's live sessions, oldest first (one without a device expires after the session
   * lifetime): the 500 most recently used, as FxA caps its lists.
   */
  async listForAccount(uid: Buffer): Promise<AccountSession[]> {
    const now = this.deps.clock.now();
    const sessions = await this.deps.store.listForAccount(uid, ACCOUNT_SESSION_LIST_LIMIT);
    return sessions.filter((session) => session.deviceId !== null || now - session.createdAt <= this.deps.sessionLifetimeMs);
  }

  /** Deletes a session of `uid` by its id (its device row goes with it); false when it was not theirs or already gone. */
  deleteForAccount(uid: Buffer, tokenId: Buffer): Promise<boolean> {
    return this.deps.store.deleteSessionOf(uid, tokenId);
  }

  /** Records that the session was just used (FxA does so when it lists the attached clients). */
  async touch(session: SessionToken): Promise<number> {
    const now = this.deps.clock.now();
    await this.deps.store.updateSession(session.id, { lastAccessTime: now });
    return now;
  }

  /** Deletes a session by its id (destroying a device takes its session along); true when it existed. */
  async deleteById(tokenId: Buffer): Promise<boolean> {
    return (await this.deps.store.deleteSession(tokenId)) > 0;
  }

  /** A new token with the same state; a pending confirmation gets its own code. */
  async duplicate(session: SessionToken, userAgent: UserAgentFields): Promise<IssuedToken> {
    return this.createSession({
      uid: session.uid,
      verificationId: session.verified ? null : this.deps.random(16),
      mustVerify: session.mustVerify,
      userAgent,
      createdAt: session.createdAt,
      authAt: session.authAt,
      verificationMethod: session.verificationMethod,
      verifiedAt: session.verifiedAt,
    });
  }

  /** `duplicate` of a session named by its id (the OAuth `tokens/session` scope); undefined when it is gone. */
  async duplicateFor(tokenId: Buffer, userAgent: UserAgentFields): Promise<IssuedToken | undefined> {
    const found = await this.deps.store.findSession(tokenId);
    return found && this.duplicate(found.session, userAgent);
  }

  async markReauthenticated(session: SessionToken, changes: { userAgent: UserAgentFields; mustVerify: boolean }): Promise<number> {
    const now = this.deps.clock.now();
    await this.deps.store.updateSession(session.id, {
      authAt: now,
      lastAccessTime: now,
      ...changes.userAgent,
      mustVerify: flag(changes.mustVerify),
    });
    return now;
  }

  /** Spends a key-fetch token; 110 when a concurrent request spent it first. */
  async consumeKeyFetchToken(tokenId: Buffer): Promise<void> {
    if (!(await this.deps.store.deleteKeyFetch(tokenId))) throw AppError.invalidToken();
  }
}
