// CLI: `serve` (default) runs the server; `migrate` brings the database schema up to date;
// `keys rotate|list` manages the OAuth signing keys; `client add|list|rotate-secret|remove`
// the OAuth clients; `user add|list|show|delete|verify` the accounts; `fxa` is a command-line FxA client (src/cli/client.ts), which needs no
// server settings.

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

  // SIGTERM (service managers, `npm start` passing it on) or SIGINT (Ctrl-C): stop accepting
  // connections, let requests in flight finish for at most SHUTDOWN_TIMEOUT_SECONDS, then close
  // their connections, release the database and exit 0. A second signal exits at once.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for requests in flight');
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    logger.info(
      { signal, timeoutSeconds: config.shutdownTimeoutMs / 1000 },
      'shutting down: no new connections, draining requests in flight',
    );
    const deadline = setTimeout(() => {
      logger.warn(
        { timeoutSeconds: config.shutdownTimeoutMs / 1000 },
        'shutdown: requests still in flight at the timeout; closing their connections',
      );
      app.server.server.closeAllConnections();
      // Closing the services (database, Redis) has no timeout of its own.
      setTimeout(() => {
        logger.error('shutdown did not finish; exiting');
        process.exit(1);
      }, 5000).unref();
    }, config.shutdownTimeoutMs);
    deadline.unref();
    reminders
      .stop()
      .then(() => app.close())
      .then(
        () => {
          clearTimeout(deadline);
          logger.info({ ms: Date.now() - started }, 'stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

async function migrate(config: Config, logger: Logger): Promise<void> {
  const { withOperatorDb, DatabaseHeldError } = await import('./db/operator.js');
  const { migrateToLatest } = await import('./db/migrate.js');
  try {
    const applied = await withOperatorDb(
      config,
      'the server applies migrations itself when it starts, so restart it on the new version instead, or stop it and run migrate again',
      migrateToLatest,
    );
    logger.info({ migrations: applied }, applied.length > 0 ? 'database migrated' : 'database already up to date');
  } catch (err) {
    if (!(err instanceof DatabaseHeldError)) throw err;
    process.stderr.write(`migrate: ${err.message}\n`);
    process.exitCode = 1;
  }
}

/** `keys list` prints kid, state and creation time; `keys rotate` runs the next phase of a rotation. */
async function keys(config: Config, _logger: Logger, args: string[]): Promise<void> {
  const action = args[0];
  if (action !== 'list' && action !== 'rotate') {
    process.stderr.write('usage: accounts-server keys [list|rotate]\n');
    process.exitCode = 2;
    return;
  }
  const { withOperatorDb, DatabaseHeldError } = await import('./db/operator.js');
  const { migrateToLatest } = await import('./db/migrate.js');
  const { keysCommand } = await import('./features/oauth/keys-command.js');
  try {
    const lines = await withOperatorDb(
      config,
      'stop the server, or run it and this command with SQLITE_LOCKING=normal',
      async (db) => {
        await migrateToLatest(db);
        return keysCommand(db, action, Date.now(), config.oauthKeyEncryptionKey);
      },
    );
    process.stdout.write(lines.map((line) => `${line}\n`).join(''));
  } catch (err) {
    if (!(err instanceof DatabaseHeldError)) throw err;
    process.stderr.write(`keys: ${err.message}\n`);
    process.exitCode = 1;
  }
}

/** `client add|list|rotate-secret|remove`: the OAuth clients (src/features/oauth/clients-command.ts). */
async function client(config: Config, _logger: Logger, args: string[]): Promise<void> {
  const { CLIENT_USAGE, ClientCommandError, parseClientCommand, runClientCommand } =
    await import('./features/oauth/clients-command.js');
  const { withOperatorDb, DatabaseHeldError } = await import('./db/operator.js');
  const { migrateToLatest } = await import('./db/migrate.js');
  const { ClientRegistry } = await import('./features/oauth/clients.js');
  const { systemRandom } = await import('./runtime.js');
  try {
    const command = parseClientCommand(args);
    const lines =
      command.action === 'help'
        ? [CLIENT_USAGE]
        : await withOperatorDb(config, 'stop the server, or run it and this command with SQLITE_LOCKING=normal', async (db) => {
            await migrateToLatest(db);
            const registry = new ClientRegistry({
              db,
              builtin: config.oauthBuiltinClients,
              configured: config.oauthClients,
              disabled: config.oauthDisabledClients,
            });
            return runClientCommand(command, { db, registry, random: systemRandom, now: Date.now() });
          });
    process.stdout.write(lines.map((line) => `${line}\n`).join(''));
  } catch (err) {
    if (err instanceof ClientCommandError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof DatabaseHeldError) {
      process.stderr.write(`client: ${err.message}\n`);
      process.exitCode = 1;
    } else throw err;
  }
}

/**
 * `user add|list|show|delete|verify`: the accounts (src/features/account/users-command.ts),
 * through the same services the server runs on (migrations, signing keys and all), with the
 * database opened in normal locking mode and the log on stderr so stdout carries only results.
 */
async function user(config: Config, _logger: Logger, args: string[]): Promise<void> {
  const { USER_USAGE, UserCommandError, parseUserCommand, runUserCommand } = await import('./features/account/users-command.js');
  const { DatabaseHeldError } = await import('./db/operator.js');
  const { isSqliteBusy } = await import('./db/index.js');
  try {
    const command = parseUserCommand(args);
    if (command.action === 'help') {
      process.stdout.write(`${USER_USAGE}\n`);
      return;
    }
    const { createServices } = await import('./services.js');
    const { readPasswordFromStdin } = await import('./cli/prompt.js');
    const logger = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }, process.stderr);
    try {
      const services = await createServices({ ...config, sqliteLocking: 'normal' }, logger);
      try {
        const lines = await runUserCommand(command, {
          accounts: services.accounts,
          countSessions: async (uid) => (await services.sessions.listForAccount(uid)).length,
          countDevices: (uid) => services.devices.count(uid),
          readPassword: () => readPasswordFromStdin(),
          random: services.random,
        });
        process.stdout.write(lines.map((line) => `${line}\n`).join(''));
      } finally {
        await services.close();
      }
    } catch (err) {
      // A server running with SQLITE_LOCKING=exclusive holds the file.
      if (isSqliteBusy(err))
        throw new DatabaseHeldError('stop the server, or run it and this command with SQLITE_LOCKING=normal', { cause: err });
      throw err;
    }
  } catch (err) {
    if (err instanceof UserCommandError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof DatabaseHeldError) {
      process.stderr.write(`user: ${err.message}\n`);
      process.exitCode = 1;
    } else throw err;
  }
}

const COMMANDS: Record<string, (config: Config, logger: Logger, args: string[]) => Promise<void>> = {
  serve,
  migrate,
  keys,
  client,
  user,
};

const HELP = `usage: accounts-server [command]

Commands:
  serve      run the server (the default)
  migrate    bring the database schema up to date
  keys       list|rotate the OAuth signing keys
  client     add|list|rotate-secret|remove OAuth clients
  user       add|list|show|delete|verify accounts
  fxa        a command-line FxA client (needs no server settings)

\`accounts-server <command> --help\` tells more; settings come from the environment (README.md).`;

async function main(argv: string[]): Promise<void> {
  const name = argv[0] ?? 'serve';
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (name === 'fxa') {
    const { runClient } = await import('./cli/client.js');
    process.exitCode = await runClient(argv.slice(1));
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`usage: accounts-server [${[...Object.keys(COMMANDS), 'fxa'].join('|')}]\n`);
    process.exit(2);
  }
  const config = loadConfig();
  try {
    await command(config, createLogger(config), argv.slice(1));
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
