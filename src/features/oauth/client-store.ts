// SQL for the OAuth clients registered with `accounts-server client add` (table oauthClients).
// Secrets arrive here hashed; this store never sees one in clear.

import type { Db } from '../../db/index.js';
import { flag, type OauthClientRow } from '../../db/schema.js';
import { splitRedirectUris, type OAuthClient } from './client-settings.js';

/** A client as the CLI registers it (always source `cli`, never disabled in the table). */
export type NewStoredClient = Omit<OAuthClient, 'source' | 'disabled' | 'idHex'>;

const fromRow = (row: OauthClientRow): OAuthClient => ({
  id: row.id,
  idHex: row.id.toString('hex'),
  name: row.name,
  imageUri: row.imageUri,
  redirectUris: splitRedirectUris(row.redirectUri),
  allowedScopes: row.allowedScopes,
  trusted: Boolean(row.trusted),
  canGrant: Boolean(row.canGrant),
  publicClient: Boolean(row.publicClient),
  jwtAccessTokens: Boolean(row.jwtAccessTokens),
  rotateRefreshTokens: Boolean(row.rotateRefreshTokens),
  hashedSecret: row.hashedSecret,
  hashedSecretPrevious: row.hashedSecretPrevious,
  source: 'cli',
  disabled: false,
});

export class OAuthClientStore {
  constructor(private readonly db: Db) {}

  async find(id: Buffer): Promise<OAuthClient | undefined> {
    const row = await this.db.current.selectFrom('oauthClients').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async list(): Promise<OAuthClient[]> {
    const rows = await this.db.current.selectFrom('oauthClients').selectAll().orderBy('createdAt').orderBy('id').execute();
    return rows.map(fromRow);
  }

  async insert(client: NewStoredClient, createdAt: number): Promise<void> {
    await this.db.current
      .insertInto('oauthClients')
      .values({
        id: client.id,
        hashedSecret: client.hashedSecret,
        hashedSecretPrevious: client.hashedSecretPrevious,
        name: client.name,
        imageUri: client.imageUri,
        redirectUri: client.redirectUris.join(','),
        allowedScopes: client.allowedScopes,
        trusted: flag(client.trusted),
        canGrant: flag(client.canGrant),
        publicClient: flag(client.publicClient),
        jwtAccessTokens: flag(client.jwtAccessTokens),
        rotateRefreshTokens: flag(client.rotateRefreshTokens),
        createdAt,
      })
      .execute();
  }

  /**
   * Makes `hashedSecret` current and keeps `replaced` as the previous one, if `replaced` is still
   * the current secret (false otherwise: absent, or another rotation came first).
   */
  async rotateSecret(id: Buffer, hashedSecret: Buffer, replaced: Buffer): Promise<boolean> {
    const result = await this.db.current
      .updateTable('oauthClients')
      .set({ hashedSecret, hashedSecretPrevious: replaced })
      .where('id', '=', id)
      .where('hashedSecret', '=', replaced)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes the client with its codes and tokens; false if absent. Call inside a transaction. */
  async delete(id: Buffer): Promise<boolean> {
    await this.db.current.deleteFrom('oauthCodes').where('clientId', '=', id).execute();
    await this.db.current.deleteFrom('oauthAccessTokens').where('clientId', '=', id).execute();
    await this.db.current.deleteFrom('oauthRefreshTokens').where('clientId', '=', id).execute();
    const result = await this.db.current.deleteFrom('oauthClients').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
