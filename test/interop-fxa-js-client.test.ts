// Interop: Mozilla's own `fxa-js-client` (npm 1.0.25, sjcl crypto, Hawk-signed XHR through xhr2)
// against the real server over HTTP. It signs Hawk requests with the wall clock, so every server
// here runs on a clock set to real time (the server accepts ±60 s of skew), except the one test
// that skews it on purpose.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../src/runtime.js';
import { createFxaJsClient, fxaJsError, fxaJsInternals, type FxaJsClient } from './helpers/fxa-js-client.js';
import type { ReceivedMail } from './helpers/smtp-sink.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
// Non-ASCII on purpose: both clients must feed the password to PBKDF2 as UTF-8.
const PASSWORD = 'pässwörd ∑ 🦊 interop';

const newEmail = (local = 'interop') => `${local}-${randomBytes(6).toString('hex')}@example.test`;

async function withServer(run: (server: TestServer, fxa: FxaJsClient) => Promise<void>, clock?: ManualClock): Promise<void> {
  const server = await startTestServer({ clock: clock ?? new ManualClock(Date.now()) });
  try {
    await run(server, createFxaJsClient(server.url));
  } finally {
    await server.close();
  }
}

/** The signup mail (template `verify`) and its 32-hex code. */
async function signupCode(server: TestServer, email: string, uid: string): Promise<{ mail: ReceivedMail; code: string }> {
  const mail = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verify');
  const code = mail.headers['x-verify-code'];
  assert.ok(code, 'the verify mail carries X-Verify-Code');
  assert.match(code, HEX32);
  assert.equal(mail.headers['x-uid'], uid);
  return { mail, code };
}

function assertKeys(keys: { kA: string; kB: string }): void {
  assert.match(keys.kA, HEX64);
  assert.match(keys.kB, HEX64);
  assert.notEqual(keys.kA, keys.kB);
}

test('fxa-js-client on the registry sjcl 1.0.8 reproduces the docs/protocol.md §11 vectors', async () => {
  // package.json overrides fxa-js-client's git pin of sjcl with npm's 1.0.8: check that build
  // computes what the server expects, byte for byte.
  const { credentials, hawkCredentials, hawk, sjcl } = fxaJsInternals();
  assert.equal(sjcl.version, '1.0.8');
  const hexOf = sjcl.codec.hex.fromBits;

  // §11.1 v1 stretching (UTF-8 email and password).
  const stretched = await credentials.setup('andré@example.org', 'pässwörd');
  assert.equal(hexOf(stretched.authPW), '247b675ffb4c46310bc87e26d712153abe5e1c90ef00a4784594f97ef54f2375');
  assert.equal(hexOf(stretched.unwrapBKey), 'de6a2648b78284fcb9ffa81ba95803309cfba7af583c01a8a1a63e567234dd28');

  // §11.4 token derivation.
  const session = await hawkCredentials('a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf', 'sessionToken', 64);
  assert.equal(session.id, 'c0a29dcf46174973da1378696e4c82ae10f723cf4f4d9f75e39f4ae3851595ab');
  assert.equal(hexOf(session.key), '9d8f22998ee7f5798b887042466b72d53e56ab0c094388bf65831f702d2febc0');
  const keyFetch = await hawkCredentials('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f', 'keyFetchToken', 96);
  assert.equal(keyFetch.id, '3d0a7c02a15a62a2882f76e39b6494b500c022a8816e048625a495718998ba60');
  assert.equal(hexOf(keyFetch.key), '87b8937f61d38d0e29cd2d5600b3f4da0aa48ac41de36a0efe84bb4a9872ceb7');
  assert.equal(hexOf(keyFetch.bundleKey), '14f338a9e8c6324d9e102d4e6ee83b209796d5c74bb734a410e729e014a4a546');

  // §11.5 the server vector's bundle unbundles to its kA and wrapKb.
  const unbundled = await credentials.unbundleKeyFetchResponse(
    hexOf(keyFetch.bundleKey),
    'ee5c58845c7c9412b11bbd20920c2fddd83c33c9cd2c2de2d66b222613364636c2c0f8cfbb7c630472c0bd88451342c6c05b14ce342c5ad46ad89e84464c993c3927d30230157d0817a077eef4b20d976f7a97363faf3f064c003ada7d01aa70',
  );
  assert.equal(unbundled.kA, '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f');
  assert.equal(unbundled.wrapKB, '404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f');

  // §11.6 Hawk with the FxA session token: a POST with a JSON body, and a GET the way this
  // library always sends one (an empty payload hashed with content type application/json).
  const post = hawk.client.header('https://api.accounts.example.com/v1/account/device', 'POST', {
    credentials: session,
    timestamp: 1700000000,
    nonce: 'abc123',
    payload: '{"name":"My Phone","type":"mobile"}',
    contentType: 'application/json',
  });
  assert.equal(post.err, undefined);
  assert.match(post.field, /hash="UN1jjerCvOGXIVqC\/aovlINNM\+cei9Q32CJ13LrrzVo="/);
  assert.match(post.field, /mac="4RAnIYdzyAg2pmDY7LyV0qPceuTkSUlZua5UGdqvJGo="/);
  const get = hawk.client.header('https://api.accounts.example.com/v1/account/devices', 'GET', {
    credentials: session,
    timestamp: 1700000000,
    nonce: 'abc123',
  });
  assert.match(get.field, /mac="axKGAt3Z\+bTbfztsg6\/WyCZAcSCExyOzL6KmCF1bO5g="/);
  assert.doesNotMatch(get.field, /hash=/);
});

test('fxa-js-client: sign up, confirm by the mailed code, keys, sign in, sign out, bad password, delete', async () => {
  await withServer(async (server, fxa) => {
    const email = newEmail();

    const signup = await fxa.signUp(email, PASSWORD, { keys: true });
    assert.match(signup.uid, HEX32);
    assert.match(signup.sessionToken, HEX64);
    assert.ok(signup.keyFetchToken, 'keys: true returns a keyFetchToken');
    assert.match(signup.keyFetchToken, HEX64);
    assert.ok(signup.unwrapBKey, 'fxa-js-client adds the unwrapBKey it derived');
    assert.match(signup.unwrapBKey, HEX64);
    assert.equal(typeof signup.authAt, 'number');

    // Unconfirmed account: status says so, and keys are refused with 104 (the token is kept).
    const before = await fxa.recoveryEmailStatus(signup.sessionToken);
    assert.equal(before.email, email);
    assert.equal(before.verified, false);
    assert.equal(before.emailVerified, false);
    assert.equal(before.sessionVerified, false);
    const early = await fxaJsError(fxa.accountKeys(signup.keyFetchToken, signup.unwrapBKey));
    assert.equal(early.errno, 104);
    assert.equal(early.code, 400);
    assert.deepEqual(await fxa.sessionStatus(signup.sessionToken), { state: 'unverified', uid: signup.uid });

    const { code } = await signupCode(server, email, signup.uid);
    const wrong = await fxaJsError(fxa.verifyCode(signup.uid, randomBytes(16).toString('hex')));
    assert.equal(wrong.errno, 105);
    assert.deepEqual(await fxa.verifyCode(signup.uid, code), {});

    const after = await fxa.recoveryEmailStatus(signup.sessionToken);
    assert.equal(after.email, email);
    assert.equal(after.verified, true);
    assert.equal(after.emailVerified, true);
    assert.equal(after.sessionVerified, true);
    assert.deepEqual(await fxa.sessionStatus(signup.sessionToken), { state: 'verified', uid: signup.uid });

    // The signup keyFetchToken shares the signup verification, so it now unlocks the keys, once.
    const keys = await fxa.accountKeys(signup.keyFetchToken, signup.unwrapBKey);
    assertKeys(keys);
    const spent = await fxaJsError(fxa.accountKeys(signup.keyFetchToken, signup.unwrapBKey));
    assert.equal(spent.errno, 110);
    assert.equal(spent.code, 401);

    // A new sign-in on this young account is confirmed at once and yields the same keys.
    const signin = await fxa.signIn(email, PASSWORD, { keys: true });
    assert.equal(signin.uid, signup.uid);
    assert.match(signin.sessionToken, HEX64);
    assert.notEqual(signin.sessionToken, signup.sessionToken);
    assert.ok(signin.keyFetchToken);
    assert.match(signin.keyFetchToken, HEX64);
    assert.equal(signin.unwrapBKey, signup.unwrapBKey);
    assert.equal(signin.verified, true);
    assert.equal(signin.verificationMethod, undefined);
    assert.ok(signin.unwrapBKey);
    const again = await fxa.accountKeys(signin.keyFetchToken, signin.unwrapBKey);
    assert.equal(again.kA, keys.kA);
    assert.equal(again.kB, keys.kB);

    assert.deepEqual(await fxa.sessionStatus(signin.sessionToken), { state: 'verified', uid: signup.uid });

    // Sign out the signup session: it is gone, the other one lives on.
    assert.deepEqual(await fxa.sessionDestroy(signup.sessionToken), {});
    const destroyed = await fxaJsError(fxa.sessionStatus(signup.sessionToken));
    assert.equal(destroyed.errno, 110);
    assert.equal(destroyed.code, 401);
    assert.deepEqual(await fxa.sessionStatus(signin.sessionToken), { state: 'verified', uid: signup.uid });

    const badPassword = await fxaJsError(fxa.signIn(email, `${PASSWORD}!`, { keys: true }));
    assert.equal(badPassword.errno, 103);
    assert.equal(badPassword.code, 400);

    assert.deepEqual(await fxa.accountStatus(signup.uid), { exists: true });
    assert.deepEqual(await fxa.accountDestroy(email, PASSWORD, {}, signin.sessionToken), {});
    assert.deepEqual(await fxa.accountStatus(signup.uid), { exists: false });
    assert.deepEqual(await fxa.accountStatusByEmail(email), { exists: false });
    const gone = await fxaJsError(fxa.sessionStatus(signin.sessionToken));
    assert.equal(gone.errno, 110);
    const noAccount = await fxaJsError(fxa.signIn(email, PASSWORD));
    assert.equal(noAccount.errno, 102);
  });
});

test('an account created by fxa-js-client signs in with our client and both see the same kB', async () => {
  await withServer(async (server, fxa) => {
    const email = newEmail('js-made');
    const signup = await fxa.signUp(email, PASSWORD, { keys: true });
    assert.ok(signup.keyFetchToken && signup.unwrapBKey);
    const { code } = await signupCode(server, email, signup.uid);
    await fxa.verifyCode(signup.uid, code);
    const theirs = await fxa.accountKeys(signup.keyFetchToken, signup.unwrapBKey);
    assertKeys(theirs);

    const ours = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(ours.uid, signup.uid);
    assert.equal(ours.verified, true);
    assert.equal(ours.keyStretchVersion, 1);
    // Same v1 stretching on both sides.
    assert.equal(ours.unwrapBKey, signup.unwrapBKey);
    assert.ok(ours.keyFetchToken);
    const keys = await server.client.accountKeys(ours.keyFetchToken, ours.unwrapBKey);
    assert.equal(keys.kB, theirs.kB);
    assert.equal(keys.kA, theirs.kA);

    // Each client can use the other's session.
    assert.deepEqual(await fxa.sessionStatus(ours.sessionToken), { state: 'verified', uid: signup.uid });
    assert.deepEqual(await server.client.sessionStatus(signup.sessionToken), { state: 'verified', uid: signup.uid });

    await server.client.accountDestroy(email, PASSWORD, { sessionToken: ours.sessionToken });
    assert.deepEqual(await fxa.accountStatus(signup.uid), { exists: false });
  });
});

test('an account created by our client signs in with fxa-js-client and both see the same kB', async () => {
  await withServer(async (server, fxa) => {
    const email = newEmail('ts-made');
    const signup = await server.client.signUp(email, PASSWORD, { keys: true });
    assert.ok(signup.keyFetchToken);
    const { code } = await signupCode(server, email, signup.uid);
    await server.client.verifyCode(signup.uid, code);
    const ours = await server.client.accountKeys(signup.keyFetchToken, signup.unwrapBKey);
    assertKeys(ours);

    const signin = await fxa.signIn(email, PASSWORD, { keys: true });
    assert.equal(signin.uid, signup.uid);
    assert.equal(signin.verified, true);
    assert.equal(signin.unwrapBKey, signup.unwrapBKey);
    assert.ok(signin.keyFetchToken && signin.unwrapBKey);
    const theirs = await fxa.accountKeys(signin.keyFetchToken, signin.unwrapBKey);
    assert.equal(theirs.kB, ours.kB);
    assert.equal(theirs.kA, ours.kA);

    const status = await fxa.recoveryEmailStatus(signin.sessionToken);
    assert.equal(status.email, email);
    assert.equal(status.verified, true);

    // fxa-js-client deletes it with its own session; our client sees it gone.
    await fxa.accountDestroy(email, PASSWORD, {}, signin.sessionToken);
    assert.deepEqual(await server.client.accountStatus(signup.uid), { exists: false });
  });
});

test('fxa-js-client retries errno 120 with the signup email case and gets the same keys', async () => {
  await withServer(async (server, fxa) => {
    const email = newEmail('Mixed.Case');
    const signup = await fxa.signUp(email, PASSWORD, { keys: true });
    assert.ok(signup.keyFetchToken && signup.unwrapBKey);
    const { code } = await signupCode(server, email, signup.uid);
    await fxa.verifyCode(signup.uid, code);
    const keys = await fxa.accountKeys(signup.keyFetchToken, signup.unwrapBKey);

    // Typed in lower case: the server answers 120 with the stored email, the client re-stretches with it.
    const signin = await fxa.signIn(email.toLowerCase(), PASSWORD, { keys: true });
    assert.equal(signin.uid, signup.uid);
    assert.equal(signin.unwrapBKey, signup.unwrapBKey);
    assert.ok(signin.keyFetchToken && signin.unwrapBKey);
    assert.deepEqual(await fxa.accountKeys(signin.keyFetchToken, signin.unwrapBKey), keys);

    // Without the retry the server's answer is visible: 120 with the signup-case email.
    const raw = await fxaJsError(fxa.signIn(email.toLowerCase(), PASSWORD, { skipCaseError: true }));
    assert.equal(raw.errno, 120);
    assert.equal(raw.email, email);

    // accountDestroy retries the same way.
    assert.deepEqual(await fxa.accountDestroy(email.toLowerCase(), PASSWORD, {}, signin.sessionToken), {});
    assert.deepEqual(await fxa.accountStatus(signup.uid), { exists: false });
  });
});

test('fxa-js-client resynchronises its Hawk clock from errno 111 serverTime', async (t) => {
  // The server runs ten minutes ahead of the clock fxa-js-client signs with: its first Hawk
  // request is stale, the server answers 111 with serverTime, the client learns the offset
  // (serverTime * 1000 - its own `new Date().getTime()`) and retries once.
  // Both clocks stand still, so the offset learned is exactly the skew: the client's Date is
  // mocked and the server's ManualClock is never advanced. (With the server's clock frozen at
  // wall time + skew before the sign-up and the client on the wall clock, the client learned
  // the skew minus however long the sign-up took, and a slow sign-up failed the test.)
  const clientNow = Date.UTC(2026, 0, 15, 12, 0, 0);
  const skew = 10 * 60 * 1000;
  t.mock.timers.enable({ apis: ['Date'], now: clientNow });
  await withServer(
    async (_server, fxa) => {
      const signup = await fxa.signUp(newEmail('skew'), PASSWORD);
      assert.equal(fxa.request._localtimeOffsetMsec, undefined);
      assert.deepEqual(await fxa.sessionStatus(signup.sessionToken), { state: 'unverified', uid: signup.uid });
      const learned = fxa.request._localtimeOffsetMsec;
      assert.equal(typeof learned, 'number');
      // serverTime has one-second resolution; both clocks are on whole seconds here.
      assert.ok(Math.abs((learned ?? 0) - skew) < 2000, `learned offset ${learned} ms, expected about ${skew} ms`);
      assert.equal(learned, skew);
      // Later requests are signed with the learned offset and pass first time.
      const status = await fxa.recoveryEmailStatus(signup.sessionToken);
      assert.equal(status.verified, false);
      assert.equal(fxa.request._localtimeOffsetMsec, learned);
    },
    new ManualClock(clientNow + skew),
  );
});
