// SQL for authorization codes, access tokens and refresh tokens. Every one is looked up by
// the SHA-256 of its value; the value itself is never stored.

import { precompiled, type Db } from '../../db/index.js';
import { flag, type OauthAccessTokenRow, type OauthCodeRow, type OauthRefreshTokenRow } from '../../db/schema.js';
import type { AccessTokenRecord, CodeRecord, RefreshTokenRecord } from './grant-model.js';

const toCode = (row: OauthCodeRow): CodeRecord => ({
  ...row,
  offline: row.offline === 1,
  authAt: Number(row.authAt),
  createdAt: Number(row.createdAt),
  aal: Number(row.aal),
});

const toRefresh = (row: OauthRefreshTokenRow): RefreshTokenRecord => ({
  ...row,
  authAt: Number(row.authAt),
  aal: Number(row.aal),
  rotatedAt: row.rotatedAt === null ? null : Number(row.rotatedAt),
  createdAt: Number(row.createdAt),
  lastUsedAt: Number(row.lastUsedAt),
});

const toAccess = (row: OauthAccessTokenRow): AccessTokenRecord => ({
  ...row,
  generation: Number(row.generation),
  profileChangedAt: row.profileChangedAt === null ? null : Number(row.profileChangedAt),
  createdAt: Number(row.createdAt),
  expiresAt: Number(row.expiresAt),
});

const LOOKUP_SENTINEL = Buffer.from('access token lookup placeholder');

export class GrantStore {
  private readonly accessTokenLookup;

  constructor(private readonly db: Db) {
    // Run by every POST /v1/verify and /v1/introspect: built once, only the hash is bound per
    // call, and read as session lookups are (db.read: on SQLite straight from the cached
    // prepared statement when no transaction is open, without Kysely's query building).
    this.accessTokenLookup = precompiled(
      db.kysely.selectFrom('oauthAccessTokens').selectAll().where('tokenHash', '=', LOOKUP_SENTINEL).compile(),
      LOOKUP_SENTINEL,
    );
  }

  async insertCode(code: CodeRecord): Promise<void> {
    await this.db.current
      .insertInto('oauthCodes')
      .values({ ...code, offline: flag(code.offline) })
      .execute();
  }

  /** Deletes the code and returns it: only one of two concurrent exchanges gets it. */
  async takeCode(codeHash: Buffer): Promise<CodeRecord | undefined> {
    const row = await this.db.current.selectFrom('oauthCodes').selectAll().where('codeHash', '=', codeHash).executeTakeFirst();
    if (!row) return undefined;
    const deleted = await this.db.current.deleteFrom('oauthCodes').where('codeHash', '=', codeHash).executeTakeFirst();
    return Number(deleted.numDeletedRows) === 1 ? toCode(row) : undefined;
  }

  async findCode(codeHash: Buffer): Promise<CodeRecord | undefined> {
    const row = await this.db.current.selectFrom('oauthCodes').selectAll().where('codeHash', '=', codeHash).executeTakeFirst();
    return row && toCode(row);
  }

  async deleteCodesCreatedBefore(before: number): Promise<void> {
    await this.db.current.deleteFrom('oauthCodes').where('createdAt', '<', before).execute();
  }

  async insertAccessToken(token: AccessTokenRecord): Promise<void> {
    await this.db.current.insertInto('oauthAccessTokens').values(token).execute();
  }

  async findAccessToken(tokenHash: Buffer): Promise<AccessTokenRecord | undefined> {
    const [row] = await this.db.read(this.accessTokenLookup(tokenHash));
    return row && toAccess(row);
  }

  async deleteAccessToken(tokenHash: Buffer): Promise<boolean> {
    const result = await this.db.current.deleteFrom('oauthAccessTokens').where('tokenHash', '=', tokenHash).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteAccessTokensExpiredBefore(before: number): Promise<void> {
    await this.db.current.deleteFrom('oauthAccessTokens').where('expiresAt', '<', before).execute();
  }

  async insertRefreshToken(token: RefreshTokenRecord): Promise<void> {
    await this.db.current.insertInto('oauthRefreshTokens').values(token).execute();
  }

  async findRefreshToken(tokenHash: Buffer): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db.current
      .selectFrom('oauthRefreshTokens')
      .selectAll()
      .where('tokenHash', '=', tokenHash)
      .executeTakeFirst();
    return row && toRefresh(row);
  }

  /** Marks a live token as replaced; false when it already was (a concurrent rotation won). */
  async markRotated(tokenHash: Buffer, now: number): Promise<boolean> {
    const result = await this.db.current
      .updateTable('oauthRefreshTokens')
      .set({ rotatedAt: now, lastUsedAt: now })
      .where('tokenHash', '=', tokenHash)
      .where('rotatedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touchRefreshToken(tokenHash: Buffer, now: number): Promise<void> {
    await this.db.current.updateTable('oauthRefreshTokens').set({ lastUsedAt: now }).where('tokenHash', '=', tokenHash).execute();
  }

  /** Deletes a refresh token family (every rotation of one grant) and the access tokens minted from it. */
  async deleteFamily(familyId: Buffer): Promise<void> {
    await this.db.current.deleteFrom('oauthAccessTokens').where('familyId', '=', familyId).execute();
    await this.db.current.deleteFrom('oauthRefreshTokens').where('familyId', '=', familyId).execute();
  }

  /** The user's live (not rotated) refresh tokens and unexpired access tokens, for authorized-clients. */
  async listForUser(uid: Buffer, now: number): Promise<{ refreshTokens: RefreshTokenRecord[]; accessTokens: AccessTokenRecord[] }> {
    const [refresh, access] = await Promise.all([
      this.db.current.selectFrom('oauthRefreshTokens').selectAll().where('uid', '=', uid).where('rotatedAt', 'is', null).execute(),
      this.db.current.selectFrom('oauthAccessTokens').selectAll().where('uid', '=', uid).where('expiresAt', '>', now).execute(),
    ]);
    return { refreshTokens: refresh.map(toRefresh), accessTokens: access.map(toAccess) };
  }

  /** Deletes every code, access and refresh token `uid` holds for `clientId`. */
  async deleteAllForClient(uid: Buffer, clientId: Buffer): Promise<void> {
    await this.db.current.deleteFrom('oauthCodes').where('uid', '=', uid).where('clientId', '=', clientId).execute();
    await this.db.current.deleteFrom('oauthAccessTokens').where('uid', '=', uid).where('clientId', '=', clientId).execute();
    await this.db.current.deleteFrom('oauthRefreshTokens').where('uid', '=', uid).where('clientId', '=', clientId).execute();
  }
}
