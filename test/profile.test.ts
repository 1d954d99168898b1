// The profile API under /profile/v1 (FIREFOX.md §3): each route, its scope, ETag/304, the
// display-name rules, and bearer failures, over real HTTP against the real app. Access tokens
// come from a test verifier (fixed token strings → tokens of real accounts) until the OAuth
// token verifier is wired into the services.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { OAUTH_ERRNO, OAuthError } from '../src/errors.js';
import type { AccessTokenVerifier, VerifiedAccessToken } from '../src/features/oauth/model.js';
import { tokenAllows } from '../src/features/profile/scopes.js';
import { signUpVerified, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY = 24 * 3600 * 1000;

/** Token string → [account label, scope]. */
const TOKENS: Record<string, [string, string[]]> = {
  profile: ['alice', ['profile']],
  write: ['alice', ['profile:write']],
  email: ['alice', ['profile:email']],
  uid: ['alice', ['profile:uid']],
  locale: ['alice', ['profile:locale']],
  amr: ['alice', ['profile:amr']],
  avatar: ['alice', ['profile:avatar']],
  displayName: ['alice', ['profile:display_name']],
  displayNameWrite: ['alice', ['profile:display_name:write']],
  emailWrite: ['alice', ['profile:email:write']],
  oidc: ['alice', ['openid', 'email']],
  untrusted: ['alice', ['profile:uid', 'profile:email', 'profile:display_name']],
  other: ['alice', ['some:other:scope', 'https://identity.mozilla.com/apps/oldsync']],
  bobProfile: ['bob', ['profile']],
  bobWrite: ['bob', ['profile:display_name:write']],
  gone: ['gone', ['profile']],
  goneWrite: ['gone', ['profile:write']],
};

class TestVerifier implements AccessTokenVerifier {
  readonly uids = new Map<string, Buffer>([['gone', randomBytes(16)]]);
  failure: Error | undefined;

  async verify(token: string): Promise<VerifiedAccessToken> {
    if (this.failure) throw this.failure;
    if (token === 'expired') throw OAuthError.expiredToken(Date.now() - DAY);
    const entry = TOKENS[token];
    const uid = entry && this.uids.get(entry[0]);
    if (!entry || !uid) throw new OAuthError(OAUTH_ERRNO.INVALID_TOKEN);
    return { uid, clientId: '5882386c6d801776', scope: entry[1], createdAt: 0, expiresAt: Date.now() + DAY, generation: 0 };
  }
}

describe('tokenAllows (FxA short-scope implication)', () => {
  const holds: [string, string][] = [
    ['profile:write', 'profile'],
    ['profile', 'profile:email'],
    ['profile:write', 'profile:email:write'],
    ['profile:write', 'profile:display_name:write'],
    ['profile:display_name:write', 'profile:display_name'],
    ['profile:email', 'profile:email'],
  ];
  const fails: [string, string][] = [
    ['profile:email:write', 'profile'],
    ['profile', 'profile:write'],
    ['profile', 'profile:display_name:write'],
    ['profilebogey', 'profile'],
    ['profile:display_name', 'profile:email'],
    ['email', 'profile:email'],
  ];
  for (const [granted, required] of holds) test(`${granted} ⊃ ${required}`, () => assert.ok(tokenAllows([granted], required)));
  for (const [granted, required] of fails) test(`${granted} ⊅ ${required}`, () => assert.ok(!tokenAllows([granted], required)));
});

describe('profile API', () => {
  let server: TestServer;
  const verifier = new TestVerifier();
  let alice: { uid: string; email: string };

  async function call(
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; authorization?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers };
    const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
    if (authorization) headers.authorization = authorization;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.origin}/profile/v1${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  }

  async function expectProfileError(
    promise: ReturnType<typeof call>,
    status: number,
    errno: number,
  ): Promise<Record<string, unknown>> {
    const { status: got, body } = await promise;
    assert.equal(got, status, JSON.stringify(body));
    assert.equal(body?.errno, errno, JSON.stringify(body));
    assert.equal(body?.code, status);
    return body!;
  }

  before(async () => {
    server = await startTestServer({ accessTokens: verifier });
    const aliceEmail = uniqueEmail('alice');
    const account = await signUpVerified(server, aliceEmail, { lang: 'de-DE,de;q=0.9' });
    alice = { uid: account.uid, email: aliceEmail };
    verifier.uids.set('alice', Buffer.from(account.uid, 'hex'));
    const bob = await signUpVerified(server, uniqueEmail('bob'));
    verifier.uids.set('bob', Buffer.from(bob.uid, 'hex'));
  });
  after(() => server.close());

  describe('GET /profile', () => {
    test('with `profile`: every field Firefox reads, an ETag, and no caching', async () => {
      const { status, body, headers } = await call('GET', '/profile', { token: 'profile' });
      assert.equal(status, 200);
      const { account } = await server.app.services.accounts.get(Buffer.from(alice.uid, 'hex'));
      assert.deepEqual(body, {
        email: alice.email,
        ...(account.locale ? { locale: account.locale } : {}),
        amrValues: ['pwd', 'email'],
        twoFactorAuthentication: false,
        uid: alice.uid,
        avatar: `${server.origin}/profile/a/${'0'.repeat(32)}`,
        avatarDefault: true,
      });
      assert.match(headers.get('etag') ?? '', /^"[0-9a-f]{40}"$/);
      assert.equal(headers.get('cache-control'), 'private, no-cache, no-store, must-revalidate');
    });

    test('the locale is the account’s', async () => {
      const { body } = await call('GET', '/profile', { token: 'locale' });
      const { account } = await server.app.services.accounts.get(Buffer.from(alice.uid, 'hex'));
      assert.deepEqual(body, account.locale ? { locale: account.locale } : {});
    });

    test('If-None-Match with the current ETag → 304 without a body; a stale one → 200', async () => {
      const first = await call('GET', '/profile', { token: 'profile' });
      const etag = first.headers.get('etag')!;
      const again = await call('GET', '/profile', { token: 'profile', headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.text, '');
      assert.equal(again.headers.get('etag'), etag);
      const weak = await call('GET', '/profile', { token: 'profile', headers: { 'if-none-match': `"x", W/${etag}` } });
      assert.equal(weak.status, 304);
      const stale = await call('GET', '/profile', { token: 'profile', headers: { 'if-none-match': '"0000"' } });
      assert.equal(stale.status, 200);
      assert.deepEqual(stale.body, first.body);
    });

    test('a display-name change changes the ETag', async () => {
      const before = await call('GET', '/profile', { token: 'bobProfile' });
      assert.equal(before.body?.displayName, undefined);
      assert.equal((await call('POST', '/display_name', { token: 'bobWrite', body: { displayName: 'Bob' } })).status, 200);
      const after = await call('GET', '/profile', {
        token: 'bobProfile',
        headers: { 'if-none-match': before.headers.get('etag')! },
      });
      assert.equal(after.status, 200);
      assert.equal(after.body?.displayName, 'Bob');
      assert.notEqual(after.headers.get('etag'), before.headers.get('etag'));
    });

    test('a smaller scope gets only its fields', async () => {
      assert.deepEqual((await call('GET', '/profile', { token: 'email' })).body, { email: alice.email });
      assert.deepEqual((await call('GET', '/profile', { token: 'uid' })).body, { uid: alice.uid });
      assert.deepEqual((await call('GET', '/profile', { token: 'amr' })).body, {
        amrValues: ['pwd', 'email'],
        twoFactorAuthentication: false,
      });
      assert.deepEqual((await call('GET', '/profile', { token: 'avatar' })).body, {
        avatar: `${server.origin}/profile/a/${'0'.repeat(32)}`,
        avatarDefault: true,
      });
      assert.deepEqual((await call('GET', '/profile', { token: 'untrusted' })).body, { email: alice.email, uid: alice.uid });
    });

    test('openid + email: the address and `sub`', async () => {
      assert.deepEqual((await call('GET', '/profile', { token: 'oidc' })).body, { email: alice.email, sub: alice.uid });
    });

    test('a scope that reveals nothing → 403', async () => {
      const body = await expectProfileError(call('GET', '/profile', { token: 'other' }), 403, 999);
      assert.equal(body.error, 'Forbidden');
      assert.equal(body.message, 'Insufficient scope');
    });

    test('a token whose account is gone → 401 errno 100', async () => {
      await expectProfileError(call('GET', '/profile', { token: 'gone' }), 401, 100);
    });
  });

  describe('GET /uid', () => {
    test('with profile:uid or an implying scope', async () => {
      for (const token of ['uid', 'profile', 'write']) {
        const { status, body } = await call('GET', '/uid', { token });
        assert.equal(status, 200);
        assert.deepEqual(body, { uid: alice.uid });
      }
    });
    test('refused without it', async () => {
      await expectProfileError(call('GET', '/uid', { token: 'email' }), 403, 999);
    });
  });

  describe('GET /email', () => {
    test('with profile:email, `profile`, or OpenID `email`', async () => {
      for (const token of ['email', 'profile', 'write', 'emailWrite', 'oidc']) {
        const { status, body } = await call('GET', '/email', { token });
        assert.equal(status, 200, token);
        assert.deepEqual(body, { email: alice.email });
      }
    });
    test('refused without it', async () => {
      await expectProfileError(call('GET', '/email', { token: 'uid' }), 403, 999);
      await expectProfileError(call('GET', '/email', { token: 'displayName' }), 403, 999);
    });
    test('401 once the account is gone', async () => {
      await expectProfileError(call('GET', '/email', { token: 'gone' }), 401, 100);
    });
  });

  describe('GET /avatar', () => {
    test('the default avatar, its id as ETag', async () => {
      const { status, body, headers } = await call('GET', '/avatar', { token: 'avatar' });
      assert.equal(status, 200);
      const id = '0'.repeat(32);
      assert.deepEqual(body, { id, avatarDefault: true, avatar: `${server.origin}/profile/a/${id}` });
      assert.equal(headers.get('etag'), `"${id}"`);
      assert.equal((await call('GET', '/avatar', { token: 'avatar', headers: { 'if-none-match': `"${id}"` } })).status, 304);
    });
    test('refused without profile:avatar', async () => {
      await expectProfileError(call('GET', '/avatar', { token: 'uid' }), 403, 999);
    });
  });

  describe('display_name', () => {
    test('204 while none is set', async () => {
      const { status, text } = await call('GET', '/display_name', { token: 'displayName' });
      assert.equal(status, 204);
      assert.equal(text, '');
    });

    test('set, read back (unicode included), then cleared with the empty string', async () => {
      const names = ['Spock', 'André Citroën', 'the unblinking ಠ_ಠ of ckarlof', '👍🏼', 'astral symbol 𝌆 🙀', 'x'.repeat(256)];
      for (const displayName of names) {
        const set = await call('POST', '/display_name', { token: 'displayNameWrite', body: { displayName } });
        assert.equal(set.status, 200);
        assert.deepEqual(set.body, {});
        const got = await call('GET', '/display_name', { token: 'displayName' });
        assert.equal(got.status, 200);
        assert.deepEqual(got.body, { displayName });
        assert.match(got.headers.get('etag') ?? '', /^"[0-9a-f]{40}"$/);
      }
      assert.equal((await call('GET', '/profile', { token: 'profile' })).body?.displayName, 'x'.repeat(256));
      // Relying parties learn of the change through the account's profileChangedAt.
      const changedAt = async () => (await server.app.services.accounts.get(Buffer.from(alice.uid, 'hex'))).account.profileChangedAt;
      server.clock.advance(1000);
      const before = await changedAt();
      assert.equal((await call('POST', '/display_name', { token: 'write', body: { displayName: '' } })).status, 200);
      assert.equal(await changedAt(), server.clock.now());
      assert.notEqual(before, server.clock.now());
      assert.equal((await call('GET', '/display_name', { token: 'profile' })).status, 204);
      assert.equal((await call('GET', '/profile', { token: 'profile' })).body?.displayName, undefined);
    });

    test('GET refused without profile:display_name', async () => {
      await expectProfileError(call('GET', '/display_name', { token: 'email' }), 403, 999);
    });

    test('POST needs a write scope: `profile` is not enough', async () => {
      const before = await server.snapshot();
      for (const token of ['profile', 'displayName', 'emailWrite']) {
        await expectProfileError(call('POST', '/display_name', { token, body: { displayName: 'Nope' } }), 403, 999);
      }
      assert.equal(await server.snapshot(), before);
    });

    test('POST refuses control characters, separators, private use and specials, and over 256 characters', async () => {
      const before = await server.snapshot();
      const bad = [
        'null\0terminator',
        'ring\u0007my\u0007bell',
        'new\nline',
        'line\rfeed',
        'del\u007f',
        'C1 next \u0085 line',
        'paragraph \u2028 separator',
        'private \uE005 use \uF8FF block',
        'specials \uFFFB annotation terminator',
        'x'.repeat(257),
      ];
      for (const displayName of bad) {
        const body = await expectProfileError(
          call('POST', '/display_name', { token: 'displayNameWrite', body: { displayName } }),
          400,
          101,
        );
        assert.equal(body.message, 'Invalid request parameter');
        assert.deepEqual((body.validation as { keys: string[] }).keys, ['displayName']);
      }
      assert.equal(await server.snapshot(), before);
    });

    test('POST refuses a missing or non-string displayName and bad JSON (errno 101)', async () => {
      await expectProfileError(call('POST', '/display_name', { token: 'displayNameWrite', body: {} }), 400, 101);
      await expectProfileError(call('POST', '/display_name', { token: 'displayNameWrite', body: { displayName: 42 } }), 400, 101);
      const response = await fetch(`${server.origin}/profile/v1/display_name`, {
        method: 'POST',
        headers: { authorization: 'Bearer displayNameWrite', 'content-type': 'application/json' },
        body: '{"displayName":',
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { errno: number }).errno, 101);
    });

    test('POST for an account that is gone → 401, nothing stored', async () => {
      const before = await server.snapshot();
      await expectProfileError(call('POST', '/display_name', { token: 'goneWrite', body: { displayName: 'Ghost' } }), 401, 100);
      assert.equal(await server.snapshot(), before);
    });
  });

  describe('bearer token', () => {
    const routes: ['GET' | 'POST', string][] = [
      ['GET', '/profile'],
      ['GET', '/uid'],
      ['GET', '/email'],
      ['GET', '/display_name'],
      ['POST', '/display_name'],
      ['GET', '/avatar'],
    ];

    test('missing or not Bearer → 401 errno 100 "Bearer token not provided"', async () => {
      for (const [method, path] of routes) {
        for (const authorization of [undefined, 'Basic abc', 'Hawk id="x"']) {
          const body = await expectProfileError(
            call(method, path, { authorization, body: method === 'POST' ? { displayName: 'x' } : undefined }),
            401,
            100,
          );
          assert.equal(body.message, 'Unauthorized');
          assert.equal(body.reason, 'Bearer token not provided');
          assert.equal(body.error, 'Bad Request');
        }
      }
    });

    test('unknown or expired token → 401 errno 100 with the OAuth server’s reason', async () => {
      for (const [method, path] of routes) {
        const unknown = await expectProfileError(call(method, path, { token: 'nope' }), 401, 100);
        assert.equal(unknown.reason, 'Invalid token');
        const expired = await expectProfileError(call(method, path, { token: 'expired' }), 401, 100);
        assert.equal(expired.reason, 'Expired token');
      }
    });

    test('a bad token wins over a bad body', async () => {
      await expectProfileError(call('POST', '/display_name', { token: 'nope', body: { displayName: 'new\nline' } }), 401, 100);
    });

    test('the OAuth server failing → 503 errno 104', async () => {
      verifier.failure = new OAuthError(OAUTH_ERRNO.UNEXPECTED_ERROR);
      try {
        await expectProfileError(call('GET', '/profile', { token: 'profile' }), 503, 104);
      } finally {
        verifier.failure = undefined;
      }
    });
  });

  test('the OpenAPI document lists the profile routes under /profile/v1', async () => {
    const response = await fetch(`${server.origin}/openapi.json`);
    const { paths } = (await response.json()) as { paths: Record<string, unknown> };
    for (const path of ['/profile', '/uid', '/email', '/display_name', '/avatar']) assert.ok(paths[`/profile/v1${path}`], path);
    assert.equal(paths['/v1/profile'], undefined);
  });
});
