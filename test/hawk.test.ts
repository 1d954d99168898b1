// Request authentication (docs/protocol.md §4): Hawk with MAC, payload hash, timestamp and
// nonce checks, and the `Bearer fxs_<tokenId>` form. Every failure is a 401 with the
// errno of §4.1's table and leaves stored state untouched.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AuthClient, ClientError, hawkHeader, type SignUpResult } from '../src/client/index.js';
import { deriveToken } from '../src/crypto/index.js';
import { ERROR_INFO_URL } from '../src/errors.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY = 24 * 3600 * 1000;
const MSG_109 = 'Invalid request signature';
const MSG_110 = 'Invalid authentication token in request signature';
const MSG_115 = 'Invalid nonce in request signature';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const email = () => `hawk-${hex(6)}@example.com`;

interface Raw {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function send(url: string, init: { method?: string; authorization?: string; body?: string } = {}): Promise<Raw> {
  const headers: Record<string, string> = {};
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function assertAuthError(response: Raw, errno: number, message?: string): void {
  assert.equal(response.status, 401, JSON.stringify(response.json));
  assert.equal(response.json.errno, errno, JSON.stringify(response.json));
  assert.equal(response.json.code, 401);
  assert.equal(response.json.error, 'Unauthorized');
  assert.equal(response.json.info, ERROR_INFO_URL);
  if (message !== undefined) assert.equal(response.json.message, message);
  else assert.equal(typeof response.json.message, 'string');
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Other spellings of the same 32 bytes, each of which a lenient base64 decoder (Node's
 * `Buffer.from(s, 'base64')`) turns back into the genuine digest. Hawk defines one spelling:
 * standard base64 with padding, 44 characters. `value` must contain `+` or `/`, so that the
 * base64url spellings differ from it in the alphabet too.
 */
function respellings(value: string): Array<[string, string]> {
  assert.match(value, /^[A-Za-z0-9+/]{43}=$/);
  assert.match(value, /[+/]/);
  const last = BASE64_ALPHABET.indexOf(value[42]!);
  const variants: Array<[string, string]> = [
    ['trailing garbage', `${value}AAAA`],
    ['trailing garbage after the padding', `${value}!x`],
    ['padding removed', value.slice(0, 43)],
    ['base64url', Buffer.from(value, 'base64').toString('base64url')],
    ['base64url alphabet with padding', value.replace(/\+/g, '-').replace(/\//g, '_')],
    ['a space inserted', `${value.slice(0, 20)} ${value.slice(20)}`],
    // 32 bytes leave the last character's two low bits unused: set one, same bytes.
    ['non-zero padding bits', `${value.slice(0, 42)}${BASE64_ALPHABET[last | 1]}=`],
  ];
  for (const [label, variant] of variants) {
    assert.notEqual(variant, value, label);
    // The point of the test: the old decoder read each of these as the genuine bytes.
    assert.deepEqual(Buffer.from(variant, 'base64'), Buffer.from(value, 'base64'), label);
  }
  return variants;
}

/** `header` with its `name="…"` attribute replaced by `value`. */
function withAttribute(header: string, name: 'mac' | 'hash', value: string): string {
  const pattern = new RegExp(`\\b${name}="[^"]*"`);
  assert.match(header, pattern);
  return header.replace(pattern, () => `${name}="${value}"`);
}

async function rejectsWith(promise: Promise<unknown>, status: number, errno: number): Promise<ClientError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ClientError, String(err));
    assert.equal(err.status, status, JSON.stringify(err.body));
    assert.equal(err.errno, errno, JSON.stringify(err.body));
    return err;
  }
  assert.fail(`expected errno ${errno}`);
}

describe('Hawk and Bearer authentication', () => {
  let server: TestServer;
  let session: SignUpResult;
  let tokenId: string;
  let authKey: Buffer;

  const nowSeconds = () => Math.floor(server.clock.now() / 1000);
  const sessionRef = (tokenData: string) => ({ kind: 'sessionToken' as const, tokenData });

  /** A Hawk header for `path` (under /v1) signed with `key` for `id`. */
  const sign = (
    method: string,
    path: string,
    options: { id?: string; key?: Buffer; payload?: string; hash?: string; timestamp?: number; nonce?: string; url?: string } = {},
  ) =>
    hawkHeader({
      url: options.url ?? server.url + path,
      method,
      id: options.id ?? tokenId,
      key: options.key ?? authKey,
      timestamp: options.timestamp ?? nowSeconds(),
      nonce: options.nonce ?? randomBytes(5).toString('base64'),
      ...(options.payload !== undefined ? { payload: options.payload, contentType: 'application/json' } : {}),
      ...(options.hash !== undefined ? { hash: options.hash } : {}),
    });

  before(async () => {
    server = await startTestServer();
    session = await server.client.signUp(email(), 'hawk password', { keys: true });
    const derived = deriveToken('sessionToken', Buffer.from(session.sessionToken, 'hex'));
    tokenId = derived.tokenId.toString('hex');
    authKey = derived.authKey;
  });
  after(async () => {
    await server.close();
  });

  describe('valid requests', () => {
    test('Hawk GET /v1/session/status', async () => {
      const status = await server.client.sessionStatus(session.sessionToken);
      assert.deepEqual(status, { state: 'unverified', uid: session.uid });
    });

    test('Hawk GET with a hand-built header, with and without ext', async () => {
      const plain = await send(`${server.url}/session/status`, { authorization: sign('GET', '/session/status') });
      assert.equal(plain.status, 200, JSON.stringify(plain.json));
      assert.deepEqual(plain.json, { state: 'unverified', uid: session.uid });

      const withExt = hawkHeader({
        url: `${server.url}/session/status`,
        method: 'GET',
        id: tokenId,
        key: authKey,
        timestamp: nowSeconds(),
        nonce: 'abc123',
        ext: 'some-app-ext-data',
      });
      const response = await send(`${server.url}/session/status`, { authorization: withExt });
      assert.equal(response.status, 200, JSON.stringify(response.json));
    });

    test('Hawk POST with a correct payload hash', async () => {
      const body = JSON.stringify({ reason: 'hawk-test' });
      const authorization = sign('POST', '/session/duplicate', { payload: body });
      assert.match(authorization, /hash="[A-Za-z0-9+/]+=*"/);
      const response = await send(`${server.url}/session/duplicate`, { method: 'POST', authorization, body });
      assert.equal(response.status, 200, JSON.stringify(response.json));
      assert.equal(response.json.uid, session.uid);
      assert.match(String(response.json.sessionToken), /^[0-9a-f]{64}$/);
      assert.notEqual(response.json.sessionToken, session.sessionToken);

      // The copy is a working session of its own.
      const copy = await server.client.sessionStatus(String(response.json.sessionToken));
      assert.equal(copy.uid, session.uid);
    });

    test('Hawk POST with a body but no payload hash is accepted (the hash is optional in FxA)', async () => {
      const body = JSON.stringify({ reason: 'nohash' });
      const authorization = sign('POST', '/session/duplicate');
      assert.doesNotMatch(authorization, /hash=/);
      const response = await send(`${server.url}/session/duplicate`, { method: 'POST', authorization, body });
      assert.equal(response.status, 200, JSON.stringify(response.json));
      assert.equal(response.json.uid, session.uid);
    });

    test('the empty-payload hash without a body is accepted (old fxa-auth-client always sent one)', async () => {
      const emptyHash = 'B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8=';
      const get = await send(`${server.url}/session/status`, { authorization: sign('GET', '/session/status', { hash: emptyHash }) });
      assert.equal(get.status, 200, JSON.stringify(get.json));
      assert.equal(get.json.uid, session.uid);

      const post = await send(`${server.url}/session/duplicate`, {
        method: 'POST',
        authorization: sign('POST', '/session/duplicate', { hash: emptyHash }),
      });
      assert.equal(post.status, 200, JSON.stringify(post.json));
      assert.equal(post.json.uid, session.uid);
    });

    test('the payload hash ignores Content-Type parameters (application/json; charset=utf-8)', async () => {
      const body = JSON.stringify({ reason: 'charset' });
      const authorization = sign('POST', '/session/duplicate', { payload: body });
      const response = await fetch(`${server.url}/session/duplicate`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json; charset=utf-8' },
        body,
      });
      const json = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 200, JSON.stringify(json));
      assert.equal(json.uid, session.uid);
    });

    test('the auth scheme name is case-insensitive (RFC 7235; the hawk library accepts `hawk`)', async () => {
      const authorization = sign('GET', '/session/status').replace(/^Hawk /, 'hawk ');
      const response = await send(`${server.url}/session/status`, { authorization });
      assert.equal(response.status, 200, JSON.stringify(response.json));
      assert.equal(response.json.uid, session.uid);
    });

    test('our client signs POSTs (payload hash included) through AuthClient', async () => {
      const copy = await server.client.sessionDuplicate(session.sessionToken, { reason: 'client' });
      assert.equal(copy.uid, session.uid);
    });

    test('a timestamp within the allowed skew (60 s) is accepted', async () => {
      for (const offset of [-50, 50]) {
        const response = await send(`${server.url}/session/status`, {
          authorization: sign('GET', '/session/status', { timestamp: nowSeconds() + offset }),
        });
        assert.equal(response.status, 200, `offset ${offset}: ${JSON.stringify(response.json)}`);
      }
    });

    test('Bearer fxs_<tokenId> works for session routes', async () => {
      const response = await send(`${server.url}/session/status`, { authorization: `Bearer fxs_${tokenId}` });
      assert.equal(response.status, 200, JSON.stringify(response.json));
      assert.deepEqual(response.json, { state: 'unverified', uid: session.uid });

      const bearerClient = new AuthClient(server.url, { auth: 'bearer', now: () => server.clock.now() });
      assert.deepEqual(await bearerClient.sessionStatus(session.sessionToken), { state: 'unverified', uid: session.uid });
      const copy = await bearerClient.sessionDuplicate(session.sessionToken);
      assert.equal(copy.uid, session.uid);
    });

    test('the same Bearer header may be sent repeatedly (no nonce)', async () => {
      for (let i = 0; i < 3; i++) {
        const response = await send(`${server.url}/session/status`, { authorization: `Bearer fxs_${tokenId}` });
        assert.equal(response.status, 200);
      }
    });
  });

  describe('errno 109: bad signature', () => {
    test('MAC made with the wrong key for the right id', async () => {
      const wrongKey = deriveToken('sessionToken', randomBytes(32)).authKey;
      const response = await send(`${server.url}/session/status`, {
        authorization: sign('GET', '/session/status', { key: wrongKey }),
      });
      assertAuthError(response, 109, MSG_109);
      assert.equal(response.headers.get('timestamp'), String(nowSeconds()));
    });

    test('MAC over a different path or query', async () => {
      const otherPath = await send(`${server.url}/session/status`, {
        authorization: sign('GET', '/account/status'),
      });
      assertAuthError(otherPath, 109, MSG_109);

      const signedQuery = `/account/status?uid=${hex(16)}`;
      const sentQuery = `${server.url}/account/status?uid=${hex(16)}`;
      const otherQuery = await send(sentQuery, { authorization: sign('GET', signedQuery) });
      assertAuthError(otherQuery, 109, MSG_109);
    });

    test('MAC over a different method', async () => {
      const response = await send(`${server.url}/session/duplicate`, {
        method: 'POST',
        authorization: sign('GET', '/session/duplicate'),
        body: '{}',
      });
      assertAuthError(response, 109, MSG_109);
    });

    test('MAC for another host or port than the public URL', async () => {
      const url = new URL(`${server.url}/session/status`);
      const otherHost = `${url.protocol}//localhost:${url.port}${url.pathname}`;
      const otherPort = `${url.protocol}//${url.hostname}:${Number(url.port) + 1}${url.pathname}`;
      for (const signedUrl of [otherHost, otherPort]) {
        const response = await send(`${server.url}/session/status`, {
          authorization: sign('GET', '/session/status', { url: signedUrl }),
        });
        assertAuthError(response, 109, MSG_109);
      }
    });

    test('a payload hash that does not match the body', async () => {
      const sent = JSON.stringify({ reason: 'sent' });
      const authorization = sign('POST', '/session/duplicate', { payload: JSON.stringify({ reason: 'signed' }) });
      const response = await send(`${server.url}/session/duplicate`, { method: 'POST', authorization, body: sent });
      assertAuthError(response, 109, MSG_109);

      // Through our client: sign one payload, send another.
      await rejectsWith(
        server.client.request('POST', '/session/duplicate', {
          token: sessionRef(session.sessionToken),
          body: { reason: 'sent' },
          hawk: { payload: '{"reason":"other"}' },
        }),
        401,
        109,
      );
    });

    test('a MAC spelled other than standard padded base64 (as hawk writes it) is refused', async () => {
      // One timestamp and nonce for every attempt: a refused MAC spends no nonce, so the
      // genuine header, sent last, is accepted.
      const timestamp = nowSeconds();
      let genuine = '';
      let mac = '';
      for (let i = 0; !/[+/]/.test(mac); i++) {
        genuine = sign('GET', '/session/status', { timestamp, nonce: `spelling${i}` });
        mac = /\bmac="([^"]*)"/.exec(genuine)![1]!;
      }
      assert.equal(mac.length, 44);
      for (const [label, variant] of respellings(mac)) {
        const response = await send(`${server.url}/session/status`, { authorization: withAttribute(genuine, 'mac', variant) });
        assert.equal(response.status, 401, `${label}: ${JSON.stringify(response.json)}`);
        assertAuthError(response, 109, MSG_109);
      }
      const accepted = await send(`${server.url}/session/status`, { authorization: genuine });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.json));
      assert.deepEqual(accepted.json, { state: 'unverified', uid: session.uid });
    });

    test('a payload hash spelled other than standard padded base64 is refused, even under a valid MAC', async () => {
      let body = '';
      let hash = '';
      for (let i = 0; !/[+/]/.test(hash); i++) {
        body = JSON.stringify({ reason: `spelling ${i}` });
        hash = /\bhash="([^"]*)"/.exec(sign('POST', '/session/duplicate', { payload: body }))![1]!;
      }
      assert.equal(hash.length, 44);
      const timestamp = nowSeconds();
      const before = await server.snapshot();
      for (const [label, variant] of respellings(hash)) {
        // Signed over the respelled hash, so the MAC is right and only the hash check can refuse.
        const authorization = sign('POST', '/session/duplicate', { hash: variant, timestamp, nonce: 'hashspelling' });
        assert.equal(/\bhash="([^"]*)"/.exec(authorization)![1], variant, label);
        const response = await send(`${server.url}/session/duplicate`, { method: 'POST', authorization, body });
        assert.equal(response.status, 401, `${label}: ${JSON.stringify(response.json)}`);
        assertAuthError(response, 109, MSG_109);
      }
      assert.equal(await server.snapshot(), before);
      const authorization = sign('POST', '/session/duplicate', { hash, timestamp, nonce: 'hashspelling' });
      const accepted = await send(`${server.url}/session/duplicate`, { method: 'POST', authorization, body });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.json));
      assert.equal(accepted.json.uid, session.uid);
    });

    test('the empty-payload hash sent with a non-empty body', async () => {
      const authorization = sign('POST', '/session/duplicate', { hash: 'B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8=' });
      const response = await send(`${server.url}/session/duplicate`, { method: 'POST', authorization, body: '{"reason":"x"}' });
      assertAuthError(response, 109, MSG_109);
    });
  });

  describe('errno 110: unknown or unusable token', () => {
    test('unknown token id (random 64 hex)', async () => {
      const response = await send(`${server.url}/session/status`, { authorization: sign('GET', '/session/status', { id: hex(32) }) });
      assertAuthError(response, 110, MSG_110);
    });

    test('non-hex or wrong-length id', async () => {
      for (const id of ['not-hex-at-all', 'zz'.repeat(32), tokenId.slice(2), `${tokenId}00`]) {
        const response = await send(`${server.url}/session/status`, { authorization: sign('GET', '/session/status', { id }) });
        assertAuthError(response, 110, MSG_110);
      }
    });

    test('missing Authorization header', async () => {
      const response = await send(`${server.url}/session/status`);
      assertAuthError(response, 110);
      const post = await send(`${server.url}/session/duplicate`, { method: 'POST', body: '{}' });
      assertAuthError(post, 110);
    });

    test('other or malformed Authorization schemes', async () => {
      for (const authorization of [
        `Basic ${Buffer.from('user:pass').toString('base64')}`,
        'Hawk',
        'Hawk id="abc"',
        'Hawk garbage',
        `Digest id="${tokenId}"`,
        tokenId,
      ]) {
        const response = await send(`${server.url}/session/status`, { authorization });
        assertAuthError(response, 110);
      }
    });

    test('Bearer with the wrong prefix, case, length or no prefix', async () => {
      for (const authorization of [
        `Bearer fxk_${tokenId}`,
        `Bearer fxar_${tokenId}`,
        `Bearer fxs_${tokenId.toUpperCase()}`,
        `Bearer FXS_${tokenId}`,
        `Bearer fxs_${tokenId.slice(0, 62)}`,
        `Bearer fxs_${tokenId}00`,
        `Bearer ${tokenId}`,
        `Bearer fxs-${tokenId}`,
        `Bearer  fxs_${tokenId}`,
        `bearer fxs_${tokenId}`,
        `Bearer fxs_${hex(32)}`,
      ]) {
        const response = await send(`${server.url}/session/status`, { authorization });
        assertAuthError(response, 110);
      }
    });

    test('a keyFetchToken on a session route (tokens are looked up in their own table only)', async () => {
      const keyFetch = session.keyFetchToken!;
      assert.ok(keyFetch);
      // Hawk: our client derives the keyFetchToken's own id and key.
      await rejectsWith(
        server.client.request('GET', '/session/status', { token: { kind: 'keyFetchToken', tokenData: keyFetch } }),
        401,
        110,
      );
      // Bearer with either prefix.
      const keyFetchId = deriveToken('keyFetchToken', Buffer.from(keyFetch, 'hex')).tokenId.toString('hex');
      for (const prefix of ['fxs', 'fxk']) {
        const response = await send(`${server.url}/session/status`, { authorization: `Bearer ${prefix}_${keyFetchId}` });
        assertAuthError(response, 110);
      }
      // A sessionToken on the keyFetchToken route.
      await rejectsWith(
        server.client.request('GET', '/account/keys', { token: { kind: 'keyFetchToken', tokenData: session.sessionToken } }),
        401,
        110,
      );
      const sessionOnKeys = await send(`${server.url}/account/keys`, { authorization: `Bearer fxk_${tokenId}` });
      assertAuthError(sessionOnKeys, 110);
    });

    test('a session token signed as another kind (same secret, other derivation)', async () => {
      await rejectsWith(
        server.client.request('GET', '/session/status', { token: { kind: 'passwordChangeToken', tokenData: session.sessionToken } }),
        401,
        110,
      );
    });

    test('a bad token on a route where auth is optional is still rejected', async () => {
      const response = await send(`${server.url}/account/status?uid=${session.uid}`, {
        authorization: sign('GET', `/account/status?uid=${session.uid}`, { id: hex(32) }),
      });
      assertAuthError(response, 110, MSG_110);
    });
  });

  describe('errno 111: stale timestamp', () => {
    test('a timestamp 10 minutes off → 111 with serverTime', async () => {
      for (const offset of [-600, 600, -61, 61]) {
        const response = await send(`${server.url}/session/status`, {
          authorization: sign('GET', '/session/status', { timestamp: nowSeconds() + offset }),
        });
        assertAuthError(response, 111, 'Invalid timestamp in request signature');
        assert.equal(response.json.serverTime, nowSeconds(), `offset ${offset}`);
        assert.equal(response.headers.get('timestamp'), String(nowSeconds()));
        assert.deepEqual(Object.keys(response.json).sort(), ['code', 'errno', 'error', 'info', 'message', 'serverTime']);
      }
    });

    test('a non-numeric timestamp is refused, not treated as fresh forever', async () => {
      // Correctly signed, so only the timestamp check can refuse it.
      for (const timestamp of ['abc', `${nowSeconds()}x`, '', '1e9']) {
        const authorization = hawkHeader({
          url: `${server.url}/session/status`,
          method: 'GET',
          id: tokenId,
          key: authKey,
          timestamp: timestamp as unknown as number,
          nonce: randomBytes(5).toString('base64'),
        });
        const response = await send(`${server.url}/session/status`, { authorization });
        assert.equal(response.status, 401, `ts=${JSON.stringify(timestamp)}: ${JSON.stringify(response.json)}`);
        assert.ok(
          response.json.errno === 111 || response.json.errno === 110,
          `ts=${JSON.stringify(timestamp)}: errno ${String(response.json.errno)}`,
        );
      }
    });

    test('serverTime follows the injected clock', async () => {
      server.clock.advance(3_600_000);
      const err = await rejectsWith(
        server.client.request('GET', '/session/status', {
          token: sessionRef(session.sessionToken),
          hawk: { timestamp: nowSeconds() - 3600 },
        }),
        401,
        111,
      );
      assert.equal(err.body.serverTime, nowSeconds());
      assert.equal(err.headers.timestamp, String(nowSeconds()));
    });

    test('our client resyncs from serverTime and retries once when it chose the timestamp', async () => {
      const calls: number[] = [];
      const countingFetch: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        calls.push(response.status);
        return response;
      };
      // This client's clock is 10 minutes slow.
      const skewed = new AuthClient(server.url, { now: () => server.clock.now() - 600_000, fetch: countingFetch });
      const status = await skewed.sessionStatus(session.sessionToken);
      assert.deepEqual(status, { state: 'unverified', uid: session.uid });
      assert.deepEqual(calls, [401, 200]);
      assert.equal(skewed.http.clockOffsetMs, 600_000);

      // Now in step: the next call needs no retry.
      await skewed.sessionStatus(session.sessionToken);
      assert.deepEqual(calls, [401, 200, 200]);
    });
  });

  describe('errno 115: replayed nonce', () => {
    test('the same ts+nonce+mac sent twice → the second is 115', async () => {
      const authorization = sign('GET', '/session/status', { nonce: 'replay1' });
      const first = await send(`${server.url}/session/status`, { authorization });
      assert.equal(first.status, 200, JSON.stringify(first.json));
      const second = await send(`${server.url}/session/status`, { authorization });
      assertAuthError(second, 115, MSG_115);
    });

    test('a replayed POST does not act twice', async () => {
      const body = JSON.stringify({ reason: 'replay' });
      const authorization = sign('POST', '/session/duplicate', { payload: body, nonce: 'replay2' });
      const first = await send(`${server.url}/session/duplicate`, { method: 'POST', authorization, body });
      assert.equal(first.status, 200, JSON.stringify(first.json));
      const before = await server.snapshot();
      const second = await send(`${server.url}/session/duplicate`, { method: 'POST', authorization, body });
      assertAuthError(second, 115, MSG_115);
      assert.equal(await server.snapshot(), before);
    });

    test('the same nonce with a new timestamp is a new request', async () => {
      const first = await send(`${server.url}/session/status`, {
        authorization: sign('GET', '/session/status', { nonce: 'samenonce' }),
      });
      assert.equal(first.status, 200);
      server.clock.advance(1000);
      const second = await send(`${server.url}/session/status`, {
        authorization: sign('GET', '/session/status', { nonce: 'samenonce' }),
      });
      assert.equal(second.status, 200, JSON.stringify(second.json));
    });

    test('a request with a bad MAC does not burn the nonce', async () => {
      const wrongKey = deriveToken('sessionToken', randomBytes(32)).authKey;
      const ts = nowSeconds();
      const forged = await send(`${server.url}/session/status`, {
        authorization: sign('GET', '/session/status', { key: wrongKey, nonce: 'unburnt', timestamp: ts }),
      });
      assertAuthError(forged, 109, MSG_109);
      const genuine = await send(`${server.url}/session/status`, {
        authorization: sign('GET', '/session/status', { nonce: 'unburnt', timestamp: ts }),
      });
      assert.equal(genuine.status, 200, JSON.stringify(genuine.json));
    });
  });

  describe('stored state', () => {
    test('failed authentication changes nothing', async () => {
      const other = await server.client.signUp(email(), 'other password');
      const before = await server.snapshot();
      const wrongKey = deriveToken('sessionToken', randomBytes(32)).authKey;
      const body = JSON.stringify({});
      const attempts: Array<[string, string, string | undefined]> = [
        // Sign-out with a forged MAC must not sign out.
        ['POST', '/session/destroy', sign('POST', '/session/destroy', { key: wrongKey, payload: body })],
        ['POST', '/session/destroy', sign('POST', '/session/destroy', { payload: '{"customSessionToken":"00"}' })],
        ['POST', '/session/destroy', sign('POST', '/session/destroy', { timestamp: nowSeconds() - 600, payload: body })],
        ['POST', '/session/destroy', `Bearer fxk_${tokenId}`],
        ['POST', '/session/destroy', undefined],
        ['POST', '/session/duplicate', sign('POST', '/session/duplicate', { key: wrongKey, payload: body })],
        ['POST', '/session/duplicate', sign('POST', '/session/duplicate', { id: hex(32), payload: body })],
        ['GET', '/session/status', sign('GET', '/session/status', { key: wrongKey })],
        ['GET', '/account/keys', `Bearer fxk_${tokenId}`],
      ];
      for (const [method, path, authorization] of attempts) {
        const response = await send(server.url + path, { method, authorization, body: method === 'POST' ? body : undefined });
        assert.equal(response.status, 401, `${method} ${path}: ${JSON.stringify(response.json)}`);
      }
      assert.equal(await server.snapshot(), before);
      // Both sessions still work.
      assert.equal((await server.client.sessionStatus(session.sessionToken)).uid, session.uid);
      assert.equal((await server.client.sessionStatus(other.sessionToken)).uid, other.uid);
    });
  });

  describe('session expiry', () => {
    test('a session expires 28 days after creation (SESSION_TOKEN_LIFETIME_DAYS), then is gone', async () => {
      const created = await server.client.signUp(email(), 'expiring password');
      const start = server.clock.now();

      server.clock.set(start + 28 * DAY - 1000);
      assert.equal((await server.client.sessionStatus(created.sessionToken)).uid, created.uid);

      server.clock.set(start + 28 * DAY + 1000);
      const err = await rejectsWith(server.client.sessionStatus(created.sessionToken), 401, 110);
      assert.equal(err.body.message, 'The authentication token has expired');

      // Moving the clock back does not resurrect it: the expired token was removed.
      server.clock.set(start);
      const again = await rejectsWith(server.client.sessionStatus(created.sessionToken), 401, 110);
      assert.equal(again.body.message, MSG_110);
      const bearer = await send(`${server.url}/session/status`, {
        authorization: `Bearer fxs_${deriveToken('sessionToken', Buffer.from(created.sessionToken, 'hex')).tokenId.toString('hex')}`,
      });
      assertAuthError(bearer, 110, MSG_110);
      assert.ok(
        !(await server.snapshot()).includes(
          deriveToken('sessionToken', Buffer.from(created.sessionToken, 'hex')).tokenId.toString('hex'),
        ),
      );
    });

    test('an expired session is also refused over Bearer', async () => {
      const created = await server.client.signUp(email(), 'expiring password 2');
      const id = deriveToken('sessionToken', Buffer.from(created.sessionToken, 'hex')).tokenId.toString('hex');
      server.clock.advance(29 * DAY);
      const response = await send(`${server.url}/session/status`, { authorization: `Bearer fxs_${id}` });
      assertAuthError(response, 110, 'The authentication token has expired');
    });

    test('SESSION_TOKEN_LIFETIME_DAYS is honoured', async () => {
      const short = await startTestServer({ env: { SESSION_TOKEN_LIFETIME_DAYS: '1' } });
      try {
        const created = await short.client.signUp(email(), 'short-lived');
        short.clock.advance(DAY - 1000);
        assert.equal((await short.client.sessionStatus(created.sessionToken)).uid, created.uid);
        short.clock.advance(2000);
        await rejectsWith(short.client.sessionStatus(created.sessionToken), 401, 110);
      } finally {
        await short.close();
      }
    });
  });
});
