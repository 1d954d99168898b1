// Devices (one per session token or refresh token), their Web Push subscription and
// available commands, and the device command queue that Mozilla runs as a separate
// service (pushbox): here it is a table, readable from every instance.

import type { Kysely } from 'kysely';
import type { DialectName } from '../index.js';
import { columnTypes, tableOptions } from './types.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);

  await tableOptions(
    dialect,
    db.schema
      .createTable('devices')
      .addColumn('uid', t.bin(16), (c) => c.notNull().references('accounts.uid').onDelete('cascade'))
      .addColumn('id', t.bin(16), (c) => c.notNull())
      /** Signing out the session removes its device; removing the device deletes the session explicitly. */
      .addColumn('sessionTokenId', t.bin(32), (c) => c.references('sessionTokens.tokenId').onDelete('cascade'))
      /** The refresh token's hash (its id). No foreign key: revoking the token keeps the device (FIREFOX.md §3). */
      .addColumn('refreshTokenId', t.bin(32))
      .addColumn('name', t.text(255))
      .addColumn('type', t.text(16))
      .addColumn('createdAt', t.time, (c) => c.notNull())
      .addColumn('pushCallback', t.text(255))
      .addColumn('pushPublicKey', t.text(88))
      .addColumn('pushAuthKey', t.text(24))
      /** Set when the push service answered 404/410: no pushes until the device sends a new callback. */
      .addColumn('pushEndpointExpired', t.flag, (c) => c.notNull().defaultTo(0))
      /** JSON object: command name → the device's data for it (e.g. its Send Tab public keys). */
      .addColumn('availableCommands', 'text', (c) => c.notNull())
      /** Last request made with the device's token; written at most once per coalescing interval. */
      .addColumn('lastAccessTime', t.time)
      /** The last index given to a queued command: indexes only grow, even after entries expire. */
      .addColumn('lastCommandIndex', t.time, (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('devices_pk', ['uid', 'id']),
  ).execute();
  await db.schema.createIndex('devices_sessionTokenId').on('devices').column('sessionTokenId').unique().execute();
  await db.schema.createIndex('devices_refreshTokenId').on('devices').column('refreshTokenId').unique().execute();

  await tableOptions(
    dialect,
    db.schema
      .createTable('deviceCommands')
      .addColumn('uid', t.bin(16), (c) => c.notNull())
      .addColumn('deviceId', t.bin(16), (c) => c.notNull())
      .addColumn('idx', t.time, (c) => c.notNull())
      .addColumn('command', t.text(100), (c) => c.notNull())
      /** JSON; Send Tab payloads are end-to-end encrypted by the sending device. */
      .addColumn('payload', 'text', (c) => c.notNull())
      /** The sending device's id, when it has one. */
      .addColumn('sender', t.bin(16))
      .addColumn('createdAt', t.time, (c) => c.notNull())
      .addColumn('expiresAt', t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint('deviceCommands_pk', ['uid', 'deviceId', 'idx'])
      .addForeignKeyConstraint('deviceCommands_device', ['uid', 'deviceId'], 'devices', ['uid', 'id'], (c) => c.onDelete('cascade')),
  ).execute();
  await db.schema.createIndex('deviceCommands_expiresAt').on('deviceCommands').column('expiresAt').execute();
}
