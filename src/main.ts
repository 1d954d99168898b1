// CLI: `serve` (default) runs the server; `migrate` brings the database schema up to date.

import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logging.js';

async function serve(config: Config, logger: Logger): Promise<void> {
  const { buildApp } = await import('./app.js');
  const { ReminderJob } = await import('./features/reminders/service.js');
  const app = await buildApp(config, logger);
  const address = await app.server.listen({ port: config.port, host: config.host });
  const reminders = new ReminderJob(app.services.reminders, logger);
  reminders.start(config.reminderIntervalMs);
  logger.info(
    { address, publicUrl: config.publicUrl, database: config.databaseUrl.split(':')[0] },
    `listening on ${address}; clients must use ${config.publicUrl} (PUBLIC_URL)`,
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await reminders.stop();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function migrate(config: Config, logger: Logger): Promise<void> {
  const { createDb } = await import('./db/index.js');
  const { migrateToLatest } = await import('./db/migrate.js');
  const db = createDb(config.databaseUrl);
  try {
    const applied = await migrateToLatest(db);
    logger.info({ migrations: applied }, applied.length > 0 ? 'database migrated' : 'database already up to date');
  } finally {
    await db.close();
  }
}

const COMMANDS: Record<string, (config: Config, logger: Logger) => Promise<void>> = { serve, migrate };

async function main(argv: string[]): Promise<void> {
  const name = argv[0] ?? 'serve';
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`usage: main.js [${Object.keys(COMMANDS).join('|')}]\n`);
    process.exit(2);
  }
  const config = loadConfig();
  try {
    await command(config, createLogger(config));
  } catch (err) {
    throw listenError(err, config) ?? err;
  }
}

/** A failed `listen` as one line naming the setting to change. */
function listenError(err: unknown, config: Config): ConfigError | undefined {
  const { code, syscall } = err as { code?: string; syscall?: string };
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE')
    return new ConfigError(`PORT ${config.port}: ${where} is already in use by another process; stop it or choose another PORT`);
  if (code === 'EACCES' && syscall === 'listen')
    return new ConfigError(
      `PORT ${config.port}: not allowed to listen on ${where} (ports below 1024 need privileges); choose another PORT`,
    );
  if (code === 'EADDRNOTAVAIL' || (code === 'ENOTFOUND' && syscall === 'getaddrinfo'))
    return new ConfigError(`HOST ${config.host}: not an address of this machine (${code}); use 127.0.0.1, 0.0.0.0 or ::`);
  return undefined;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Configuration errors are one line naming the setting; anything else is a bug worth its stack.
  const text =
    err instanceof ConfigError ? `accounts-server: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
