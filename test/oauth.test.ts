// The OAuth grants over real HTTP: Firefox's code + PKCE flow through the session twins,
// fxa-credentials, confidential clients (Basic and body auth), id_tokens, refresh-token
// rotation with reuse detection, down-scoping, /v1/verify, introspection, revocation, the
// errnos of each step, and concurrent redemption, on whichever database DATABASE_URL names.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { atHash, pairwiseSubject } from '../src/features/oauth/tokens.js';
import { expectError, expectRejectedWithoutChange, PASSWORD, signUpVerified, uniqueEmail, DAY } from './helpers/flows.js';
import {
  basicAuth,
  browserIdAssertion,
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

describe('the /v1 routes with a BrowserID assertion', () => {
  test('authorization, key-data, authorized-clients and their destroy', async () => {
    const { sessionToken, uid } = await signedIn('assertion');
    const assertion = await browserIdAssertion(server, sessionToken);

    const keyData = await oauthPost(server, '/key-data', { client_id: FIREFOX, assertion, scope: SCOPE_OLDSYNC });
    assert.equal(keyData.status, 200, JSON.stringify(keyData.body));
    assert.deepEqual(Object.keys(keyData.body), [SCOPE_OLDSYNC]);

    const authorized = await oauthPost(server, '/authorization', {
      client_id: CONFIDENTIAL.id,
      assertion,
      scope: 'profile',
      state: 'st',
      access_type: 'offline',
    });
    assert.equal(authorized.status, 200, JSON.stringify(authorized.body));
    assert.equal(new URL(authorized.body.redirect as string).origin, 'https://rp.example');
    const tokens = await oauthPost(server, '/token', { code: authorized.body.code }, { authorization: basicAuth(CONFIDENTIAL) });
    assert.equal(tokens.status, 200);

    const list = await oauthPost(server, '/authorized-clients', { assertion });
    const entries = list.body as unknown as Array<Record<string, unknown>>;
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.client_id, CONFIDENTIAL.id);
    assert.equal(entries[0]!.client_name, 'Relying party');
    assert.deepEqual(entries[0]!.scope, ['profile']);
    assert.match(entries[0]!.refresh_token_id as string, /^[0-9a-f]{64}$/);

    const unknownToken = await oauthPost(server, '/authorized-clients/destroy', {
      assertion,
      client_id: CONFIDENTIAL.id,
      refresh_token_id: 'ab'.repeat(32),
    });
    assert.equal(unknownToken.body.errno, 122);
    const destroyed = await oauthPost(server, '/authorized-clients/destroy', {
      assertion,
      client_id: CONFIDENTIAL.id,
      refresh_token_id: entries[0]!.refresh_token_id,
    });
    assert.equal(destroyed.status, 200);
    assert.deepEqual((await oauthPost(server, '/authorized-clients', { assertion })).body, []);
    const refresh = await oauthPost(
      server,
      '/token',
      { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token },
      { authorization: basicAuth(CONFIDENTIAL) },
    );
    assert.equal(refresh.body.errno, 108);
    assert.ok(uid);
  });

  test('assertions for another audience, expired or tampered are refused with 104', async () => {
    const { sessionToken } = await signedIn('bad-assertion');
    const elsewhere = await browserIdAssertion(server, sessionToken, 'https://other.example');
    assert.equal((await oauthPost(server, '/authorized-clients', { assertion: elsewhere })).body.errno, 104);
    const good = await browserIdAssertion(server, sessionToken);
    const [cert, signed] = good.split('~') as [string, string];
    const tampered = `${cert}~${signed.slice(0, -4)}AAAA`;
    assert.equal((await oauthPost(server, '/authorized-clients', { assertion: tampered })).body.errno, 104);
    server.clock.advance(61_000);
    const expired = await oauthPost(server, '/authorized-clients', { assertion: good });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.errno, 104);
  });
});

describe('id_tokens, token exchange and signing-key rotation', () => {
  test('/oauth/id-token-verify accepts our id_token for its audience, within the grace period', async () => {
    const { sessionToken } = await signedIn('idtoken');
    const { code } = await codeFor(sessionToken, { client_id: CONFIDENTIAL.id, scope: 'openid' });
    const tokens = await oauthPost(server, '/token', { code }, { authorization: basicAuth(CONFIDENTIAL) });
    const idToken = tokens.body.id_token as string;
    const ok = await oauthPost(server, '/oauth/id-token-verify', { client_id: CONFIDENTIAL.id, id_token: idToken });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.aud, CONFIDENTIAL.id);
    const wrongAudience = await oauthPost(server, '/oauth/id-token-verify', { client_id: UNTRUSTED.id, id_token: idToken });
    assert.equal(wrongAudience.body.errno, 110);
    server.clock.advance(10 * 60 * 1000);
    const expired = await oauthPost(server, '/oauth/id-token-verify', { client_id: CONFIDENTIAL.id, id_token: idToken });
    assert.equal(expired.body.errno, 110);
    const graced = await oauthPost(server, '/oauth/id-token-verify', {
      client_id: CONFIDENTIAL.id,
      id_token: idToken,
      expiry_grace_period: 3600,
    });
    assert.equal(graced.status, 200);
  });

  test('token exchange: a Firefox refresh token traded for one with Relay added; others get 112', async () => {
    const { sessionToken } = await signedIn('exchange');
    const firefox = await server.client.oauthToken(
      { client_id: FIREFOX, grant_type: 'fxa-credentials', scope: 'profile', access_type: 'offline' },
      sessionToken,
    );
    const exchange = {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: firefox.refresh_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      scope: 'https://identity.mozilla.com/apps/relay',
    };
    const tooMuch = await oauthPost(server, '/token', { ...exchange, client_id: FIREFOX, scope: SCOPE_OLDSYNC });
    assert.equal(tooMuch.status, 403);
    assert.equal(tooMuch.body.errno, 112);
    const traded = await oauthPost(server, '/token', { ...exchange, client_id: FIREFOX });
    assert.equal(traded.status, 200, JSON.stringify(traded.body));
    assert.equal(traded.body.scope, 'profile https://identity.mozilla.com/apps/relay');
    assert.match(traded.body.refresh_token as string, /^[0-9a-f]{64}$/);
    // The old refresh token is gone.
    const old = await oauthPost(server, '/token', {
      grant_type: 'refresh_token',
      client_id: FIREFOX,
      refresh_token: firefox.refresh_token,
    });
    assert.equal(old.body.errno, 108);
  });

  test('JWT access tokens verify for a relying party before and after `keys rotate`', async () => {
    const { rotateSigningKeys, MIN_PUBLISH_MS } = await import('../src/features/oauth/signing-keys.js');
    const { sessionToken } = await signedIn('rotate');
    const mint = () =>
      server.client.oauthToken({ client_id: FIREFOX, grant_type: 'fxa-credentials', scope: SCOPE_OLDSYNC }, sessionToken);
    const before = await mint();
    const db = server.app.services.db;
    await rotateSigningKeys(db, server.clock.now(), undefined);
    server.clock.advance(MIN_PUBLISH_MS);
    await rotateSigningKeys(db, server.clock.now(), undefined);
    // Instances re-read the keys within KEY_REFRESH_MS.
    server.clock.advance(31_000);
    const after = await mint();
    assert.notEqual(decodeProtectedHeader(after.access_token).kid, decodeProtectedHeader(before.access_token).kid);
    for (const token of [before, after]) {
      await verifyWithJwks(server, token.access_token);
      assert.equal((await oauthPost(server, '/verify', { token: token.access_token })).status, 200);
    }
  });

  test('a disabled client gets 503 errno 202', async () => {
    const disabled = await startTestServer({ env: { OAUTH_CLIENTS, OAUTH_DISABLED_CLIENTS: CAN_GRANT.id } });
    try {
      const account = await signUpVerified(disabled, uniqueEmail('disabled'));
      const response = await fetch(`${disabled.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: CAN_GRANT.id, grant_type: 'refresh_token', refresh_token: 'ab'.repeat(32) }),
      });
      assert.equal(response.status, 503);
      assert.equal(((await response.json()) as { errno: number }).errno, 204);
      await expectError(
        disabled.client.oauthAuthorization(account.sessionToken, { client_id: CAN_GRANT.id, scope: 'profile', state: 's' }),
        204,
        503,
      );
    } finally {
      await disabled.close();
    }
  });
});

describe('the profile API with a real access token', () => {
  test('Firefox reads the profile with the token fxa-credentials gave it', async () => {
    const { sessionToken, uid, email } = await signedIn('profile');
    const { access_token } = await server.client.oauthToken(
      { client_id: FIREFOX, grant_type: 'fxa-credentials', scope: 'profile' },
      sessionToken,
    );
    const response = await fetch(`${server.origin}/profile/v1/profile`, { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(response.status, 200);
    const profile = (await response.json()) as Record<string, unknown>;
    assert.equal(profile.uid, uid);
    assert.equal(profile.email, email);
    await oauthPost(server, '/destroy', { access_token });
    const revoked = await fetch(`${server.origin}/profile/v1/profile`, { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(revoked.status, 401);
  });
});

describe('each errno of the OAuth table, at the /v1 routes', () => {
  async function assertionFor(label: string) {
    const { sessionToken } = await signedIn(label);
    return browserIdAssertion(server, sessionToken);
  }
  const authorize = (assertion: string, body: Record<string, unknown>) =>
    oauthPost(server, '/authorization', { assertion, scope: 'profile', state: 's', ...body });

  test('101 unknown client, 103 redirect, 110 response_type, 114 scopes, 116 PKCE from a confidential client, 118, 120 acr', async () => {
    const assertion = await assertionFor('errnos-authz');
    const before = await server.snapshot();
    const cases: Array<[Record<string, unknown>, number, number]> = [
      [{ client_id: 'ffffffffffffffff' }, 101, 400],
      [{ client_id: CONFIDENTIAL.id, redirect_uri: 'https://evil.example/' }, 103, 400],
      [{ client_id: CONFIDENTIAL.id, response_type: 'token' }, 110, 400],
      [{ client_id: UNTRUSTED.id }, 114, 400],
      [{ client_id: CONFIDENTIAL.id, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, 116, 400],
      [{ client_id: PUBLIC_PKCE.id }, 118, 400],
      [{ client_id: CONFIDENTIAL.id, acr_values: 'AAL2' }, 120, 400],
      [{ client_id: CONFIDENTIAL.id, scope: 'https://identity.mozilla.com/apps/oldsync?' }, 109, 400],
    ];
    for (const [body, errno, status] of cases) {
      const response = await authorize(assertion, body);
      assert.equal(response.body.errno, errno, JSON.stringify({ body, response: response.body }));
      assert.equal(response.status, status);
    }
    assert.equal(await server.snapshot(), before);
  });

  test('113 content type, 116 verifier from a confidential client, 119 stale authentication, 121 grant type', async () => {
    const textPlain = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'code=1',
    });
    assert.equal(textPlain.status, 415);
    assert.equal(((await textPlain.json()) as { errno: number }).errno, 113);

    const { sessionToken, uid } = await signedIn('errnos-token');
    const { code } = await codeFor(sessionToken, { client_id: CONFIDENTIAL.id, scope: 'profile' });
    const verifier = await oauthPost(
      server,
      '/token',
      { code, code_verifier: pkcePair().verifier },
      { authorization: basicAuth(CONFIDENTIAL) },
    );
    assert.equal(verifier.body.errno, 116);

    // Keys that changed after the user authenticated need a fresh sign-in (119); the
    // certificate carries keysChangedAt as it was when it was signed.
    await server.app.services.db.kysely
      .updateTable('accounts')
      .set({ keysChangedAt: server.clock.now() + 5000 })
      .where('uid', '=', Buffer.from(uid, 'hex'))
      .execute();
    const assertion = await browserIdAssertion(server, sessionToken);
    const notCanGrant = await oauthPost(server, '/token', {
      grant_type: 'fxa-credentials',
      client_id: PUBLIC_PKCE.id,
      assertion,
      scope: 'profile',
    });
    assert.equal(notCanGrant.body.errno, 121);

    const stale = await oauthPost(server, '/key-data', { client_id: FIREFOX, assertion, scope: SCOPE_OLDSYNC });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.errno, 119);
  });

  test('202 a disabled client, at the OAuth server', async () => {
    const disabled = await startTestServer({ env: { OAUTH_CLIENTS, OAUTH_DISABLED_CLIENTS: CONFIDENTIAL.id } });
    try {
      const response = await oauthPost(
        disabled,
        '/token',
        { grant_type: 'refresh_token', refresh_token: 'ab'.repeat(32) },
        { authorization: basicAuth(CONFIDENTIAL) },
      );
      assert.equal(response.status, 503);
      assert.equal(response.body.errno, 202);
      assert.equal(response.body.error, 'Client Disabled');
    } finally {
      await disabled.close();
    }
  });
});

describe('pairwise subjects (PPID)', () => {
  test("FxA's vector", () => {
    assert.equal(
      pairwiseSubject('325b4083e32fe8e7', '913fe9395bb946b48c1521d7beb2cb24', 0, 'a new ppid salt'),
      'd08f8b30ab1d2e3f954dbd7e2e03e920',
    );
  });

  test('a configured client sees a pairwise sub in id_tokens, varied by ppid_seed', async () => {
    const ppid = await startTestServer({ env: { OAUTH_CLIENTS, OAUTH_PPID_CLIENTS: CONFIDENTIAL.id, OAUTH_PPID_SALT: 'test salt' } });
    try {
      const account = await signUpVerified(ppid, uniqueEmail('ppid'));
      const subjectFor = async (seed?: number) => {
        const { code } = await ppid.client.oauthAuthorization(account.sessionToken, {
          client_id: CONFIDENTIAL.id,
          scope: 'openid',
          state: 's',
        });
        const tokens = await oauthPost(
          ppid,
          '/token',
          { code, ...(seed === undefined ? {} : { ppid_seed: seed }) },
          { authorization: basicAuth(CONFIDENTIAL) },
        );
        return (await verifyWithJwks(ppid, tokens.body.id_token as string)).payload.sub;
      };
      assert.equal(await subjectFor(), pairwiseSubject(CONFIDENTIAL.id, account.uid, 0, 'test salt'));
      assert.equal(await subjectFor(7), pairwiseSubject(CONFIDENTIAL.id, account.uid, 7, 'test salt'));
      assert.notEqual(await subjectFor(), account.uid);
    } finally {
      await ppid.close();
    }
  });
});
