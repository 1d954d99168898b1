// The OAuth client registry: built-in browsers, OAUTH_CLIENTS (hashes only; a plaintext secret
// is refused with the hash to use), OAUTH_DISABLED_CLIENTS; the client-authentication rules of
// the token endpoints; the `client` admin command on whichever database DATABASE_URL names
// (and once through the real binary); GET /v1/client/:id and its auth-server twin over HTTP.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { OAuthError } from '../src/errors.js';
import { assertEnabled, checkClientSecret, parseClientCredentials, redirectUriFor } from '../src/features/oauth/client-auth.js';
import { ClientRegistry, type OAuthClient } from '../src/features/oauth/clients.js';
import { ClientCommandError, parseClientCommand, runClientCommand } from '../src/features/oauth/clients-command.js';
import { createTestDatabase, snapshot, type TestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

// OAUTH_AND_PAYMENTS.md §0: Mozilla's dev client 123done and its previous secret.
const SECRET = 'b93ef8a8f3e553a430d7e5b904c6132b2722633af9f03128029201d24a97f2a8';
const HASHED = '289a885946ee316844d9ffd0d725ee714901548a1e6507f1a40fb3c2ae0c99f1';
const SECRET_PREVIOUS = 'ec62e3281e3b56e702fe7e82ca7b1fa59d6c2a6766d6d28cccbf8bfa8d5fc8a8';
const HASHED_PREVIOUS = '0726282857047586fb4edc335b5492ef1e4a0d95d3f1114627bb89b4e57cf6e1';

const FIREFOX = '5882386c6d801776';
const BUILTIN_IDS = [FIREFOX, '1b1a3e44c54fbb58', 'a2270f727f45f648', '3332a18d142636cb', '3c49430b43dfba77'];
const OLDSYNC = 'https://identity.mozilla.com/apps/oldsync';
const SESSION = 'https://identity.mozilla.com/tokens/session';

const DONE = {
  id: 'dcdb5ae7add825d2',
  hashedSecret: HASHED,
  hashedSecretPrevious: HASHED_PREVIOUS,
  name: '123Done',
  imageUri: 'https://mozorg.cdn.mozilla.net/media/img/firefox/new/header-firefox.png',
  redirectUri: 'http://127.0.0.1:8080/api/oauth,http://127.0.0.1:8080/other',
  trusted: true,
  canGrant: false,
  termsUri: '',
};
const PKCE = {
  id: '38a6b9b3a65a1871',
  name: '123Done PKCE',
  imageUri: '',
  redirectUri: 'http://127.0.0.1:8080/?oauth_pkce_redirect=1',
  trusted: true,
  canGrant: false,
  publicClient: true,
  allowedScopes: OLDSYNC,
};

const clientsSetting = (...clients: object[]) => JSON.stringify(clients);

/** The ConfigError loadConfig throws for these settings. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({}, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

function oauthErrno(work: () => unknown): number {
  try {
    work();
  } catch (err) {
    assert.ok(err instanceof OAuthError, String(err));
    return err.errno;
  }
  assert.fail('expected an OAuthError');
}

const basic = (text: string, padded = true) => {
  const encoded = Buffer.from(text).toString('base64');
  return `Basic ${padded ? encoded : encoded.replace(/=+$/, '')}`;
};

async function openDb(database: TestDatabase): Promise<Db> {
  const db = createDb(database.url, { sqliteLocking: 'normal' });
  await migrateToLatest(db);
  return db;
}

function registryFor(db: Db, env: Record<string, string> = {}): ClientRegistry {
  const config = loadConfig({}, env);
  return new ClientRegistry({
    db,
    builtin: config.oauthBuiltinClients,
    configured: config.oauthClients,
    disabled: config.oauthDisabledClients,
  });
}

describe('ClientRegistry and its settings', () => {
  let database: TestDatabase;
  let db: Db;
  before(async () => {
    database = await createTestDatabase();
    db = await openDb(database);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  test("Mozilla's browsers are built in: trusted public clients that keep their refresh token", async () => {
    const registry = registryFor(db);
    for (const id of BUILTIN_IDS) {
      const client = await registry.find(id);
      assert.ok(client, id);
      assert.equal(client.idHex, id);
      assert.deepEqual(client.id, Buffer.from(id, 'hex'));
      assert.equal(client.source, 'builtin');
      assert.equal(client.trusted, true);
      assert.equal(client.publicClient, true);
      // Firefox's later tokens come from fxa-credentials.
      assert.equal(client.canGrant, true);
      assert.equal(client.jwtAccessTokens, false);
      assert.equal(client.rotateRefreshTokens, false);
      assert.equal(client.hashedSecret, null);
      assert.equal(client.disabled, false);
      assert.deepEqual(client.allowedScopes.split(' '), [OLDSYNC, SESSION]);
    }
    const firefox = await registry.require(FIREFOX);
    assert.equal(firefox.name, 'Firefox');
    assert.deepEqual(firefox.redirectUris, ['urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel']);
    const ios = await registry.require('1b1a3e44c54fbb58');
    assert.equal(ios.redirectUris[0], 'https://accounts.firefox.com/oauth/success/1b1a3e44c54fbb58');
    assert.ok(ios.redirectUris.includes('urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel'));
    for (const id of ['a2270f727f45f648', '3332a18d142636cb', '3c49430b43dfba77']) {
      assert.equal((await registry.require(id)).redirectUris[0], `https://accounts.firefox.com/oauth/success/${id}`);
    }
    assert.deepEqual(
      (await registry.list()).map((client) => client.idHex),
      BUILTIN_IDS,
    );
  });

  test('OAUTH_BUILTIN_CLIENTS=false leaves them out', async () => {
    const registry = registryFor(db, { OAUTH_BUILTIN_CLIENTS: 'false' });
    assert.equal(await registry.find(FIREFOX), undefined);
    assert.deepEqual(await registry.list(), []);
    assert.equal(configError({ OAUTH_BUILTIN_CLIENTS: 'maybe' }).message.startsWith('config OAUTH_BUILTIN_CLIENTS:'), true);
  });

  test("OAUTH_CLIENTS takes FxA's client objects", async () => {
    const registry = registryFor(db, { OAUTH_CLIENTS: clientsSetting(DONE, PKCE) });
    const done = await registry.require(DONE.id);
    assert.equal(done.source, 'config');
    assert.equal(done.name, '123Done');
    assert.equal(done.imageUri, DONE.imageUri);
    assert.deepEqual(done.redirectUris, ['http://127.0.0.1:8080/api/oauth', 'http://127.0.0.1:8080/other']);
    assert.equal(done.hashedSecret?.toString('hex'), HASHED);
    assert.equal(done.hashedSecretPrevious?.toString('hex'), HASHED_PREVIOUS);
    assert.equal(done.publicClient, false);
    assert.equal(done.rotateRefreshTokens, true, 'default for confidential clients');
    assert.equal(done.jwtAccessTokens, false);
    assert.equal(done.allowedScopes, '');
    const pkce = await registry.require(PKCE.id);
    assert.equal(pkce.publicClient, true);
    assert.equal(pkce.hashedSecret, null);
    assert.equal(pkce.rotateRefreshTokens, false);
    assert.equal(pkce.allowedScopes, OLDSYNC);
    // Upper-case ids are read as the same client; malformed ones are simply unknown.
    assert.equal((await registry.find(DONE.id.toUpperCase()))?.idHex, DONE.id);
    for (const bad of ['', 'dcdb5ae7add825d', 'dcdb5ae7add825d2a0', 'zzdb5ae7add825d2', '../../etc']) {
      assert.equal(await registry.find(bad), undefined, bad);
    }
    await assert.rejects(registry.require('0123456789abcdef'), (err: unknown) => {
      assert.ok(err instanceof OAuthError);
      assert.equal(err.errno, 101);
      assert.equal(err.status, 400);
      assert.deepEqual(err.extra, { clientId: '0123456789abcdef' });
      return true;
    });
    // Ours too, and an entry with a built-in id replaces the built-in client.
    const replaced = registryFor(db, {
      OAUTH_CLIENTS: clientsSetting({ ...PKCE, id: FIREFOX, name: 'Our Firefox', jwtAccessTokens: true, rotateRefreshTokens: true }),
    });
    const firefox = await replaced.require(FIREFOX);
    assert.equal(firefox.source, 'config');
    assert.equal(firefox.name, 'Our Firefox');
    assert.equal(firefox.jwtAccessTokens, true);
    assert.equal(firefox.rotateRefreshTokens, true);
    assert.equal((await replaced.list()).filter((client) => client.idHex === FIREFOX).length, 1);
  });

  test('a plaintext secret stops the start with the hash to store instead, never echoing the secret', () => {
    const { hashedSecret: _hashed, hashedSecretPrevious: _previous, ...rest } = DONE;
    const err = configError({ OAUTH_CLIENTS: clientsSetting({ ...rest, secret: SECRET }) });
    assert.match(err.message, /^config OAUTH_CLIENTS: client dcdb5ae7add825d2: a plaintext "secret" is not accepted/);
    assert.ok(err.message.includes(`"hashedSecret": "${HASHED}"`), err.message);
    assert.ok(!err.message.includes(SECRET));
    assert.ok(!err.message.includes('\n'));
    const notHex = configError({ OAUTH_CLIENTS: clientsSetting({ ...rest, secret: 'hunter2' }) });
    assert.match(notHex.message, /a plaintext "secret" is not accepted, and client secrets are hex/);
    assert.ok(!notHex.message.includes('hunter2'));
  });

  test('malformed entries are refused with what is wrong', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ notAn: 'array' }, /expected a JSON array/],
      [['x'], /entry 0: expected an object/],
      [[{ ...DONE, id: 'dcdb5ae7add825' }], /entry 0: "id" must be 16 hex digits/],
      [[{ ...DONE, id: 42 }], /"id" must be 16 hex digits/],
      [[{ ...DONE, hashedSecret: HASHED.slice(2) }], /client dcdb5ae7add825d2: "hashedSecret" must be a SHA-256 as 64 hex/],
      [[{ ...DONE, hashedSecret: `${HASHED.slice(2)}zz` }], /"hashedSecret" must be a SHA-256/],
      [[{ ...DONE, hashedSecretPrevious: 'abc' }], /"hashedSecretPrevious" must be a SHA-256/],
      [[{ ...DONE, hashedSecret: undefined }], /"hashedSecret" is required unless "publicClient" is true/],
      [[{ ...DONE, trusted: 'yes' }], /"trusted" must be true or false/],
      [[{ ...DONE, canGrant: undefined }], /"canGrant" must be true or false/],
      [[{ ...DONE, name: '' }], /"name" must not be empty/],
      [[{ ...DONE, redirectUri: undefined }], /"redirectUri" must be a string/],
      [[{ ...DONE, redirectUris: ['x'] }], /unknown key "redirectUris"/],
      [[{ ...DONE, allowedScopes: 'a\tb' }], /"allowedScopes" must be scope values/],
      [[DONE, { ...PKCE, id: DONE.id.toUpperCase() }], /client dcdb5ae7add825d2 is listed twice/],
    ];
    for (const [value, pattern] of cases) {
      const err = configError({ OAUTH_CLIENTS: JSON.stringify(value) });
      assert.match(err.message, /^config OAUTH_CLIENTS: /);
      assert.match(err.message, pattern);
    }
    assert.match(configError({ OAUTH_CLIENTS: '[{' }).message, /^config OAUTH_CLIENTS: expected a JSON array of clients/);
    assert.match(configError({ OAUTH_DISABLED_CLIENTS: 'abc' }).message, /^config OAUTH_DISABLED_CLIENTS: expected client ids/);
  });

  test('CONFIG_FILE may hold the array itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'accounts-clients-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(file, JSON.stringify({ OAUTH_CLIENTS: [DONE], OAUTH_DISABLED_CLIENTS: [DONE.id, FIREFOX] }));
      const config = loadConfig({}, { CONFIG_FILE: file });
      assert.deepEqual(
        config.oauthClients.map((client) => client.idHex),
        [DONE.id],
      );
      assert.deepEqual(config.oauthDisabledClients, [DONE.id, FIREFOX]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('OAUTH_DISABLED_CLIENTS marks clients of every source disabled', async () => {
    const [cliId] = (
      await runClientCommand(parseClientCommand(['add', '--name', 'Disabled', '--redirect-uri', 'https://x.example/cb']), {
        db,
        registry: registryFor(db),
        random: (size) => Buffer.alloc(size, 0xd1),
        now: 1,
      })
    )[0]!
      .split('\t')
      .slice(1);
    const registry = registryFor(db, {
      OAUTH_CLIENTS: clientsSetting(DONE),
      OAUTH_DISABLED_CLIENTS: ` ${FIREFOX.toUpperCase()}, ${DONE.id},${cliId}`,
    });
    for (const id of [FIREFOX, DONE.id, cliId!]) {
      const client = await registry.require(id);
      assert.equal(client.disabled, true, id);
      assert.equal(
        oauthErrno(() => assertEnabled(client)),
        202,
      );
    }
    assert.equal((await registry.require('1b1a3e44c54fbb58')).disabled, false);
    assert.deepEqual(
      (await registry.list()).filter((client) => client.disabled).map((client) => client.source),
      ['builtin', 'config', 'cli'],
    );
    try {
      assertEnabled(await registry.require(FIREFOX));
    } catch (err) {
      assert.ok(err instanceof OAuthError);
      assert.equal(err.status, 503);
      assert.equal(err.toJSON().error, 'Client Disabled');
    }
    await runClientCommand({ action: 'remove', id: cliId! }, { db, registry, random: () => Buffer.alloc(0), now: 2 });
  });
});

describe('client authentication', () => {
  const confidential = (): OAuthClient => ({
    id: Buffer.from(DONE.id, 'hex'),
    idHex: DONE.id,
    name: DONE.name,
    imageUri: '',
    redirectUris: ['https://rp.example/cb', 'https://rp.example/other'],
    allowedScopes: '',
    trusted: true,
    canGrant: false,
    publicClient: false,
    jwtAccessTokens: false,
    rotateRefreshTokens: true,
    hashedSecret: Buffer.from(HASHED, 'hex'),
    hashedSecretPrevious: null,
    source: 'config',
    disabled: false,
  });
  const publicClient = (): OAuthClient => ({ ...confidential(), publicClient: true, hashedSecret: null });

  test('the §0 vectors: the stored hash is SHA-256 of the hex-decoded secret', () => {
    const sha = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
    assert.equal(sha(SECRET), HASHED);
    assert.equal(sha(SECRET_PREVIOUS), HASHED_PREVIOUS);
    checkClientSecret(confidential(), SECRET);
  });

  test('credentials come from a Basic header or the body', () => {
    assert.deepEqual(parseClientCredentials(basic(`${DONE.id}:${SECRET}`), {}), { clientId: DONE.id, secret: SECRET });
    // 16 + 1 + 64 = 81 bytes: 108 base64 characters, no padding either way.
    assert.equal(basic(`${DONE.id}:${SECRET}`).length, 'Basic '.length + 108);
    assert.deepEqual(parseClientCredentials(`basic   ${basic(`${DONE.id}:${SECRET}`).slice(6)}`, {}), {
      clientId: DONE.id,
      secret: SECRET,
    });
    // Padded and unpadded base64 (RFC 7617 clients pad).
    assert.deepEqual(parseClientCredentials(basic(`${DONE.id}:`), {}), { clientId: DONE.id });
    assert.deepEqual(parseClientCredentials(basic(`${DONE.id}:`, false), {}), { clientId: DONE.id });
    assert.deepEqual(parseClientCredentials(undefined, { client_id: DONE.id.toUpperCase(), client_secret: SECRET }), {
      clientId: DONE.id,
      secret: SECRET,
    });
    assert.deepEqual(parseClientCredentials(undefined, { client_id: DONE.id }), { clientId: DONE.id });
    assert.deepEqual(parseClientCredentials('', { client_id: DONE.id }), { clientId: DONE.id });
  });

  test('both, or a malformed header, id or secret, is 109', () => {
    const header = basic(`${DONE.id}:${SECRET}`);
    const cases: Array<[string | undefined, { client_id?: string; client_secret?: string }, string]> = [
      [header, { client_id: DONE.id }, 'authorization'],
      [header, { client_secret: SECRET }, 'authorization'],
      [header, { client_id: DONE.id, client_secret: SECRET }, 'authorization'],
      [`Bearer ${'a'.repeat(64)}`, {}, 'authorization'],
      ['Basic', {}, 'authorization'],
      ['Basic a*b=', {}, 'authorization'],
      [basic(DONE.id), {}, 'authorization'],
      [basic(`${DONE.id}:${SECRET}:extra`), {}, 'authorization'],
      [basic(`nothex!!nothex!!:${SECRET}`), {}, 'client_id'],
      [undefined, {}, 'client_id'],
      [undefined, { client_secret: SECRET }, 'client_id'],
      [undefined, { client_id: 'abc' }, 'client_id'],
      [undefined, { client_id: DONE.id, client_secret: 'abc' }, 'client_secret'],
      [basic(`${DONE.id}:${SECRET.slice(1)}`), {}, 'client_secret'],
    ];
    for (const [authorization, body, key] of cases) {
      try {
        parseClientCredentials(authorization, body);
        assert.fail(`accepted ${authorization} ${JSON.stringify(body)}`);
      } catch (err) {
        assert.ok(err instanceof OAuthError, String(err));
        assert.equal(err.errno, 109);
        assert.deepEqual(err.extra, { validation: { keys: [key] } }, `${authorization} ${JSON.stringify(body)}`);
      }
    }
  });

  test('public clients send no secret, confidential ones the right one (109, 102)', () => {
    checkClientSecret(publicClient());
    assert.equal(
      oauthErrno(() => checkClientSecret(publicClient(), SECRET)),
      109,
    );
    assert.equal(
      oauthErrno(() => checkClientSecret(confidential())),
      109,
    );
    assert.equal(
      oauthErrno(() => checkClientSecret(confidential(), SECRET_PREVIOUS)),
      102,
    );
    assert.equal(
      oauthErrno(() => checkClientSecret(confidential(), SECRET.toUpperCase().replace(/^B/, 'C'))),
      102,
    );
    checkClientSecret(confidential(), SECRET.toUpperCase());
    try {
      checkClientSecret(confidential(), 'ab'.repeat(32));
    } catch (err) {
      assert.ok(err instanceof OAuthError);
      assert.deepEqual(err.extra, { clientId: DONE.id });
      assert.equal(err.message, 'Incorrect secret');
    }
  });

  test('after a rotation the previous secret still works', () => {
    const rotated = {
      ...confidential(),
      hashedSecret: Buffer.from(HASHED_PREVIOUS, 'hex'),
      hashedSecretPrevious: Buffer.from(HASHED, 'hex'),
    };
    checkClientSecret(rotated, SECRET_PREVIOUS);
    checkClientSecret(rotated, SECRET);
    assert.equal(
      oauthErrno(() => checkClientSecret(rotated, 'cd'.repeat(32))),
      102,
    );
  });

  test('redirect URIs: the first by default, else an exact match (103)', () => {
    const client = confidential();
    assert.equal(redirectUriFor(client), 'https://rp.example/cb');
    assert.equal(redirectUriFor(client, ''), 'https://rp.example/cb');
    assert.equal(redirectUriFor(client, 'https://rp.example/other'), 'https://rp.example/other');
    for (const wrong of [
      'https://rp.example/cb/',
      'https://rp.example/cb?x=1',
      'https://RP.example/cb',
      'https://rp.example',
      'https://evil.example/cb',
    ]) {
      assert.equal(
        oauthErrno(() => redirectUriFor(client, wrong)),
        103,
        wrong,
      );
    }
    assert.equal(
      oauthErrno(() => redirectUriFor({ ...client, redirectUris: [] })),
      103,
    );
    assert.equal(
      oauthErrno(() => redirectUriFor({ ...client, redirectUris: [] }, 'https://rp.example/cb')),
      103,
    );
    assertEnabled(client);
  });
});

describe('the client command', () => {
  let database: TestDatabase;
  let db: Db;
  let counter = 0;
  /** Distinct, recognisable random bytes. */
  const random = (size: number) => Buffer.alloc(size, ++counter);
  before(async () => {
    database = await createTestDatabase();
    db = await openDb(database);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  const run = (args: string[], env: Record<string, string> = {}) =>
    runClientCommand(parseClientCommand(args), { db, registry: registryFor(db, env), random, now: 1_700_000_000_000 });
  const fails = async (args: string[], exitCode: 1 | 2, pattern: RegExp, env: Record<string, string> = {}) => {
    await assert.rejects((async () => run(args, env))(), (err: unknown) => {
      assert.ok(err instanceof ClientCommandError, String(err));
      assert.equal(err.exitCode, exitCode);
      assert.match(err.message, pattern);
      return true;
    });
  };
  const field = (lines: string[], name: string) => lines.find((line) => line.startsWith(`${name}\t`))?.split('\t')[1];

  test('add prints a new id and secret once and stores only the hash', async () => {
    const lines = await run([
      'add',
      '--name',
      'Notes',
      '--redirect-uri',
      'https://notes.example/oauth, com.example.notes:/cb',
      '--image-uri',
      'https://notes.example/logo.png',
      '--trusted',
      '--scopes',
      `profile  ${OLDSYNC}`,
      '--jwt-access-tokens',
    ]);
    const id = field(lines, 'client_id')!;
    const secret = field(lines, 'client_secret')!;
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.match(lines.at(-1)!, /not shown again/);
    const client = await registryFor(db).require(id);
    assert.equal(client.source, 'cli');
    assert.equal(client.name, 'Notes');
    assert.deepEqual(client.redirectUris, ['https://notes.example/oauth', 'com.example.notes:/cb']);
    assert.equal(client.imageUri, 'https://notes.example/logo.png');
    assert.equal(client.trusted, true);
    assert.equal(client.canGrant, false);
    assert.equal(client.publicClient, false);
    assert.equal(client.allowedScopes, `profile ${OLDSYNC}`);
    assert.equal(client.jwtAccessTokens, true);
    assert.equal(client.rotateRefreshTokens, true);
    assert.equal(client.hashedSecretPrevious, null);
    checkClientSecret(client, secret);
    const stored = await snapshot(db);
    assert.ok(!stored.includes(secret), 'the secret is not stored');
    assert.ok(stored.includes(createHash('sha256').update(Buffer.from(secret, 'hex')).digest('hex')));
  });

  test('add --public makes no secret; rotation flags', async () => {
    const lines = await run(['add', '--name', 'App', '--redirect-uri', 'com.example.app:/cb', '--public', '--can-grant']);
    assert.equal(field(lines, 'client_secret'), undefined);
    const app = await registryFor(db).require(field(lines, 'client_id')!);
    assert.equal(app.publicClient, true);
    assert.equal(app.canGrant, true);
    assert.equal(app.hashedSecret, null);
    assert.equal(app.rotateRefreshTokens, false);
    checkClientSecret(app);
    const rotating = await run([
      'add',
      '--name',
      'App 2',
      '--redirect-uri',
      'https://a.example/',
      '--public',
      '--rotate-refresh-tokens',
    ]);
    assert.equal((await registryFor(db).require(field(rotating, 'client_id')!)).rotateRefreshTokens, true);
    const keeping = await run(['add', '--name', 'Svc', '--redirect-uri', 'https://b.example/', '--no-rotate-refresh-tokens']);
    assert.equal((await registryFor(db).require(field(keeping, 'client_id')!)).rotateRefreshTokens, false);
  });

  test('list shows every source and state, never a secret', async () => {
    const added = await run(['add', '--name', 'Listed', '--redirect-uri', 'https://l.example/cb']);
    const id = field(added, 'client_id')!;
    const secret = field(added, 'client_secret')!;
    const lines = await run(['list'], {
      OAUTH_CLIENTS: clientsSetting(DONE),
      OAUTH_DISABLED_CLIENTS: `${FIREFOX},${id}`,
    });
    assert.equal(lines[0], 'id\tsource\tstate\ttype\tflags\tname\tredirect_uri');
    const rows = new Map(lines.slice(1).map((line) => [line.split('\t')[0], line.split('\t')]));
    assert.deepEqual(rows.get(FIREFOX), [
      FIREFOX,
      'builtin',
      'disabled',
      'public',
      'trusted,can-grant',
      'Firefox',
      'urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel',
    ]);
    assert.deepEqual(rows.get(DONE.id)?.slice(1, 6), [
      'config',
      'enabled',
      'confidential',
      'trusted,rotate-refresh-tokens',
      '123Done',
    ]);
    assert.deepEqual(rows.get(id), [
      id,
      'cli',
      'disabled',
      'confidential',
      'rotate-refresh-tokens',
      'Listed',
      'https://l.example/cb',
    ]);
    const text = lines.join('\n');
    assert.ok(!text.includes(secret) && !text.includes(HASHED));
  });

  test('rotate-secret: the new secret and the one before it work, the older one no more', async () => {
    const added = await run(['add', '--name', 'Rotating', '--redirect-uri', 'https://r.example/cb']);
    const id = field(added, 'client_id')!;
    const first = field(added, 'client_secret')!;
    const rotated = await run(['rotate-secret', id.toUpperCase()]);
    const second = field(rotated, 'client_secret')!;
    assert.notEqual(second, first);
    let client = await registryFor(db).require(id);
    checkClientSecret(client, second);
    checkClientSecret(client, first);
    const third = field(await run(['rotate-secret', id]), 'client_secret')!;
    client = await registryFor(db).require(id);
    checkClientSecret(client, third);
    checkClientSecret(client, second);
    assert.equal(
      oauthErrno(() => checkClientSecret(client, first)),
      102,
    );
  });

  test('rotate-secret and remove change only clients registered here', async () => {
    await fails(['rotate-secret', FIREFOX], 1, /client 5882386c6d801776 is built in \(Firefox\); .*OAUTH_DISABLED_CLIENTS/);
    await fails(['remove', FIREFOX], 1, /is built in .*OAUTH_BUILTIN_CLIENTS=false/);
    await fails(
      ['rotate-secret', DONE.id],
      1,
      /comes from OAUTH_CLIENTS; rotate there: move its hashedSecret to hashedSecretPrevious/,
      {
        OAUTH_CLIENTS: clientsSetting(DONE),
      },
    );
    await fails(['remove', DONE.id], 1, /comes from OAUTH_CLIENTS; remove it there/, { OAUTH_CLIENTS: clientsSetting(DONE) });
    await fails(['remove', '0123456789abcdef'], 1, /no client 0123456789abcdef/);
    const app = field(await run(['add', '--name', 'P', '--redirect-uri', 'https://p.example/', '--public']), 'client_id')!;
    await fails(['rotate-secret', app], 1, /is a public client; it has no secret/);
    assert.deepEqual(await run(['remove', app]), [`removed ${app} (P) with its authorization codes and tokens`]);
    assert.equal(await registryFor(db).find(app), undefined);
    await fails(['remove', app], 1, /no client/);
  });

  test('a wrong command line is exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command: frobnicate/],
      [['add', '--redirect-uri', 'https://x.example/'], /add needs --name/],
      [['add', '--name', 'X'], /add needs --redirect-uri/],
      [['add', '--name', 'X', '--redirect-uri', 'not a uri'], /--redirect-uri: not an absolute URI/],
      [['add', '--name', 'X', '--redirect-uri', '/relative'], /not an absolute URI/],
      [['add', '--name', 'X', '--redirect-uri', ','], /at least one URI/],
      [['add', '--name', 'X', '--redirect-uri', 'https://x.example/', '--image-uri', 'javascript:alert(1)'], /--image-uri/],
      [['add', '--name', 'X', '--redirect-uri', 'https://x.example/', '--scopes', 'a"b'], /--scopes/],
      [['add', '--name', 'X', '--redirect-uri', 'https://x.example/', '--bogus'], /Unknown option '--bogus'/],
      [['add', '--name', 'X', '--redirect-uri', 'https://x.example/', 'extra'], /add takes options only/],
      [
        ['add', '--name', 'X', '--redirect-uri', 'https://x.example/', '--rotate-refresh-tokens', '--no-rotate-refresh-tokens'],
        /contradict/,
      ],
      [['list', 'x'], /list takes no arguments/],
      [['rotate-secret'], /usage: accounts-server client rotate-secret ID/],
      [['remove', 'xyz'], /a client id is 16 hex digits/],
    ];
    for (const [args, pattern] of cases) {
      assert.throws(
        () => parseClientCommand(args),
        (err: unknown) => err instanceof ClientCommandError && err.exitCode === 2 && pattern.test(err.message),
        args.join(' '),
      );
    }
    assert.deepEqual(parseClientCommand([]), { action: 'help' });
    assert.deepEqual(parseClientCommand(['--help']), { action: 'help' });
  });
});

/** `accounts-server client …` and `fxa` as an operator runs them. */
function runMain(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('accounts-server client (the binary)', () => {
  test('add, then list, on the configured database; usage and errors on stderr', async () => {
    const database = await createTestDatabase({ shared: true });
    try {
      const env = { DATABASE_URL: database.url, SQLITE_LOCKING: 'normal', DATA_DIR: join(tmpdir(), 'accounts-clients-unused') };
      const added = await runMain(['client', 'add', '--name', 'Via CLI', '--redirect-uri', 'https://cli.example/cb'], env);
      assert.equal(added.code, 0, added.stderr);
      const id = /^client_id\t([0-9a-f]{16})$/m.exec(added.stdout)?.[1];
      assert.ok(id, added.stdout);
      assert.match(added.stdout, /^client_secret\t[0-9a-f]{64}$/m);
      const listed = await runMain(['client', 'list'], env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(
        listed.stdout,
        new RegExp(`^${id}\\tcli\\tenabled\\tconfidential\\trotate-refresh-tokens\\tVia CLI\\thttps://cli.example/cb$`, 'm'),
      );
      assert.match(listed.stdout, /^5882386c6d801776\tbuiltin\t/m);
      const refused = await runMain(['client', 'remove', FIREFOX], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^accounts-server client: remove: client 5882386c6d801776 is built in/);
      const wrong = await runMain(['client', 'add'], env);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /add needs --name/);
      const help = await runMain(['client', '--help'], env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^usage: accounts-server client <command>/);
      const badConfig = await runMain(['client', 'list'], { ...env, OAUTH_CLIENTS: clientsSetting({ ...PKCE, secret: SECRET }) });
      assert.equal(badConfig.code, 1);
      assert.match(badConfig.stderr, new RegExp(`^accounts-server: config OAUTH_CLIENTS: .*"hashedSecret": "${HASHED}"`));
    } finally {
      await database.drop();
    }
  });
});

describe('GET /v1/client/:client_id and /v1/oauth/client/:client_id', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: { OAUTH_CLIENTS: clientsSetting(DONE, PKCE), OAUTH_DISABLED_CLIENTS: PKCE.id },
    });
  });
  after(() => server.close());

  const get = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test('built-in, configured (comma list as stored) and disabled clients answer', async () => {
    for (const prefix of ['/client/', '/oauth/client/']) {
      assert.deepEqual(await get(`${prefix}${FIREFOX}`), {
        status: 200,
        body: {
          id: FIREFOX,
          name: 'Firefox',
          trusted: true,
          image_uri: '',
          redirect_uri: 'urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel',
        },
      });
      assert.deepEqual(await get(`${prefix}${DONE.id.toUpperCase()}`), {
        status: 200,
        body: { id: DONE.id, name: '123Done', trusted: true, image_uri: DONE.imageUri, redirect_uri: DONE.redirectUri },
      });
      assert.equal((await get(`${prefix}${PKCE.id}`)).status, 200);
    }
  });

  test('a client the command adds is there at once', async () => {
    const lines = await runClientCommand(
      parseClientCommand(['add', '--name', 'Fresh', '--redirect-uri', 'https://fresh.example/a,https://fresh.example/b']),
      { db: server.app.services.db, registry: server.app.services.clients, random: (size) => Buffer.alloc(size, 0xfe), now: 0 },
    );
    const id = lines[0]!.split('\t')[1]!;
    assert.equal(id, 'fefefefefefefefe');
    const { body } = await get(`/client/${id}`);
    assert.deepEqual(body, {
      id,
      name: 'Fresh',
      trusted: false,
      image_uri: '',
      redirect_uri: 'https://fresh.example/a,https://fresh.example/b',
    });
  });

  test('unknown: OAuth errno 101 on /v1/client, auth errno 162 on the twin', async () => {
    const oauth = await get('/client/0123456789abcdef');
    assert.equal(oauth.status, 400);
    assert.equal(oauth.body.errno, 101);
    assert.equal(oauth.body.message, 'Unknown client');
    assert.equal(oauth.body.clientId, '0123456789abcdef');
    const auth = await get('/oauth/client/0123456789abcdef');
    assert.equal(auth.status, 400);
    assert.equal(auth.body.errno, 162);
    assert.equal(auth.body.message, 'Unknown client_id');
  });

  test('a malformed id: 109 on /v1/client, 107 on the twin', async () => {
    // Past Fastify's default 100-character limit on a path parameter, too: the schema decides.
    for (const bad of ['0123', '0123456789abcdefab', 'zz23456789abcdef', 'a'.repeat(500)]) {
      const oauth = await get(`/client/${bad}`);
      assert.equal(oauth.status, 400, bad);
      assert.equal(oauth.body.errno, 109, bad);
      const auth = await get(`/oauth/client/${bad}`);
      assert.equal(auth.status, 400, bad);
      assert.equal(auth.body.errno, 107, bad);
    }
  });

  test('an id that is not valid percent-encoding is 400 errno 107, in FxA shape', async () => {
    for (const prefix of ['/client/', '/oauth/client/']) {
      const { status, body } = await get(`${prefix}%ED%A0%80`);
      assert.equal(status, 400);
      assert.equal(body.errno, 107);
      assert.equal(body.code, 400);
    }
  });

  test('both routes are in /openapi.json', async () => {
    const response = await fetch(`${server.origin}/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    assert.ok(document.paths['/v1/client/{client_id}']);
    assert.ok(document.paths['/v1/oauth/client/{client_id}']);
  });
});
