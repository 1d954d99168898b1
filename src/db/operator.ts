// The database as operator commands (`migrate`, admin commands) open it, possibly while a
// server runs. With SQLITE_LOCKING=exclusive (the default) a running server holds the SQLite
// file for as long as it runs, so waiting for it is pointless: such a command gives up after
// a moment with a DatabaseHeldError that says what to do, instead of "database is locked"
// after the usual 5 s busy timeout. The command itself always opens the file in normal
// locking mode, so it never keeps a server from starting after it has finished.

import { createDb, dialectOf, isSqliteBusy, type Db } from './index.js';

/** How long an operator command waits for a lock when the server would hold it for good. */
const EXCLUSIVE_WAIT_MS = 250;

export class DatabaseHeldError extends Error {
  constructor(whatToDo: string, options?: ErrorOptions) {
    super(
      `another process holds the SQLite database (a server running with SQLITE_LOCKING=exclusive, the default, keeps it to itself): ${whatToDo}`,
      options,
    );
    this.name = 'DatabaseHeldError';
  }
}

export interface OperatorDbSettings {
  databaseUrl: string;
  sqliteLocking: 'exclusive' | 'normal';
}

/**
 * Opens the database, runs `work` on it and closes it. A lock that a server running in
 * exclusive mode would hold becomes a DatabaseHeldError carrying `whatToDo`.
 */
export async function withOperatorDb<T>(settings: OperatorDbSettings, whatToDo: string, work: (db: Db) => Promise<T>): Promise<T> {
  const exclusive = dialectOf(settings.databaseUrl) === 'sqlite' && settings.sqliteLocking === 'exclusive';
  const held = (err: unknown): never => {
    if (exclusive && isSqliteBusy(err)) throw new DatabaseHeldError(whatToDo, { cause: err });
    throw err;
  };
  let db: Db;
  try {
    db = createDb(settings.databaseUrl, { poolSize: 2, ...(exclusive ? { sqliteBusyTimeoutMs: EXCLUSIVE_WAIT_MS } : {}) });
  } catch (err) {
    return held(err);
  }
  try {
    return await work(db);
  } catch (err) {
    return held(err);
  } finally {
    await db.close();
  }
}
