// Accounts, their email addresses, session tokens and key-fetch tokens (docs/protocol.md §2, §3).

import type { Kysely } from 'kysely';
import type { DialectName } from '../index.js';
import { columnTypes, tableOptions } from './types.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);

  await tableOptions(
    dialect,
    db.schema
      .createTable('accounts')
      .addColumn('uid', t.bin(16), (c) => c.primaryKey())
      .addColumn('email', t.text(255), (c) => c.notNull())
      .addColumn('normalizedEmail', t.text(255), (c) => c.notNull().unique())
      .addColumn('emailCode', t.bin(16), (c) => c.notNull())
      .addColumn('emailVerified', t.flag, (c) => c.notNull())
      .addColumn('verifierVersion', 'integer', (c) => c.notNull())
      .addColumn('kA', t.bin(32), (c) => c.notNull())
      .addColumn('wrapWrapKb', t.bin(32), (c) => c.notNull())
      .addColumn('wrapWrapKbVersion2', t.bin(32))
      .addColumn('authSalt', t.bin(32), (c) => c.notNull())
      .addColumn('verifyHash', t.bin(32), (c) => c.notNull())
      .addColumn('verifyHashVersion2', t.bin(32))
      .addColumn('clientSalt', t.text(128))
      .addColumn('verifierSetAt', t.time, (c) => c.notNull())
      .addColumn('createdAt', t.time, (c) => c.notNull())
      .addColumn('locale', t.text(255))
      .addColumn('lockedAt', t.time)
      .addColumn('profileChangedAt', t.time)
      .addColumn('keysChangedAt', t.time)
      .addColumn('metricsOptOutAt', t.time)
      .addColumn('disabledAt', t.time),
  ).execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('emails')
      .addColumn('normalizedEmail', t.text(255), (c) => c.primaryKey())
      .addColumn('email', t.text(255), (c) => c.notNull())
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('emailCode', t.bin(16), (c) => c.notNull())
      .addColumn('isVerified', t.flag, (c) => c.notNull())
      .addColumn('isPrimary', t.flag, (c) => c.notNull())
      .addColumn('verifiedAt', t.time)
      .addColumn('createdAt', t.time, (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex('emails_uid').on('emails').column('uid').execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('sessionTokens')
      .addColumn('tokenId', t.bin(32), (c) => c.primaryKey())
      .addColumn('tokenData', t.bin(32), (c) => c.notNull())
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('createdAt', t.time, (c) => c.notNull())
      .addColumn('lastAccessTime', t.time, (c) => c.notNull())
      .addColumn('authAt', t.time, (c) => c.notNull())
      .addColumn('uaBrowser', t.text(255))
      .addColumn('uaBrowserVersion', t.text(255))
      .addColumn('uaOS', t.text(255))
      .addColumn('uaOSVersion', t.text(255))
      .addColumn('uaDeviceType', t.text(255))
      .addColumn('uaFormFactor', t.text(255))
      .addColumn('tokenVerificationId', t.bin(16))
      .addColumn('mustVerify', t.flag, (c) => c.notNull())
      .addColumn('verificationMethod', 'integer')
      .addColumn('verifiedAt', t.time),
  ).execute();
  await db.schema.createIndex('sessionTokens_uid').on('sessionTokens').column('uid').execute();
  await db.schema.createIndex('sessionTokens_verification').on('sessionTokens').columns(['uid', 'tokenVerificationId']).execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('keyFetchTokens')
      .addColumn('tokenId', t.bin(32), (c) => c.primaryKey())
      .addColumn('authKey', t.bin(32), (c) => c.notNull())
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('keyBundle', t.bin(96), (c) => c.notNull())
      .addColumn('createdAt', t.time, (c) => c.notNull())
      .addColumn('tokenVerificationId', t.bin(16)),
  ).execute();
  await db.schema.createIndex('keyFetchTokens_uid').on('keyFetchTokens').column('uid').execute();
  await db.schema.createIndex('keyFetchTokens_verification').on('keyFetchTokens').columns(['uid', 'tokenVerificationId']).execute();
}
