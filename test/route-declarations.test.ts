// What a route declares — the preconditions of its token and the errnos it may answer —
// is enforced and published: an undeclared errno is reported (the test server fails the
// test that caused it), preconditions are checked before validation, and every errno a
// route may answer appears in /openapi.json.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { AppError, ERRNO } from '../src/errors.js';
import type { AuthStrategy } from '../src/http/auth.js';
import { Authenticator } from '../src/http/auth.js';
import { installErrorHandling } from '../src/http/errors.js';
import { createValidatorCompiler, validationError } from '../src/http/validation.js';
import { defineRoute, registerRoutes, routeErrnos, type RouteSpec } from '../src/http/route.js';
import { MemoryStore } from '../src/kv/index.js';
import { ManualClock } from '../src/runtime.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface FakeToken {
  emailVerified: boolean;
  tokenVerified: boolean;
}

/** A bearer strategy whose tokens are named by their state: `Bearer fxs_<64 hex>` with the first byte as flags. */
const fakeStrategy: AuthStrategy<FakeToken> = {
  name: 'sessionToken',
  bearerPrefixes: ['fxs'],
  lookup: async (tokenId) => ({
    authKey: Buffer.alloc(32),
    token: { emailVerified: (tokenId[0]! & 1) === 1, tokenVerified: (tokenId[0]! & 2) === 2 },
  }),
  state: (token) => ({ ...token, assuranceLevel: 1, requiredAssuranceLevel: 1 }),
  unconfirmedErrno: ERRNO.SESSION_UNVERIFIED,
};
const bearer = (flags: number) => `Bearer fxs_${flags.toString(16).padStart(2, '0')}${'00'.repeat(31)}`;

describe('enforcement', () => {
  const clock = new ManualClock();
  const app = Fastify({ schemaErrorFormatter: (errors, dataVar) => validationError(errors, dataVar) });
  const undeclared: Array<[string, number]> = [];

  before(async () => {
    app.setValidatorCompiler(createValidatorCompiler({ redirectDomains: [] }));
    installErrorHandling(app, (route, errno) => undeclared.push([route, errno]));
    const routes: RouteSpec[] = [
      defineRoute({
        method: 'POST',
        path: '/declared',
        tag: 'Test',
        summary: 'answers an errno it declares',
        errors: [ERRNO.UNKNOWN_ACCOUNT],
        response: Type.Object({}),
        async handler() {
          throw AppError.unknownAccount();
        },
      }),
      defineRoute({
        method: 'POST',
        path: '/undeclared',
        tag: 'Test',
        summary: 'answers an errno it does not declare',
        errors: [],
        response: Type.Object({}),
        async handler() {
          throw new AppError(ERRNO.EMAIL_EXISTS);
        },
      }),
      defineRoute({
        method: 'POST',
        path: '/guarded',
        tag: 'Test',
        summary: 'needs a verified account and a confirmed token',
        auth: { strategy: fakeStrategy, verifiedEmail: true, confirmedToken: true },
        errors: [],
        body: Type.Object({ n: Type.Integer() }),
        response: Type.Object({ ok: Type.Boolean() }),
        async handler() {
          return { ok: true };
        },
      }),
    ];
    registerRoutes(
      app,
      new Authenticator({ publicUrl: 'http://localhost', timestampSkewSeconds: 60, clock, nonces: new MemoryStore(clock) }),
      routes,
    );
    await app.ready();
  });
  after(() => app.close());

  const post = (url: string, headers: Record<string, string> = {}, payload: unknown = {}) =>
    app.inject({ method: 'POST', url, headers, payload: payload as object });

  test('a declared errno is answered and not reported', async () => {
    const response = await post('/v1/declared');
    assert.equal(response.json().errno, 102);
    assert.deepEqual(undeclared, []);
  });

  test('an undeclared errno is still answered, and reported with the route', async () => {
    const response = await post('/v1/undeclared');
    assert.equal(response.json().errno, 136);
    assert.deepEqual(undeclared.splice(0), [['POST /v1/undeclared', 136]]);
  });

  test('preconditions in order (104 before 138), before validation, and implied in the declared set', async () => {
    assert.equal((await post('/v1/guarded', { authorization: bearer(0) }, { n: 'x' })).json().errno, 104);
    assert.equal((await post('/v1/guarded', { authorization: bearer(1) }, { n: 'x' })).json().errno, 138);
    assert.equal((await post('/v1/guarded', { authorization: bearer(3) }, { n: 'x' })).json().errno, 107);
    assert.equal((await post('/v1/guarded', { authorization: bearer(3) }, { n: 1 })).json().ok, true);
    assert.deepEqual(undeclared, [], 'precondition and validation errnos count as declared');
  });

  test('routeErrnos adds what validation, auth and preconditions can answer', () => {
    const spec = {
      auth: { strategy: fakeStrategy, confirmedToken: true },
      errors: [ERRNO.THROTTLED],
    } as unknown as RouteSpec;
    assert.deepEqual(
      [...routeErrnos(spec)].sort((a, b) => a - b),
      [106, 107, 108, 109, 110, 111, 113, 114, 115, 138, 201, 999],
    );
  });
});

describe('/openapi.json', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  type Responses = Record<string, { description?: string }>;

  test('lists the errnos of each route under their HTTP status', async () => {
    const doc = (await (await fetch(`${server.origin}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Responses }>>;
    };
    const errnosOf = (path: string, method: string): number[] =>
      Object.values(doc.paths[path]![method]!.responses)
        .flatMap((response) => [...(response.description ?? '').matchAll(/errno (\d+)/g)].map((m) => Number(m[1])))
        .sort((a, b) => a - b);

    const create = errnosOf('/v1/account/create', 'post');
    for (const errno of [101, 107, 114, 144, 151, 201]) assert.ok(create.includes(errno), `create declares ${errno}`);
    assert.ok(!create.includes(110), 'no token, no 110');
    assert.ok(errnosOf('/v1/account/keys', 'get').includes(104), 'the key-fetch precondition');
    const addSecondary = errnosOf('/v1/recovery_email', 'post');
    for (const errno of [104, 110, 136, 138, 139, 140, 141])
      assert.ok(addSecondary.includes(errno), `recovery_email declares ${errno}`);
    const responses = doc.paths['/v1/account/create']!.post!.responses;
    assert.match(responses['400']!.description!, /errno 101: Account already exists/);
    assert.match(responses['429']!.description!, /errno 114/);

    // Every operation documents at least its validation errors (109 in the OAuth table).
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (!path.startsWith('/v1/')) continue;
        const oauthValidation = JSON.stringify(operation.responses).includes('errno 109: Invalid request parameter');
        assert.ok(errnosOf(path, method).includes(107) || oauthValidation, `${method} ${path} documents 107 (or OAuth 109)`);
      }
    }
  });
});
