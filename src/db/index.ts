// The Kysely factory: DATABASE_URL picks SQLite, MySQL/MariaDB or PostgreSQL.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { createPool as createMysqlPool } from 'mysql2';
import pg from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'mysql' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

export function dialectOf(url: string): DialectName {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mysql';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  throw new Error(`DATABASE_URL: unsupported scheme in ${url.replace(/\/\/[^@]*@/, '//***@')}`);
}

// PostgreSQL sends BIGINT as text to protect precision; our values are millisecond
// timestamps and counts, well inside Number's exact range.
const PG_INT8 = 20;
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === PG_INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
};

function sqliteDatabase(url: string): SQLite.Database {
  const path = url.slice('sqlite:'.length);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return database;
}

export function createDb(url: string, poolSize = 10): Db {
  const dialect = dialectOf(url);
  switch (dialect) {
    case 'sqlite': {
      const database = sqliteDatabase(url);
      const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
      return { kysely, dialect, close: () => kysely.destroy() };
    }
    case 'mysql': {
      const pool = createMysqlPool({
        uri: url.replace(/^mariadb:/, 'mysql:'),
        connectionLimit: poolSize,
        charset: 'utf8mb4_bin',
        supportBigNumbers: true,
        bigNumberStrings: false,
      });
      const kysely = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
      return { kysely, dialect, close: () => kysely.destroy() };
    }
    case 'postgres': {
      const pool = new pg.Pool({ connectionString: url, max: poolSize, types: pgTypes });
      const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
      return { kysely, dialect, close: () => kysely.destroy() };
    }
  }
}

export async function pingDb(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db.kysely);
}

/** True when `err` is a primary-key or unique-index conflict, in any of the three dialects. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return (
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    e?.code === '23505'
  );
}
