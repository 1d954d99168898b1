// The server as a process: `npm start` runs one node process that signals reach, SIGTERM
// drains requests in flight within SHUTDOWN_TIMEOUT_SECONDS, a second signal exits at once,
// and `migrate` against a server holding the SQLite file exclusively fails fast and clearly.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAUNCHER = join(ROOT, 'bin/accounts-server.cjs');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function serverEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    REMINDER_INTERVAL_SECONDS: '0',
    ...extra,
  };
  // The test runner's own loader and flags must not leak into the server, nor the service
  // legs' databases: this is about the embedded default (SQLite file, exclusive lock).
  for (const name of ['NODE_OPTIONS', 'UV_THREADPOOL_SIZE', 'DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'CONFIG_FILE']) delete env[name];
  return env;
}

/** Runs `node bin/accounts-server.cjs <args>` to completion. */
function runLauncher(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

interface Server {
  child: ChildProcess;
  /** The node process that serves (from its log lines), which may differ from `child`. */
  pid: number;
  port: number;
  output: () => string;
  lines: () => Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<Server>();

/** Starts `npm start` (or the launcher directly) and waits for its "listening" line. */
async function startServer(how: 'npm' | 'node', env: NodeJS.ProcessEnv): Promise<Server> {
  const child =
    how === 'npm'
      ? spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      : spawn(process.execPath, [LAUNCHER, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const deadline = Date.now() + 60_000; // the launcher may have to build dist/ first
  for (;;) {
    const listening = lines().find((line) => typeof line.msg === 'string' && line.msg.startsWith('listening'));
    if (listening) {
      const server: Server = {
        child,
        pid: listening.pid as number,
        port: Number(new URL(listening.address as string).port),
        output: () => output,
        lines,
        exited,
      };
      started.add(server);
      return server;
    }
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      // The whole process group: killing npm alone would orphan the server it started.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A request the server has started (it answered `100 Continue` to the headers, so the
 * request is in flight, not an idle connection) whose body the test sends later, if ever.
 */
async function slowRequest(port: number): Promise<{ socket: Socket; finish: () => void; response: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const response = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.on('error', () => {});
  socket.write(
    'POST /v1/get_random_bytes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      'Content-Length: 2\r\nExpect: 100-continue\r\n\r\n',
  );
  await eventually(() => received.includes('100 Continue'), 'the server took the request');
  return { socket, finish: () => socket.write('{}'), response };
}

let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fxa-process-'));
  // Creates the database with the server stopped; the launcher also builds dist/ here when it
  // is missing or older than src/ (the one build of this file).
  const run = await runLauncher(['migrate'], serverEnv(dataDir));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /database migrated/);
});

after(async () => {
  for (const server of started) {
    // Whatever a failed test left running: the whole process group.
    for (const pid of [-server.child.pid!, server.pid]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  test('SIGTERM to npm reaches the server, which drains the request in flight and exits; no process is left', async () => {
    const server = await startServer('npm', serverEnv(dataDir));
    assert.ok(alive(server.pid));

    // An operator command while the server holds the SQLite file: one clear line, at once.
    const migrate = await runLauncher(['migrate'], serverEnv(dataDir));
    assert.equal(migrate.code, 1);
    assert.match(migrate.stderr, /^migrate: another process holds the SQLite database .*SQLITE_LOCKING=exclusive.*restart it/m);
    assert.ok(migrate.ms < 5000, `migrate gave up after ${migrate.ms} ms`);

    const request = await slowRequest(server.port);
    server.child.kill('SIGTERM'); // npm's pid, as a terminal or a service manager would

    await eventually(() => refusesConnections(server.port), 'the server stops accepting connections');
    assert.ok(
      server
        .lines()
        .some((line) => line.msg === 'shutting down: no new connections, draining requests in flight' && line.signal === 'SIGTERM'),
      server.output(),
    );
    assert.ok(alive(server.pid), 'the server waits for the request in flight');

    request.finish();
    const response = await request.response;
    assert.match(response, /HTTP\/1\.1 200 OK/);
    assert.match(response, /"data":"[0-9a-f]{64}"/);

    const { code } = await server.exited;
    assert.equal(code, 0, server.output());
    await eventually(() => !alive(server.pid), 'the server process is gone');
    assert.ok(server.lines().some((line) => line.msg === 'stopped'));

    // Stopped, the database is free again.
    const again = await runLauncher(['migrate'], serverEnv(dataDir));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /database already up to date/);
  });
});

describe('shutdown', () => {
  test('requests in flight get SHUTDOWN_TIMEOUT_SECONDS, then their connections close and the server exits 0', async () => {
    const server = await startServer('node', serverEnv(dataDir, { SHUTDOWN_TIMEOUT_SECONDS: '1' }));
    const request = await slowRequest(server.port);
    const signalled = Date.now();
    process.kill(server.pid, 'SIGTERM');
    const { code } = await server.exited;
    const ms = Date.now() - signalled;
    assert.equal(code, 0, server.output());
    assert.ok(ms >= 900 && ms < 5000, `exited after ${ms} ms`);
    assert.ok(server.lines().some((line) => line.level === 40 && /still in flight/.test(line.msg as string)));
    await request.response; // the connection was closed
  });

  test('a second signal exits at once', async () => {
    const server = await startServer('node', serverEnv(dataDir, { SHUTDOWN_TIMEOUT_SECONDS: '60' }));
    const request = await slowRequest(server.port);
    process.kill(server.pid, 'SIGTERM');
    await eventually(() => server.lines().some((line) => line.signal === 'SIGTERM'), 'the first signal is logged');
    process.kill(server.pid, 'SIGINT');
    const { code } = await server.exited;
    assert.equal(code, 1);
    assert.ok(server.lines().some((line) => line.msg === 'second signal: exiting without waiting for requests in flight'));
    request.socket.destroy();
  });
});
