// Interop with code we did not write: Mozilla's fxa-crypto-relier plays the relying party.
// It makes its own keys_jwk; our browser-side code (src/client) derives the Sync key from
// kB and encrypts it to that key; the server carries the keys_jwe with the code; and the
// relier decrypts it to the key this test derives independently from the account's kB.

import assert from 'node:assert/strict';
import { createHash, hkdfSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { createKeysJwe, deriveScopedKey } from '../src/client/scoped-keys.js';
import { signUpVerified, uniqueEmail } from './helpers/flows.js';
import { OAUTH_CLIENTS, oauthPost, pkcePair, PUBLIC_PKCE, SCOPE_OLDSYNC } from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface RelierKeyUtils {
  createApplicationKeyPair(): Promise<{ jwkPublicKey: Record<string, unknown> }>;
  decryptBundle(bundle: string): Promise<Record<string, { kty: string; k: string; kid: string; scope: string }>>;
}

// The package has no entry point: its relier half is required by path, as its README shows.
const require = createRequire(import.meta.url);
const KeyUtils = require('fxa-crypto-relier/src/relier/KeyUtils.js') as new () => RelierKeyUtils;

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { OAUTH_CLIENTS, RATE_LIMIT_ENABLED: 'false' } });
});
after(() => server.close());

test("fxa-crypto-relier decrypts the keys_jwe to the Sync key of the account's kB", async () => {
  // The relying party's side: an ephemeral P-256 key, sent as keys_jwk.
  const relier = new KeyUtils();
  const { jwkPublicKey } = await relier.createApplicationKeyPair();
  const keysJwk = Buffer.from(JSON.stringify(jwkPublicKey)).toString('base64url');

  // The sign-in page's side: the user's kB, the scoped-key data, the derived key, the JWE.
  const email = uniqueEmail('relier');
  const account = await signUpVerified(server, email, { keys: true });
  const { kB } = await server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey);
  const keyData = await server.client.scopedKeyData(account.sessionToken, { client_id: PUBLIC_PKCE.id, scope: SCOPE_OLDSYNC });
  const data = keyData[SCOPE_OLDSYNC]!;
  const syncKey = deriveScopedKey({ kB: Buffer.from(kB, 'hex'), uid: account.uid, scope: SCOPE_OLDSYNC, ...data });
  const keysJwe = await createKeysJwe(keysJwk, { [SCOPE_OLDSYNC]: syncKey });

  const { verifier, challenge } = pkcePair();
  const { code } = await server.client.oauthAuthorization(account.sessionToken, {
    client_id: PUBLIC_PKCE.id,
    scope: SCOPE_OLDSYNC,
    state: 'relier',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    keys_jwe: keysJwe,
  });
  const tokens = await oauthPost(server, '/token', { client_id: PUBLIC_PKCE.id, code, code_verifier: verifier });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));

  // The relying party decrypts with its own library…
  const bundle = await relier.decryptBundle(tokens.body.keys_jwe as string);
  const key = bundle[SCOPE_OLDSYNC]!;

  // …and gets the key FIREFOX.md §4 step 6 defines, derived here from kB without our library.
  const kBBytes = Buffer.from(kB, 'hex');
  const expectedK = Buffer.from(hkdfSync('sha256', kBBytes, Buffer.alloc(0), 'identity.mozilla.com/picl/v1/oldsync', 64));
  const expectedKid = `${data.keyRotationTimestamp}-${createHash('sha256').update(kBBytes).digest().subarray(0, 16).toString('base64url')}`;
  assert.equal(key.kty, 'oct');
  assert.equal(key.scope, SCOPE_OLDSYNC);
  assert.equal(key.k, expectedK.toString('base64url'));
  assert.equal(key.kid, expectedKid);
});
