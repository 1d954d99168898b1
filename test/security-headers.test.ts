// Every response carries the security headers fxa-auth-server sends (its hapi
// `routes.security` setting and hapi's default Cache-Control): successes, errors,
// 404s, 5xx, operational routes and CORS preflights alike.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SECURITY_HEADERS } from '../src/app.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const EXPECTED = {
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-frame-options': 'DENY',
  'x-xss-protection': '0',
  'x-download-options': 'noopen',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

function assertSecurityHeaders(response: Response, what: string): void {
  for (const [name, value] of Object.entries(EXPECTED)) {
    assert.equal(response.headers.get(name), value, `${name} on ${what}`);
  }
}

describe('security headers', () => {
  let server: TestServer;
  before(async () => {
    // Server-side scrypt fails, so a sign-up answers 500.
    server = await startTestServer({ scrypt: async () => Promise.reject(new Error('scrypt exploded')) });
  });
  after(() => server.close());

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(server.origin + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  test('the exported set is what FxA sends', () => {
    assert.deepEqual({ ...SECURITY_HEADERS }, EXPECTED);
  });

  test('on 200s: API, Dockerflow and the OpenAPI document', async () => {
    for (const [method, path] of [
      ['POST', '/v1/get_random_bytes'],
      ['GET', '/__heartbeat__'],
      ['GET', '/__lbheartbeat__'],
      ['GET', '/__version__'],
      ['GET', '/openapi.json'],
    ] as const) {
      const response = await call(method, path);
      assert.equal(response.status, 200, `${method} ${path}`);
      assertSecurityHeaders(response, `${method} ${path}`);
    }
  });

  test('on 4xx: validation errors, invalid JSON, bad tokens, 404 and 410', async () => {
    const cases: Array<[Response, number, string]> = [
      [await call('POST', '/v1/account/create', { email: 'nope' }), 400, 'validation'],
      [
        await fetch(`${server.url}/account/create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{',
        }),
        400,
        'invalid JSON',
      ],
      [await call('GET', '/v1/session/status', undefined, { authorization: `Bearer fxs_${'00'.repeat(32)}` }), 401, 'bad token'],
      [await call('GET', '/v1/no/such/route'), 404, 'unknown path'],
      [await call('GET', '/v0/account'), 410, 'retired version'],
    ];
    for (const [response, status, what] of cases) {
      assert.equal(response.status, status, what);
      assertSecurityHeaders(response, what);
    }
  });

  test('on 5xx', async () => {
    const response = await call('POST', '/v1/account/create', { email: 'a@example.com', authPW: 'ab'.repeat(32) });
    assert.equal(response.status, 500);
    assert.equal(((await response.json()) as { errno: number }).errno, 999);
    assertSecurityHeaders(response, '500');
  });

  test('on redirects', async () => {
    const response = await fetch(`${server.url}/verify_email?code=${'ab'.repeat(16)}&uid=${'cd'.repeat(16)}`, {
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    assertSecurityHeaders(response, 'a redirect');
  });
});
