// CLI: `serve` (default) runs the server; `migrate` brings the database schema up to date;
// `client` is a command-line FxA client (src/cli/client.ts), which needs no server settings.

import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from './config.js';

function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    // Belt and braces: nothing should log these, but if something does, they are masked.
    redact: ['req.headers.authorization', 'authPW', 'authPWVersion2', 'wrapKb', 'wrapKbVersion2', '*.code', '*.tokenData'],
  });
}

async function serve(config: Config, logger: Logger): Promise<void> {
  const { buildApp } = await import('./app.js');
  const { ReminderJob } = await import('./features/reminders/service.js');
  const app = await buildApp(config, logger);
  const address = await app.server.listen({ port: config.port, host: config.host });
  const reminders = new ReminderJob(app.services.reminders, logger);
  reminders.start(config.reminderIntervalMs);
  logger.info({ address, publicUrl: config.publicUrl, database: config.databaseUrl.split(':')[0] }, 'listening');

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
  if (name === 'client') {
    const { runClient } = await import('./cli/client.js');
    process.exitCode = await runClient(argv.slice(1));
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`usage: main.js [${Object.keys(COMMANDS).join('|')}]\n`);
    process.exit(2);
  }
  const config = loadConfig();
  await command(config, createLogger(config));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
