// BrowserID over real HTTP: POST /v1/certificate/sign and the support documents that publish
// the keys its certificates verify with (OAUTH_AND_PAYMENTS.md §11).

import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { hawkHeader, type RequestOptions } from '../src/client/index.js';
import { deriveToken } from '../src/crypto/index.js';
import { rotateSigningKeys } from '../src/features/oauth/signing-keys.js';
import {
  BEYOND_SIGNIN_SHORTCUTS,
  expectError,
  expectRejectedWithoutChange,
  PASSWORD,
  signUpVerified,
  uniqueEmail,
} from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY_MS = 24 * 3600 * 1000;

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { SIGNIN_CONFIRMATION_FORCE_EMAIL_REGEX: '^forced\\.' } });
});
after(() => server.close());

const decimal = (base64url: string) => BigInt(`0x${Buffer.from(base64url, 'base64url').toString('hex')}`).toString(10);

/** A client key as browserid-crypto serializes it: decimal strings. */
function rsaClientKey() {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
  return { algorithm: 'RS', n: decimal(jwk.n!), e: decimal(jwk.e!) };
}
const DSA_KEY = { algorithm: 'DS', y: '12345', p: '67890', q: '1357', g: '2468', version: '2012.08.15' };

interface SignBody {
  publicKey?: unknown;
  duration?: unknown;
  [field: string]: unknown;
}

function sign(sessionToken: string, body: SignBody, extra: Omit<RequestOptions, 'token' | 'body'> = {}): Promise<{ cert: string }> {
  return server.client.request('POST', '/certificate/sign', {
    token: { kind: 'sessionToken', tokenData: sessionToken },
    body,
    ...extra,
  });
}

async function getJson(path: string): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${server.origin}${path}`);
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

/** Verifies the cert's signature with the key /.well-known/public-keys publishes under its kid; returns the payload. */
async function verifiedPayload(cert: string): Promise<Record<string, unknown>> {
  const { kid } = decodeProtectedHeader(cert);
  const { json } = await getJson('/.well-known/public-keys');
  const jwk = (json.keys as JWK[]).find((key) => key.kid === kid);
  assert.ok(jwk, `kid ${kid} is published`);
  const { payload } = await compactVerify(cert, await importJWK(jwk, 'RS256'));
  return JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
}

const host = () => new URL(server.origin).host;

describe('POST /certificate/sign', () => {
  test('certifies the key with the claims of the session, signed by the published active key', async () => {
    const email = uniqueEmail('cert');
    const account = await signUpVerified(server, email);
    const stored = (await server.app.services.accounts.get(Buffer.from(account.uid, 'hex'))).account;
    const publicKey = { ...rsaClientKey(), version: '2012.08.15' };
    const now = server.clock.now();

    const { cert } = await sign(account.sessionToken, { publicKey, duration: DAY_MS }, { query: { service: 'sync' } });

    const { json: jwks } = await getJson('/v1/jwks');
    const active = (jwks.keys as Array<{ kid: string }>)[0]!;
    assert.deepEqual(decodeProtectedHeader(cert), { alg: 'RS256', kid: active.kid });
    const payload = await verifiedPayload(cert);
    // FxA's claims in FxA's order, times in ms except fxa-lastAuthAt.
    assert.deepEqual(Object.entries(payload), [
      ['public-key', publicKey],
      ['principal', { email: `${account.uid}@${host()}` }],
      ['iat', now - 10_000],
      ['exp', now + DAY_MS],
      ['fxa-generation', stored.verifierSetAt],
      ['fxa-lastAuthAt', account.authAt],
      ['fxa-verifiedEmail', email],
      ['fxa-deviceId', null],
      ['fxa-tokenVerified', true],
      ['fxa-amr', ['pwd', 'email']],
      ['fxa-aal', 1],
      ['fxa-profileChangedAt', stored.verifierSetAt],
      ['fxa-keysChangedAt', stored.verifierSetAt],
      ['iss', host()],
    ]);
    assert.equal(account.authAt, Math.floor(now / 1000));

    // The support document's own format of the same key verifies it too.
    const { json: document } = await getJson('/.well-known/browserid');
    const rootKey = document['public-key'] as { n: string; e: string; kid: string };
    assert.equal(rootKey.kid, active.kid);
    const toBase64url = (value: string) => {
      const hex = BigInt(value).toString(16);
      return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
    };
    const fromDocument = await importJWK({ kty: 'RSA', n: toBase64url(rootKey.n), e: toBase64url(rootKey.e) }, 'RS256');
    await compactVerify(cert, fromDocument);
  });

  test('DSA keys, the duration bounds, no service and the bearer form', async () => {
    const account = await signUpVerified(server, uniqueEmail('dsa'));
    const now = server.clock.now();
    const dsa = await verifiedPayload((await sign(account.sessionToken, { publicKey: DSA_KEY, duration: 0 })).cert);
    assert.deepEqual(dsa['public-key'], DSA_KEY);
    assert.equal(dsa.exp, now);

    const longest = await verifiedPayload((await sign(account.sessionToken, { publicKey: rsaClientKey(), duration: DAY_MS })).cert);
    assert.equal(longest.exp, now + DAY_MS);

    // Unknown fields are dropped, not certified.
    const key = rsaClientKey();
    const extra = await verifiedPayload((await sign(account.sessionToken, { publicKey: { ...key, d: '42' }, duration: 1000 })).cert);
    assert.deepEqual(extra['public-key'], key);

    const tokenId = deriveToken('sessionToken', Buffer.from(account.sessionToken, 'hex')).tokenId.toString('hex');
    const response = await fetch(`${server.url}/certificate/sign`, {
      method: 'POST',
      headers: { authorization: `Bearer fxs_${tokenId}`, 'content-type': 'application/json' },
      body: JSON.stringify({ publicKey: key, duration: 1000 }),
    });
    assert.equal(response.status, 200);
    assert.equal((await verifiedPayload(((await response.json()) as { cert: string }).cert))['fxa-tokenVerified'], true);
  });

  test('unverified account: 104, nothing stored changes', async () => {
    const account = await server.client.signUp(uniqueEmail('unverified'), PASSWORD);
    await expectRejectedWithoutChange(
      server,
      () => sign(account.sessionToken, { publicKey: rsaClientKey(), duration: 1000 }),
      104,
      400,
    );
  });

  test('an unconfirmed session: 138 when it must be confirmed (keys), else a cert saying tokenVerified false', async () => {
    const email = uniqueEmail('forced');
    await signUpVerified(server, email);
    const withKeys = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(withKeys.sessionVerified, false);
    await expectRejectedWithoutChange(
      server,
      () => sign(withKeys.sessionToken, { publicKey: rsaClientKey(), duration: 1000 }),
      138,
      400,
    );

    // An older account signing in without keys from elsewhere: unconfirmed, but not mustVerify.
    const other = uniqueEmail('older');
    await signUpVerified(server, other);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const withoutKeys = await server.client.signIn(other, PASSWORD);
    assert.equal(withoutKeys.sessionVerified, false);
    const payload = await verifiedPayload((await sign(withoutKeys.sessionToken, { publicKey: rsaClientKey(), duration: 1000 })).cert);
    assert.equal(payload['fxa-tokenVerified'], false);
    assert.deepEqual(payload['fxa-amr'], ['pwd']);
    assert.equal(payload['fxa-aal'], 1);
    assert.equal(payload['fxa-lastAuthAt'], withoutKeys.authAt);
  });

  test('bad input: the documented errno, nothing stored changes', async () => {
    const account = await signUpVerified(server, uniqueEmail('input'));
    const token = account.sessionToken;
    const key = rsaClientKey();
    const cases: Array<[string, SignBody, number, string?]> = [
      ['duration below 0', { publicKey: key, duration: -1 }, 107],
      ['duration above 24 h', { publicKey: key, duration: DAY_MS + 1 }, 107],
      ['fractional duration', { publicKey: key, duration: 1.5 }, 107],
      ['duration as a string', { publicKey: key, duration: '1000' }, 107],
      ['duration missing', { publicKey: key }, 108, 'duration'],
      ['publicKey missing', { duration: 1000 }, 108, 'publicKey'],
      ['publicKey not an object', { publicKey: 'RS', duration: 1000 }, 107],
      ['algorithm missing', { publicKey: { n: key.n, e: key.e }, duration: 1000 }, 108, 'publicKey.algorithm'],
      ['unknown algorithm', { publicKey: { ...key, algorithm: 'EC' }, duration: 1000 }, 107],
      ['n as a number', { publicKey: { ...key, n: 12345 }, duration: 1000 }, 107],
      ['RS without n', { publicKey: { algorithm: 'RS', e: key.e }, duration: 1000 }, 108, 'n'],
      ['RS with an empty e', { publicKey: { ...key, e: '' }, duration: 1000 }, 108, 'e'],
      ['DS without g', { publicKey: { ...DSA_KEY, g: undefined }, duration: 1000 }, 108, 'g'],
      ['DS with RS parts only', { publicKey: { ...key, algorithm: 'DS' }, duration: 1000 }, 108, 'y'],
      ['a body that is not an object', [] as unknown as SignBody, 107],
    ];
    for (const [name, body, errno, param] of cases) {
      const error = await expectRejectedWithoutChange(server, () => sign(token, body), errno, 400);
      if (param !== undefined) assert.equal(error.body.param, param, name);
    }
    for (const service of ['x'.repeat(17), 'not_allowed', 'a b']) {
      await expectRejectedWithoutChange(
        server,
        () => sign(token, { publicKey: key, duration: 1000 }, { query: { service } }),
        107,
        400,
      );
    }
  });

  test('bad Hawk: 109 for a wrong signature or payload hash, 110 for an unknown or missing token', async () => {
    const account = await signUpVerified(server, uniqueEmail('hawk'));
    const body = { publicKey: rsaClientKey(), duration: 1000 };
    await expectRejectedWithoutChange(
      server,
      () => sign(account.sessionToken, body, { hawk: { payload: JSON.stringify({ ...body, duration: DAY_MS }) } }),
      109,
      401,
    );

    const url = `${server.url}/certificate/sign`;
    const { tokenId } = deriveToken('sessionToken', Buffer.from(account.sessionToken, 'hex'));
    const payload = JSON.stringify(body);
    const wrongKey = hawkHeader({
      url,
      method: 'POST',
      id: tokenId.toString('hex'),
      key: randomBytes(32),
      contentType: 'application/json',
      payload,
      timestamp: Math.floor(server.clock.now() / 1000),
    });
    const before = await server.snapshot();
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: wrongKey, 'content-type': 'application/json' },
      body: payload,
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { errno: number }).errno, 109);
    assert.equal(await server.snapshot(), before);

    await expectRejectedWithoutChange(server, () => sign(randomBytes(32).toString('hex'), body), 110, 401);
    await expectError(server.client.request('POST', '/certificate/sign', { body }), 110, 401);
  });
});

describe('support documents', () => {
  test('/.well-known/browserid: the active key in decimal, every key as a JWK, public for 10 s', async () => {
    const { status, headers, json } = await getJson('/.well-known/browserid');
    assert.equal(status, 200);
    assert.equal(headers.get('cache-control'), 'public, max-age=10');
    const { json: jwks } = await getJson('/v1/jwks');
    const keys = jwks.keys as Array<{ kid: string; n: string; e: string; 'fxa-createdAt': number }>;
    const active = keys[0]!;
    assert.deepEqual(json, {
      'public-key': { kid: active.kid, 'fxa-createdAt': active['fxa-createdAt'], algorithm: 'RS', n: decimal(active.n), e: '65537' },
      authentication: '/.well-known/browserid/nonexistent.html',
      provisioning: '/.well-known/browserid/nonexistent.html',
      keys: keys.map((key) => ({ ...key, algorithm: 'RS' })),
    });
  });

  test('/.well-known/public-keys: the same keys, as FxA not cached; a rotation publishes the next key', async () => {
    const before = await getJson('/.well-known/public-keys');
    assert.equal(before.status, 200);
    assert.equal(before.headers.get('cache-control'), 'no-cache');
    const first = before.json.keys as Array<{ kid: string; kty: string; use: string; algorithm: string }>;
    assert.equal(first.length, 1);
    assert.deepEqual(
      { kty: first[0]!.kty, use: first[0]!.use, algorithm: first[0]!.algorithm },
      { kty: 'RSA', use: 'sig', algorithm: 'RS' },
    );

    const { services } = server.app;
    const published = await rotateSigningKeys(services.db, server.clock.now(), undefined);
    await services.signingKeys.reload();
    const after = (await getJson('/.well-known/public-keys')).json.keys as Array<{ kid: string }>;
    assert.deepEqual(
      after.map((key) => key.kid),
      [first[0]!.kid, published.kid],
    );
    const document = (await getJson('/.well-known/browserid')).json;
    assert.equal((document['public-key'] as { kid: string }).kid, first[0]!.kid, 'the active key still signs');
    assert.equal((document.keys as unknown[]).length, 2);
  });
});
