// Forward-only migrations, run on start and by `main.ts migrate`. Kysely's Migrator
// keeps the applied list and a lock, so several instances starting at once are safe.

import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { checkConnection, type Db, type DialectName } from './index.js';
import * as core from './migrations/0001_core.js';
import * as securityAndReminders from './migrations/0002_security_and_reminders.js';
import * as oauthSigningKeys from './migrations/0003_oauth_signing_keys.js';
import * as oauthGrants from './migrations/0004_oauth_grants.js';
import * as devices from './migrations/0005_devices.js';
import type { DialectMigration } from './migrations/types.js';

const MIGRATIONS: Record<string, DialectMigration> = {
  '0001_core': core,
  '0002_security_and_reminders': securityAndReminders,
  '0003_oauth_signing_keys': oauthSigningKeys,
  '0004_oauth_grants': oauthGrants,
  '0005_devices': devices,
};

class DialectMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db) => m.up(db, this.dialect) }]));
  }
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  await checkConnection(db);
  const migrator = new Migrator({ db: db.kysely, provider: new DialectMigrationProvider(db.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
