// The HTTP foundation every endpoint shares (docs/protocol.md §0):
// the Timestamp header, the FxA error body, framework failures mapped to errnos,
// request validation (107/108), CORS, Dockerflow, the OpenAPI document and logs
// that never carry secrets.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { buildApp, type App } from '../src/app.js';
import { AuthClient, ClientError, hawkHeader } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logging.js';
import { deriveToken, quickStretchV1 } from '../src/crypto/index.js';
import { ERROR_INFO_URL } from '../src/errors.js';
import { MemoryStore, type SlidingWindow } from '../src/kv/index.js';
import { ManualClock } from '../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ERROR_KEYS = ['code', 'errno', 'error', 'info', 'message'];

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function raw(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: string | object; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  const response = await fetch(server.origin + path, { method, headers, body });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    /* not JSON: tests look at `text` */
  }
  return { status: response.status, headers: response.headers, text, json };
}

const email = () => `http-${randomBytes(6).toString('hex')}@example.com`;
const hex32 = () => randomBytes(32).toString('hex');

function assertTimestamp(server: TestServer, response: { headers: Headers }): void {
  assert.equal(response.headers.get('timestamp'), String(Math.floor(server.clock.now() / 1000)));
}

/** An FxA error body with exactly the base fields plus `extra`. */
function assertError(
  response: RawResponse,
  expected: { status: number; errno: number; error: string; message: string; extra?: Record<string, unknown> },
): void {
  assert.equal(response.status, expected.status, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(response.json, {
    code: expected.status,
    errno: expected.errno,
    error: expected.error,
    message: expected.message,
    info: ERROR_INFO_URL,
    ...expected.extra,
  });
}

/** An in-process store that can be made to fail, to reach the 500 and health-check paths. */
class FlakyStore extends MemoryStore {
  failing = false;
  private fail(): void {
    if (this.failing) throw new Error('kv exploded: internal detail 7f3a');
  }
  override async slidingWindows(now: number, windows: readonly SlidingWindow[]): Promise<number[]> {
    this.fail();
    return super.slidingWindows(now, windows);
  }
  override async ping(): Promise<void> {
    this.fail();
  }
}

/** A POST whose body is sent chunked, without Content-Length. */
function chunkedPost(
  server: TestServer,
  path: string,
  chunks: string[],
): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.origin}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    // The server may answer (and close) before the whole body is sent.
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('HTTP foundation', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  describe('Timestamp header', () => {
    test('is on successful responses and follows the injected clock', async () => {
      const first = await raw(server, 'POST', '/v1/get_random_bytes');
      assert.equal(first.status, 200);
      assertTimestamp(server, first);
      assert.equal(first.headers.get('timestamp'), String(Date.UTC(2026, 0, 15, 12, 0, 0) / 1000));

      server.clock.advance(123_456);
      const second = await raw(server, 'POST', '/v1/get_random_bytes');
      assertTimestamp(server, second);
      assert.equal(Number(second.headers.get('timestamp')) - Number(first.headers.get('timestamp')), 123);
    });

    test('is floor(now / 1000) even just before a second boundary', async () => {
      server.clock.advance(1000 - (server.clock.now() % 1000) - 1); // now ends in .999
      const response = await raw(server, 'GET', '/__lbheartbeat__');
      assert.equal(response.headers.get('timestamp'), String(Math.floor(server.clock.now() / 1000)));
      assert.equal(server.clock.now() % 1000, 999);
    });

    test('is on error responses: 404, 400 (JSON, validation), 401 and 413', async () => {
      const responses = await Promise.all([
        raw(server, 'GET', '/v1/no/such/route'),
        raw(server, 'POST', '/v1/account/login', { body: '{not json' }),
        raw(server, 'POST', '/v1/account/login', { body: {} }),
        raw(server, 'GET', '/v1/session/status'),
        raw(server, 'POST', '/v1/get_random_bytes', { body: { pad: 'x'.repeat(20_000) } }),
      ]);
      assert.deepEqual(
        responses.map((r) => r.status),
        [404, 400, 400, 401, 413],
      );
      for (const response of responses) assertTimestamp(server, response);
    });

    test('is on Dockerflow and OpenAPI responses', async () => {
      for (const path of ['/__lbheartbeat__', '/__heartbeat__', '/__version__', '/openapi.json']) {
        const response = await raw(server, 'GET', path);
        assert.equal(response.status, 200, path);
        assertTimestamp(server, response);
      }
    });
  });

  describe('errors', () => {
    test('unknown route → 404 errno 999 with the FxA body', async () => {
      const response = await raw(server, 'GET', '/v1/not/a/route');
      assertError(response, { status: 404, errno: 999, error: 'Not Found', message: 'Not Found' });
      assert.deepEqual(Object.keys(response.json).sort(), ERROR_KEYS);

      const post = await raw(server, 'POST', '/v1/account/nope', { body: {} });
      assertError(post, { status: 404, errno: 999, error: 'Not Found', message: 'Not Found' });
    });

    test('a known path with the wrong method is also 404/999 JSON', async () => {
      const response = await raw(server, 'GET', '/v1/account/login');
      assertError(response, { status: 404, errno: 999, error: 'Not Found', message: 'Not Found' });
    });

    test('invalid JSON body → 400 errno 106', async () => {
      for (const body of ['{not json', '{"email": "a@b.co",', '[1,2', 'nul']) {
        const response = await raw(server, 'POST', '/v1/account/login', { body });
        assertError(response, { status: 400, errno: 106, error: 'Bad Request', message: 'Invalid JSON in request body' });
      }
      const random = await raw(server, 'POST', '/v1/get_random_bytes', { body: '{"a":' });
      assertError(random, { status: 400, errno: 106, error: 'Bad Request', message: 'Invalid JSON in request body' });
    });

    test('body over BODY_LIMIT_BYTES (16384) → 413 errno 113', async () => {
      const padding = 'a'.repeat(16_384);
      for (const path of ['/v1/get_random_bytes', '/v1/account/login', '/v1/account/create']) {
        const response = await raw(server, 'POST', path, { body: { email: email(), authPW: hex32(), padding } });
        assertError(response, {
          status: 413,
          errno: 113,
          error: 'Payload Too Large',
          message: 'Request body too large',
        });
      }
    });

    test('a body of exactly BODY_LIMIT_BYTES is accepted', async () => {
      const base = JSON.stringify({ email: email(), pad: '' });
      const body = JSON.stringify({ email: JSON.parse(base).email, pad: 'a'.repeat(16_384 - base.length) });
      assert.equal(Buffer.byteLength(body), 16_384);
      const response = await raw(server, 'POST', '/v1/account/status', { body });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { exists: false });
    });

    test('a chunked body over the limit (no Content-Length) → 413 errno 113', async () => {
      const chunks = ['{"email":"a@b.co","pad":"', ...Array.from({ length: 20 }, () => 'a'.repeat(1000)), '"}'];
      const response = await chunkedPost(server, '/v1/account/status', chunks);
      assert.equal(response.status, 413, JSON.stringify(response.json));
      assert.equal(response.json.errno, 113);
      assert.equal(response.json.message, 'Request body too large');
      assert.equal(response.headers.timestamp, String(Math.floor(server.clock.now() / 1000)));
    });

    test('a chunked body under the limit is accepted', async () => {
      const response = await chunkedPost(server, '/v1/account/status', ['{"email":', `"${email()}"`, '}']);
      assert.equal(response.status, 200, JSON.stringify(response.json));
      assert.deepEqual(response.json, { exists: false });
    });

    test('an oversize body changes no stored state', async () => {
      const before = await server.snapshot();
      const response = await raw(server, 'POST', '/v1/account/create', {
        body: { email: email(), authPW: hex32(), padding: 'a'.repeat(20_000) },
      });
      assert.equal(response.json.errno, 113);
      assert.equal(await server.snapshot(), before);
    });
  });

  describe('validation', () => {
    test('missing required field → 400 errno 108 with `param`', async () => {
      const missingAuthPW = await raw(server, 'POST', '/v1/account/login', { body: { email: email() } });
      assertError(missingAuthPW, {
        status: 400,
        errno: 108,
        error: 'Bad Request',
        message: 'Missing parameter in request body: authPW',
        extra: { param: 'authPW' },
      });

      const missingEmail = await raw(server, 'POST', '/v1/account/login', { body: { authPW: hex32() } });
      assertError(missingEmail, {
        status: 400,
        errno: 108,
        error: 'Bad Request',
        message: 'Missing parameter in request body: email',
        extra: { param: 'email' },
      });

      const missingCode = await raw(server, 'POST', '/v1/recovery_email/verify_code', {
        body: { uid: randomBytes(16).toString('hex') },
      });
      assertError(missingCode, {
        status: 400,
        errno: 108,
        error: 'Bad Request',
        message: 'Missing parameter in request body: code',
        extra: { param: 'code' },
      });
    });

    test('no body at all where one is required → 108 (or 107), never a 500', async () => {
      const response = await raw(server, 'POST', '/v1/account/login');
      assert.equal(response.status, 400, response.text);
      assert.ok(response.json.errno === 108 || response.json.errno === 107, response.text);
    });

    const invalidBodies: Array<[string, string, Record<string, unknown>, string]> = [
      ['wrong type (number for hex)', '/v1/account/login', { email: email(), authPW: 12345 }, 'authPW'],
      ['wrong type (number for email)', '/v1/account/login', { email: 42, authPW: hex32() }, 'email'],
      ['wrong type (object for string)', '/v1/account/status', { email: { a: 1 } }, 'email'],
      ['malformed hex', '/v1/account/login', { email: email(), authPW: 'zz'.repeat(32) }, 'authPW'],
      ['odd-length hex', '/v1/account/login', { email: email(), authPW: 'a'.repeat(63) }, 'authPW'],
      ['hex too long', '/v1/account/login', { email: email(), authPW: 'ab'.repeat(33) }, 'authPW'],
      ['hex too short', '/v1/account/login', { email: email(), authPW: 'ab'.repeat(31) }, 'authPW'],
      ['oversize string', '/v1/account/login', { email: email(), authPW: hex32(), service: 's'.repeat(17) }, 'service'],
      ['oversize redirectTo', '/v1/account/login', { email: email(), authPW: hex32(), redirectTo: 'x'.repeat(2049) }, 'redirectTo'],
      ['bad email', '/v1/account/login', { email: 'not-an-email', authPW: hex32() }, 'email'],
      ['email without a dot in the domain', '/v1/account/status', { email: 'a@localhost' }, 'email'],
      ['email too long', '/v1/account/status', { email: `${'a'.repeat(64)}@${'b'.repeat(200)}.com` }, 'email'],
      ['email with a control character', '/v1/account/status', { email: 'a\u0007b@example.com' }, 'email'],
      [
        'bad verificationMethod',
        '/v1/account/login',
        { email: email(), authPW: hex32(), verificationMethod: 'sms' },
        'verificationMethod',
      ],
      [
        'nested metricsContext field',
        '/v1/account/login',
        { email: email(), authPW: hex32(), metricsContext: { flowId: 'nothex', flowBeginTime: 1 } },
        'metricsContext.flowId',
      ],
      ['uid too long', '/v1/recovery_email/verify_code', { uid: 'ab'.repeat(17), code: 'ab'.repeat(16) }, 'uid'],
      ['code of the wrong length', '/v1/recovery_email/verify_code', { uid: 'ab'.repeat(16), code: 'ab'.repeat(15) }, 'code'],
    ];
    for (const [name, path, body, key] of invalidBodies) {
      test(`${name} → 400 errno 107 with validation {source: payload, keys: [${key}]}`, async () => {
        const response = await raw(server, 'POST', path, { body });
        assertError(response, {
          status: 400,
          errno: 107,
          error: 'Bad Request',
          message: 'Invalid parameter in request body',
          extra: { validation: { source: 'payload', keys: [key] } },
        });
      });
    }

    test('metricsContext.flowId without flowBeginTime → 107 on metricsContext', async () => {
      const response = await raw(server, 'POST', '/v1/account/login', {
        body: { email: email(), authPW: hex32(), metricsContext: { flowId: hex32() } },
      });
      assert.equal(response.status, 400, response.text);
      assert.equal(response.json.errno, 107);
      assert.equal(response.json.message, 'Invalid parameter in request body');
      const validation = response.json.validation as { source: string; keys: string[] };
      assert.equal(validation.source, 'payload');
      assert.equal(validation.keys.length, 1);
      // FxA (Joi `.and`) names the object; naming the missing member is as useful.
      assert.ok(['metricsContext', 'metricsContext.flowBeginTime'].includes(validation.keys[0]!), validation.keys[0]);
    });

    test('a JSON body that is not an object → 400 errno 107, not a 500', async () => {
      for (const body of ['[]', '"text"', '42']) {
        const response = await raw(server, 'POST', '/v1/account/login', { body });
        assert.equal(response.status, 400, `${body}: ${response.text}`);
        assert.equal(response.json.errno, 107, `${body}: ${response.text}`);
        assert.deepEqual(response.json.validation, { source: 'payload', keys: ['payload'] }, body);
      }
    });

    test('strings are not coerced to booleans in bodies', async () => {
      const response = await raw(server, 'POST', '/v1/account/status', { body: { email: email(), thirdPartyAuthStatus: 'yes' } });
      assert.equal(response.status, 400, response.text);
      assert.equal(response.json.errno, 107);
      assert.deepEqual(response.json.validation, { source: 'payload', keys: ['thirdPartyAuthStatus'] });
    });

    test('bad query → 400 errno 107 with source query', async () => {
      const body = { email: email(), authPW: hex32() };
      const badKeys = await raw(server, 'POST', '/v1/account/login?keys=maybe', { body });
      assertError(badKeys, {
        status: 400,
        errno: 107,
        error: 'Bad Request',
        message: 'Invalid parameter in request body',
        extra: { validation: { source: 'query', keys: ['keys'] } },
      });

      const longService = await raw(server, 'POST', `/v1/account/login?service=${'s'.repeat(17)}`, { body });
      assertError(longService, {
        status: 400,
        errno: 107,
        error: 'Bad Request',
        message: 'Invalid parameter in request body',
        extra: { validation: { source: 'query', keys: ['service'] } },
      });

      const badUid = await raw(server, 'GET', '/v1/account/status?uid=nothex');
      assert.equal(badUid.status, 400, badUid.text);
      assert.equal(badUid.json.errno, 107);
      assert.deepEqual(badUid.json.validation, { source: 'query', keys: ['uid'] });
    });

    test('query booleans accept true/false', async () => {
      // keys=false is valid, so the request reaches the service (unknown account → 102).
      const response = await raw(server, 'POST', '/v1/account/login?keys=false', { body: { email: email(), authPW: hex32() } });
      assert.equal(response.status, 400, response.text);
      assert.equal(response.json.errno, 102);
    });

    test('validation failures change no stored state', async () => {
      const before = await server.snapshot();
      await raw(server, 'POST', '/v1/account/create', { body: { email: 'bad', authPW: hex32() } });
      await raw(server, 'POST', '/v1/account/create', { body: { email: email() } });
      await raw(server, 'POST', '/v1/account/create', { body: { email: email(), authPW: 'zz' } });
      assert.equal(await server.snapshot(), before);
    });

    test('unknown body fields are ignored, not rejected', async () => {
      const status = await raw(server, 'POST', '/v1/account/status', {
        body: { email: email(), someFutureField: { nested: true }, another: 42 },
      });
      assert.equal(status.status, 200, status.text);
      assert.deepEqual(status.json, { exists: false });

      const address = email();
      const { authPW } = await quickStretchV1(address, 'password123');
      const created = await raw(server, 'POST', '/v1/account/create', {
        body: { email: address, authPW: authPW.toString('hex'), notAField: 'x', preVerified: true },
      });
      assert.equal(created.status, 200, created.text);
      assert.match(String(created.json.uid), /^[0-9a-f]{32}$/);
      assert.match(String(created.json.sessionToken), /^[0-9a-f]{64}$/);

      const login = await raw(server, 'POST', '/v1/account/login', {
        body: { email: address, authPW: authPW.toString('hex'), unknownLoginField: [1, 2, 3] },
      });
      assert.equal(login.status, 200, login.text);
      assert.equal(login.json.uid, created.json.uid);
    });

    test('hex is accepted in upper case', async () => {
      const address = email();
      const { authPW } = await quickStretchV1(address, 'password123');
      const created = await raw(server, 'POST', '/v1/account/create', {
        body: { email: address, authPW: authPW.toString('hex').toUpperCase() },
      });
      assert.equal(created.status, 200, created.text);
      const login = await raw(server, 'POST', '/v1/account/login', { body: { email: address, authPW: authPW.toString('hex') } });
      assert.equal(login.status, 200, login.text);
    });
  });

  describe('POST /v1/get_random_bytes', () => {
    test('returns 32 random bytes as 64 lowercase hex, different each call', async () => {
      const a = await server.client.getRandomBytes();
      const b = await server.client.getRandomBytes();
      assert.match(a.data, /^[0-9a-f]{64}$/);
      assert.match(b.data, /^[0-9a-f]{64}$/);
      assert.notEqual(a.data, b.data);
      assert.deepEqual(Object.keys(a), ['data']);
    });

    test('ignores a body', async () => {
      const response = await raw(server, 'POST', '/v1/get_random_bytes', { body: { anything: 1 } });
      assert.equal(response.status, 200, response.text);
      assert.match(String(response.json.data), /^[0-9a-f]{64}$/);
    });
  });

  describe('Dockerflow', () => {
    test('/__lbheartbeat__ → 200 {}', async () => {
      const response = await raw(server, 'GET', '/__lbheartbeat__');
      assert.equal(response.status, 200);
      assert.deepEqual(response.json, {});
    });

    test('/__version__ has the package version', async () => {
      const response = await raw(server, 'GET', '/__version__');
      assert.equal(response.status, 200);
      assert.equal(response.json.version, '0.1.0');
      assert.equal(typeof response.json.commit, 'string');
    });

    test('/__heartbeat__ → 200 with database ok (and the ephemeral store ok)', async () => {
      const response = await raw(server, 'GET', '/__heartbeat__');
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json.database, 'ok');
      const storeName = process.env.REDIS_URL ? 'redis' : 'store';
      assert.equal(response.json[storeName], 'ok');
    });
  });

  describe('OpenAPI', () => {
    test('/openapi.json is an OpenAPI 3 document of the routes', async () => {
      const response = await raw(server, 'GET', '/openapi.json');
      assert.equal(response.status, 200);
      const doc = response.json as {
        openapi: string;
        info: { title: string; version: string };
        paths: Record<
          string,
          Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> }; security?: unknown[] }>
        >;
        components: { securitySchemes: Record<string, unknown> };
      };
      assert.match(doc.openapi, /^3\.\d+\.\d+$/);
      assert.equal(typeof doc.info.title, 'string');
      assert.equal(doc.info.version, '0.1.0');
      for (const [path, method] of [
        ['/v1/account/login', 'post'],
        ['/v1/account/create', 'post'],
        ['/v1/account/status', 'get'],
        ['/v1/account/status', 'post'],
        ['/v1/session/status', 'get'],
        ['/v1/get_random_bytes', 'post'],
      ] as const) {
        assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
      }
      const loginSchema = doc.paths['/v1/account/login']!.post!.requestBody!.content['application/json']!.schema;
      assert.deepEqual([...(loginSchema.required ?? [])].sort(), ['authPW', 'email']);
      assert.deepEqual(doc.paths['/v1/session/status']!.get!.security, [{ sessionToken: [] }]);
      assert.ok(doc.components.securitySchemes.sessionToken);
      // Operational endpoints are hidden from the API document.
      assert.equal(doc.paths['/__heartbeat__'], undefined);
      assert.equal(doc.paths['/openapi.json'], undefined);
    });
  });
});

describe('CORS', () => {
  let server: TestServer;
  const allowed = 'https://allowed.example';

  before(async () => {
    server = await startTestServer({ env: { CORS_ORIGINS: allowed } });
  });
  after(async () => {
    await server.close();
  });

  const preflight = (origin: string) =>
    raw(server, 'OPTIONS', '/v1/account/login', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });

  test('a preflight from an allowed origin is allowed, without credentials', async () => {
    const response = await preflight(allowed);
    assert.ok(response.status === 204 || response.status === 200, `status ${response.status}`);
    assert.equal(response.headers.get('access-control-allow-origin'), allowed);
    assert.notEqual(response.headers.get('access-control-allow-credentials'), 'true');
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
    const allowedHeaders = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    assert.match(allowedHeaders, /authorization/);
    assert.match(allowedHeaders, /content-type/);
    assertTimestamp(server, response);
  });

  test('a preflight from another origin gets no allow-origin', async () => {
    const response = await preflight('https://evil.example');
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(response.headers.get('access-control-allow-credentials'), null);
  });

  test('actual responses expose Timestamp (and Retry-After) to the allowed origin', async () => {
    const ok = await raw(server, 'POST', '/v1/get_random_bytes', { headers: { origin: allowed } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), allowed);
    const exposed = (ok.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    assert.ok(exposed.includes('timestamp'), `exposed: ${exposed.join(',')}`);
    assert.ok(exposed.includes('retry-after'), `exposed: ${exposed.join(',')}`);
    assert.notEqual(ok.headers.get('access-control-allow-credentials'), 'true');

    const failed = await raw(server, 'GET', '/v1/session/status', { headers: { origin: allowed } });
    assert.equal(failed.status, 401);
    assert.equal(failed.headers.get('access-control-allow-origin'), allowed);
    assert.match((failed.headers.get('access-control-expose-headers') ?? '').toLowerCase(), /timestamp/);
  });

  test('actual responses to another origin carry no allow-origin', async () => {
    const response = await raw(server, 'POST', '/v1/get_random_bytes', { headers: { origin: 'https://evil.example' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  test('without CORS_ORIGINS no origin is allowed', async () => {
    const closed = await startTestServer();
    try {
      const response = await fetch(`${closed.origin}/v1/account/login`, {
        method: 'OPTIONS',
        headers: { origin: allowed, 'access-control-request-method': 'POST' },
      });
      await response.arrayBuffer();
      assert.equal(response.headers.get('access-control-allow-origin'), null);
    } finally {
      await closed.close();
    }
  });
});

describe('logs', () => {
  let app: App;
  let database: TestDatabase;
  let mail: SmtpSink;
  let client: AuthClient;
  const lines: string[] = [];
  const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const kv = new FlakyStore(clock);
  let origin: string;

  before(async () => {
    database = await createTestDatabase();
    mail = await startSmtpSink();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    const config = loadConfig(process.env, {
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'http://127.0.0.1:9',
      DATABASE_URL: database.url,
      SMTP_URL: mail.url,
      REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:`,
      LOG_LEVEL: 'trace',
      GIT_COMMIT: 'f00dcafe1234',
    });
    app = await buildApp(config, createLogger(config, stream), { clock, kv });
    const address = await app.server.listen({ port: 0, host: '127.0.0.1' });
    origin = address;
    // Bearer auth: Hawk would sign for PUBLIC_URL's host, which is not the listening port here.
    client = new AuthClient(`${address}/v1`, { now: () => clock.now(), auth: 'bearer' });
  });
  after(async () => {
    await app?.close();
    await kv.close();
    await mail?.stop();
    await database?.drop();
  });

  test('contain no authPW, token or verification code', async () => {
    const address = email();
    const password = 'correct horse battery staple';
    const { authPW } = await quickStretchV1(address, password);

    const signup = await client.signUp(address, password, { keys: true });
    const verifyMail = await mail.waitForMail(address);
    const code = verifyMail.headers['x-verify-code'];
    assert.match(code ?? '', /^[0-9a-f]{32}$/);
    // The user opens the emailed link; this server may not serve that page (404), but must not log its query.
    const link = new URL(verifyMail.headers['x-link']!);
    assert.equal(link.searchParams.get('code'), code);
    const page = await fetch(`${origin}${link.pathname}${link.search}`);
    await page.arrayBuffer();
    await client.verifyCode(signup.uid, code!);

    const login = await client.signIn(address, password, { keys: true });
    assert.equal(login.uid, signup.uid);
    await client.sessionStatus(login.sessionToken);
    await client.accountKeys(login.keyFetchToken!, login.unwrapBKey);
    // A failed login and a failed code check are logged too.
    await assert.rejects(client.signIn(address, 'wrong password'), (err: ClientError) => err.errno === 103);
    await assert.rejects(client.verifyCode(signup.uid, 'ab'.repeat(16)), (err: ClientError) => err.errno === 105);

    const log = lines.join('');
    assert.ok(lines.length > 5, 'something was logged');
    assert.match(log, /"msg":"request"/, 'one line per request');

    const secrets: Record<string, string> = {
      authPW: authPW.toString('hex'),
      'signup sessionToken': signup.sessionToken,
      'signup keyFetchToken': signup.keyFetchToken!,
      'login sessionToken': login.sessionToken,
      'login keyFetchToken': login.keyFetchToken!,
      // The token id is the whole credential for `Bearer fxs_<id>`.
      'login sessionToken id': deriveToken('sessionToken', Buffer.from(login.sessionToken, 'hex')).tokenId.toString('hex'),
      'verify code': code!,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(!log.toLowerCase().includes(secret.toLowerCase()), `the log contains the ${name}`);
    }
    assert.ok(!log.includes(password), 'the log contains the password');
    assert.ok(!/authorization/i.test(log), 'the log contains an Authorization header');
  });

  test('an unexpected failure is 500 errno 999 without internal detail, logged with a request id', async () => {
    const before = lines.length;
    kv.failing = true;
    try {
      const response = await fetch(`${origin}/v1/account/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: email() }),
      });
      const text = await response.text();
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('timestamp'), String(Math.floor(clock.now() / 1000)));
      assert.deepEqual(JSON.parse(text), {
        code: 500,
        errno: 999,
        error: 'Internal Server Error',
        message: 'Unspecified error',
        info: ERROR_INFO_URL,
      });
      assert.ok(!text.includes('7f3a') && !text.includes('kv exploded'), 'no internal detail in the response');

      const errorLines = lines
        .slice(before)
        .map((line) => JSON.parse(line) as { level: number; reqId?: unknown; err?: { message?: string } })
        .filter((entry) => entry.level >= 50);
      assert.ok(errorLines.length >= 1, 'the failure is logged as an error');
      assert.ok(
        errorLines.some((entry) => entry.reqId !== undefined && entry.err?.message?.includes('kv exploded')),
        JSON.stringify(errorLines),
      );
    } finally {
      kv.failing = false;
    }
  });

  type Entry = { level: number; msg: string; status?: number; errno?: number; url?: string; host?: string; publicUrl?: string };
  const entriesSince = (start: number): Entry[] => lines.slice(start).map((line) => JSON.parse(line) as Entry);

  test('request lines carry the errno of error responses', async () => {
    const start = lines.length;
    const bogus = `Bearer fxs_${'ab'.repeat(32)}`;
    const denied = await fetch(`${origin}/v1/session/status`, { headers: { authorization: bogus } });
    assert.equal(((await denied.json()) as { errno: number }).errno, 110);
    const ok = await fetch(`${origin}/__lbheartbeat__`);
    await ok.arrayBuffer();

    const requests = entriesSince(start).filter((entry) => entry.msg === 'request');
    assert.deepEqual(
      requests.map(({ url, status, errno }) => ({ url, status, errno })),
      [
        { url: '/v1/session/status', status: 401, errno: 110 },
        { url: '/__lbheartbeat__', status: 200, errno: undefined },
      ],
    );
  });

  test('a Hawk MAC made for the Host the client used, not PUBLIC_URL, is 109 and a warning naming PUBLIC_URL', async () => {
    const signup = await client.signUp(email(), 'hawk host password');
    // PUBLIC_URL is http://127.0.0.1:9; this client signs for the address it connects to.
    const hawk = new AuthClient(`${origin}/v1`, { now: () => clock.now() });
    const start = lines.length;
    await assert.rejects(hawk.sessionStatus(signup.sessionToken), (err: ClientError) => err.errno === 109);
    await assert.rejects(hawk.sessionStatus(signup.sessionToken), (err: ClientError) => err.errno === 109);

    const host = new URL(origin).host;
    const warnings = entriesSince(start).filter((entry) => entry.level === 40);
    assert.equal(warnings.length, 1, 'warned once, not on every request');
    assert.equal(warnings[0]!.host, host);
    assert.equal(warnings[0]!.publicUrl, 'http://127.0.0.1:9');
    assert.match(warnings[0]!.msg, /PUBLIC_URL/);
    assert.ok(warnings[0]!.msg.includes(host), warnings[0]!.msg);

    // A signature that verifies for no host (a wrong key) is not blamed on PUBLIC_URL.
    const other = `${origin}/v1/session/status`;
    const forged = hawkHeader({
      url: other,
      method: 'GET',
      id: deriveToken('sessionToken', Buffer.from(signup.sessionToken, 'hex')).tokenId.toString('hex'),
      key: randomBytes(32),
      timestamp: Math.floor(clock.now() / 1000),
      nonce: 'n1',
    });
    const mark = lines.length;
    const response = await fetch(other, { headers: { authorization: forged } });
    assert.equal(((await response.json()) as { errno: number }).errno, 109);
    assert.deepEqual(
      entriesSince(mark).filter((entry) => entry.level === 40),
      [],
    );
  });

  test('/__version__ reports GIT_COMMIT', async () => {
    const response = await fetch(`${origin}/__version__`);
    assert.deepEqual(await response.json(), { version: '0.1.0', commit: 'f00dcafe1234' });
  });

  test('/__heartbeat__ → 500 naming the failing dependency', async () => {
    kv.failing = true;
    try {
      const response = await fetch(`${origin}/__heartbeat__`);
      const body = (await response.json()) as Record<string, string>;
      assert.equal(response.status, 500);
      assert.deepEqual(body, { database: 'ok', store: 'error', smtp: 'ok' });
    } finally {
      kv.failing = false;
    }
    const healthy = await fetch(`${origin}/__heartbeat__`);
    assert.equal(healthy.status, 200);
    await healthy.arrayBuffer();
  });
});
