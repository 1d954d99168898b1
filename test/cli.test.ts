// The command-line client (`accounts-server fxa …`) run as a user runs it: a child process
// against the real server, the password from ACCOUNTS_PASSWORD or a file, and the codes out of
// the delivered mail typed on its stdin. The client signs Hawk with the wall clock, so the
// server runs on a clock set to real time (it accepts ±60 s of skew).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fingerprint } from '../src/cli/client.js';
import { apiBaseUrl } from '../src/client/index.js';
import { ManualClock } from '../src/runtime.js';
import { nextMail, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ROOT = join(import.meta.dirname, '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Typed on stdin once it resolves (e.g. once the mail arrived); otherwise stdin is closed at once. */
  answer?: () => Promise<string>;
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'accounts-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[], options: RunOptions = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'fxa', ...args], {
    cwd: ROOT,
    // No server settings at all: the client must not need (or trip over) them.
    env: { PATH: process.env.PATH, HOME: dir, ACCOUNTS_PASSWORD: PASSWORD, PORT: 'not a port', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  if (options.answer) {
    void options.answer().then(
      (line) => child.stdin.end(`${line}\n`),
      () => child.stdin.end(),
    );
  } else {
    child.stdin.end();
  }
  return exited.then((code) => ({ code, stdout, stderr }));
}

function expectOk(run: Run): Run {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

function fingerprints(stdout: string): string[] {
  return [...stdout.matchAll(/^(kA|kB) fingerprint: (sha256:[0-9a-f]{16})$/gm)].map((match) => `${match[1]} ${match[2]}`);
}

async function withServer(env: Record<string, string>, run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ clock: new ManualClock(Date.now()), env });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

test('apiBaseUrl takes PUBLIC_URL with or without /v1', () => {
  assert.equal(apiBaseUrl('http://127.0.0.1:9000'), 'http://127.0.0.1:9000/v1');
  assert.equal(apiBaseUrl('http://127.0.0.1:9000/'), 'http://127.0.0.1:9000/v1');
  assert.equal(apiBaseUrl('http://127.0.0.1:9000/v1'), 'http://127.0.0.1:9000/v1');
  assert.equal(apiBaseUrl('https://api.accounts.example.org/v1/'), 'https://api.accounts.example.org/v1');
  assert.equal(apiBaseUrl('https://example.org/auth'), 'https://example.org/auth/v1');
  assert.throws(() => apiBaseUrl('ftp://example.org'), /not an http\(s\) URL/);
  assert.throws(() => apiBaseUrl('example.org'), /not a URL/);
});

test('signup → verify → login --keys (confirmed with the mailed code) → keys → status → destroy', async () => {
  // Every sign-in must be confirmed, so login --keys has to read the 6-digit code.
  await withServer({ SIGNIN_CONFIRMATION_FORCE_ALL: 'true' }, async (server) => {
    const email = uniqueEmail('cli');
    const state = join(dir, 'flow.json');
    // The origin without /v1, as PUBLIC_URL is written; from the environment, as a user sets it.
    const env = { ACCOUNTS_SERVER: server.origin };

    // No code on stdin: sign-up succeeds and says how to verify later.
    const signup = expectOk(await runCli(['signup', email, '--state', state], { env }));
    assert.match(
      signup.stdout,
      new RegExp(`^Signed up ${email.replace(/\./g, '\\.')} \\(uid [0-9a-f]{32}\\) at ${server.url}\\.$`, 'm'),
    );
    assert.match(signup.stderr, /data\/mail\/.*X-Verify-Code/);
    assert.match(signup.stderr, /accounts-server fxa verify CODE/);
    const saved = await readFile(state, 'utf8');
    assert.equal((await stat(state)).mode & 0o777, 0o600);
    assert.ok(!saved.includes(PASSWORD));
    assert.deepEqual(Object.keys(JSON.parse(saved) as object).sort(), [
      'email',
      'keyStretchVersion',
      'server',
      'sessionToken',
      'uid',
    ]);

    const verifyMail = await nextMail(server, email, 'verify');
    const verify = expectOk(await runCli(['verify', verifyMail.headers['x-verify-code']!, '--state', state], { env }));
    assert.equal(verify.stdout, `Confirmed ${email}.\n`);

    const login = expectOk(
      await runCli(['login', email, '--keys', '--state', state], {
        env,
        answer: async () => (await nextMail(server, email, 'verifyLoginCode')).headers['x-signin-verify-code']!,
      }),
    );
    assert.match(login.stdout, /^Signed in as /m);
    assert.match(login.stdout, /^Confirmed /m);
    assert.match(login.stderr, /X-Signin-Verify-Code/);
    const loginKeys = fingerprints(login.stdout);
    assert.equal(loginKeys.length, 2, login.stdout);
    assert.ok(!login.stdout.includes(JSON.parse(await readFile(state, 'utf8')).sessionToken), 'token printed');

    // keys re-authenticates the confirmed session: no code needed, same keys.
    const keys = expectOk(await runCli(['keys', '--state', state], { env }));
    assert.deepEqual(fingerprints(keys.stdout), loginKeys);
    const shown = expectOk(await runCli(['keys', '--show-keys', '--state', state], { env }));
    const hex = Object.fromEntries([...shown.stdout.matchAll(/^(kA|kB): ([0-9a-f]{64})$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(
      loginKeys,
      ['kA', 'kB'].map((name) => `${name} ${fingerprint(hex[name]!)}`),
    );

    const status = expectOk(await runCli(['status', '--state', state], { env }));
    assert.match(status.stdout, new RegExp(`^server: ${server.url}$`, 'm'));
    assert.match(status.stdout, /^email: verified$/m);
    assert.match(status.stdout, /^session: verified$/m);

    const destroy = expectOk(await runCli(['destroy', email, '--state', state], { env }));
    assert.match(destroy.stdout, /^Deleted the account /);
    await assert.rejects(stat(state), { code: 'ENOENT' });
    assert.equal((await server.client.accountStatusByEmail(email)).exists, false);

    const after = await runCli(['status', '--state', state], { env });
    assert.equal(after.code, 2);
    assert.match(after.stderr, /no saved session/);
  });
});

test('v2 sign-up with the code typed in, base URL with /v1, password from a file; a wrong password is one line with errno 103', async () => {
  await withServer({}, async (server) => {
    const email = uniqueEmail('cli-v2');
    const state = join(dir, 'v2.json');
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    const common = ['--server', server.url, '--state', state, '--password-file', passwordFile];
    const env = { ACCOUNTS_PASSWORD: '' };

    const signup = expectOk(
      await runCli(['signup', email, '--v2', ...common], {
        env,
        answer: async () => (await nextMail(server, email, 'verify')).headers['x-verify-code']!,
      }),
    );
    assert.match(signup.stdout, /^Confirmed /m);
    assert.equal((await server.client.credentialsStatus(email)).currentVersion, 'v2');

    const login = expectOk(await runCli(['login', email, '--keys', '--v2', ...common], { env }));
    assert.equal(fingerprints(login.stdout).length, 2, login.stdout);
    const status = expectOk(await runCli(['status', ...common], { env }));
    assert.match(status.stdout, /^key stretching: v2$/m);

    const wrong = await runCli(['login', email, '--server', server.url, '--state', state], {
      env: { ACCOUNTS_PASSWORD: 'not the password' },
    });
    assert.notEqual(wrong.code, 0);
    assert.equal(wrong.stdout, '');
    assert.match(wrong.stderr, /^accounts-server fxa: errno 103: .*\(HTTP 400\)\n$/);

    // The saved session survived the failed login; logout ends it.
    expectOk(await runCli(['logout', ...common], { env }));
    await assert.rejects(stat(state), { code: 'ENOENT' });
  });
});
