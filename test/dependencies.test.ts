// Broken dependencies: Redis behind a TCP proxy the test controls goes away, stalls and comes
// back (requests answer 503 errno 201 with Retry-After within a bound, then work again without
// a restart); start-up with an unreachable database, Redis, SMTP relay or MAIL_DIR fails within
// seconds naming the setting; /__heartbeat__ reports each dependency and never hangs.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig, type SettingName } from '../src/config.js';
import { createDb, isDatabaseUnavailable, pingDb } from '../src/db/index.js';
import { createTestDatabase } from './helpers/database.js';
import { PASSWORD, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startSmtpSink } from './helpers/smtp-sink.js';

const REDIS_PORT = 6379;
const POSTGRES_PORT = 5432;

/** A TCP proxy in front of a local service that the test can close, reopen, stall and resume. */
interface Proxy {
  port: number;
  /** Stops listening and drops every connection (the service is gone: connections refused). */
  close(): Promise<void>;
  /** Listens again on the same port. */
  reopen(): Promise<void>;
  /** Accepts connections but forwards nothing, either way, until resume(). */
  stall(): void;
  resume(): void;
}

async function startProxy(targetPort: number): Promise<Proxy> {
  let server: Server | undefined;
  let stalled = false;
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  let port = 0;

  function forward(client: Socket): void {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('data', (chunk: Buffer) => {
        if (!to.destroyed) to.write(chunk);
      });
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      from.on('error', () => to.destroy());
    }
  }

  async function listen(): Promise<void> {
    server = createServer((client) => {
      sockets.add(client);
      client.on('error', () => client.destroy());
      if (stalled) {
        client.pause();
        held.push(() => forward(client));
      } else forward(client);
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as { port: number }).port;
  }

  await listen();
  return {
    get port() {
      return port;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      held.length = 0;
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
    reopen: listen,
    stall() {
      stalled = true;
      // Reading stops, so nothing is forwarded; what was sent waits in the socket buffers.
      for (const socket of sockets) socket.pause();
    },
    resume() {
      stalled = false;
      for (const socket of sockets) socket.resume();
      for (const start of held.splice(0)) start();
    },
  };
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Timed {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  ms: number;
}

async function post(server: TestServer, path: string, body: unknown): Promise<Timed> {
  const started = Date.now();
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
    ms: Date.now() - started,
  };
}

async function heartbeat(origin: string): Promise<Timed> {
  const started = Date.now();
  const response = await fetch(`${origin}/__heartbeat__`);
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
    ms: Date.now() - started,
  };
}

/** Retries `probe` until it returns true (ioredis reconnects at most a second apart). */
async function eventually(probe: () => Promise<boolean>, withinMs = 8_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`not recovered within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Short bounds so the suite stays quick; the defaults are 2 s and 10 s.
const FAST: Partial<Record<SettingName, string>> = { DEPENDENCY_TIMEOUT_MS: '1000', STARTUP_CHECK_SECONDS: '1' };
/** Bound on a request that hits an unavailable dependency: the timeout plus slack for a loaded machine. */
const BOUND_MS = 4_000;

function assertServerBusy(response: Timed): void {
  assert.equal(response.status, 503, JSON.stringify(response.body));
  assert.equal(response.body.errno, 201);
  assert.equal(response.body.retryAfter, 5);
  assert.equal(response.headers.get('retry-after'), '5');
  assert.ok(response.ms < BOUND_MS, `answered in ${response.ms} ms`);
}

const redisUp = await reachable(REDIS_PORT);

describe('Redis goes away, stalls and comes back', { skip: !redisUp && 'no Redis at 127.0.0.1:6379' }, () => {
  let proxy: Proxy;
  let server: TestServer;
  before(async () => {
    proxy = await startProxy(REDIS_PORT);
    server = await startTestServer({ env: { ...FAST, REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  after(async () => {
    await server?.close();
    await proxy?.close();
  });

  // Rate limits count in Redis, so this request needs it.
  const status = () => post(server, '/account/status', { email: uniqueEmail('status') });

  test('with the proxy up requests work and the heartbeat says redis ok', async () => {
    assert.equal((await status()).status, 200);
    const beat = await heartbeat(server.origin);
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.equal(beat.body.redis, 'ok');
    assert.equal(beat.body.database, 'ok');
    assert.equal(beat.body.smtp, 'ok');
  });

  test('Redis gone: 503 errno 201 with Retry-After, heartbeat 500; back: works without a restart', async () => {
    await proxy.close();
    assertServerBusy(await status());
    assertServerBusy(await post(server, '/account/create', { email: uniqueEmail('gone'), authPW: '0'.repeat(64) }));
    const beat = await heartbeat(server.origin);
    assert.equal(beat.status, 500);
    assert.equal(beat.body.redis, 'error');
    assert.equal(beat.body.database, 'ok');
    assert.ok(beat.ms < BOUND_MS, `heartbeat took ${beat.ms} ms`);

    await proxy.reopen();
    await eventually(async () => (await status()).status === 200);
    await server.client.signUp(uniqueEmail('after-outage'), PASSWORD);
    assert.equal((await heartbeat(server.origin)).status, 200);
  });

  test('Redis stalled: bounded 503 instead of a hang, heartbeat 500 quickly; resumed: works again', async () => {
    proxy.stall();
    assertServerBusy(await status());
    // Later requests (the stalled connection was dropped; the new one gets no handshake) stay bounded too.
    assertServerBusy(await status());
    const beat = await heartbeat(server.origin);
    assert.equal(beat.status, 500);
    assert.equal(beat.body.redis, 'error');
    assert.ok(beat.ms < BOUND_MS, `heartbeat took ${beat.ms} ms`);

    proxy.resume();
    await eventually(async () => (await status()).status === 200);
    await server.client.signUp(uniqueEmail('after-stall'), PASSWORD);
  });
});

describe('start-up checks every configured dependency', () => {
  let mailDir: string;
  before(async () => {
    mailDir = await mkdtemp(join(tmpdir(), 'deps-mail-'));
  });
  after(async () => {
    await rm(mailDir, { recursive: true, force: true });
  });

  function config(settings: Partial<Record<SettingName, string>>) {
    return loadConfig(
      {},
      {
        PORT: '0',
        DATABASE_URL: 'sqlite::memory:',
        MAIL_DIR: mailDir,
        REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:`,
        ...FAST,
        ...settings,
      },
    );
  }

  /** buildApp must reject within a few seconds with a message naming `setting`. */
  async function expectStartupFailure(settings: Partial<Record<SettingName, string>>, setting: string): Promise<string> {
    const started = Date.now();
    const app = await buildApp(config(settings), pino({ level: 'silent' })).then(
      (built) => built,
      (err: unknown) => err as Error,
    );
    if (!(app instanceof Error)) {
      await app.close();
      assert.fail('buildApp should have rejected');
    }
    const elapsed = Date.now() - started;
    assert.match(app.message, new RegExp(`\\b${setting}\\b`));
    // One second of retries plus one attempt's timeout, with slack.
    assert.ok(elapsed < 6_000, `failed after ${elapsed} ms`);
    return app.message;
  }

  test('REDIS_URL on a closed port', async () => {
    await expectStartupFailure({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` }, 'REDIS_URL');
  });

  test('REDIS_URL behind a proxy that never answers', async () => {
    const proxy = await startProxy(REDIS_PORT);
    proxy.stall();
    try {
      await expectStartupFailure({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, 'REDIS_URL');
    } finally {
      proxy.resume();
      await proxy.close();
    }
  });

  test('DATABASE_URL (PostgreSQL) on a closed port, without showing the password', async () => {
    const message = await expectStartupFailure(
      { DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${await closedPort()}/test` },
      'DATABASE_URL',
    );
    assert.doesNotMatch(message, /s3cret/);
  });

  test('DATABASE_URL (MariaDB) on a closed port', async () => {
    await expectStartupFailure({ DATABASE_URL: `mysql://root@127.0.0.1:${await closedPort()}/test` }, 'DATABASE_URL');
  });

  test('SMTP_URL on a closed port', async () => {
    await expectStartupFailure({ SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` }, 'SMTP_URL');
  });

  test('MAIL_DIR that cannot be written (under a file)', async () => {
    const file = join(mailDir, 'not-a-folder');
    await writeFile(file, '');
    await expectStartupFailure({ MAIL_DIR: join(file, 'mail') }, 'MAIL_DIR');
  });

  test('the heartbeat reports MAIL_DIR and the SMTP relay', async () => {
    const dir = join(mailDir, 'heartbeat');
    const app = await buildApp(config({ MAIL_DIR: dir }), pino({ level: 'silent' }));
    try {
      const origin = await app.server.listen({ port: 0, host: '127.0.0.1' });
      assert.deepEqual((await heartbeat(origin)).body, { database: 'ok', store: 'ok', mailDir: 'ok' });
      await rm(dir, { recursive: true });
      await writeFile(dir, ''); // the folder is now a file: nothing can be written there
      const beat = await heartbeat(origin);
      assert.equal(beat.status, 500);
      assert.equal(beat.body.mailDir, 'error');
    } finally {
      await app.close();
      await rm(dir, { force: true });
    }

    const relay = await startSmtpSink();
    const smtpApp = await buildApp(config({ SMTP_URL: relay.url }), pino({ level: 'silent' }));
    try {
      const origin = await smtpApp.server.listen({ port: 0, host: '127.0.0.1' });
      assert.equal((await heartbeat(origin)).body.smtp, 'ok');
      await relay.stop();
      const beat = await heartbeat(origin);
      assert.equal(beat.status, 500);
      assert.equal(beat.body.smtp, 'error');
      assert.ok(beat.ms < BOUND_MS, `heartbeat took ${beat.ms} ms`);
    } finally {
      await smtpApp.close();
    }
  });
});

describe('database outages are classified as unavailable', { skip: !(await reachable(POSTGRES_PORT)) && 'no PostgreSQL' }, () => {
  test('PostgreSQL gone or stalled: bounded failure that isDatabaseUnavailable recognises', async () => {
    const proxy = await startProxy(POSTGRES_PORT);
    const db = createDb(`postgres://postgres@127.0.0.1:${proxy.port}/test`, { connectTimeoutMs: 1000, queryTimeoutMs: 1000 });
    try {
      await pingDb(db);
      proxy.stall();
      let started = Date.now();
      let err = await pingDb(db).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isDatabaseUnavailable(err), `stalled: ${String(err)}`);
      assert.ok(Date.now() - started < BOUND_MS);
      proxy.resume();
      await proxy.close();
      started = Date.now();
      err = await pingDb(db).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isDatabaseUnavailable(err), `gone: ${String(err)}`);
      assert.ok(Date.now() - started < BOUND_MS);
      await proxy.reopen();
      await eventually(() =>
        pingDb(db).then(
          () => true,
          () => false,
        ),
      );
    } finally {
      await db.close();
      await proxy.close();
    }
  });

  test('PostgreSQL gone under the OAuth routes: 503 in the OAuth table (errno 201), then back', async () => {
    const database = await createTestDatabase({}, `postgres://postgres@127.0.0.1:${POSTGRES_PORT}/test`);
    const proxy = await startProxy(POSTGRES_PORT);
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    const server = await startTestServer({ env: FAST, database: { url: proxied.href, drop: async () => {} } });
    const verify = () => post(server, '/verify', { token: 'ab'.repeat(32) });
    try {
      assert.equal((await verify()).body.errno, 108);
      await proxy.close();
      assertServerBusy(await verify());
      await proxy.reopen();
      await eventually(async () => (await verify()).status === 400);
    } finally {
      await server.close();
      await proxy.close();
      await database.drop();
    }
  });

  test('a statement error is not an outage', async () => {
    const db = createDb('postgres://postgres@127.0.0.1:5432/test');
    try {
      const err = await db.kysely
        .selectFrom('no_such_table' as never)
        .selectAll()
        .execute()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(err instanceof Error);
      assert.equal(isDatabaseUnavailable(err), false);
    } finally {
      await db.close();
    }
  });
});
