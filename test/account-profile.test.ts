// GET /v1/account/profile over real HTTP: with a session token (Hawk or `Bearer fxs_`) every
// field; with an OAuth access token (opaque or JWT) only what its scope allows; bad, expired
// or revoked tokens are errno 110 and change nothing.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthClient } from '../src/client/index.js';
import { deriveToken } from '../src/crypto/index.js';
import { expectRejectedWithoutChange, PASSWORD, uniqueEmail, nextMail } from './helpers/flows.js';
import { CAN_GRANT, FIREFOX, OAUTH_CLIENTS, oauthPost, SCOPE_OLDSYNC } from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { OAUTH_CLIENTS, RATE_LIMIT_ENABLED: 'false' } });
});
after(() => server.close());

/** A client whose browser asks for French (the account's locale comes from sign-up's Accept-Language). */
function frenchClient(): AuthClient {
  return new AuthClient(server.url, {
    now: () => server.clock.now(),
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('accept-language', 'fr');
      return fetch(input, { ...init, headers });
    },
  });
}

/** A verified French account and its session. */
async function account(label: string) {
  const email = uniqueEmail(label);
  const { uid, sessionToken } = await frenchClient().signUp(email, PASSWORD);
  const mail = await nextMail(server, email, 'verify');
  await server.client.verifyCode(uid, mail.headers['x-verify-code']!);
  return { email, uid, sessionToken };
}

/** An access token for the session's user from fxa-credentials (Firefox: opaque; CAN_GRANT: a JWT). */
async function accessToken(sessionToken: string, scope: string, clientId = FIREFOX, ttl?: number): Promise<string> {
  const tokens = await server.client.oauthToken({ client_id: clientId, grant_type: 'fxa-credentials', scope, ttl }, sessionToken);
  return tokens.access_token;
}

function withBearer(token: string) {
  return server.client.request<Record<string, unknown>>('GET', '/account/profile', { headers: { authorization: `Bearer ${token}` } });
}

const EVERYTHING = [
  'email',
  'locale',
  'authenticationMethods',
  'authenticatorAssuranceLevel',
  'accountDisabledAt',
  'accountLockedAt',
];

describe('with a session token', () => {
  test('every field, by Hawk and by Bearer fxs_', async () => {
    const { email, sessionToken } = await account('session');
    const profile = await server.client.accountProfile(sessionToken);
    assert.deepEqual(profile, {
      email,
      locale: 'fr',
      authenticationMethods: ['pwd', 'email'],
      authenticatorAssuranceLevel: 1,
      accountDisabledAt: null,
      accountLockedAt: null,
      profileChangedAt: profile.profileChangedAt,
      metricsEnabled: true,
    });
    assert.ok(typeof profile.profileChangedAt === 'number' && profile.profileChangedAt > 0);

    const bearer = new AuthClient(server.url, { auth: 'bearer', now: () => server.clock.now() });
    assert.deepEqual(await bearer.accountProfile(sessionToken), profile);
  });

  test('an account without a locale has none in the answer; an unconfirmed session may ask', async () => {
    const { uid, sessionToken } = await server.client.signUp(uniqueEmail('nolocale'), PASSWORD);
    // Accounts created without an Accept-Language have no locale.
    await server.app.services.db.current
      .updateTable('accounts')
      .set({ locale: null })
      .where('uid', '=', Buffer.from(uid, 'hex'))
      .execute();
    const profile = await server.client.accountProfile(sessionToken);
    assert.equal(profile.locale, undefined);
    assert.ok(profile.email);
  });
});

describe('with an OAuth access token', () => {
  test('`profile` sees every field, opaque or JWT', async () => {
    const { email, sessionToken } = await account('profile');
    const everything = await server.client.accountProfile(sessionToken);
    for (const clientId of [FIREFOX, CAN_GRANT.id]) {
      const token = await accessToken(sessionToken, 'profile', clientId);
      assert.equal(token.includes('.'), clientId === CAN_GRANT.id);
      const profile = await withBearer(token);
      assert.deepEqual(profile, everything);
      assert.equal(profile.email, email);
    }
    // profile:write implies profile.
    assert.deepEqual(await withBearer(await accessToken(sessionToken, 'profile:write')), everything);
  });

  test('each sub-scope shows its own fields only', async () => {
    const { email, sessionToken } = await account('subscopes');
    const changed = (await server.client.accountProfile(sessionToken)).profileChangedAt;
    const common = { profileChangedAt: changed, metricsEnabled: true };
    assert.deepEqual(await withBearer(await accessToken(sessionToken, 'profile:email')), { email, ...common });
    assert.deepEqual(await withBearer(await accessToken(sessionToken, 'profile:locale')), { locale: 'fr', ...common });
    assert.deepEqual(await withBearer(await accessToken(sessionToken, 'profile:amr')), {
      authenticationMethods: ['pwd', 'email'],
      authenticatorAssuranceLevel: 1,
      ...common,
    });
    const two = await withBearer(await accessToken(sessionToken, 'profile:email profile:locale'));
    assert.deepEqual(Object.keys(two).sort(), ['email', 'locale', 'metricsEnabled', 'profileChangedAt']);
  });

  test('a token with no profile scope sees nothing: {} (as FxA, not an error)', async () => {
    const { sessionToken } = await account('noprofile');
    for (const scope of [SCOPE_OLDSYNC, 'profile:uid profile:display_name', 'openid']) {
      const profile = await withBearer(await accessToken(sessionToken, scope));
      assert.deepEqual(profile, {}, scope);
      for (const field of EVERYTHING) assert.equal(profile[field], undefined);
    }
  });
});

describe('refused credentials: errno 110, nothing changed', () => {
  test('unknown, malformed, expired and revoked access tokens', async () => {
    const { sessionToken } = await account('refused');
    const cases: Array<[string, () => Promise<string>]> = [
      ['unknown opaque', async () => 'ab'.repeat(32)],
      ['malformed', async () => 'not-a-token'],
      ['forged JWT', async () => 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
      [
        'tampered JWT',
        async () => {
          const [header, , signature] = (await accessToken(sessionToken, 'profile', CAN_GRANT.id)).split('.');
          return `${header}.${Buffer.from(JSON.stringify({ scope: 'profile', sub: 'x' })).toString('base64url')}.${signature}`;
        },
      ],
      [
        'revoked',
        async () => {
          const token = await accessToken(sessionToken, 'profile');
          const revoked = await oauthPost(server, '/destroy', { access_token: token });
          assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
          return token;
        },
      ],
      [
        'expired',
        async () => {
          const token = await accessToken(sessionToken, 'profile', FIREFOX, 60);
          server.clock.advance(61_000);
          return token;
        },
      ],
    ];
    for (const [label, make] of cases) {
      const token = await make();
      const error = await expectRejectedWithoutChange(server, () => withBearer(token), 110, 401);
      assert.equal(error.errno, 110, label);
    }
  });

  test('no credential, a key-fetch token id, an unknown or destroyed session', async () => {
    const { sessionToken } = await account('badsession');
    const keyFetchId = deriveToken('keyFetchToken', Buffer.from(sessionToken, 'hex')).tokenId.toString('hex');
    const request = (authorization?: string) =>
      server.client.request('GET', '/account/profile', authorization ? { headers: { authorization } } : {});
    await expectRejectedWithoutChange(server, () => request(), 110, 401);
    await expectRejectedWithoutChange(server, () => request(`Bearer fxk_${keyFetchId}`), 110, 401);
    await expectRejectedWithoutChange(server, () => request(`Bearer fxs_${'00'.repeat(32)}`), 110, 401);
    await expectRejectedWithoutChange(server, () => request('Bearer'), 110, 401);
    await server.client.sessionDestroy(sessionToken);
    await expectRejectedWithoutChange(server, () => server.client.accountProfile(sessionToken), 110, 401);
  });
});

test('the OpenAPI document names both ways in', async () => {
  const response = await fetch(`${server.origin}/openapi.json`);
  const document = (await response.json()) as {
    paths: Record<string, Record<string, { security?: unknown }>>;
    components: { securitySchemes: Record<string, unknown> };
  };
  assert.deepEqual(document.paths['/v1/account/profile']!.get!.security, [{ sessionToken: [] }, { oauthToken: [] }]);
  assert.ok(document.components.securitySchemes.oauthToken);
});
