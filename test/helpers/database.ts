// An isolated database per test server: in-memory SQLite by default, or a fresh
// database on the MariaDB/PostgreSQL server named by DATABASE_URL, dropped afterwards.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createDb, dialectOf, type Db } from '../../src/db/index.js';
import { TABLES } from '../../src/db/schema.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** `shared`: several server instances will open it (SQLite then needs a file, not memory). */
export async function createTestDatabase(
  options: { shared?: boolean } = {},
  baseUrl = process.env.DATABASE_URL,
): Promise<TestDatabase> {
  if (!baseUrl || dialectOf(baseUrl) === 'sqlite') {
    if (!options.shared) return { url: 'sqlite::memory:', drop: async () => {} };
    const dir = await mkdtemp(join(tmpdir(), 'accounts-test-'));
    return { url: `sqlite:${join(dir, 'accounts.sqlite')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = createDb(baseUrl, { poolSize: 1 });
  try {
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin.kysely);
  } finally {
    await admin.close();
  }
  return {
    url: withDatabaseName(baseUrl, name),
    async drop() {
      const cleaner = createDb(baseUrl, { poolSize: 1 });
      try {
        await sql.raw(`DROP DATABASE IF EXISTS ${name}`).execute(cleaner.kysely);
      } finally {
        await cleaner.close();
      }
    },
  };
}

/** Every row of every table, as comparable JSON: "nothing changed" means equal snapshots. */
export async function snapshot(db: Db): Promise<string> {
  const tables: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const rows = await db.kysely.selectFrom(table).selectAll().execute();
    tables[table] = rows
      .map((row) =>
        JSON.stringify(row, (_key, value: unknown) =>
          value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer'
            ? Buffer.from((value as { data: number[] }).data).toString('hex')
            : value,
        ),
      )
      .sort();
  }
  return JSON.stringify(tables);
}
