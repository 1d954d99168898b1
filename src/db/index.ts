// The Kysely factory: DATABASE_URL picks SQLite, MySQL/MariaDB or PostgreSQL.

import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Insertable,
  type SqliteDatabase,
  type Transaction,
} from 'kysely';
import type * as Mysql from 'mysql2';
import type Pg from 'pg';
import { ConfigError } from '../config.js';
import type { Database } from './schema.js';

// The MySQL and PostgreSQL drivers load only when used: the embedded mode keeps their memory.
const require = createRequire(import.meta.url);

export type DialectName = 'sqlite' | 'mysql' | 'postgres';

/** What a store runs its SQL on: the pool, or the connection of the current transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** DATABASE_URL without its password, for messages. */
  url: string;
  /**
   * The connection of the unit of work this call runs in, or the pool outside one. Stores
   * run every statement on it, so a store call inside `transaction` joins the transaction
   * without being handed anything.
   */
  readonly current: Executor;
  /**
   * Runs `work` as one transaction carried by the async context: every store call it makes,
   * however deep, uses the same connection. Nested calls join the outer transaction.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs a read-only query. Outside a transaction it sees committed data only: token
   * lookups on every request use it, and SQLite serves it without Kysely's queue when
   * no transaction is open. Inside `transaction` it joins the unit of work like every
   * store call (on SQLite, waiting for the pool's one connection would never end).
   */
  read<Row>(query: CompiledQuery<Row>): Promise<Row[]>;
  close(): Promise<void>;
}

export function dialectOf(url: string): DialectName {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mysql';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  throw new ConfigError(`DATABASE_URL ${redactUrl(url)}: expected sqlite:<path>, mysql://…, mariadb://… or postgres://…`);
}

/** `url` with any password replaced by `***` (user info and a `password` query parameter). */
export function redactUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.href;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * The file a `sqlite:` DATABASE_URL names, the way people write them (README has the table):
 *
 *   sqlite::memory:  (or sqlite://:memory:)   an in-memory database
 *   sqlite:data/accounts.sqlite               relative to the working directory
 *   sqlite://data/accounts.sqlite             the same: `//` does not make a path absolute
 *   sqlite:/srv/accounts.sqlite               absolute
 *   sqlite:///srv/accounts.sqlite             absolute, as in file:/// URLs
 *   sqlite:~/accounts.sqlite                  under the home directory
 *
 * `sqlite:///accounts.sqlite` (a file in the filesystem root) is refused: SQLAlchemy spells a
 * relative path that way, and a file at / is never what was meant. Query strings are refused
 * rather than becoming part of the file name. Errors name DATABASE_URL.
 */
export function sqliteFile(url: string, cwd = process.cwd()): string {
  if (!url.startsWith('sqlite:')) throw new ConfigError(`DATABASE_URL ${url}: not a sqlite: URL`);
  let rest = url.slice('sqlite:'.length);
  const authority = rest.startsWith('//');
  if (authority) rest = rest.slice(2);
  if (rest === ':memory:') return ':memory:';
  const fail = (problem: string): never => {
    throw new ConfigError(`DATABASE_URL ${url}: ${problem}`);
  };
  if (rest === '' || rest === '/') fail('expected a file path, such as sqlite:data/accounts.sqlite');
  if (/[?#]/.test(rest)) fail('query strings and fragments are not supported; write the file path alone');
  if (rest === '~' || rest.startsWith('~/')) return resolve(homedir(), rest.slice(2));
  if (!rest.startsWith('/')) return resolve(cwd, rest);
  const path = resolve(rest);
  if (authority && dirname(path) === '/') {
    fail(
      `names ${path} in the filesystem root; for a file relative to the working directory write ` +
        `sqlite:${path.slice(1)}, for an absolute path write its folders too (sqlite:///srv/${path.slice(1)})`,
    );
  }
  return path;
}

// PostgreSQL sends BIGINT as text to protect precision; our values are millisecond
// timestamps and counts, well inside Number's exact range.
const PG_INT8 = 20;
const pgTypes = (pg: typeof Pg) => ({
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === PG_INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
});

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely asks better-sqlite3 to prepare every query anew, which costs more than running
 * it. Our queries come from a fixed set of shapes, so prepared statements are reused.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = database.prepare(sqlText);
        statements.set(sqlText, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}

const readThrough =
  (kysely: Kysely<Database>) =>
  async <Row>(query: CompiledQuery<Row>): Promise<Row[]> =>
    (await kysely.executeQuery(query)).rows as Row[];

function sqliteDatabase(url: string, locking: 'exclusive' | 'normal', busyTimeoutMs: number): SQLite.Database {
  const path = sqliteFile(url);
  let database: SQLite.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    database = new SQLite(path, { timeout: busyTimeoutMs });
  } catch (err) {
    throw new ConfigError(`DATABASE_URL ${url}: cannot open ${path}: ${describeError(err)}`, { cause: err });
  }
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  // When one connection owns the file, SQLite keeps its WAL index in memory and takes no
  // file locks per statement (three system calls per read otherwise).
  if (locking === 'exclusive' && path !== ':memory:') database.pragma('locking_mode = EXCLUSIVE');
  return database;
}

export interface DbOptions {
  poolSize?: number;
  /** SQLite: 'exclusive' when this process alone opens the file (faster), 'normal' to share it. */
  sqliteLocking?: 'exclusive' | 'normal';
  /** SQLite: how long a statement waits for another process's lock before SQLITE_BUSY (default 5000). */
  sqliteBusyTimeoutMs?: number;
  /** MySQL/PostgreSQL: bound on opening a connection (a pool acquire opens one when none is idle). */
  connectTimeoutMs?: number;
  /** MySQL/PostgreSQL: bound on each statement, so a stalled server fails requests instead of hanging them. */
  queryTimeoutMs?: number;
}

/** True when SQLite gave up waiting for a lock another connection or process holds. */
export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const connections = connect(url, options);
  const context = new AsyncLocalStorage<Transaction<Database>>();
  return {
    ...connections,
    url: redactUrl(url),
    get current(): Executor {
      return context.getStore() ?? connections.kysely;
    },
    transaction<T>(work: () => Promise<T>): Promise<T> {
      if (context.getStore()) return work();
      return connections.kysely.transaction().execute((trx) => context.run(trx, work));
    },
    async read<Row>(query: CompiledQuery<Row>): Promise<Row[]> {
      const trx = context.getStore();
      return trx ? (await trx.executeQuery(query)).rows : connections.read(query);
    },
  };
}

function connect(
  url: string,
  {
    poolSize = 10,
    sqliteLocking = 'normal',
    sqliteBusyTimeoutMs = 5000,
    connectTimeoutMs = 5_000,
    queryTimeoutMs = 10_000,
  }: DbOptions,
): Omit<Db, 'current' | 'transaction' | 'url'> {
  const dialect = dialectOf(url);
  switch (dialect) {
    case 'sqlite': {
      const database = sqliteDatabase(url, sqliteLocking, sqliteBusyTimeoutMs);
      const statements = withStatementCache(database);
      const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
      const queued = readThrough(kysely);
      return {
        kysely,
        dialect,
        // better-sqlite3 is synchronous, so with no transaction open a read cannot interleave
        // with one; while another unit of work holds the connection, it waits its turn
        // through Kysely and sees only committed rows (createDb runs reads made inside it on it).
        read: <Row>(query: CompiledQuery<Row>) =>
          database.inTransaction ? queued(query) : Promise.resolve(statements.prepare(query.sql).all(query.parameters) as Row[]),
        close: () => kysely.destroy(),
      };
    }
    case 'mysql': {
      const { createPool } = require('mysql2') as typeof Mysql;
      const pool = createPool({
        uri: url.replace(/^mariadb:/, 'mysql:'),
        connectionLimit: poolSize,
        charset: 'utf8mb4_bin',
        supportBigNumbers: true,
        bigNumberStrings: false,
        connectTimeout: connectTimeoutMs,
        enableKeepAlive: true,
      });
      // mysql2 bounds a statement only when the query is given a `timeout`, and Kysely passes
      // plain SQL: every connection of the pool gets it added.
      pool.on('connection', (connection) => {
        // A fatal error with no command waiting (server gone while idle) is emitted; the pool drops the connection.
        connection.on('error', () => {});
        const query = connection.query.bind(connection) as (...args: unknown[]) => unknown;
        (connection as unknown as { query: typeof query }).query = (first: unknown, ...rest: unknown[]) =>
          query(typeof first === 'string' ? { sql: first, timeout: queryTimeoutMs } : first, ...rest);
      });
      const kysely = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
      return { kysely, dialect, read: readThrough(kysely), close: () => kysely.destroy() };
    }
    case 'postgres': {
      const pg = require('pg') as typeof Pg;
      const pool = new pg.Pool({
        connectionString: url,
        max: poolSize,
        types: pgTypes(pg),
        connectionTimeoutMillis: connectTimeoutMs,
        // Client side (a stalled server or network) and server side (a statement stuck on locks).
        query_timeout: queryTimeoutMs,
        statement_timeout: queryTimeoutMs,
        keepAlive: true,
      });
      // A client whose server goes away emits 'error' (idle: on the pool; checked out or after a
      // query timeout: on itself). The failing query reports it; unheard, it would crash the process.
      pool.on('error', () => {});
      pool.on('connect', (client) => client.on('error', () => {}));
      const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
      return { kysely, dialect, read: readThrough(kysely), close: () => kysely.destroy() };
    }
  }
}

export async function pingDb(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db.kysely);
}

const UNREACHABLE_CODES = new Set([
  // Node sockets (both drivers)
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  // PostgreSQL SQLSTATEs: too many connections, statement timeout, admin/crash shutdown, starting up
  '53300',
  '57014',
  '57P01',
  '57P02',
  '57P03',
]);
// pg reports its own timeouts and lost connections without a code.
const PG_UNREACHABLE =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error/i;

/**
 * True when `err` means the database cannot be reached or did not answer in time (refused,
 * timed out, connection lost, server shutting down, pool exhausted) rather than a bad
 * statement: the caller answers 503 and the next request tries again.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; fatal?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNREACHABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  if (e.fatal === true) return true; // mysql2: the connection is unusable
  if (PG_UNREACHABLE.test(e.message)) return true;
  // Node's multi-address connect failure (localhost as ::1 and 127.0.0.1)
  if (Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable)) return true;
  return false;
}

/** One line about a driver error: its message, else (AggregateError of several addresses) theirs, and its code. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: unknown; errors?: unknown[] };
  const inner = Array.isArray(e.errors) ? e.errors.map((x) => (x instanceof Error ? x.message : String(x))) : [];
  const message = e.message || [...new Set(inner)].join('; ') || e.name;
  const code = typeof e.code === 'string' && !message.includes(e.code) ? ` (${e.code})` : '';
  return `${message}${code}`.replace(/\s*\n\s*/g, ' ');
}

const DIALECT_NAMES: Record<DialectName, string> = { sqlite: 'SQLite', mysql: 'MySQL/MariaDB', postgres: 'PostgreSQL' };

/**
 * Runs one query, so that an unreachable database, wrong credentials or a missing database
 * fail at start with one line naming DATABASE_URL (without its password) instead of a
 * driver's stack trace, and within `timeoutMs` even when the host never answers.
 */
export async function checkConnection(db: Db, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([pingDb(db), timeout]);
  } catch (err) {
    const what = DIALECT_NAMES[db.dialect];
    throw new ConfigError(`DATABASE_URL ${db.url}: cannot use the ${what} database: ${describeError(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
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

/**
 * Builds a query once and re-binds one parameter per call, for lookups on every request
 * (token authentication) where Kysely's query building would cost more than the query.
 * `sentinel` is the placeholder value the query was built with.
 */
export function precompiled<Row>(compiled: CompiledQuery<Row>, sentinel: unknown): (value: unknown) => CompiledQuery<Row> {
  const index = compiled.parameters.indexOf(sentinel);
  if (index < 0 || compiled.parameters.lastIndexOf(sentinel) !== index) {
    throw new Error('precompiled: the sentinel must appear exactly once among the parameters');
  }
  return (value) =>
    CompiledQuery.raw(
      compiled.sql,
      compiled.parameters.map((parameter, i) => (i === index ? value : parameter)),
    ) as CompiledQuery<Row>;
}

/**
 * Inserts `values`, or when a row with the same `key` exists, overwrites its `update`
 * columns (none: keeps the existing row). One statement in every dialect, so two callers
 * racing on the same key both succeed and the last write wins.
 */
export async function upsert<T extends keyof Database & string>(
  db: Db,
  table: T,
  values: Insertable<Database[T]>,
  key: ReadonlyArray<keyof Database[T] & string>,
  update: ReadonlyArray<keyof Database[T] & string>,
): Promise<void> {
  const changes = Object.fromEntries(
    (update.length > 0 ? update : key.slice(0, 1)).map((column) => [column, (values as Record<string, unknown>)[column]]),
  );
  // Kysely's generic insert types cannot follow a table chosen at run time.
  const insert = db.current.insertInto(table).values(values as never);
  if (db.dialect === 'mysql') {
    await insert.onDuplicateKeyUpdate(changes as never).execute();
  } else {
    await insert
      .onConflict((conflict) => {
        const target = conflict.columns(key as never);
        return update.length > 0 ? target.doUpdateSet(changes as never) : target.doNothing();
      })
      .execute();
  }
}
