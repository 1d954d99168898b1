// The `https://identity.mozilla.com/tokens/session` scope (OAUTH_AND_PAYMENTS.md §5): at
// /oauth/token it yields a new session token copied from the grant's session (its
// confirmation state, method and authAt; the user agent of the request); at /v1/token the
// original session's id, as FxA; never from a refresh token.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deriveToken } from '../src/crypto/index.js';
import { expectError, expectRejectedWithoutChange, PASSWORD, signUpVerified, uniqueEmail } from './helpers/flows.js';
import { browserIdAssertion, CAN_GRANT, FIREFOX, OAUTH_CLIENTS, oauthPost, pkcePair } from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SESSION_SCOPE = 'https://identity.mozilla.com/tokens/session';
const SCOPE = `profile ${SESSION_SCOPE}`;
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { OAUTH_CLIENTS, RATE_LIMIT_ENABLED: 'false' } });
});
after(() => server.close());

const tokenIdOf = (sessionToken: string) => deriveToken('sessionToken', Buffer.from(sessionToken, 'hex')).tokenId;

/** The stored row of a session, by its secret. */
async function storedSession(sessionToken: string) {
  return server.app.services.db.current
    .selectFrom('sessionTokens')
    .selectAll()
    .where('tokenId', '=', tokenIdOf(sessionToken))
    .executeTakeFirstOrThrow();
}

async function sessionCount(uid: string): Promise<number> {
  const rows = await server.app.services.db.current
    .selectFrom('sessionTokens')
    .select('tokenId')
    .where('uid', '=', Buffer.from(uid, 'hex'))
    .execute();
  return rows.length;
}

/** POST /oauth/token as Firefox would, with its user agent. */
function oauthToken(body: Record<string, unknown>, sessionToken?: string) {
  return server.client.request<Record<string, unknown>>('POST', '/oauth/token', {
    token: sessionToken ? { kind: 'sessionToken', tokenData: sessionToken } : undefined,
    body,
    headers: { 'user-agent': FIREFOX_UA },
  });
}

/** A code for Firefox through the session twin, and its PKCE verifier. */
async function firefoxCode(sessionToken: string, extra: Record<string, unknown> = {}) {
  const { verifier, challenge } = pkcePair();
  const { code } = await server.client.oauthAuthorization(sessionToken, {
    client_id: FIREFOX,
    state: 'st',
    scope: SCOPE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  return { code, verifier };
}

/** The new session is another token with the original's state and the request's user agent. */
async function assertCopied(original: string, copy: unknown) {
  assert.match(copy as string, /^[0-9a-f]{64}$/);
  assert.notEqual(copy, original);
  const [from, to] = [await storedSession(original), await storedSession(copy as string)];
  assert.ok(!to.tokenId.equals(from.tokenId));
  assert.ok(to.uid.equals(from.uid));
  assert.equal(to.tokenVerificationId === null, from.tokenVerificationId === null);
  assert.equal(to.verificationMethod, from.verificationMethod);
  assert.equal(to.authAt, from.authAt);
  assert.equal(to.uaBrowser, 'Firefox');
  const [before, status] = await Promise.all([server.client.sessionStatus(original), server.client.sessionStatus(copy as string)]);
  assert.equal(status.uid, before.uid);
  assert.equal(status.state, before.state);
}

describe('/oauth/token with the tokens/session scope', () => {
  test('fxa-credentials: a new session token with the state of the one that asked', async () => {
    const { sessionToken, uid } = await signUpVerified(server, uniqueEmail('credentials'));
    const sessionsBefore = await sessionCount(uid);
    const tokens = await oauthToken({ client_id: FIREFOX, grant_type: 'fxa-credentials', scope: SCOPE }, sessionToken);
    assert.equal(tokens.scope, SCOPE);
    assert.equal(tokens.session_token_id, undefined);
    await assertCopied(sessionToken, tokens.session_token);
    assert.equal(await sessionCount(uid), sessionsBefore + 1);
    assert.equal((await server.client.sessionStatus(tokens.session_token as string)).state, 'verified');
    // The original stays valid: the copy is an additional sign-in, not a replacement.
    assert.equal((await server.client.sessionStatus(sessionToken)).state, 'verified');
  });

  test('a copy of an unconfirmed session is unconfirmed too', async () => {
    // A sign-up's session waits for the address to be confirmed; without keys it need not be.
    const login = await server.client.signUp(uniqueEmail('unconfirmed'), PASSWORD);
    assert.equal((await server.client.sessionStatus(login.sessionToken)).state, 'unverified');
    const tokens = await oauthToken({ client_id: FIREFOX, grant_type: 'fxa-credentials', scope: SCOPE }, login.sessionToken);
    await assertCopied(login.sessionToken, tokens.session_token);
    assert.equal((await server.client.sessionStatus(tokens.session_token as string)).state, 'unverified');
    // Its own confirmation code: confirming the original does not confirm the copy.
    const [from, to] = [await storedSession(login.sessionToken), await storedSession(tokens.session_token as string)];
    assert.ok(from.tokenVerificationId && to.tokenVerificationId && !to.tokenVerificationId.equals(from.tokenVerificationId));
  });

  test('code flow: the code exchanged without a session still copies the one that authorized it', async () => {
    const { sessionToken } = await signUpVerified(server, uniqueEmail('code'));
    const { code, verifier } = await firefoxCode(sessionToken, { access_type: 'offline' });
    const tokens = await oauthToken({ client_id: FIREFOX, code, code_verifier: verifier });
    assert.equal(tokens.scope, SCOPE);
    assert.match(tokens.refresh_token as string, /^[0-9a-f]{64}$/);
    await assertCopied(sessionToken, tokens.session_token);

    // Refresh grants never yield one, even when the scope is asked for again.
    for (const scope of [undefined, SCOPE]) {
      const refreshed = await oauthToken({
        grant_type: 'refresh_token',
        client_id: FIREFOX,
        refresh_token: tokens.refresh_token,
        scope,
      });
      assert.equal(refreshed.scope, 'profile');
      assert.equal(refreshed.session_token, undefined);
      assert.equal(refreshed.session_token_id, undefined);
      const v1 = await oauthPost(server, '/token', {
        grant_type: 'refresh_token',
        client_id: FIREFOX,
        refresh_token: tokens.refresh_token,
        ...(scope ? { scope } : {}),
      });
      assert.equal(v1.status, 200, JSON.stringify(v1.body));
      assert.equal(v1.body.scope, 'profile');
      assert.equal(v1.body.session_token_id, undefined);
    }
  });

  test("a session gone since the code was issued: 172, and the code isn't spent", async () => {
    const { sessionToken } = await signUpVerified(server, uniqueEmail('gone'));
    const { code, verifier } = await firefoxCode(sessionToken);
    await server.client.sessionDestroy(sessionToken);
    await expectRejectedWithoutChange(server, () => oauthToken({ client_id: FIREFOX, code, code_verifier: verifier }), 172, 400);
  });

  test('a client not allowed the scope is refused, and nothing is made', async () => {
    const { sessionToken } = await signUpVerified(server, uniqueEmail('notallowed'));
    const refused = await expectRejectedWithoutChange(
      server,
      () => oauthToken({ client_id: CAN_GRANT.id, grant_type: 'fxa-credentials', scope: SCOPE }, sessionToken),
      107,
    );
    assert.match(JSON.stringify(refused.body), /tokens\/session/);
  });

  test('without the scope, no session token', async () => {
    const { sessionToken, uid } = await signUpVerified(server, uniqueEmail('without'));
    const sessionsBefore = await sessionCount(uid);
    const tokens = await oauthToken({ client_id: FIREFOX, grant_type: 'fxa-credentials', scope: 'profile' }, sessionToken);
    assert.equal(tokens.session_token, undefined);
    assert.equal(await sessionCount(uid), sessionsBefore);
  });
});

describe('/v1/token with the tokens/session scope', () => {
  test("a code from a session: the session's id, as FxA, and no new session", async () => {
    const { sessionToken, uid } = await signUpVerified(server, uniqueEmail('v1code'));
    const { code, verifier } = await firefoxCode(sessionToken);
    const sessionsBefore = await sessionCount(uid);
    const tokens = await oauthPost(server, '/token', { client_id: FIREFOX, code, code_verifier: verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.session_token_id, tokenIdOf(sessionToken).toString('hex'));
    assert.equal(tokens.body.session_token, undefined);
    assert.equal(await sessionCount(uid), sessionsBefore);
  });

  test('a BrowserID assertion names no session: no session_token_id', async () => {
    const { sessionToken } = await signUpVerified(server, uniqueEmail('v1assertion'));
    const assertion = await browserIdAssertion(server, sessionToken);
    const tokens = await oauthPost(server, '/token', { client_id: FIREFOX, grant_type: 'fxa-credentials', assertion, scope: SCOPE });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.scope, SCOPE);
    assert.equal(tokens.body.session_token_id, undefined);
  });

  test('the twin still needs a session for fxa-credentials (110)', async () => {
    await expectError(oauthToken({ client_id: FIREFOX, grant_type: 'fxa-credentials', scope: SCOPE }), 110, 401);
  });
});
