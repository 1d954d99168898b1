// OAuth signing keys (RS256), shared by every instance through the database.

import type { Kysely } from 'kysely';
import type { DialectName } from '../index.js';
import { columnTypes, tableOptions } from './types.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await tableOptions(
    dialect,
    db.schema
      .createTable('oauthSigningKeys')
      .addColumn('kid', t.text(64), (c) => c.primaryKey())
      /**
       * 'active' or 'next'; NULL for a retired key. Unique, so instances racing to create the
       * first key (or a rotation) end with one active and at most one next key; NULLs repeat.
       */
      .addColumn('role', t.text(16), (c) => c.unique())
      /** The public JWK as JSON. */
      .addColumn('publicJwk', 'text', (c) => c.notNull())
      /** The private JWK: JSON, or `aes256gcm:` + base64 when OAUTH_KEY_ENCRYPTION_KEY is set; NULL once retired. */
      .addColumn('privateJwk', 'text')
      .addColumn('createdAt', t.time, (c) => c.notNull())
      .addColumn('retiredAt', t.time),
  ).execute();
}
