// OAuth clients registered with the admin CLI, authorization codes, access and refresh
// tokens, and the profile's display name. Codes and tokens are stored under SHA-256 of
// their value (OAUTH_AND_PAYMENTS.md §0): a database leak gives no usable token.

import type { Kysely } from 'kysely';
import type { DialectName } from '../index.js';
import { columnTypes, tableOptions } from './types.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);

  /** Clients added by `accounts-server client add`; built-in and configured ones live in memory. */
  await tableOptions(
    dialect,
    db.schema
      .createTable('oauthClients')
      .addColumn('id', t.bin(8), (c) => c.primaryKey())
      /** SHA-256 of the secret; NULL for a public client. */
      .addColumn('hashedSecret', t.bin(32))
      /** The secret before the last rotation, still accepted until the next one. */
      .addColumn('hashedSecretPrevious', t.bin(32))
      .addColumn('name', t.text(256), (c) => c.notNull())
      .addColumn('imageUri', t.text(256), (c) => c.notNull())
      /** Comma-separated; the first is the default. */
      .addColumn('redirectUri', t.text(1024), (c) => c.notNull())
      .addColumn('allowedScopes', t.text(1024), (c) => c.notNull())
      .addColumn('trusted', t.flag, (c) => c.notNull())
      .addColumn('canGrant', t.flag, (c) => c.notNull())
      .addColumn('publicClient', t.flag, (c) => c.notNull())
      .addColumn('jwtAccessTokens', t.flag, (c) => c.notNull())
      .addColumn('rotateRefreshTokens', t.flag, (c) => c.notNull())
      .addColumn('createdAt', t.time, (c) => c.notNull()),
  ).execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('oauthCodes')
      .addColumn('codeHash', t.bin(32), (c) => c.primaryKey())
      .addColumn('clientId', t.bin(8), (c) => c.notNull())
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('scope', t.text(1024), (c) => c.notNull())
      .addColumn('authAt', t.time, (c) => c.notNull())
      /** Space-separated authentication methods (`pwd email otp`). */
      .addColumn('amr', t.text(128), (c) => c.notNull())
      .addColumn('aal', t.flag, (c) => c.notNull())
      .addColumn('offline', t.flag, (c) => c.notNull())
      .addColumn('codeChallenge', t.text(64))
      /** The scoped keys, encrypted by the browser to the relying party's keys_jwk: opaque here, returned once. */
      .addColumn('keysJwe', 'text')
      .addColumn('sessionTokenId', t.bin(32))
      .addColumn('createdAt', t.time, (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex('oauthCodes_uid').on('oauthCodes').columns(['uid', 'clientId']).execute();
  await db.schema.createIndex('oauthCodes_createdAt').on('oauthCodes').column('createdAt').execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('oauthRefreshTokens')
      .addColumn('tokenHash', t.bin(32), (c) => c.primaryKey())
      .addColumn('clientId', t.bin(8), (c) => c.notNull())
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('scope', t.text(1024), (c) => c.notNull())
      .addColumn('authAt', t.time, (c) => c.notNull())
      .addColumn('amr', t.text(128), (c) => c.notNull())
      .addColumn('aal', t.flag, (c) => c.notNull())
      /** The refresh token of the original grant: every rotation of it shares this, so reuse revokes them all. */
      .addColumn('familyId', t.bin(32), (c) => c.notNull())
      /** Set when a rotation replaced this token: presenting it again is reuse. */
      .addColumn('rotatedAt', t.time)
      .addColumn('createdAt', t.time, (c) => c.notNull())
      .addColumn('lastUsedAt', t.time, (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex('oauthRefreshTokens_uid').on('oauthRefreshTokens').columns(['uid', 'clientId']).execute();
  await db.schema.createIndex('oauthRefreshTokens_family').on('oauthRefreshTokens').column('familyId').execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('oauthAccessTokens')
      .addColumn('tokenHash', t.bin(32), (c) => c.primaryKey())
      .addColumn('clientId', t.bin(8), (c) => c.notNull())
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('scope', t.text(1024), (c) => c.notNull())
      /** The refresh token it was minted from, if any: revoking that family revokes this too. */
      .addColumn('familyId', t.bin(32))
      /** The account's verifierSetAt when issued (`fxa-generation`: Sync's tokenserver compares it). */
      .addColumn('generation', t.time, (c) => c.notNull())
      .addColumn('profileChangedAt', t.time)
      .addColumn('createdAt', t.time, (c) => c.notNull())
      .addColumn('expiresAt', t.time, (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex('oauthAccessTokens_uid').on('oauthAccessTokens').columns(['uid', 'clientId']).execute();
  await db.schema.createIndex('oauthAccessTokens_expiresAt').on('oauthAccessTokens').column('expiresAt').execute();

  /** What the profile server keeps beside the account: the one writable field, the display name. */
  await tableOptions(
    dialect,
    db.schema
      .createTable('profiles')
      .addColumn('uid', t.bin(16), (c) => c.primaryKey().references('accounts.uid').onDelete('cascade'))
      .addColumn('displayName', t.text(256)),
  ).execute();
}
