// Configuration: every setting is documented in the README, the embedded defaults,
// parse errors that name the variable, and the optional CONFIG_FILE.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ConfigError, defaultPublicUrl, loadConfig, SETTINGS, sourceCommit, type SettingName } from '../src/config.js';
import { createDb, redactUrl, sqliteFile } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logging.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DAY = 24 * 3600 * 1000;

describe('README', () => {
  test('documents every setting as `NAME`', () => {
    const readmePath = join(ROOT, 'README.md');
    assert.ok(existsSync(readmePath), 'README.md exists');
    const readme = readFileSync(readmePath, 'utf8');
    const missing = Object.keys(SETTINGS).filter((name) => !readme.includes(`\`${name}\``));
    assert.deepEqual(missing, [], `settings missing from README.md: ${missing.join(', ')}`);
  });

  test('every setting has a doc string and a default string', () => {
    for (const [name, setting] of Object.entries(SETTINGS)) {
      assert.match(name, /^[A-Z][A-Z0-9_]*$/);
      assert.ok(setting.doc.length > 10, `${name} has a doc`);
      assert.equal(typeof setting.default, 'string', `${name} default`);
    }
  });
});

describe('loadConfig', () => {
  test('defaults run the embedded mode', () => {
    const config = loadConfig({});
    assert.equal(config.port, 9000);
    assert.equal(config.host, '127.0.0.1');
    // The address the server listens on and logs, so Hawk signatures made for it verify.
    assert.equal(config.publicUrl, 'http://127.0.0.1:9000');
    assert.equal(config.contentUrl, 'http://127.0.0.1:9000');
    assert.deepEqual(config.redirectDomains, ['127.0.0.1']);
    assert.equal(config.dataDir, resolve('data'));
    assert.equal(config.databaseUrl, `sqlite:${resolve('data', 'accounts.sqlite')}`);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.redisKeyPrefix, 'fxa:');
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.mailDir, resolve('data', 'mail'));
    assert.equal(config.mailFrom, 'Accounts <no-reply@localhost>');
    assert.deepEqual(config.corsOrigins, []);
    assert.equal(config.trustProxy, false);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.bodyLimitBytes, 16384);
    assert.equal(config.hawkTimestampSkewSeconds, 60);
    assert.equal(config.scryptConcurrency, availableParallelism());
    assert.equal(config.scryptQueueLimit, 64);
    assert.equal(config.scryptRetryAfterSeconds, 5);
    assert.equal(config.rateLimitEnabled, true);
    assert.equal(config.signinConfirmation.skipForNewAccountsHours, 48);
    // The documented default is empty: no address is forced to confirm its sign-ins.
    assert.equal(config.signinConfirmation.forcedEmailRegex, undefined);
    assert.equal(config.signinConfirmation.skipForEmailRegex, undefined);
    assert.equal(config.sessionTokenLifetimeMs, 28 * DAY);
    assert.equal(config.shutdownTimeoutMs, 10_000);
    assert.equal(loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '0' }).shutdownTimeoutMs, 0);
    assert.throws(() => loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '-1' }), /SHUTDOWN_TIMEOUT_SECONDS/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(config.version, pkg.version);
  });

  test('DATA_DIR moves the SQLite file and the mail folder', () => {
    const config = loadConfig({ DATA_DIR: '/srv/accounts' });
    assert.equal(config.dataDir, '/srv/accounts');
    assert.equal(config.databaseUrl, 'sqlite:/srv/accounts/accounts.sqlite');
    assert.equal(config.mailDir, '/srv/accounts/mail');
    assert.equal(loadConfig({ DATA_DIR: 'relative/dir' }).dataDir, resolve('relative/dir'));
  });

  test('explicit values replace the defaults', () => {
    const config = loadConfig({
      PORT: '8080',
      PUBLIC_URL: 'https://accounts.example.com/',
      CONTENT_URL: 'https://www.example.com//',
      DATABASE_URL: 'postgres://u@db:5432/accounts',
      REDIS_URL: 'redis://cache:6379/1',
      MAIL_DIR: '/var/mail/accounts',
      CORS_ORIGINS: 'https://a.example, https://b.example,,',
      TRUST_PROXY: 'yes',
      RATE_LIMIT_ENABLED: 'off',
      SCRYPT_CONCURRENCY: '3',
      SESSION_TOKEN_LIFETIME_DAYS: '7',
      SIGNIN_CONFIRMATION_SKIP_EMAIL_REGEX: '@test\\.example$',
      SIGNIN_CONFIRMATION_FORCE_EMAIL_REGEX: '',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'https://accounts.example.com');
    assert.equal(config.contentUrl, 'https://www.example.com');
    assert.equal(config.databaseUrl, 'postgres://u@db:5432/accounts');
    assert.equal(config.redisUrl, 'redis://cache:6379/1');
    assert.equal(config.mailDir, '/var/mail/accounts');
    assert.deepEqual(config.corsOrigins, ['https://a.example', 'https://b.example']);
    assert.equal(config.trustProxy, true);
    assert.equal(config.rateLimitEnabled, false);
    assert.equal(config.scryptConcurrency, 3);
    assert.equal(config.sessionTokenLifetimeMs, 7 * DAY);
    assert.ok(config.signinConfirmation.skipForEmailRegex?.test('x@test.example'));
    assert.equal(config.signinConfirmation.forcedEmailRegex, undefined);
  });

  test('booleans accept true/false, 1/0, yes/no, on/off in any case', () => {
    for (const raw of ['true', 'TRUE', '1', 'yes', 'On']) assert.equal(loadConfig({ TRUST_PROXY: raw }).trustProxy, true, raw);
    for (const raw of ['false', 'False', '0', 'no', 'OFF']) assert.equal(loadConfig({ TRUST_PROXY: raw }).trustProxy, false, raw);
  });

  test('overrides win over the environment', () => {
    assert.equal(loadConfig({ PORT: '1111' }, { PORT: '2222' }).port, 2222);
  });

  const badValues: Array<[SettingName, string]> = [
    ['PORT', 'abc'],
    ['PORT', '80.5'],
    ['BODY_LIMIT_BYTES', 'lots'],
    ['HAWK_TIMESTAMP_SKEW_SECONDS', '1 minute'],
    ['SCRYPT_QUEUE_LIMIT', 'NaN'],
    ['SCRYPT_RETRY_AFTER_SECONDS', '5s'],
    ['SESSION_TOKEN_LIFETIME_DAYS', '2.5'],
    ['SIGNIN_CONFIRMATION_SKIP_FOR_NEW_ACCOUNTS_HOURS', 'forever'],
    ['SCRYPT_CONCURRENCY', 'many'],
    ['SCRYPT_CONCURRENCY', '1.5'],
    ['RATE_LIMIT_ENABLED', 'maybe'],
    ['TRUST_PROXY', 'sometimes'],
    ['SIGNIN_CONFIRMATION_FORCE_EMAIL_REGEX', '(unclosed'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['LOG_LEVEL', 'verbose'],
    ['PUBLIC_URL', 'notaurl'],
    ['PUBLIC_URL', 'localhost:9000'],
    ['PUBLIC_URL', 'ftp://accounts.example.com'],
    ['PUBLIC_URL', 'https://accounts.example.com/v1'],
    ['PUBLIC_URL', 'https://accounts.example.com/?x=1'],
    ['PUBLIC_URL', 'https://user:pw@accounts.example.com'],
    ['PUBLIC_URL', 'https://accounts.example.com\nX-Injected: 1'],
    ['CONTENT_URL', 'www.example.com'],
    ['DATABASE_URL', 'redis://127.0.0.1:6379'],
  ];
  for (const [name, value] of badValues) {
    test(`${name}=${JSON.stringify(value)} throws one line naming ${name}`, () => {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (err: Error) => {
          assert.ok(err instanceof ConfigError, 'printed without a stack');
          assert.ok(err.message.includes(name), `message names the variable: ${err.message}`);
          assert.doesNotMatch(err.message, /\n/, 'one line');
          return true;
        },
      );
    });
  }

  test('PORT takes 0 to 65535, LOG_LEVEL any pino level in any case', () => {
    assert.equal(loadConfig({ PORT: '0', PUBLIC_URL: 'http://127.0.0.1:1' }).port, 0);
    assert.equal(loadConfig({ PORT: '65535' }).port, 65535);
    assert.equal(loadConfig({ LOG_LEVEL: 'WARN' }).logLevel, 'warn');
    assert.equal(loadConfig({ LOG_LEVEL: 'silent' }).logLevel, 'silent');
  });

  test('PUBLIC_URL defaults to the listening address; CONTENT_URL and REDIRECT_DOMAINS follow it', () => {
    const changedPort = loadConfig({ PORT: '8080' });
    assert.equal(changedPort.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(changedPort.contentUrl, 'http://127.0.0.1:8080');
    assert.deepEqual(changedPort.redirectDomains, ['127.0.0.1']);
    assert.equal(loadConfig({ HOST: '0.0.0.0', PORT: '9001' }).publicUrl, 'http://127.0.0.1:9001');
    assert.equal(loadConfig({ HOST: '::' }).publicUrl, 'http://localhost:9000');
    assert.equal(loadConfig({ HOST: '::1' }).publicUrl, 'http://[::1]:9000');
    assert.equal(loadConfig({ HOST: 'Accounts.internal' }).publicUrl, 'http://accounts.internal:9000');
    assert.equal(defaultPublicUrl('localhost', 1234), 'http://localhost:1234');
    // An explicit PUBLIC_URL wins, and is what the content and redirect defaults follow.
    const explicit = loadConfig({ HOST: '0.0.0.0', PUBLIC_URL: 'https://id.example.com/' });
    assert.equal(explicit.publicUrl, 'https://id.example.com');
    assert.equal(explicit.contentUrl, 'https://id.example.com');
    assert.deepEqual(explicit.redirectDomains, ['id.example.com']);
  });

  test('an empty integer setting never silently becomes 0', () => {
    // The documented defaults (README), not read from SETTINGS: the table is what is under test.
    const documentedDefaults = {
      PORT: 9000,
      BODY_LIMIT_BYTES: 16384,
      SCRYPT_QUEUE_LIMIT: 64,
      SESSION_TOKEN_LIFETIME_DAYS: 28,
    } as const;
    for (const name of ['PORT', 'BODY_LIMIT_BYTES', 'SCRYPT_QUEUE_LIMIT', 'SESSION_TOKEN_LIFETIME_DAYS'] as const) {
      let value: number | undefined;
      try {
        const config = loadConfig({ [name]: '' });
        value = {
          PORT: config.port,
          BODY_LIMIT_BYTES: config.bodyLimitBytes,
          SCRYPT_QUEUE_LIMIT: config.scryptQueueLimit,
          SESSION_TOKEN_LIFETIME_DAYS: config.sessionTokenLifetimeMs / DAY,
        }[name];
      } catch (err) {
        assert.ok((err as Error).message.includes(name), (err as Error).message);
        continue;
      }
      // Either refused (above) or treated as unset.
      assert.equal(value, documentedDefaults[name], `${name}='' gave ${value}`);
    }
  });
});

describe('CONFIG_FILE', () => {
  let dir: string;
  const file = async (name: string, content: unknown) => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('settings are read from the JSON file (numbers, booleans and arrays included)', async () => {
    const path = await file('settings.json', {
      PORT: 1234,
      PUBLIC_URL: 'https://id.example.org',
      CORS_ORIGINS: ['https://a.example', 'https://b.example'],
      RATE_LIMIT_ENABLED: false,
      REDIS_KEY_PREFIX: 'accounts:',
    });
    const config = loadConfig({ CONFIG_FILE: path });
    assert.equal(config.port, 1234);
    assert.equal(config.publicUrl, 'https://id.example.org');
    assert.deepEqual(config.corsOrigins, ['https://a.example', 'https://b.example']);
    assert.equal(config.rateLimitEnabled, false);
    assert.equal(config.redisKeyPrefix, 'accounts:');
    // Unset keys keep their defaults.
    assert.equal(config.bodyLimitBytes, 16384);
  });

  test('environment variables win over the file, overrides win over both', async () => {
    const path = await file('env-wins.json', { PORT: 1234, LOG_LEVEL: 'debug', MAIL_FROM: 'File <f@example.com>' });
    const config = loadConfig({ CONFIG_FILE: path, PORT: '5678', LOG_LEVEL: 'warn' });
    assert.equal(config.port, 5678);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.mailFrom, 'File <f@example.com>');
    assert.equal(loadConfig({ CONFIG_FILE: path, PORT: '5678' }, { PORT: '9999' }).port, 9999);
  });

  test('CONFIG_FILE may come from the overrides', async () => {
    const path = await file('override.json', { PORT: 4321 });
    assert.equal(loadConfig({}, { CONFIG_FILE: path }).port, 4321);
  });

  test('an unknown key throws, naming it', async () => {
    const path = await file('unknown.json', { PORT: 1, NOT_A_SETTING: 'x' });
    assert.throws(() => loadConfig({ CONFIG_FILE: path }), /NOT_A_SETTING/);
  });

  test('a bad value in the file throws, naming the variable', async () => {
    const path = await file('bad-value.json', { BODY_LIMIT_BYTES: 'big' });
    assert.throws(() => loadConfig({ CONFIG_FILE: path }), /BODY_LIMIT_BYTES/);
  });

  test('a file that is not a JSON object throws', async () => {
    const array = await file('array.json', [1, 2]);
    assert.throws(() => loadConfig({ CONFIG_FILE: array }), /object/);
    const invalid = await file('invalid.json', '{"PORT": ');
    assert.throws(() => loadConfig({ CONFIG_FILE: invalid }));
  });

  test('a missing file throws', () => {
    assert.throws(() => loadConfig({ CONFIG_FILE: join(dir, 'does-not-exist.json') }), /does-not-exist\.json/);
  });
});

describe('DATABASE_URL', () => {
  const cwd = '/work/here';

  test('SQLite URLs are read the way people write them', () => {
    const forms: Array<[string, string]> = [
      ['sqlite::memory:', ':memory:'],
      ['sqlite://:memory:', ':memory:'],
      ['sqlite:relative.sqlite', '/work/here/relative.sqlite'],
      ['sqlite:data/accounts.sqlite', '/work/here/data/accounts.sqlite'],
      ['sqlite:./data/accounts.sqlite', '/work/here/data/accounts.sqlite'],
      ['sqlite://relative.sqlite', '/work/here/relative.sqlite'],
      ['sqlite://data/accounts.sqlite', '/work/here/data/accounts.sqlite'],
      ['sqlite:/srv/accounts/a.sqlite', '/srv/accounts/a.sqlite'],
      ['sqlite:///srv/accounts/a.sqlite', '/srv/accounts/a.sqlite'],
      ['sqlite:////srv/accounts/a.sqlite', '/srv/accounts/a.sqlite'],
      ['sqlite:~/a.sqlite', join(homedir(), 'a.sqlite')],
    ];
    for (const [url, file] of forms) assert.equal(sqliteFile(url, cwd), file, url);
  });

  for (const url of ['sqlite:', 'sqlite://', 'sqlite:///accounts.sqlite', 'sqlite:data.sqlite?mode=ro']) {
    test(`${url} is refused with one line naming DATABASE_URL`, () => {
      assert.throws(
        () => sqliteFile(url, cwd),
        (err: Error) => err instanceof ConfigError && err.message.startsWith('DATABASE_URL ') && !err.message.includes('\n'),
      );
    });
  }

  test('messages never show the password', () => {
    assert.equal(redactUrl('mysql://root:hunter2@db:3306/accounts'), 'mysql://root:***@db:3306/accounts');
    assert.equal(redactUrl('postgres://u@db/a?password=hunter2'), 'postgres://u@db/a?password=***');
    assert.equal(redactUrl('sqlite:data/a.sqlite'), 'sqlite:data/a.sqlite');
  });

  test('a database that refuses connections fails the start with one line naming DATABASE_URL and the database', async () => {
    // Port 1 on the loopback interface: nothing listens there.
    for (const [url, kind] of [
      ['postgres://accounts:hunter2@127.0.0.1:1/accounts', 'PostgreSQL'],
      ['mysql://root:hunter2@127.0.0.1:1/accounts', 'MySQL/MariaDB'],
    ] as const) {
      const db = createDb(url);
      try {
        await assert.rejects(migrateToLatest(db), (err: Error) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.ok(err.message.startsWith('DATABASE_URL '), err.message);
          assert.ok(err.message.includes(kind), err.message);
          assert.ok(err.message.includes('ECONNREFUSED'), err.message);
          assert.ok(!err.message.includes('hunter2'), err.message);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        });
      } finally {
        await db.close();
      }
    }
  });
});

describe('commit reported by /__version__', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'commit-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const sha = (digit: string) => digit.repeat(40);

  test('GIT_COMMIT wins, then version.json, then .git, else unknown', async () => {
    const root = join(dir, 'app');
    await mkdir(root);
    assert.equal(sourceCommit(undefined, root), 'unknown');
    // A checkout on a branch, the ref packed.
    await mkdir(join(root, '.git'));
    await writeFile(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(root, '.git', 'packed-refs'), `# pack-refs\n${sha('1')} refs/heads/main\n`);
    assert.equal(sourceCommit(undefined, root), sha('1'));
    // A loose ref wins over the packed one.
    await mkdir(join(root, '.git', 'refs', 'heads'), { recursive: true });
    await writeFile(join(root, '.git', 'refs', 'heads', 'main'), `${sha('2')}\n`);
    assert.equal(sourceCommit(undefined, root), sha('2'));
    // Detached HEAD.
    await writeFile(join(root, '.git', 'HEAD'), `${sha('3')}\n`);
    assert.equal(sourceCommit(undefined, root), sha('3'));
    // Dockerflow's version.json, written by the build.
    await writeFile(join(root, 'version.json'), JSON.stringify({ source: 'x', version: '1', commit: 'abc1234' }));
    assert.equal(sourceCommit(undefined, root), 'abc1234');
    assert.equal(sourceCommit('fedcba9', root), 'fedcba9');
    assert.equal(loadConfig({ GIT_COMMIT: 'fedcba9' }).commit, 'fedcba9');
  });

  test('a linked worktree: .git is a file pointing at its git dir, refs live in the common dir', async () => {
    const common = join(dir, 'repo.git');
    const gitDir = join(common, 'worktrees', 'wt');
    await mkdir(gitDir, { recursive: true });
    await mkdir(join(common, 'refs', 'heads'), { recursive: true });
    await writeFile(join(gitDir, 'HEAD'), 'ref: refs/heads/feature\n');
    await writeFile(join(gitDir, 'commondir'), '../..\n');
    await writeFile(join(common, 'refs', 'heads', 'feature'), `${sha('4')}\n`);
    const root = join(dir, 'wt');
    await mkdir(root);
    await writeFile(join(root, '.git'), `gitdir: ${gitDir}\n`);
    assert.equal(sourceCommit(undefined, root), sha('4'));
  });
});

describe('log redaction', () => {
  test('masks verification codes where they travel, keeps error codes', () => {
    const lines: string[] = [];
    const logger = createLogger(
      { logLevel: 'info' },
      new Writable({ write: (line: Buffer, _encoding, done) => (lines.push(String(line)), done()) }),
    );
    logger.error({ err: { message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' } }, 'database down');
    logger.info({ body: { uid: 'u', code: 'a1b2c3' }, unblockCode: 'UNBLOCK1' }, 'request body');
    logger.info(
      { mail: { headers: { 'X-Verify-Code': 'feedface', 'x-unblock-code': 'UNBLOCK2', 'X-Template-Name': 'verify' } } },
      'mail',
    );
    logger.info(
      { req: { body: { code: '123456', unblockCode: 'UNBLOCK3' }, headers: { authorization: 'Bearer fxs_aaaa' } } },
      'nested',
    );
    const logged = { code: 'TOPCODE', authPW: 'PASSWORD1', token: { tokenData: 'TOKENDATA1' }, headers: { 'x-link': 'LINK1' } };
    logger.info(logged, 'top');
    assert.equal(logged.token.tokenData, 'TOKENDATA1', "the caller's object is not changed");
    const kept = { method: 'POST', url: '/v1/verify', status: 200 };
    logger.info(kept, 'request');
    const log = lines.join('');
    assert.match(log, /"code":"ECONNREFUSED"/);
    assert.match(log, /"X-Template-Name":"verify"/);
    assert.match(log, /"url":"\/v1\/verify"/);
    for (const secret of [
      'a1b2c3',
      'UNBLOCK1',
      'feedface',
      'UNBLOCK2',
      '123456',
      'UNBLOCK3',
      'fxs_aaaa',
      'TOPCODE',
      'PASSWORD1',
      'TOKENDATA1',
      'LINK1',
    ]) {
      assert.ok(!log.includes(secret), `${secret} is masked: ${log}`);
    }
  });
});
