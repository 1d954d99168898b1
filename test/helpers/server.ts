// Starts the real app on an ephemeral port, with its own database, an SMTP sink it
// mails to, an injected clock and our own client pointed at it.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { AuthClient, type ClientOptions } from '../../src/client/index.js';
import { loadConfig, type SettingName } from '../../src/config.js';
import type { DevicePush } from '../../src/features/devices/service.js';
import type { CommandPush } from '../../src/features/devices/command-service.js';
import type { AccessTokenVerifier } from '../../src/features/oauth/model.js';
import type { ScryptFunction } from '../../src/hashing/scrypt-pool.js';
import { MemoryStore, type EphemeralStore } from '../../src/kv/index.js';
import { ManualClock } from '../../src/runtime.js';
import { createTestDatabase, snapshot, type TestDatabase } from './database.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

export interface TestServerOptions {
  /** Extra settings, by environment variable name. */
  env?: Partial<Record<SettingName, string>>;
  clock?: ManualClock;
  /** Share a database with another instance (created with `createTestDatabase({ shared: true })`). */
  database?: TestDatabase;
  /** Share an in-process store with another instance; with REDIS_URL set, share `redisKeyPrefix` instead. */
  kv?: EphemeralStore;
  redisKeyPrefix?: string;
  smtp?: SmtpSink;
  /** Replaces server-side scrypt, e.g. with a gate the test opens. */
  scrypt?: ScryptFunction;
  /** Verifies OAuth access tokens (serves the profile API). */
  accessTokens?: AccessTokenVerifier;
  /** Receives the device notifications (device_connected, device_disconnected). */
  devicePush?: DevicePush;
  /** Web Push as the device command queue uses it (a recording fake). */
  commandPush?: CommandPush;
  clientOptions?: ClientOptions;
}

export interface TestServer {
  app: App;
  /** Base URL including /v1. */
  url: string;
  origin: string;
  client: AuthClient;
  mail: SmtpSink;
  clock: ManualClock;
  /** All stored rows, for "nothing changed" assertions. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The app's PUBLIC_URL names its port, so the port is picked before the app is built; another
 * process may take it meanwhile (test files run in parallel), and then the app is built again
 * on another port.
 */
async function listenOnFreePort(
  build: (port: number) => Promise<{ app: App; origin: string }>,
): Promise<{ app: App; origin: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const built = await build(port);
    try {
      await built.app.server.listen({ port, host: '127.0.0.1' });
      return built;
    } catch (err) {
      await built.app.close();
      if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt >= 5) throw err;
    }
  }
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const ownsDatabase = !options.database;
  const database = options.database ?? (await createTestDatabase());
  const ownsSmtp = !options.smtp;
  const mail = options.smtp ?? (await startSmtpSink());
  // A route answering an errno it does not declare fails the test that made it do so.
  const undeclared: string[] = [];
  const { app, origin } = await listenOnFreePort(async (port) => {
    const origin = `http://127.0.0.1:${port}`;
    const config = loadConfig(process.env, {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: origin,
      DATABASE_URL: database.url,
      SMTP_URL: mail.url,
      REDIS_KEY_PREFIX: options.redisKeyPrefix ?? `test:${randomBytes(6).toString('hex')}:`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    });
    const app = await buildApp(config, pino({ level: config.logLevel }), {
      clock,
      kv: options.kv,
      scrypt: options.scrypt,
      accessTokens: options.accessTokens,
      devicePush: options.devicePush,
      commandPush: options.commandPush,
      onUndeclaredErrno: (route, errno) => undeclared.push(`${route} answered undeclared errno ${errno}`),
    });
    return { app, origin };
  });
  const url = `${origin}/v1`;
  return {
    app,
    url,
    origin,
    client: new AuthClient(url, { now: () => clock.now(), ...options.clientOptions }),
    mail,
    clock,
    snapshot: () => snapshot(app.services.db),
    async close() {
      await app.close();
      if (ownsSmtp) await mail.stop();
      if (ownsDatabase) await database.drop();
      if (undeclared.length > 0) throw new Error(`errnos missing from route declarations:\n${undeclared.join('\n')}`);
    },
  };
}

export interface InstancePair {
  first: TestServer;
  second: TestServer;
  smtp: SmtpSink;
  close(): Promise<void>;
}

/**
 * Two instances as a scaled-out deployment runs them: one database, one mail relay, one
 * clock, and one ephemeral store (Redis under a shared prefix when REDIS_URL is set).
 */
export async function startInstancePair(options: {
  clock: ManualClock;
  env?: TestServerOptions['env'];
  commandPush?: CommandPush;
}): Promise<InstancePair> {
  const database = await createTestDatabase({ shared: true });
  const smtp = await startSmtpSink();
  const store = process.env.REDIS_URL
    ? { redisKeyPrefix: `test:pair:${randomBytes(6).toString('hex')}:` }
    : { kv: new MemoryStore(options.clock) };
  // Two servers may share one SQLite file only with normal locking.
  const shared = {
    database,
    smtp,
    clock: options.clock,
    env: { SQLITE_LOCKING: 'normal', ...options.env },
    commandPush: options.commandPush,
    ...store,
  };
  const first = await startTestServer(shared);
  const second = await startTestServer(shared);
  return {
    first,
    second,
    smtp,
    async close() {
      await first.close();
      await second.close();
      await smtp.stop();
      await database.drop();
    },
  };
}
