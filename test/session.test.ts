// Session and email-confirmation endpoints over real HTTP.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthClient } from '../src/client/index.js';
import { deriveToken, quickStretchV1 } from '../src/crypto/index.js';
import {
  BEYOND_SIGNIN_SHORTCUTS,
  expectError,
  expectRejectedWithoutChange,
  nextMail,
  PASSWORD,
  signUpVerified,
  uniqueEmail,
} from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const tokenIdOf = (sessionToken: string): string =>
  deriveToken('sessionToken', Buffer.from(sessionToken, 'hex')).tokenId.toString('hex');

describe('session status and destroy', () => {
  test('GET /session/status reports the state; /session/destroy ends the session', async () => {
    const account = await signUpVerified(server, uniqueEmail('status'));
    assert.deepEqual(await server.client.sessionStatus(account.sessionToken), { state: 'verified', uid: account.uid });
    assert.deepEqual(await server.client.sessionDestroy(account.sessionToken), {});
    await expectError(server.client.sessionStatus(account.sessionToken), 110, 401);
    await expectError(server.client.recoveryEmailStatus(account.sessionToken), 110, 401);
    await expectError(server.client.sessionDestroy(account.sessionToken), 110, 401);
  });

  test('customSessionToken destroys another session of the same account only', async () => {
    const email = uniqueEmail('custom');
    const account = await signUpVerified(server, email);
    const second = await server.client.signIn(email, PASSWORD);
    const stranger = await signUpVerified(server, uniqueEmail('stranger'));

    await expectRejectedWithoutChange(
      server,
      () => server.client.sessionDestroy(account.sessionToken, { customSessionToken: tokenIdOf(stranger.sessionToken) }),
      110,
      401,
    );
    await expectRejectedWithoutChange(
      server,
      () => server.client.sessionDestroy(account.sessionToken, { customSessionToken: 'ab'.repeat(32) }),
      110,
      401,
    );
    await server.client.sessionDestroy(account.sessionToken, { customSessionToken: tokenIdOf(second.sessionToken) });
    await expectError(server.client.sessionStatus(second.sessionToken), 110);
    assert.equal((await server.client.sessionStatus(account.sessionToken)).state, 'verified');
    assert.equal((await server.client.sessionStatus(stranger.sessionToken)).state, 'verified');
    await expectRejectedWithoutChange(
      server,
      () => server.client.sessionDestroy(account.sessionToken, { customSessionToken: 'xyz' }),
      107,
    );
  });
});

describe('POST /session/duplicate', () => {
  test('copies a confirmed session', async () => {
    const account = await signUpVerified(server, uniqueEmail('dup'));
    const copy = await server.client.sessionDuplicate(account.sessionToken, { reason: 'migration' });
    assert.notEqual(copy.sessionToken, account.sessionToken);
    assert.equal(copy.uid, account.uid);
    assert.equal(copy.verified, true);
    assert.equal(copy.authAt, account.authAt);
    assert.deepEqual(await server.client.sessionStatus(copy.sessionToken), { state: 'verified', uid: account.uid });
    // Independent tokens: destroying the copy keeps the original.
    await server.client.sessionDestroy(copy.sessionToken);
    assert.equal((await server.client.sessionStatus(account.sessionToken)).state, 'verified');
  });

  test('a copy of an unconfirmed session needs its own confirmation', async () => {
    const email = uniqueEmail('dupunverified');
    const account = await server.client.signUp(email, PASSWORD);
    const mail = await nextMail(server, email, 'verify');
    const copy = await server.client.sessionDuplicate(account.sessionToken);
    assert.equal(copy.verified, false);
    assert.equal(copy.verificationReason, 'signup');
    assert.equal(copy.verificationMethod, 'email');
    await server.client.verifyCode(account.uid, mail.headers['x-verify-code']!);
    assert.equal((await server.client.sessionStatus(account.sessionToken)).state, 'verified');
    // The sign-up link confirmed the account and its own session, not the copy.
    assert.equal((await server.client.sessionStatus(copy.sessionToken)).state, 'unverified');
    await expectRejectedWithoutChange(
      server,
      () =>
        server.client.request('POST', '/session/duplicate', {
          token: { kind: 'sessionToken', tokenData: account.sessionToken },
          body: { reason: 'r'.repeat(17) },
        }),
      107,
    );
  });
});

describe('POST /session/reauth', () => {
  test('refreshes authAt on the same session and can issue keys', async () => {
    const email = uniqueEmail('reauth');
    const account = await signUpVerified(server, email, { keys: true });
    const keys = await server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey);
    server.clock.advance(60_000);
    const reauth = await server.client.sessionReauth(account.sessionToken, email, PASSWORD, { keys: true });
    assert.equal(reauth.uid, account.uid);
    assert.equal(reauth.authAt, Math.floor(server.clock.now() / 1000));
    assert.equal(reauth.verified, true);
    assert.equal(reauth.metricsEnabled, true);
    assert.deepEqual(await server.client.accountKeys(reauth.keyFetchToken!, reauth.unwrapBKey), keys);
    assert.equal((await server.client.sessionStatus(account.sessionToken)).state, 'verified');
  });

  test('an unconfirmed session stays unconfirmed and its keys stay locked', async () => {
    const email = uniqueEmail('reauthunverified');
    await signUpVerified(server, email);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await server.client.signIn(email, PASSWORD, { keys: true });
    const mail = await nextMail(server, email, 'verifyLogin');
    const reauth = await server.client.sessionReauth(login.sessionToken, email, PASSWORD, { keys: true });
    assert.equal(reauth.verified, false);
    assert.equal(reauth.verificationReason, 'login');
    await expectError(server.client.accountKeys(reauth.keyFetchToken!, reauth.unwrapBKey), 104);
    // The re-sent mail carries the same code; confirming it unlocks both key-fetch tokens.
    const again = await nextMail(server, email, 'verifyLogin');
    assert.equal(again.headers['x-verify-code'], mail.headers['x-verify-code']);
    await server.client.verifyCode(login.uid, mail.headers['x-verify-code']!);
    await server.client.accountKeys(reauth.keyFetchToken!, reauth.unwrapBKey);
  });

  test('errnos 102 (other account), 103 (wrong password), 120 (email case) and bad input', async () => {
    const email = uniqueEmail('Reauth.Errors');
    const account = await signUpVerified(server, email);
    const otherEmail = uniqueEmail('other');
    await signUpVerified(server, otherEmail);
    await expectRejectedWithoutChange(
      server,
      () => server.client.sessionReauth(account.sessionToken, otherEmail, PASSWORD),
      102,
      400,
    );
    await expectRejectedWithoutChange(server, () => server.client.sessionReauth(account.sessionToken, email, 'wrong'), 103, 400);
    const lower = email.toLowerCase();
    const authPW = (await quickStretchV1(lower, PASSWORD)).authPW.toString('hex');
    const token = { kind: 'sessionToken' as const, tokenData: account.sessionToken };
    const err = await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/session/reauth', { token, body: { email: lower, authPW } }),
      120,
    );
    assert.equal(err.body.email, email);
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/session/reauth', { token, body: { email } }),
      108,
    );
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/session/reauth', { token, body: { email, authPW: 'x' } }),
      107,
    );
    const retried = await server.client.sessionReauth(account.sessionToken, lower, PASSWORD);
    assert.equal(retried.verified, true);
  });
});

describe('confirmation codes', () => {
  test('POST /recovery_email/verify_code: wrong code 105, unknown uid 102, bad input 107/108', async () => {
    const email = uniqueEmail('codes');
    const account = await server.client.signUp(email, PASSWORD);
    const mail = await nextMail(server, email, 'verify');
    await expectRejectedWithoutChange(server, () => server.client.verifyCode(account.uid, 'ab'.repeat(16)), 105, 400);
    await expectRejectedWithoutChange(
      server,
      () => server.client.verifyCode('cd'.repeat(16), mail.headers['x-verify-code']!),
      102,
      400,
    );
    await expectRejectedWithoutChange(server, () => server.client.verifyCode(account.uid, 'abc'), 107);
    await expectRejectedWithoutChange(server, () => server.client.verifyCode(account.uid, 'zz'.repeat(16)), 107);
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/recovery_email/verify_code', { body: { uid: account.uid } }),
      108,
    );
    await expectRejectedWithoutChange(
      server,
      () => server.client.verifyCode(account.uid, mail.headers['x-verify-code']!, { reminder: 'fourth' as 'first' }),
      107,
    );

    await server.client.verifyCode(account.uid, mail.headers['x-verify-code']!);
    // A stale sign-up link of a verified account is harmless; a random code still is not.
    assert.deepEqual(await server.client.verifyCode(account.uid, mail.headers['x-verify-code']!), {});
    await expectError(server.client.verifyCode(account.uid, 'ef'.repeat(16)), 105);
  });

  test('POST /session/verify_code: 183 for a wrong or missing code, bad input, and success', async () => {
    const email = uniqueEmail('otp');
    await signUpVerified(server, email);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await server.client.signIn(email, PASSWORD, { keys: true, verificationMethod: 'email-otp' });
    const mail = await nextMail(server, email, 'verifyLoginCode');
    const code = mail.headers['x-signin-verify-code']!;
    const wrong = code === '123456' ? '654321' : '123456';
    await expectRejectedWithoutChange(server, () => server.client.sessionVerifyCode(login.sessionToken, wrong), 183, 400);
    const token = { kind: 'sessionToken' as const, tokenData: login.sessionToken };
    await expectRejectedWithoutChange(server, () => server.client.request('POST', '/session/verify_code', { token, body: {} }), 183);
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/session/verify_code', { token, body: { code: 'abcdef' } }),
      107,
    );
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/session/verify_code', { token, body: { code: 123456 } }),
      107,
    );

    // Codes last two 10-minute steps past the one they were made in.
    server.clock.advance(10 * 60 * 1000);
    await server.client.sessionVerifyCode(login.sessionToken, code);
    assert.equal((await server.client.sessionStatus(login.sessionToken)).state, 'verified');
    await nextMail(server, email, 'newDeviceLogin');
  });

  test('an emailed code expires after its window', async () => {
    const email = uniqueEmail('expired');
    await signUpVerified(server, email);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await server.client.signIn(email, PASSWORD, { keys: true, verificationMethod: 'email-2fa' });
    const code = (await nextMail(server, email, 'verifyLoginCode')).headers['x-signin-verify-code']!;
    server.clock.advance(30 * 60 * 1000);
    await expectRejectedWithoutChange(server, () => server.client.sessionVerifyCode(login.sessionToken, code), 183);
  });

  test('GET /recovery_email/status rejects a bad reason', async () => {
    const account = await signUpVerified(server, uniqueEmail('reason'));
    const status = await server.client.request('GET', '/recovery_email/status', {
      token: { kind: 'sessionToken', tokenData: account.sessionToken },
      query: { reason: 'push' },
    });
    assert.equal((status as { verified: boolean }).verified, true);
    await expectError(
      server.client.request('GET', '/recovery_email/status', {
        token: { kind: 'sessionToken', tokenData: account.sessionToken },
        query: { reason: 'r'.repeat(17) },
      }),
      107,
    );
  });
});

describe('bearer token ids', () => {
  test('the whole session flow works with Authorization: Bearer fxs_/fxk_', async () => {
    const client = new AuthClient(server.url, { auth: 'bearer', now: () => server.clock.now() });
    const email = uniqueEmail('bearer');
    const account = await client.signUp(email, PASSWORD, { keys: true });
    const mail = await nextMail(server, email, 'verify');
    await client.verifyCode(account.uid, mail.headers['x-verify-code']!);
    assert.equal((await client.recoveryEmailStatus(account.sessionToken)).verified, true);
    const keys = await client.accountKeys(account.keyFetchToken!, account.unwrapBKey);
    const login = await client.signIn(email, PASSWORD, { keys: true });
    assert.deepEqual(await client.accountKeys(login.keyFetchToken!, login.unwrapBKey), keys);
    const copy = await client.sessionDuplicate(login.sessionToken);
    await client.sessionDestroy(copy.sessionToken);
    await expectError(client.sessionStatus(copy.sessionToken), 110);
    await client.accountDestroy(email, PASSWORD, { sessionToken: login.sessionToken });
    assert.deepEqual(await client.accountStatus(account.uid), { exists: false });
  });
});
