// What FxA retired answers 410 errno 116, as FxA does, not 404: the account unlock
// operations (and /account/lock), and any path of API version 0. The retired /v1
// operations are declared routes, listed in /openapi.json as deprecated.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERROR_INFO_URL } from '../src/errors.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const GONE = {
  code: 410,
  errno: 116,
  error: 'Gone',
  message: 'This endpoint is no longer supported',
  info: ERROR_INFO_URL,
};

const RETIRED = ['/account/unlock/resend_code', '/account/unlock/verify_code', '/account/lock'];

describe('retired operations and API versions', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(server.origin + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
  };

  for (const path of RETIRED) {
    test(`POST /v1${path} is gone (410, errno 116), whatever the body`, async () => {
      for (const body of [undefined, {}, { email: 'a@example.com', uid: 'bigscaryuid', code: 'bigscarycode' }]) {
        const response = await call('POST', `/v1${path}`, body);
        assert.equal(response.status, 410);
        assert.match(response.type ?? '', /^application\/json/);
        assert.deepEqual(response.body, GONE);
      }
    });
  }

  test('every method on every /v0 path is gone', async () => {
    for (const [method, path] of [
      ['GET', '/v0'],
      ['GET', '/v0/'],
      ['POST', '/v0/account/create'],
      ['GET', '/v0/whatever?x=1'],
      ['PUT', '/v0/a/b/c'],
      ['DELETE', '/v0/session'],
    ] as const) {
      const response = await call(method, path, method === 'POST' || method === 'PUT' ? { any: 'thing' } : undefined);
      assert.equal(response.status, 410, `${method} ${path}`);
      assert.deepEqual(response.body, GONE, `${method} ${path}`);
    }
  });

  test('other unknown paths stay 404', async () => {
    assert.equal((await call('GET', '/v2/account')).status, 404);
    assert.equal((await call('POST', '/v1/account/unlock')).status, 404);
  });

  test('/openapi.json lists the retired operations as deprecated, answering only 410', async () => {
    const doc = (await call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Record<string, unknown>>> };
    for (const path of RETIRED) {
      const operation = doc.paths[`/v1${path}`]?.post;
      assert.ok(operation, `${path} is published`);
      assert.equal(operation.deprecated, true);
      const responses = operation.responses as Record<string, { description: string }>;
      assert.equal(responses['200'], undefined, 'no success response');
      assert.match(responses['410']!.description, /errno 116/);
    }
    assert.equal(
      Object.keys(doc.paths).some((path) => path.startsWith('/v0')),
      false,
      'the /v0 wildcard is not published',
    );
  });
});
