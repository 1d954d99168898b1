// OAuth signing keys: GET /v1/jwks, signing and verifying through two-phase rotations (checked
// by a relying party's view of the JWKS: jose's createRemoteJWKSet against the running
// server), encryption at rest, concurrent first starts, the `keys` command and the store
// contract, on whichever database DATABASE_URL names.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ConfigError, loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { keysCommand } from '../src/features/oauth/keys-command.js';
import {
  ensureActiveKey,
  KEY_REFRESH_MS,
  listSigningKeys,
  MAX_TOKEN_LIFETIME_MS,
  MIN_PUBLISH_MS,
  rotateSigningKeys,
  SigningKeys,
} from '../src/features/oauth/signing-keys.js';
import { SigningKeyStore } from '../src/features/oauth/store.js';
import { ManualClock } from '../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startSmtpSink } from './helpers/smtp-sink.js';

const KEY_1 = 'a'.repeat(64);
const KEY_2 = Buffer.alloc(32, 7).toString('base64');
const T = Date.UTC(2026, 0, 15, 12, 34, 56);

interface JwksBody {
  keys: Array<Record<string, unknown>>;
}

async function fetchJwks(server: TestServer, path = '/v1/jwks'): Promise<{ body: JwksBody; headers: Headers }> {
  const response = await fetch(server.origin + path);
  assert.equal(response.status, 200);
  return { body: (await response.json()) as JwksBody, headers: response.headers };
}

/** What a relying party does: fetch the JWKS (afresh, as after its 10 s cache) and verify. */
async function verifyRemotely(server: TestServer, jwt: string) {
  return jwtVerify(jwt, createRemoteJWKSet(new URL(`${server.url}/jwks`)), { algorithms: ['RS256'] });
}

async function openDb(database: TestDatabase): Promise<Db> {
  const db = createDb(database.url, { sqliteLocking: 'normal' });
  await migrateToLatest(db);
  return db;
}

describe('GET /v1/jwks', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ clock: new ManualClock(T) });
  });
  after(() => server.close());

  test('publishes the active key in FxA shape, cacheable for 10 s', async () => {
    const { body, headers } = await fetchJwks(server);
    assert.equal(headers.get('cache-control'), 'public, max-age=10');
    assert.equal(body.keys.length, 1);
    const [key] = body.keys;
    assert.deepEqual(Object.keys(key!).sort(), ['alg', 'e', 'fxa-createdAt', 'kid', 'kty', 'n', 'use']);
    assert.equal(key!.kty, 'RSA');
    assert.equal(key!.alg, 'RS256');
    assert.equal(key!.use, 'sig');
    assert.equal(key!.e, 'AQAB');
    // RSA-2048: a 256-byte modulus.
    assert.equal(Buffer.from(key!.n as string, 'base64url').length, 256);
    assert.match(key!.kid as string, /^20260115-[0-9a-f]{8}$/);
    assert.equal(key!['fxa-createdAt'], Date.UTC(2026, 0, 15, 12) / 1000);
  });

  test('the kid is the date and 8 hex digits of SHA-256 of the public key PEM', async () => {
    const { createHash, createPublicKey } = await import('node:crypto');
    const { body } = await fetchJwks(server);
    const jwk = body.keys[0]!;
    const pem = createPublicKey({ key: { kty: 'RSA', n: jwk.n as string, e: jwk.e as string }, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    }) as string;
    assert.equal(jwk.kid, `20260115-${createHash('sha256').update(pem).digest('hex').slice(0, 8)}`);
  });

  test('the same keys at /.well-known/jwks.json, and the route is in /openapi.json', async () => {
    const [v1, wellKnown] = await Promise.all([fetchJwks(server), fetchJwks(server, '/.well-known/jwks.json')]);
    assert.deepEqual(wellKnown.body, v1.body);
    assert.equal(wellKnown.headers.get('cache-control'), 'public, max-age=10');
    const openapi = (await (await fetch(`${server.origin}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(openapi.paths['/v1/jwks']);
  });
});

describe('signing and rotation', () => {
  let server: TestServer;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock(T);
    server = await startTestServer({ clock });
  });
  after(() => server.close());

  test('tokens verify against the published JWKS before, during and after two rotations', async () => {
    const { signingKeys, db } = server.app.services;
    const first = await signingKeys.sign({ sub: 'before' }, { typ: 'at+JWT' });
    const firstKid = decodeProtectedHeader(first).kid!;
    assert.deepEqual(decodeProtectedHeader(first), { alg: 'RS256', typ: 'at+JWT', kid: firstKid });
    assert.equal((await verifyRemotely(server, first)).payload.sub, 'before');
    assert.equal((await signingKeys.verify(first)).payload.sub, 'before');

    // Phase 1: a next key is published; the active key still signs.
    const published = await rotateSigningKeys(db, clock.now(), undefined);
    assert.equal(published.phase, 'published');
    clock.advance(KEY_REFRESH_MS);
    let jwks = (await fetchJwks(server)).body;
    assert.deepEqual(
      jwks.keys.map((key) => key.kid),
      [firstKid, published.kid],
    );
    const during = await signingKeys.sign({ sub: 'during' });
    assert.equal(decodeProtectedHeader(during).kid, firstKid);
    assert.equal((await verifyRemotely(server, first)).payload.sub, 'before');
    assert.equal((await verifyRemotely(server, during)).payload.sub, 'during');

    // Too early for phase 2: relying parties may not have seen the next key yet.
    await assert.rejects(rotateSigningKeys(db, clock.now(), undefined), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /run rotate again in \d+ s/);
      return true;
    });

    // Phase 2: next → active, the old active key retired but still published.
    clock.advance(MIN_PUBLISH_MS);
    const promoted = await rotateSigningKeys(db, clock.now(), undefined);
    assert.deepEqual(promoted, { phase: 'promoted', kid: published.kid, retired: firstKid, dropped: [] });
    clock.advance(KEY_REFRESH_MS);
    jwks = (await fetchJwks(server)).body;
    assert.deepEqual(
      jwks.keys.map((key) => key.kid),
      [published.kid, firstKid],
    );
    const afterwards = await signingKeys.sign({ sub: 'after' });
    assert.equal(decodeProtectedHeader(afterwards).kid, published.kid);
    for (const [jwt, sub] of [
      [first, 'before'],
      [during, 'during'],
      [afterwards, 'after'],
    ] as const) {
      assert.equal((await verifyRemotely(server, jwt)).payload.sub, sub);
      assert.equal((await signingKeys.verify(jwt)).payload.sub, sub);
    }
    const stored = await listSigningKeys(db, { encryptionKey: undefined });
    assert.deepEqual(
      stored.map((key) => [key.kid, key.state, key.privateJwk === undefined]),
      [
        [published.kid, 'active', false],
        [firstKid, 'retired', true],
      ],
    );

    // A retired key is dropped once everything it signed has expired.
    clock.advance(MAX_TOKEN_LIFETIME_MS);
    const third = await rotateSigningKeys(db, clock.now(), undefined);
    clock.advance(MIN_PUBLISH_MS);
    const fourth = await rotateSigningKeys(db, clock.now(), undefined);
    assert.deepEqual(fourth, { phase: 'promoted', kid: third.kid, retired: published.kid, dropped: [firstKid] });
    clock.advance(KEY_REFRESH_MS);
    jwks = (await fetchJwks(server)).body;
    assert.deepEqual(
      jwks.keys.map((key) => key.kid),
      [third.kid, published.kid],
    );
    await assert.rejects(verifyRemotely(server, first));
    await assert.rejects(signingKeys.verify(first));
  });

  test('an instance re-reads the keys when a token names a kid it has not seen', async () => {
    const { db } = server.app.services;
    const elsewhere = await SigningKeys.start(db, clock, undefined);
    const here = await SigningKeys.start(db, clock, undefined);
    await rotateSigningKeys(db, clock.now(), undefined);
    clock.advance(MIN_PUBLISH_MS);
    await rotateSigningKeys(db, clock.now(), undefined);
    await elsewhere.reload();
    const jwt = await elsewhere.sign({ sub: 'other instance' });
    // `here` has not refreshed yet (no time passed since its last read), but it looks again for an unknown kid.
    assert.equal((await here.verify(jwt)).payload.sub, 'other instance');
  });

  test('garbage and foreign tokens are refused', async () => {
    const { signingKeys } = server.app.services;
    await assert.rejects(signingKeys.verify('not.a.jwt'));
    const { generateKeyPair, SignJWT } = await import('jose');
    const foreign = await generateKeyPair('RS256');
    const kid = decodeProtectedHeader(await signingKeys.sign({})).kid!;
    const forged = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256', kid }).sign(foreign.privateKey);
    await assert.rejects(signingKeys.verify(forged));
  });
});

describe('encryption at rest', () => {
  test('OAUTH_KEY_ENCRYPTION_KEY seals the private key; a wrong or missing key stops the start naming the setting', async () => {
    const database = await createTestDatabase({ shared: true });
    // Shared, because a start that fails leaves the sink it was given to its caller.
    const smtp = await startSmtpSink();
    try {
      const server = await startTestServer({ database, smtp, env: { OAUTH_KEY_ENCRYPTION_KEY: KEY_1, SQLITE_LOCKING: 'normal' } });
      let kid: string;
      try {
        const rows = await server.app.services.db.kysely.selectFrom('oauthSigningKeys').selectAll().execute();
        assert.equal(rows.length, 1);
        const row = rows[0]!;
        kid = row.kid;
        assert.match(row.privateJwk!, /^aes256gcm:[A-Za-z0-9+/]+=*$/);
        assert.throws(() => JSON.parse(row.privateJwk!) as unknown);
        assert.ok(!row.privateJwk!.includes('"d"'));
        // The public part is plain.
        assert.equal((JSON.parse(row.publicJwk) as { kid: string }).kid, kid);
        const jwt = await server.app.services.signingKeys.sign({ sub: 'sealed' });
        assert.equal((await verifyRemotely(server, jwt)).payload.sub, 'sealed');
      } finally {
        await server.close();
      }

      for (const [value, pattern] of [
        [KEY_2, /^OAUTH_KEY_ENCRYPTION_KEY does not decrypt the OAuth signing key \S+ stored in the database/],
        ['', /^OAUTH_KEY_ENCRYPTION_KEY is not set, but the OAuth signing key \S+ in the database is encrypted/],
      ] as const) {
        await assert.rejects(
          startTestServer({ database, smtp, env: { OAUTH_KEY_ENCRYPTION_KEY: value, SQLITE_LOCKING: 'normal' } }),
          (err: Error) => {
            assert.ok(err instanceof ConfigError, String(err));
            assert.match(err.message, pattern);
            assert.ok(!err.message.includes('\n'));
            return true;
          },
        );
      }
      // The right key still opens it, and the start reuses the stored key.
      const again = await startTestServer({ database, smtp, env: { OAUTH_KEY_ENCRYPTION_KEY: KEY_1, SQLITE_LOCKING: 'normal' } });
      try {
        assert.deepEqual(
          (await fetchJwks(again)).body.keys.map((key) => key.kid),
          [kid],
        );
      } finally {
        await again.close();
      }
    } finally {
      await smtp.stop();
      await database.drop();
    }
  });

  test('the setting takes 32 bytes as hex or base64', () => {
    assert.equal(loadConfig({}).oauthKeyEncryptionKey, undefined);
    assert.deepEqual(loadConfig({ OAUTH_KEY_ENCRYPTION_KEY: KEY_1 }).oauthKeyEncryptionKey, Buffer.alloc(32, 0xaa));
    assert.deepEqual(loadConfig({ OAUTH_KEY_ENCRYPTION_KEY: KEY_2 }).oauthKeyEncryptionKey, Buffer.alloc(32, 7));
    for (const bad of ['abc', 'a'.repeat(62), Buffer.alloc(16).toString('base64')]) {
      assert.throws(
        () => loadConfig({ OAUTH_KEY_ENCRYPTION_KEY: bad }),
        (err: Error) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, /^config OAUTH_KEY_ENCRYPTION_KEY: expected 32 bytes/);
          assert.ok(!err.message.includes(bad));
          return true;
        },
      );
    }
  });
});

describe('several instances', () => {
  test('two concurrent first starts end with one active key they share', async () => {
    const database = await createTestDatabase({ shared: true });
    const [a, b] = [await openDb(database), await openDb(database)];
    try {
      const clock = new ManualClock(T);
      const [first, second] = await Promise.all([SigningKeys.start(a, clock, undefined), SigningKeys.start(b, clock, undefined)]);
      const [jwksA, jwksB] = [await first.jwks(), await second.jwks()];
      assert.equal(jwksA.keys.length, 1);
      assert.deepEqual(jwksA, jwksB);
      const rows = await a.kysely.selectFrom('oauthSigningKeys').selectAll().execute();
      assert.deepEqual(
        rows.map((row) => row.role),
        ['active'],
      );
      // What one signs, the other verifies.
      assert.equal((await second.verify(await first.sign({ sub: 'shared' }))).payload.sub, 'shared');
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });
});

describe('accounts-server keys', () => {
  test('list prints kid, state and creation time; rotate runs one phase at a time', async () => {
    const database = await createTestDatabase({ shared: true });
    const db = await openDb(database);
    try {
      const published = await keysCommand(db, 'rotate', T, undefined);
      assert.match(published[0]!, /^published next key 20260115-[0-9a-f]{8} in the JWKS/);
      const listed = await keysCommand(db, 'list', T, undefined);
      assert.equal(listed[0], 'kid\tstate\tcreatedAt');
      assert.deepEqual(
        listed.slice(1).map((line) => line.split('\t').slice(1)),
        [
          ['active', '2026-01-15T12:34:56.000Z'],
          ['next', '2026-01-15T12:34:56.000Z'],
        ],
      );
      const promoted = await keysCommand(db, 'rotate', T + MIN_PUBLISH_MS, undefined);
      assert.match(promoted[0]!, /^promoted \S+ to active; \S+ is retired \(verifies for 24 h, then dropped\)$/);
      assert.deepEqual(
        (await keysCommand(db, 'list', T, undefined)).slice(1).map((line) => line.split('\t')[1]),
        ['active', 'retired'],
      );
    } finally {
      await db.close();
      await database.drop();
    }
  });
});

describe('SigningKeyStore contract', () => {
  let database: TestDatabase;
  let db: Db;
  let store: SigningKeyStore;
  /** Past 2^32 ms: time columns keep 64 bits. */
  const AT = 1_700_000_000_000;
  const key = (kid: string, role: 'active' | 'next', createdAt = AT) => ({
    kid,
    role,
    publicJwk: `{"kid":"${kid}"}`,
    privateJwk: `{"kid":"${kid}","d":"x"}`,
    createdAt,
    retiredAt: null,
  });
  before(async () => {
    database = await createTestDatabase({ shared: true });
    db = await openDb(database);
    store = new SigningKeyStore(db);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  test('one key per role; round trips; promotion retires and forgets the private part; old retired keys go', async () => {
    assert.equal(await store.insert(key('k1', 'active')), true);
    assert.equal(await store.insert(key('k2', 'active')), false);
    assert.equal(await store.insert(key('k3', 'next', AT + 1)), true);
    assert.equal(await store.insert(key('k4', 'next')), false);
    assert.deepEqual(await store.findByRole('active'), key('k1', 'active'));
    assert.deepEqual(await store.findByRole('next'), key('k3', 'next', AT + 1));

    await db.transaction(() => store.promoteNext('k3', AT + 10));
    assert.deepEqual(await store.list(), [
      { ...key('k3', 'next', AT + 1), role: 'active' },
      { ...key('k1', 'active'), role: null, privateJwk: null, retiredAt: AT + 10 },
    ]);
    assert.equal(await store.findByRole('next'), undefined);

    // Several retired keys may coexist (NULL roles do not collide).
    assert.equal(await store.insert(key('k5', 'next', AT + 20)), true);
    await db.transaction(() => store.promoteNext('k5', AT + 30));
    assert.deepEqual(
      (await store.list()).map((row) => [row.kid, row.role]),
      [
        ['k5', 'active'],
        ['k3', null],
        ['k1', null],
      ],
    );
    assert.deepEqual(await store.deleteRetiredBefore(AT + 10), []);
    assert.deepEqual(await store.deleteRetiredBefore(AT + 11), ['k1']);
    assert.deepEqual(
      (await store.list()).map((row) => row.kid),
      ['k5', 'k3'],
    );
  });

  test('ensureActiveKey keeps an existing active key', async () => {
    assert.equal(await ensureActiveKey(store, AT + 100, undefined), 'k5');
  });
});
