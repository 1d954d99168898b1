// The OAuth grants over real HTTP: Firefox's code + PKCE flow through the session twins,
// fxa-credentials, confidential clients (Basic and body auth), id_tokens, refresh-token
// rotation with reuse detection, down-scoping, /v1/verify, introspection, revocation, the
// errnos of each step, and concurrent redemption, on whichever database DATABASE_URL names.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { atHash } from '../src/features/oauth/tokens.js';
import { expectError, expectRejectedWithoutChange, PASSWORD, signUpVerified, uniqueEmail, DAY } from './helpers/flows.js';
import {
  basicAuth,
  CAN_GRANT,
  CONFIDENTIAL,
  FAKE_KEYS_JWE,
  FIREFOX,
  OAUTH_CLIENTS,
  oauthPost,
  pkcePair,
  PUBLIC_PKCE,
  SCOPE_NOTES,
  SCOPE_OLDSYNC,
  UNTRUSTED,
  verifyWithJwks,
  WEBCHANNEL_REDIRECT,
} from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
before(async () => {
  // Many sign-ups from one address: customs would (rightly) slow them down.
  server = await startTestServer({ env: { OAUTH_CLIENTS, RATE_LIMIT_ENABLED: 'false' } });
});
after(() => server.close());

/** A verified account with a confirmed session. */
async function signedIn(label: string) {
  const email = uniqueEmail(label);
  const account = await signUpVerified(server, email, { keys: true });
  return { email, ...account };
}

/** Code for `clientId` through the session twin (what our pages and Firefox do). */
async function codeFor(sessionToken: string, body: Record<string, unknown>) {
  return server.client.oauthAuthorization(sessionToken, { state: 'xyz', ...body } as never);
}

describe('Firefox: code + PKCE through the session twins', () => {
  test('scoped-key-data, authorization with keys_jwe, code exchange with a JWT for Sync', async () => {
    const { sessionToken, uid } = await signedIn('firefox');
    const keyData = await server.client.scopedKeyData(sessionToken, { client_id: FIREFOX, scope: `profile ${SCOPE_OLDSYNC}` });
    assert.deepEqual(Object.keys(keyData), [SCOPE_OLDSYNC]);
    assert.equal(keyData[SCOPE_OLDSYNC]!.identifier, SCOPE_OLDSYNC);
    assert.equal(keyData[SCOPE_OLDSYNC]!.keyRotationSecret, '0'.repeat(64));
    assert.ok(keyData[SCOPE_OLDSYNC]!.keyRotationTimestamp > 0);

    const { verifier, challenge } = pkcePair();
    const authorization = await codeFor(sessionToken, {
      client_id: FIREFOX,
      scope: `profile ${SCOPE_OLDSYNC}`,
      access_type: 'offline',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      keys_jwe: FAKE_KEYS_JWE,
    });
    assert.match(authorization.code, /^[0-9a-f]{64}$/);
    assert.equal(authorization.state, 'xyz');
    const redirect = new URL(authorization.redirect);
    assert.equal(redirect.href.split('?')[0], WEBCHANNEL_REDIRECT);
    assert.equal(redirect.searchParams.get('code'), authorization.code);
    assert.equal(redirect.searchParams.get('state'), 'xyz');

    const tokens = await server.client.oauthToken(
      { grant_type: 'authorization_code', client_id: FIREFOX, code: authorization.code, code_verifier: verifier },
      sessionToken,
    );
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.keys_jwe, FAKE_KEYS_JWE);
    assert.match(tokens.refresh_token!, /^[0-9a-f]{64}$/);
    assert.equal(tokens.scope, `profile ${SCOPE_OLDSYNC}`);
    // An oldsync access token is a JWT that Sync's tokenserver verifies against /v1/jwks.
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+JWT');
    const { payload } = await verifyWithJwks(server, tokens.access_token, { typ: 'at+JWT' });
    assert.equal(payload.sub, uid);
    assert.equal(payload.client_id, FIREFOX);
    assert.equal(payload.scope, `profile ${SCOPE_OLDSYNC}`);
    assert.equal(typeof payload['fxa-generation'], 'number');
    assert.match(payload.jti!, /^[0-9a-f]{64}$/);

    const verified = await oauthPost(server, '/verify', { token: tokens.access_token });
    assert.equal(verified.status, 200);
    assert.equal(verified.body.user, uid);
    assert.equal(verified.body.client_id, FIREFOX);
    assert.deepEqual(verified.body.scope, ['profile', SCOPE_OLDSYNC]);
    assert.equal(verified.body.generation, payload['fxa-generation']);

    // Single use: the same code again is unknown (OAuth 105, auth errno 172 on the twin).
    await expectError(
      server.client.oauthToken({ client_id: FIREFOX, code: authorization.code, code_verifier: verifier }, sessionToken),
      172,
    );
  });

  test('fxa-credentials: a Sync JWT and an opaque profile token from the session alone', async () => {
    const { sessionToken, uid } = await signedIn('creds');
    const sync = await server.client.oauthToken(
      { client_id: FIREFOX, grant_type: 'fxa-credentials', scope: SCOPE_OLDSYNC, ttl: 21600 },
      sessionToken,
    );
    assert.equal(sync.expires_in, 21600);
    assert.equal(sync.refresh_token, undefined);
    const { payload } = await verifyWithJwks(server, sync.access_token);
    assert.equal(payload.scope, SCOPE_OLDSYNC);
    assert.equal(payload.exp! - payload.iat!, 21600);

    const profile = await server.client.oauthToken(
      { client_id: FIREFOX, grant_type: 'fxa-credentials', scope: 'profile' },
      sessionToken,
    );
    assert.match(profile.access_token, /^[0-9a-f]{64}$/);
    const verified = await oauthPost(server, '/verify', { token: profile.access_token });
    assert.deepEqual(verified.body.scope, ['profile']);
    assert.equal(verified.body.user, uid);
  });

  test('PKCE errors: wrong or missing verifier, PKCE skipped by a public client or sent by a confidential one', async () => {
    const { sessionToken } = await signedIn('pkce');
    const { challenge } = pkcePair();
    const authorization = await codeFor(sessionToken, {
      client_id: PUBLIC_PKCE.id,
      scope: 'profile',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const wrong = await oauthPost(server, '/token', {
      client_id: PUBLIC_PKCE.id,
      code: authorization.code,
      code_verifier: pkcePair().verifier,
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.errno, 117);
    const missing = await oauthPost(server, '/token', { client_id: PUBLIC_PKCE.id, code: authorization.code });
    assert.equal(missing.body.errno, 118);
    // A public client that skips PKCE at authorization: 118 (auth 169 on the twin).
    await expectError(codeFor(sessionToken, { client_id: PUBLIC_PKCE.id, scope: 'profile' }), 169);
    // A confidential client that sends PKCE: 116 (auth 166).
    await expectError(
      codeFor(sessionToken, {
        client_id: CONFIDENTIAL.id,
        scope: 'profile',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
      166,
    );
  });

  test('a session that must be confirmed gets 138; keyed scopes need a confirmed session', async () => {
    const email = uniqueEmail('unconfirmed');
    await signUpVerified(server, email);
    server.clock.advance(8 * DAY);
    const login = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(login.verified, false);
    await expectError(server.client.scopedKeyData(login.sessionToken, { client_id: FIREFOX, scope: SCOPE_OLDSYNC }), 138);
    await expectError(codeFor(login.sessionToken, { client_id: FIREFOX, scope: 'profile' }), 138);
  });
});

describe('confidential clients at /v1/token', () => {
  async function confidentialCode(scope: string, extra: Record<string, unknown> = {}) {
    const { sessionToken, uid } = await signedIn('rp');
    const { code } = await codeFor(sessionToken, { client_id: CONFIDENTIAL.id, scope, ...extra });
    return { code, uid, sessionToken };
  }

  test('Basic auth, openid: an id_token with at_hash, amr and acr', async () => {
    const { code, uid } = await confidentialCode('openid profile');
    const response = await oauthPost(server, '/token', { code }, { authorization: basicAuth(CONFIDENTIAL) });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const accessToken = response.body.access_token as string;
    assert.match(accessToken, /^[0-9a-f]{64}$/);
    const { payload, protectedHeader } = await verifyWithJwks(server, response.body.id_token as string, {
      audience: CONFIDENTIAL.id,
      issuer: new URL(server.url).origin,
    });
    assert.equal(protectedHeader.typ, 'JWT');
    assert.equal(payload.sub, uid);
    assert.equal(payload.at_hash, atHash(accessToken));
    assert.deepEqual(payload.amr, ['pwd', 'email']);
    assert.equal(payload.acr, 'AAL1');
    assert.equal(payload.exp! - payload.iat!, 300);
  });

  test('body auth as a form-urlencoded body', async () => {
    const { code } = await confidentialCode('profile');
    const form = new URLSearchParams({ client_id: CONFIDENTIAL.id, client_secret: CONFIDENTIAL.secret!, code }).toString();
    const response = await oauthPost(server, '/token', form);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.scope, 'profile');
  });

  test('client authentication errors change nothing', async () => {
    const { code } = await confidentialCode('profile');
    const before = await server.snapshot();
    const both = await oauthPost(server, '/token', { code, client_id: CONFIDENTIAL.id }, { authorization: basicAuth(CONFIDENTIAL) });
    assert.equal(both.body.errno, 109);
    const wrongSecret = await oauthPost(server, '/token', { code, client_id: CONFIDENTIAL.id, client_secret: 'ab'.repeat(32) });
    assert.equal(wrongSecret.status, 400);
    assert.equal(wrongSecret.body.errno, 102);
    const noSecret = await oauthPost(server, '/token', { code, client_id: CONFIDENTIAL.id });
    assert.equal(noSecret.body.errno, 109);
    const unknown = await oauthPost(server, '/token', { code, client_id: 'ffffffffffffffff', client_secret: CONFIDENTIAL.secret });
    assert.equal(unknown.body.errno, 101);
    const otherClient = await oauthPost(server, '/token', { code }, { authorization: basicAuth(UNTRUSTED) });
    assert.equal(otherClient.body.errno, 106);
    const badHex = await oauthPost(server, '/token', { code: 'zz', client_id: CONFIDENTIAL.id, client_secret: CONFIDENTIAL.secret });
    assert.equal(badHex.body.errno, 109);
    const wrongType = await oauthPost(server, '/token', { code: 42, client_id: CONFIDENTIAL.id, client_secret: CONFIDENTIAL.secret });
    assert.equal(wrongType.body.errno, 109);
    assert.equal(await server.snapshot(), before);
  });

  test('a code expires after 15 minutes (107)', async () => {
    const { code } = await confidentialCode('profile');
    server.clock.advance(15 * 60 * 1000 + 1);
    const response = await oauthPost(server, '/token', { code }, { authorization: basicAuth(CONFIDENTIAL) });
    assert.equal(response.body.errno, 107);
  });

  test('refresh tokens rotate; a replaced one presented again ends the whole family', async () => {
    const { code } = await confidentialCode(`profile ${SCOPE_NOTES}`, { access_type: 'offline' });
    const first = await oauthPost(server, '/token', { code }, { authorization: basicAuth(CONFIDENTIAL) });
    const refresh1 = first.body.refresh_token as string;
    const second = await oauthPost(
      server,
      '/token',
      { grant_type: 'refresh_token', refresh_token: refresh1 },
      { authorization: basicAuth(CONFIDENTIAL) },
    );
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const refresh2 = second.body.refresh_token as string;
    assert.match(refresh2, /^[0-9a-f]{64}$/);
    assert.notEqual(refresh2, refresh1);
    // Down-scoping is allowed; widening beyond the grant is not.
    const narrower = await oauthPost(
      server,
      '/token',
      { grant_type: 'refresh_token', refresh_token: refresh2, scope: 'profile' },
      { authorization: basicAuth(CONFIDENTIAL) },
    );
    assert.equal(narrower.body.scope, 'profile');
    const refresh3 = narrower.body.refresh_token as string;
    const wider = await oauthPost(
      server,
      '/token',
      { grant_type: 'refresh_token', refresh_token: refresh3, scope: 'profile:write' },
      { authorization: basicAuth(CONFIDENTIAL) },
    );
    assert.equal(wider.body.errno, 114);

    // refresh1 was replaced: presenting it again revokes refresh3 and the access tokens minted from the family.
    const reuse = await oauthPost(
      server,
      '/token',
      { grant_type: 'refresh_token', refresh_token: refresh1 },
      { authorization: basicAuth(CONFIDENTIAL) },
    );
    assert.equal(reuse.body.errno, 108);
    const afterReuse = await oauthPost(
      server,
      '/token',
      { grant_type: 'refresh_token', refresh_token: refresh3 },
      { authorization: basicAuth(CONFIDENTIAL) },
    );
    assert.equal(afterReuse.body.errno, 108);
    const verify = await oauthPost(server, '/verify', { token: narrower.body.access_token as string });
    assert.equal(verify.body.errno, 108);
  });

  test('Firefox keeps its refresh token: refresh grants give no new one', async () => {
    const { sessionToken } = await signedIn('fx-refresh');
    const { verifier, challenge } = pkcePair();
    const { code } = await codeFor(sessionToken, {
      client_id: FIREFOX,
      scope: 'profile',
      access_type: 'offline',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const tokens = await server.client.oauthToken({ client_id: FIREFOX, code, code_verifier: verifier });
    const refreshed = await oauthPost(server, '/token', {
      grant_type: 'refresh_token',
      client_id: FIREFOX,
      refresh_token: tokens.refresh_token,
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.body.refresh_token, undefined);
    const again = await oauthPost(server, '/token', {
      grant_type: 'refresh_token',
      client_id: FIREFOX,
      refresh_token: tokens.refresh_token,
    });
    assert.equal(again.status, 200);
  });

  test('untrusted clients get only the basic profile scopes (114)', async () => {
    const { sessionToken } = await signedIn('untrusted');
    await expectError(codeFor(sessionToken, { client_id: UNTRUSTED.id, scope: 'profile' }), 107);
    const ok = await codeFor(sessionToken, { client_id: UNTRUSTED.id, scope: 'openid profile:email' });
    assert.match(ok.code, /^[0-9a-f]{64}$/);
  });

  test('registered scopes need the client to be allowed them, trusted or not', async () => {
    const { sessionToken } = await signedIn('registered');
    await expectError(codeFor(sessionToken, { client_id: CONFIDENTIAL.id, scope: SCOPE_OLDSYNC }), 107);
  });

  test('redirect_uri must match exactly (103, auth 167 on the twin)', async () => {
    const { sessionToken } = await signedIn('redirect');
    await expectRejectedWithoutChange(
      server,
      () => codeFor(sessionToken, { client_id: CONFIDENTIAL.id, scope: 'profile', redirect_uri: 'https://rp.example/other' }),
      167,
    );
  });
});

describe('fxa-credentials, introspection and revocation', () => {
  test('canGrant clients get JWT access tokens; non-canGrant clients get 121', async () => {
    const { sessionToken } = await signedIn('cangrant');
    const tokens = await server.client.oauthToken(
      { client_id: CAN_GRANT.id, grant_type: 'fxa-credentials', scope: 'profile' },
      sessionToken,
    );
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+JWT');
    await expectError(
      server.client.oauthToken({ client_id: PUBLIC_PKCE.id, grant_type: 'fxa-credentials', scope: 'profile' }, sessionToken),
      107,
    );
  });

  test('introspect: active, then inactive once expired or revoked; unknown tokens inactive', async () => {
    const { sessionToken, uid } = await signedIn('introspect');
    const tokens = await server.client.oauthToken(
      { client_id: CAN_GRANT.id, grant_type: 'fxa-credentials', scope: 'profile', ttl: 60 },
      sessionToken,
    );
    const active = await oauthPost(server, '/introspect', { token: tokens.access_token });
    assert.equal(active.body.active, true);
    assert.equal(active.body.sub, uid);
    assert.equal(active.body.client_id, CAN_GRANT.id);
    assert.equal(active.body.token_type, 'access_token');
    assert.equal((active.body.exp as number) - (active.body.iat as number), 60_000);

    server.clock.advance(61_000);
    const expired = await oauthPost(server, '/introspect', { token: tokens.access_token });
    assert.equal(expired.body.active, false);
    const verify = await oauthPost(server, '/verify', { token: tokens.access_token });
    assert.equal(verify.body.errno, 115);
    const unknown = await oauthPost(server, '/introspect', { token: 'ab'.repeat(32) });
    assert.deepEqual(unknown.body, { active: false });
  });

  test('/v1/destroy and /oauth/destroy revoke; unknown tokens: 108 and {}', async () => {
    const { sessionToken } = await signedIn('destroy');
    const one = await server.client.oauthToken({ client_id: FIREFOX, grant_type: 'fxa-credentials', scope: 'profile' }, sessionToken);
    const destroyed = await oauthPost(server, '/destroy', { access_token: one.access_token });
    assert.equal(destroyed.status, 200);
    assert.deepEqual(destroyed.body, {});
    assert.equal((await oauthPost(server, '/verify', { token: one.access_token })).body.errno, 108);
    assert.equal((await oauthPost(server, '/destroy', { access_token: one.access_token })).body.errno, 108);
    const neither = await oauthPost(server, '/destroy', {});
    assert.equal(neither.body.errno, 109);

    const two = await server.client.oauthToken({ client_id: FIREFOX, grant_type: 'fxa-credentials', scope: 'profile' }, sessionToken);
    const revoked = await oauthPost(server, '/oauth/destroy', { client_id: FIREFOX, token: two.access_token });
    assert.equal(revoked.status, 200);
    assert.equal((await oauthPost(server, '/verify', { token: two.access_token })).body.errno, 108);
    const again = await oauthPost(server, '/oauth/destroy', { client_id: FIREFOX, token: two.access_token });
    assert.equal(again.status, 200);
  });

  test('GET /v1/authorization redirects to the sign-in page, refusing keys_jwk', async () => {
    const response = await fetch(`${server.url}/authorization?client_id=${CONFIDENTIAL.id}&state=s&scope=profile`, {
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.pathname, '/authorization');
    assert.equal(location.searchParams.get('client_id'), CONFIDENTIAL.id);
    const withKeys = await fetch(`${server.url}/authorization?client_id=${CONFIDENTIAL.id}&keys_jwk=abc`, { redirect: 'manual' });
    assert.equal(withKeys.status, 400);
    assert.equal(((await withKeys.json()) as { errno: number }).errno, 109);
  });

  test('bad input on the twin changes nothing', async () => {
    const { sessionToken } = await signedIn('twin-bad');
    await expectRejectedWithoutChange(server, () => codeFor(sessionToken, { client_id: 'nothex', scope: 'profile' }), 107);
    await expectRejectedWithoutChange(server, () => codeFor(sessionToken, { client_id: 'ffffffffffffffff', scope: 'profile' }), 162);
    await expectRejectedWithoutChange(
      server,
      () => codeFor(sessionToken, { client_id: FIREFOX, scope: 'profile', state: 'x'.repeat(513) }),
      107,
    );
    await expectRejectedWithoutChange(server, () => codeFor(sessionToken, { client_id: FIREFOX, scope: 'bad"scope' }), 107);
  });
});

describe('concurrent redemption', () => {
  test('of one code, exactly one exchange succeeds', async () => {
    const { sessionToken } = await signedIn('race-code');
    const { code } = await codeFor(sessionToken, { client_id: CONFIDENTIAL.id, scope: 'profile', access_type: 'offline' });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => oauthPost(server, '/token', { code }, { authorization: basicAuth(CONFIDENTIAL) })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => r.body.errno)));
    for (const r of results.filter((r) => r.status !== 200)) assert.equal(r.body.errno, 105);
  });

  test('of one rotating refresh token, at most one rotation succeeds', async () => {
    const { sessionToken } = await signedIn('race-refresh');
    const { code } = await codeFor(sessionToken, { client_id: CONFIDENTIAL.id, scope: 'profile', access_type: 'offline' });
    const first = await oauthPost(server, '/token', { code }, { authorization: basicAuth(CONFIDENTIAL) });
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        oauthPost(
          server,
          '/token',
          { grant_type: 'refresh_token', refresh_token: first.body.refresh_token },
          { authorization: basicAuth(CONFIDENTIAL) },
        ),
      ),
    );
    assert.ok(results.filter((r) => r.status === 200).length <= 1);
    for (const r of results.filter((r) => r.status !== 200)) assert.equal(r.body.errno, 108);
  });
});
