// `accounts-server user add|list|show|delete|verify`: the operator's accounts are real ones,
// that our client signs in to with the password (v1 and v2 stretching) and fetches the same
// kB from; in process against a test server's services, and once as the binary on the
// configured DATABASE_URL.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseUserCommand, UserCommandError } from '../src/features/account/users-command.js';
import { ManualClock } from '../src/runtime.js';
import { createTestDatabase } from './helpers/database.js';
import { BEYOND_SIGNIN_SHORTCUTS, nextMail, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { runUser } from './helpers/users.js';

const ROOT = join(import.meta.dirname, '..');
const HEX32 = /^[0-9a-f]{32}$/;

/** The value of a `name<TAB>value` line. */
function field(lines: string[], name: string): string | undefined {
  return lines.find((line) => line.startsWith(`${name}\t`))?.slice(name.length + 1);
}

async function expectCommandError(run: Promise<unknown>, exitCode: 1 | 2, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof UserCommandError, String(err));
    assert.equal(err.exitCode, exitCode);
    assert.match(err.message, pattern);
    return true;
  });
}

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

describe('user add', () => {
  test('--verified --password-stdin: the client signs in (v1 and v2) and both give the same kB', async () => {
    const email = uniqueEmail('added');
    const mailsBefore = server.mail.messages.length;
    const lines = await runUser(server, ['add', email, '--verified', '--password-stdin'], PASSWORD);
    const uid = field(lines, 'uid');
    assert.match(uid ?? '', HEX32);
    assert.equal(field(lines, 'verified'), 'true');
    assert.equal(field(lines, 'password'), undefined, 'a typed password is never printed');

    const v1 = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(v1.uid, uid);
    assert.equal(v1.verified, true);
    assert.equal(v1.keyStretchVersion, 1);
    const keysV1 = await server.client.accountKeys(v1.keyFetchToken!, v1.unwrapBKey);

    const v2 = await server.client.signIn(email, PASSWORD, { keys: true, version: 2 });
    assert.equal(v2.keyStretchVersion, 2);
    const keysV2 = await server.client.accountKeys(v2.keyFetchToken!, v2.unwrapBKey);
    assert.equal(keysV2.kB, keysV1.kB);
    assert.equal(keysV2.kA, keysV1.kA);

    const status = await server.client.recoveryEmailStatus(v1.sessionToken);
    assert.equal(status.verified, true);
    // Sign-ins are announced (newDeviceLogin), but nobody is asked to verify the address.
    const templates = server.mail.messages.slice(mailsBefore).map((mail) => mail.headers['x-template-name']);
    assert.ok(!templates.includes('verify') && !templates.includes('verifyShortCode'), templates.join());
  });

  test('a pre-verified account confirms later sign-ins by mail like any other', async () => {
    const email = uniqueEmail('older');
    await runUser(server, ['add', email, '--verified', '--password-stdin'], PASSWORD);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const session = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(session.verified, false);
    const mail = await nextMail(server, email, 'verifyLogin');
    assert.ok(mail.headers['x-signin-verify-code'] ?? mail.headers['x-verify-code']);
  });

  test('generated password: printed once, and it works', async () => {
    const email = uniqueEmail('generated');
    const lines = await runUser(server, ['add', email, '--verified']);
    const password = field(lines, 'password');
    assert.match(password ?? '', /^[A-Za-z0-9_-]{22}$/);
    const session = await server.client.signIn(email, password!, { keys: true });
    const keys = await server.client.accountKeys(session.keyFetchToken!, session.unwrapBKey);
    assert.match(keys.kB, /^[0-9a-f]{64}$/);
  });

  test('unverified, then `user verify`: a new sign-in gets the keys', async () => {
    const email = uniqueEmail('unverified');
    const mailsBefore = server.mail.messages.length;
    const lines = await runUser(server, ['add', email, '--password-stdin'], PASSWORD);
    assert.equal(field(lines, 'verified'), 'false');
    assert.equal(server.mail.messages.length, mailsBefore, 'no mail at creation');
    const before = await server.client.signIn(email, PASSWORD);
    assert.equal((await server.client.recoveryEmailStatus(before.sessionToken)).verified, false);

    assert.match((await runUser(server, ['verify', email.toUpperCase()]))[0]!, /^verified\t/);
    assert.match((await runUser(server, ['verify', email]))[0]!, /^already verified\t/);
    const after = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(after.verified, true);
    await server.client.accountKeys(after.keyFetchToken!, after.unwrapBKey);
  });

  test('an address already taken, a short password, no password on stdin: exit 1, nothing stored', async () => {
    const email = uniqueEmail('taken');
    await runUser(server, ['add', email, '--verified', '--password-stdin'], PASSWORD);
    const snapshot = await server.snapshot();
    await expectCommandError(runUser(server, ['add', email.toUpperCase(), '--verified']), 1, /already belongs to an account/);
    await expectCommandError(runUser(server, ['add', uniqueEmail(), '--password-stdin'], 'short'), 1, /at least 8 characters/);
    await expectCommandError(runUser(server, ['add', uniqueEmail(), '--password-stdin']), 1, /add: no password/);
    assert.equal(await server.snapshot(), snapshot);
  });
});

describe('user list, show, delete', () => {
  test('list: email, uid, verified, created; show: sessions and devices', async () => {
    const email = uniqueEmail('listed');
    const uid = field(await runUser(server, ['add', email, '--verified', '--password-stdin'], PASSWORD), 'uid')!;
    const created = new Date(server.clock.now()).toISOString();
    const list = await runUser(server, ['list']);
    assert.ok(list.includes(`${email}\t${uid}\tverified\t${created}`), list.join('\n'));

    const session = await server.client.signIn(email, PASSWORD);
    await server.client.signIn(email, PASSWORD);
    await server.client.request('POST', '/account/device', {
      token: { kind: 'sessionToken', tokenData: session.sessionToken },
      body: { name: 'Test device', type: 'desktop' },
    });
    for (const who of [email, uid, uid.toUpperCase()]) {
      const shown = await runUser(server, ['show', who]);
      assert.equal(field(shown, 'uid'), uid);
      assert.equal(field(shown, 'email'), email);
      assert.equal(field(shown, 'verified'), 'true');
      assert.equal(field(shown, 'created'), created);
      assert.equal(field(shown, 'sessions'), '2');
      assert.equal(field(shown, 'devices'), '1');
    }
  });

  test('delete needs --yes; then the account is gone and its sessions stop working', async () => {
    const email = uniqueEmail('deleted');
    const uid = field(await runUser(server, ['add', email, '--verified', '--password-stdin'], PASSWORD), 'uid')!;
    const session = await server.client.signIn(email, PASSWORD);
    const snapshot = await server.snapshot();
    await expectCommandError(runUser(server, ['delete', email]), 1, /add --yes/);
    assert.equal(await server.snapshot(), snapshot, 'nothing deleted without --yes');

    assert.deepEqual(await runUser(server, ['delete', uid, '--yes']), [`deleted\t${email}\t${uid}`]);
    assert.equal((await server.client.accountStatusByEmail(email)).exists, false);
    await assert.rejects(server.client.recoveryEmailStatus(session.sessionToken), (err: { errno?: number }) => err.errno === 110);
    assert.ok(!(await runUser(server, ['list'])).some((line) => line.includes(uid)));
    await expectCommandError(runUser(server, ['show', uid]), 1, /no account with uid/);
    await expectCommandError(runUser(server, ['delete', email, '--yes']), 1, /no account with address/);
  });
});

describe('parseUserCommand', () => {
  test('wrong command lines: exit 2 with the problem', () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['add'], /usage: accounts-server user add EMAIL/],
      [['add', 'not-an-address'], /not an email address/],
      [['add', 'a@b.example', '--yes'], /add takes no --yes/],
      [['add', 'a@b.example', '--bogus'], /Unknown option '--bogus'/],
      [['list', 'x'], /list takes no arguments/],
      [['show'], /usage: accounts-server user show EMAIL\|UID/],
      [['delete', 'a@b.example', '--verified'], /delete takes no --verified/],
    ];
    for (const [args, pattern] of cases) {
      assert.throws(
        () => parseUserCommand(args),
        (err: unknown) => err instanceof UserCommandError && err.exitCode === 2 && pattern.test(err.message),
        args.join(' '),
      );
    }
    assert.deepEqual(parseUserCommand([]), { action: 'help' });
    assert.deepEqual(parseUserCommand(['--help']), { action: 'help' });
    assert.deepEqual(parseUserCommand(['delete', 'a@b.example', '-y']), { action: 'delete', who: 'a@b.example', yes: true });
  });

  test('show with something neither an address nor a uid', async () => {
    await expectCommandError(runUser(server, ['show', 'nobody']), 2, /expected an email address or a uid/);
  });
});

/** `accounts-server …` as an operator runs it, with `input` on stdin. */
function runMain(
  args: string[],
  env: Record<string, string>,
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('accounts-server user (the binary)', () => {
  test('add on the configured database; a server on it signs the user in; show, --help', async () => {
    const database = await createTestDatabase({ shared: true });
    try {
      const env = { DATABASE_URL: database.url, SQLITE_LOCKING: 'normal', DATA_DIR: join(tmpdir(), 'accounts-users-unused') };
      const email = uniqueEmail('binary');
      const added = await runMain(['user', 'add', email, '--verified', '--password-stdin'], env, `${PASSWORD}\n`);
      assert.equal(added.code, 0, added.stderr);
      const uid = /^uid\t([0-9a-f]{32})$/m.exec(added.stdout)?.[1];
      assert.ok(uid, added.stdout);
      // stdout carries results only: no log lines, no password.
      assert.equal(added.stdout, `uid\t${uid}\nemail\t${email}\nverified\ttrue\n`);

      const live = await startTestServer({ database, clock: new ManualClock(Date.now()), env: { SQLITE_LOCKING: 'normal' } });
      try {
        const session = await live.client.signIn(email, PASSWORD, { keys: true, version: 2 });
        assert.equal(session.uid, uid);
        assert.equal(session.verified, true);
        await live.client.accountKeys(session.keyFetchToken!, session.unwrapBKey);
      } finally {
        await live.close();
      }

      const shown = await runMain(['user', 'show', email], env);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^sessions\t1$/m);

      const refused = await runMain(['user', 'delete', email], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^accounts-server user: delete: .* add --yes/);
      const wrong = await runMain(['user', 'add'], env);
      assert.equal(wrong.code, 2);
      const help = await runMain(['--help'], env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^ {2}user {7}add\|list\|show\|delete\|verify accounts$/m);
    } finally {
      await database.drop();
    }
  });
});
