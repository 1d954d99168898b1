// SQL for session tokens and key-fetch tokens. Lookups join the account and its
// primary address so authenticating a request costs one indexed query.

import type { Kysely, Selectable, Transaction } from 'kysely';
import { precompiled, type Db } from '../../db/index.js';
import type { Database, KeyFetchTokensTable, SessionTokensTable } from '../../db/schema.js';

export type Executor = Kysely<Database> | Transaction<Database>;

const first = <Row>(rows: Row[]): Row | undefined => rows[0];

const LOOKUP_SENTINEL = Buffer.from('token lookup placeholder');

export type SessionRow = Selectable<SessionTokensTable>;
export type KeyFetchRow = Selectable<KeyFetchTokensTable>;

/** A session as authentication finds it; its tokenId is the one looked up. */
export interface SessionWithAccountRow extends Omit<SessionRow, 'tokenId'> {
  email: string;
  emailVerified: number;
  accountCreatedAt: number;
  verifierSetAt: number;
  locale: string | null;
  metricsOptOutAt: number | null;
}

export interface KeyFetchWithAccountRow extends KeyFetchRow {
  emailVerified: number;
}

export interface VerifiedMark {
  verificationMethod: number | null;
  verifiedAt: number;
}

export class SessionStore {
  private readonly sessionLookup;
  private readonly keyFetchLookup;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Db['read'],
  ) {
    // Run on every authenticated request: built once, only the tokenId is bound per call.
    this.sessionLookup = precompiled(
      db
        .selectFrom('sessionTokens as s')
        .innerJoin('accounts as a', 'a.uid', 's.uid')
        .innerJoin('emails as e', (join) => join.onRef('e.uid', '=', 's.uid').on('e.isPrimary', '=', 1))
        .select([
          's.tokenData',
          's.uid',
          's.createdAt',
          's.lastAccessTime',
          's.authAt',
          's.uaBrowser',
          's.uaBrowserVersion',
          's.uaOS',
          's.uaOSVersion',
          's.uaDeviceType',
          's.uaFormFactor',
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
      db
        .selectFrom('keyFetchTokens as k')
        .innerJoin('accounts as a', 'a.uid', 'k.uid')
        .selectAll('k')
        .select('a.emailVerified as emailVerified')
        .where('k.tokenId', '=', LOOKUP_SENTINEL)
        .compile(),
      LOOKUP_SENTINEL,
    );
  }

  async insertSession(row: SessionRow, exec: Executor = this.db): Promise<void> {
    await exec.insertInto('sessionTokens').values(row).execute();
  }

  findSession(tokenId: Buffer): Promise<SessionWithAccountRow | undefined> {
    return this.read(this.sessionLookup(tokenId)).then(first);
  }

  async findSessionRow(tokenId: Buffer, exec: Executor = this.db): Promise<SessionRow | undefined> {
    return exec.selectFrom('sessionTokens').selectAll().where('tokenId', '=', tokenId).executeTakeFirst();
  }

  async deleteSession(tokenId: Buffer, exec: Executor = this.db): Promise<number> {
    const result = await exec.deleteFrom('sessionTokens').where('tokenId', '=', tokenId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async updateSession(
    tokenId: Buffer,
    changes: Partial<Omit<SessionRow, 'tokenId' | 'tokenData' | 'uid'>>,
    exec: Executor = this.db,
  ): Promise<void> {
    await exec.updateTable('sessionTokens').set(changes).where('tokenId', '=', tokenId).execute();
  }

  /** Confirms every token of `uid` waiting on `verificationId` (a link code); returns how many. */
  async verifyByVerificationId(uid: Buffer, verificationId: Buffer, mark: VerifiedMark, exec: Executor = this.db): Promise<number> {
    const sessions = await exec
      .updateTable('sessionTokens')
      .set({ tokenVerificationId: null, mustVerify: 0, ...mark })
      .where('uid', '=', uid)
      .where('tokenVerificationId', '=', verificationId)
      .executeTakeFirst();
    const keyFetches = await exec
      .updateTable('keyFetchTokens')
      .set({ tokenVerificationId: null })
      .where('uid', '=', uid)
      .where('tokenVerificationId', '=', verificationId)
      .executeTakeFirst();
    return Number(sessions.numUpdatedRows) + Number(keyFetches.numUpdatedRows);
  }

  async insertKeyFetch(row: KeyFetchRow, exec: Executor = this.db): Promise<void> {
    await exec.insertInto('keyFetchTokens').values(row).execute();
  }

  findKeyFetch(tokenId: Buffer): Promise<KeyFetchWithAccountRow | undefined> {
    return this.read(this.keyFetchLookup(tokenId)).then(first);
  }

  async deleteKeyFetch(tokenId: Buffer, exec: Executor = this.db): Promise<number> {
    const result = await exec.deleteFrom('keyFetchTokens').where('tokenId', '=', tokenId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
