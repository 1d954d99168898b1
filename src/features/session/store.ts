// SQL for session tokens and key-fetch tokens. Lookups join the account and its
// primary address so authenticating a request costs one indexed query.

import { precompiled, type Db } from '../../db/index.js';
import { SESSION_USER_AGENT_COLUMNS, type KeyFetchRow, type SessionRow } from '../../db/schema.js';
import { userAgentOf, type UserAgentFields } from '../../http/user-agent.js';
import type { AccountSession, StoredKeyFetch, StoredSession } from './model.js';

const LOOKUP_SENTINEL = Buffer.from('token lookup placeholder');

export interface VerifiedMark {
  verificationMethod: number | null;
  verifiedAt: number;
}

export type SessionChanges = Partial<Omit<SessionRow, 'tokenId' | 'tokenData' | 'uid'>>;

export class SessionStore {
  private readonly sessionLookup;
  private readonly keyFetchLookup;

  constructor(private readonly db: Db) {
    // Run on every authenticated request: built once, only the tokenId is bound per call.
    this.sessionLookup = precompiled(
      db.kysely
        .selectFrom('sessionTokens as s')
        .innerJoin('accounts as a', 'a.uid', 's.uid')
        .innerJoin('emails as e', (join) => join.onRef('e.uid', '=', 's.uid').on('e.isPrimary', '=', 1))
        .leftJoin('devices as d', 'd.sessionTokenId', 's.tokenId')
        .select([
          'd.id as deviceId',
          's.tokenData',
          's.uid',
          's.createdAt',
          's.lastAccessTime',
          's.authAt',
          ...SESSION_USER_AGENT_COLUMNS,
          's.tokenVerificationId',
          's.mustVerify',
          's.verificationMethod',
          's.verifiedAt',
          'e.email as email',
          'a.emailVerified as emailVerified',
          'a.createdAt as accountCreatedAt',
          'a.verifierSetAt as verifierSetAt',
          'a.locale as locale',
          'a.metricsOptOutAt as metricsOptOutAt',
        ])
        .where('s.tokenId', '=', LOOKUP_SENTINEL)
        .compile(),
      LOOKUP_SENTINEL,
    );
    this.keyFetchLookup = precompiled(
      db.kysely
        .selectFrom('keyFetchTokens as k')
        .innerJoin('accounts as a', 'a.uid', 'k.uid')
        .select(['k.uid', 'k.authKey', 'k.keyBundle', 'k.tokenVerificationId', 'a.emailVerified as emailVerified'])
        .where('k.tokenId', '=', LOOKUP_SENTINEL)
        .compile(),
      LOOKUP_SENTINEL,
    );
  }

  async insertSession(row: SessionRow): Promise<void> {
    await this.db.current.insertInto('sessionTokens').values(row).execute();
  }

  /** The session behind `tokenId` with its account facts (committed data, off the hot path's queue). */
  async findSession(tokenId: Buffer): Promise<StoredSession | undefined> {
    const [row] = await this.db.read(this.sessionLookup(tokenId));
    if (!row) return undefined;
    return {
      tokenData: row.tokenData,
      session: {
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
        userAgent: userAgentOf(row),
        email: row.email,
        emailVerified: row.emailVerified === 1,
        accountCreatedAt: row.accountCreatedAt,
        verifierSetAt: row.verifierSetAt,
        locale: row.locale,
        metricsOptOutAt: row.metricsOptOutAt,
        deviceId: row.deviceId,
      },
    };
  }

  /** The owner of a session, for destroying another session of the same account. */
  async findSessionOwner(tokenId: Buffer): Promise<Buffer | undefined> {
    const row = await this.db.current.selectFrom('sessionTokens').select('uid').where('tokenId', '=', tokenId).executeTakeFirst();
    return row?.uid;
  }

  /** The account's `limit` most recently used sessions with the device registered on each, oldest first. */
  async listForAccount(uid: Buffer, limit: number): Promise<AccountSession[]> {
    const rows = await this.db.current
      .selectFrom('sessionTokens as s')
      .leftJoin('devices as d', 'd.sessionTokenId', 's.tokenId')
      .select(['s.tokenId', 's.createdAt', 's.lastAccessTime', ...SESSION_USER_AGENT_COLUMNS, 'd.id as deviceId'])
      .where('s.uid', '=', uid)
      .orderBy('s.lastAccessTime', 'desc')
      .orderBy('s.tokenId')
      .limit(limit)
      .execute();
    const sessions = rows.map((row) => ({
      id: row.tokenId,
      createdAt: Number(row.createdAt),
      lastAccessTime: Number(row.lastAccessTime),
      userAgent: userAgentOf(row),
      deviceId: row.deviceId,
    }));
    return sessions.sort((a, b) => a.createdAt - b.createdAt || Buffer.compare(a.id, b.id));
  }

  /** Deletes the session only if `uid` owns it; true when this call did. */
  async deleteSessionOf(uid: Buffer, tokenId: Buffer): Promise<boolean> {
    const result = await this.db.current
      .deleteFrom('sessionTokens')
      .where('tokenId', '=', tokenId)
      .where('uid', '=', uid)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteSession(tokenId: Buffer): Promise<number> {
    const result = await this.db.current.deleteFrom('sessionTokens').where('tokenId', '=', tokenId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async updateSession(tokenId: Buffer, changes: SessionChanges): Promise<void> {
    await this.db.current.updateTable('sessionTokens').set(changes).where('tokenId', '=', tokenId).execute();
  }

  /** Confirms every token of `uid` waiting on `verificationId` (a link code); returns how many (two tables: run in a transaction). */
  async verifyByVerificationId(uid: Buffer, verificationId: Buffer, mark: VerifiedMark): Promise<number> {
    const sessions = await this.db.current
      .updateTable('sessionTokens')
      .set({ tokenVerificationId: null, mustVerify: 0, ...mark })
      .where('uid', '=', uid)
      .where('tokenVerificationId', '=', verificationId)
      .executeTakeFirst();
    const keyFetches = await this.db.current
      .updateTable('keyFetchTokens')
      .set({ tokenVerificationId: null })
      .where('uid', '=', uid)
      .where('tokenVerificationId', '=', verificationId)
      .executeTakeFirst();
    return Number(sessions.numUpdatedRows) + Number(keyFetches.numUpdatedRows);
  }

  /** The user agent of the session of `uid` that still waits on `verificationId`, if one does. */
  async findPendingSession(uid: Buffer, verificationId: Buffer): Promise<UserAgentFields | undefined> {
    return this.db.current
      .selectFrom('sessionTokens')
      .select(['uaBrowser', 'uaBrowserVersion', 'uaOS', 'uaOSVersion', 'uaDeviceType', 'uaFormFactor'])
      .where('uid', '=', uid)
      .where('tokenVerificationId', '=', verificationId)
      .executeTakeFirst();
  }

  async insertKeyFetch(row: KeyFetchRow): Promise<void> {
    await this.db.current.insertInto('keyFetchTokens').values(row).execute();
  }

  async findKeyFetch(tokenId: Buffer): Promise<StoredKeyFetch | undefined> {
    const [row] = await this.db.read(this.keyFetchLookup(tokenId));
    if (!row) return undefined;
    return {
      authKey: row.authKey,
      token: {
        id: tokenId,
        uid: row.uid,
        keyBundle: row.keyBundle,
        emailVerified: row.emailVerified === 1,
        tokenVerified: row.tokenVerificationId === null,
      },
    };
  }

  /** Spends a key-fetch token; true when this call did (a second fetch finds nothing). */
  async deleteKeyFetch(tokenId: Buffer): Promise<boolean> {
    const result = await this.db.current.deleteFrom('keyFetchTokens').where('tokenId', '=', tokenId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
