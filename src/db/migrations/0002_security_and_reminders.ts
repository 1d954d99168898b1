// Security events (sign-in history: the "same IP recently" shortcut), server secrets
// shared by every instance through the database, and scheduled reminder mails.

import type { Kysely } from 'kysely';
import type { DialectName } from '../index.js';
import { columnTypes, tableOptions } from './types.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);

  await tableOptions(
    dialect,
    db.schema
      .createTable('securityEvents')
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('name', t.text(64), (c) => c.notNull())
      .addColumn('verified', t.flag, (c) => c.notNull())
      /** HMAC of uid‖ip under a server secret: comparable, not reversible to an address. */
      .addColumn('ipAddrHmac', t.bin(32), (c) => c.notNull())
      .addColumn('tokenVerificationId', t.bin(16))
      .addColumn('createdAt', t.time, (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex('securityEvents_uid_ip').on('securityEvents').columns(['uid', 'ipAddrHmac', 'createdAt']).execute();
  await db.schema.createIndex('securityEvents_verification').on('securityEvents').columns(['uid', 'tokenVerificationId']).execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('serverSecrets')
      .addColumn('name', t.text(64), (c) => c.primaryKey())
      .addColumn('value', t.bin(64), (c) => c.notNull()),
  ).execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('reminders')
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('kind', t.text(32), (c) => c.notNull())
      .addColumn('dueAt', t.time, (c) => c.notNull())
      /** While set and in the future, one instance is sending this reminder. */
      .addColumn('claimedUntil', t.time)
      /** The sign-up flow the reminder belongs to, carried onto its mail (X-Flow-Id). */
      .addColumn('flowId', t.text(64))
      .addColumn('flowBeginTime', t.time)
      .addPrimaryKeyConstraint('reminders_pk', ['uid', 'kind']),
  ).execute();
  await db.schema.createIndex('reminders_due').on('reminders').column('dueAt').execute();
}
