// Sign-up, sign-in, keys, status and deletion over real HTTP with our own client.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { quickStretchV1 } from '../src/crypto/index.js';
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

const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

async function authPWOf(email: string, password = PASSWORD): Promise<string> {
  return (await quickStretchV1(email, password)).authPW.toString('hex');
}

const db = () => server.app.services.db.kysely;

describe('POST /account/create', () => {
  test('v1 sign-up mails a verify link whose code confirms the account and unlocks the keys', async () => {
    const email = uniqueEmail('create');
    const account = await server.client.signUp(email, PASSWORD, { keys: true, service: 'sync' });
    assert.match(account.uid, HEX32);
    assert.match(account.sessionToken, HEX64);
    assert.match(account.keyFetchToken!, HEX64);
    assert.equal(account.authAt, Math.floor(server.clock.now() / 1000));

    const mail = await nextMail(server, email, 'verify');
    assert.equal(mail.headers['x-uid'], account.uid);
    assert.match(mail.headers['x-verify-code']!, HEX32);
    assert.match(mail.headers['x-link']!, /\/verify_email\?uid=[0-9a-f]{32}&code=[0-9a-f]{32}&service=sync$/);
    assert.equal(mail.headers['x-service-id'], 'sync');
    assert.equal(mail.headers['content-language'], 'en');

    assert.deepEqual(await server.client.recoveryEmailStatus(account.sessionToken), {
      email,
      verified: false,
      sessionVerified: false,
      emailVerified: false,
    });
    await expectError(server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey), 104, 400);

    await server.client.verifyCode(account.uid, mail.headers['x-verify-code']!, { service: 'sync' });
    assert.deepEqual(await server.client.recoveryEmailStatus(account.sessionToken), {
      email,
      verified: true,
      sessionVerified: true,
      emailVerified: true,
    });
    // The token survived the 104 and now works once.
    const keys = await server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey);
    assert.match(keys.kA, HEX64);
    assert.match(keys.kB, HEX64);
    await expectError(server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey), 110, 401);

    // Sync users get the "what next" mail once verified.
    await nextMail(server, email, 'postVerify');
  });

  test('v2 sign-up stores both verifiers and one kB that v1 and v2 logins both unwrap', async () => {
    const email = uniqueEmail('v2');
    const account = await signUpVerified(server, email, { keys: true, version: 2 });
    assert.equal(account.keyStretchVersion, 2);
    const signupKeys = await server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey);
    assert.equal(signupKeys.kB, account.kB);

    const status = await server.client.credentialsStatus(email);
    assert.equal(status.currentVersion, 'v2');
    assert.match(status.clientSalt!, /^identity\.mozilla\.com\/picl\/v1\/quickStretchV2:[0-9a-f]{32}$/);
    assert.equal(status.upgradeNeeded, false);

    const viaV2 = await server.client.signIn(email, PASSWORD, { keys: true, version: 2 });
    assert.equal(viaV2.keyStretchVersion, 2);
    const viaV1 = await server.client.signIn(email, PASSWORD, { keys: true, version: 1 });
    assert.equal(viaV1.keyStretchVersion, 1);
    assert.deepEqual(await server.client.accountKeys(viaV2.keyFetchToken!, viaV2.unwrapBKey), signupKeys);
    assert.deepEqual(await server.client.accountKeys(viaV1.keyFetchToken!, viaV1.unwrapBKey), signupKeys);
  });

  test('v2 login returns keyFetchTokenVersion2 on the wire', async () => {
    const email = uniqueEmail('v2wire');
    await signUpVerified(server, email, { version: 2 });
    const { clientSalt } = await server.client.credentialsStatus(email);
    const { quickStretchV2 } = await import('../src/crypto/index.js');
    const v2 = await quickStretchV2(PASSWORD, clientSalt!);
    const body = await server.client.request<Record<string, unknown>>('POST', '/account/login', {
      query: { keys: 'true' },
      body: { email, authPW: v2.authPW.toString('hex') },
    });
    assert.match(String(body.keyFetchTokenVersion2), HEX64);
    assert.equal(body.keyFetchToken, undefined);
  });

  test('a verified account blocks the address (101); an unverified one is replaced', async () => {
    const email = uniqueEmail('dup');
    const first = await server.client.signUp(email, PASSWORD);
    await nextMail(server, email, 'verify');
    // Signing up again over an unverified account deletes the old one.
    const second = await server.client.signUp(email, 'another password');
    assert.notEqual(second.uid, first.uid);
    assert.deepEqual(await server.client.accountStatus(first.uid), { exists: false });
    await expectError(server.client.sessionStatus(first.sessionToken), 110, 401);

    const verifyMail = await nextMail(server, email, 'verify');
    await server.client.verifyCode(second.uid, verifyMail.headers['x-verify-code']!);
    const err = await expectRejectedWithoutChange(server, () => server.client.signUp(email.toUpperCase(), PASSWORD), 101, 400);
    assert.equal(err.body.email, email);
  });

  test("an address verified as someone's secondary email is refused (144)", async () => {
    const owner = await signUpVerified(server, uniqueEmail('owner'));
    const secondary = uniqueEmail('secondary');
    await db()
      .insertInto('emails')
      .values({
        normalizedEmail: secondary,
        email: secondary,
        uid: Buffer.from(owner.uid, 'hex'),
        emailCode: Buffer.alloc(16, 7),
        isVerified: 1,
        isPrimary: 0,
        verifiedAt: server.clock.now(),
        createdAt: server.clock.now(),
      })
      .execute();
    await expectRejectedWithoutChange(server, () => server.client.signUp(secondary, PASSWORD), 144, 400);
  });

  test('a failed verification mail is errno 151 and leaves nothing behind; signing up again works', async () => {
    const email = uniqueEmail('mailfail');
    server.mail.failNext(1);
    await expectRejectedWithoutChange(server, () => server.client.signUp(email, PASSWORD), 151, 422);
    assert.deepEqual(await server.client.accountStatusByEmail(email), { exists: false });
    const again = await server.client.signUp(email, PASSWORD);
    const mail = await nextMail(server, email, 'verify');
    await server.client.verifyCode(again.uid, mail.headers['x-verify-code']!);
    assert.equal((await server.client.recoveryEmailStatus(again.sessionToken)).verified, true);
  });

  test('an incomplete set of v2 fields is invalid (107)', async () => {
    const email = uniqueEmail('partial');
    const authPW = await authPWOf(email);
    const err = await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/account/create', { body: { email, authPW, wrapKb: 'ab'.repeat(32) } }),
      107,
      400,
    );
    assert.equal((err.body.validation as { source: string }).source, 'payload');
  });

  test('email-otp sign-up mails a 6-digit code that /session/verify_code accepts', async () => {
    const email = uniqueEmail('otp');
    const account = await server.client.signUp(email, PASSWORD, { verificationMethod: 'email-otp', keys: true });
    assert.equal(account.verificationMethod, 'email-otp');
    const mail = await nextMail(server, email, 'verifyShortCode');
    const code = mail.headers['x-verify-short-code']!;
    assert.match(code, /^\d{6}$/);
    assert.ok(mail.subject.includes(code));
    await expectError(server.client.sessionVerifyCode(account.sessionToken, code === '000000' ? '111111' : '000000'), 183, 400);
    await server.client.sessionVerifyCode(account.sessionToken, code);
    const status = await server.client.recoveryEmailStatus(account.sessionToken);
    assert.equal(status.verified, true);
    assert.equal(status.emailVerified, true);
    await server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey);
  });

  test('bad input is rejected with a clear errno and stores nothing', async () => {
    const email = uniqueEmail('bad');
    const authPW = await authPWOf(email);
    const create = (body: unknown, query?: Record<string, string>) => () =>
      server.client.request('POST', '/account/create', { body, query });
    await expectRejectedWithoutChange(server, create({ authPW }), 108);
    await expectRejectedWithoutChange(server, create({ email }), 108);
    await expectRejectedWithoutChange(server, create({ email: 42, authPW }), 107);
    await expectRejectedWithoutChange(server, create({ email, authPW: 12345 }), 107);
    await expectRejectedWithoutChange(server, create({ email, authPW: 'zz'.repeat(32) }), 107);
    await expectRejectedWithoutChange(server, create({ email, authPW: authPW.slice(2) }), 107);
    await expectRejectedWithoutChange(server, create({ email: 'not-an-email', authPW }), 107);
    await expectRejectedWithoutChange(server, create({ email: `${'a'.repeat(250)}@example.com`, authPW }), 107);
    await expectRejectedWithoutChange(server, create({ email, authPW, service: 'x'.repeat(17) }), 107);
    await expectRejectedWithoutChange(server, create({ email, authPW, redirectTo: 'x'.repeat(2049) }), 107);
    await expectRejectedWithoutChange(server, create({ email, authPW, metricsContext: { flowId: 'nothex' } }), 107);
    await expectRejectedWithoutChange(server, create({ email, authPW, verificationMethod: 'sms' }), 107);
    await expectRejectedWithoutChange(server, create({ email, authPW }, { keys: 'perhaps' }), 107);
    await expectRejectedWithoutChange(server, create([email, authPW]), 107);
  });
});

describe('POST /account/login', () => {
  test('signs in a new account with a confirmed session and mails newDeviceLogin', async () => {
    const email = uniqueEmail('login');
    const account = await signUpVerified(server, email, { keys: true });
    const signupKeys = await server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey);
    const login = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(login.uid, account.uid);
    assert.equal(login.verified, true);
    assert.equal(login.emailVerified, true);
    assert.equal(login.sessionVerified, true);
    assert.equal(login.metricsEnabled, true);
    assert.equal(login.verificationMethod, undefined);
    assert.deepEqual(await server.client.accountKeys(login.keyFetchToken!, login.unwrapBKey), signupKeys);
    const notice = await nextMail(server, email, 'newDeviceLogin');
    assert.equal(notice.headers['x-uid'], account.uid);
  });

  test('an older account must confirm a keys sign-in by the link in verifyLogin', async () => {
    const email = uniqueEmail('older');
    const account = await signUpVerified(server, email, { keys: true });
    const signupKeys = await server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);

    const login = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(login.verified, false);
    assert.equal(login.sessionVerified, false);
    assert.equal(login.verificationMethod, 'email');
    assert.equal(login.verificationReason, 'login');
    assert.deepEqual(await server.client.sessionStatus(login.sessionToken), { state: 'unverified', uid: account.uid });
    await expectError(server.client.accountKeys(login.keyFetchToken!, login.unwrapBKey), 104);

    const mail = await nextMail(server, email, 'verifyLogin');
    const code = mail.headers['x-verify-code']!;
    assert.match(mail.headers['x-link']!, new RegExp(`/complete_signin\\?code=${code}&uid=${account.uid}`));
    await server.client.verifyCode(account.uid, code);
    assert.equal((await server.client.sessionStatus(login.sessionToken)).state, 'verified');
    assert.deepEqual(await server.client.accountKeys(login.keyFetchToken!, login.unwrapBKey), signupKeys);
  });

  test('email-2fa sign-in is confirmed with the 6-digit code from verifyLoginCode', async () => {
    const email = uniqueEmail('twofa');
    await signUpVerified(server, email);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await server.client.signIn(email, PASSWORD, { keys: true, verificationMethod: 'email-2fa' });
    assert.equal(login.verificationMethod, 'email-2fa');
    assert.equal(login.verificationReason, 'login');
    const mail = await nextMail(server, email, 'verifyLoginCode');
    const code = mail.headers['x-signin-verify-code']!;
    assert.match(code, /^\d{6}$/);
    await server.client.sessionVerifyCode(login.sessionToken, code);
    assert.equal((await server.client.sessionStatus(login.sessionToken)).state, 'verified');
    await server.client.accountKeys(login.keyFetchToken!, login.unwrapBKey);
  });

  test('signing in to an unverified account re-sends the sign-up mail (reason signup)', async () => {
    const email = uniqueEmail('unverified');
    const account = await server.client.signUp(email, PASSWORD);
    await nextMail(server, email, 'verify');
    const login = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(login.verified, false);
    assert.equal(login.emailVerified, false);
    assert.equal(login.verificationReason, 'signup');
    assert.equal(login.verificationMethod, 'email');
    const mail = await nextMail(server, email, 'verify');
    await server.client.verifyCode(account.uid, mail.headers['x-verify-code']!);
    await server.client.accountKeys(login.keyFetchToken!, login.unwrapBKey);
  });

  test('unknown account 102, wrong password 103, wrong case 120 (and the client recovers)', async () => {
    const email = uniqueEmail('Mixed.Case');
    await signUpVerified(server, email);
    let err = await expectRejectedWithoutChange(server, () => server.client.signIn(uniqueEmail('nobody'), PASSWORD), 102, 400);
    assert.match(String(err.body.email), /^nobody\./);

    err = await expectRejectedWithoutChange(server, () => server.client.signIn(email, 'wrong password'), 103, 400);
    assert.equal(err.body.email, email);

    // A v1 authPW salted with the lower-cased address: the server names the real salt.
    const lower = email.toLowerCase();
    err = await expectRejectedWithoutChange(
      server,
      async () => server.client.request('POST', '/account/login', { body: { email: lower, authPW: await authPWOf(lower) } }),
      120,
      400,
    );
    assert.equal(err.body.email, email);
    // Our client retries with that salt and originalLoginEmail, as Mozilla's clients do.
    const login = await server.client.signIn(lower, PASSWORD);
    assert.equal(login.verified, true);
  });

  test('a secondary address cannot sign in (142)', async () => {
    const owner = uniqueEmail('primary');
    const account = await signUpVerified(server, owner);
    const secondary = uniqueEmail('second');
    await db()
      .insertInto('emails')
      .values({
        normalizedEmail: secondary,
        email: secondary,
        uid: Buffer.from(account.uid, 'hex'),
        emailCode: Buffer.alloc(16, 9),
        isVerified: 1,
        isPrimary: 0,
        verifiedAt: server.clock.now(),
        createdAt: server.clock.now(),
      })
      .execute();
    await expectRejectedWithoutChange(
      server,
      async () => server.client.request('POST', '/account/login', { body: { email: secondary, authPW: await authPWOf(owner) } }),
      142,
      400,
    );
  });

  test('a disabled account (149), a must-reset account (126) and totp-2fa without TOTP (160)', async () => {
    const disabled = uniqueEmail('disabled');
    const a = await signUpVerified(server, disabled);
    await db().updateTable('accounts').set({ disabledAt: server.clock.now() }).where('uid', '=', Buffer.from(a.uid, 'hex')).execute();
    await expectRejectedWithoutChange(server, () => server.client.signIn(disabled, PASSWORD), 149, 400);
    await expectError(server.client.credentialsStatus(disabled), 149);

    const reset = uniqueEmail('reset');
    const b = await signUpVerified(server, reset);
    await db()
      .updateTable('accounts')
      .set({ authSalt: Buffer.alloc(32, 0xff) })
      .where('uid', '=', Buffer.from(b.uid, 'hex'))
      .execute();
    const err = await expectRejectedWithoutChange(server, () => server.client.signIn(reset, PASSWORD), 126, 400);
    assert.equal(err.body.email, reset);

    const email = uniqueEmail('totp');
    await signUpVerified(server, email);
    await expectRejectedWithoutChange(
      server,
      () => server.client.signIn(email, PASSWORD, { verificationMethod: 'totp-2fa' }),
      160,
      400,
    );
  });

  test('a failed confirmation mail is errno 151 and the sign-in can be retried', async () => {
    const email = uniqueEmail('smtpfail');
    await signUpVerified(server, email);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    server.mail.failNext(1);
    await expectRejectedWithoutChange(server, () => server.client.signIn(email, PASSWORD, { keys: true }), 151, 422);
    const retry = await server.client.signIn(email, PASSWORD, { keys: true });
    assert.equal(retry.verified, false);
    await nextMail(server, email, 'verifyLogin');
  });

  test('bad input is rejected and stores nothing', async () => {
    const email = uniqueEmail('badlogin');
    await signUpVerified(server, email);
    const authPW = await authPWOf(email);
    const login = (body: unknown) => () => server.client.request('POST', '/account/login', { body });
    await expectRejectedWithoutChange(server, login({ email }), 108);
    await expectRejectedWithoutChange(server, login({ authPW }), 108);
    await expectRejectedWithoutChange(server, login({ email, authPW: authPW.toUpperCase().slice(1) }), 107);
    await expectRejectedWithoutChange(server, login({ email, authPW: true }), 107);
    await expectRejectedWithoutChange(server, login({ email, authPW, unblockCode: 'short' }), 107);
    await expectRejectedWithoutChange(server, login({ email, authPW, originalLoginEmail: 'nope' }), 107);
    await expectRejectedWithoutChange(server, login({ email, authPW, reason: 'r'.repeat(17) }), 107);
    // Hex is accepted in either case.
    await server.client.request('POST', '/account/login', { body: { email, authPW: authPW.toUpperCase() } });
  });
});

describe('account status', () => {
  test('GET /account/status by uid or by session; 108 without either', async () => {
    const email = uniqueEmail('status');
    const account = await signUpVerified(server, email, { lang: 'de-DE,de;q=0.9' });
    assert.deepEqual(await server.client.accountStatus(account.uid), { exists: true });
    assert.deepEqual(await server.client.accountStatus('00'.repeat(16)), { exists: false });
    const withSession = await server.client.request('GET', '/account/status', {
      token: { kind: 'sessionToken', tokenData: account.sessionToken },
    });
    assert.deepEqual(withSession, { exists: true, locale: 'de-DE,de;q=0.9', hasPassword: true });
    const err = await expectError(server.client.request('GET', '/account/status'), 108, 400);
    assert.equal(err.body.param, 'uid');
    await expectError(server.client.accountStatus('abc'), 107);
    // A bad token is an error even where authentication is optional.
    await expectError(
      server.client.request('GET', '/account/status', { token: { kind: 'sessionToken', tokenData: '11'.repeat(32) } }),
      110,
      401,
    );
  });

  test('POST /account/status and POST /account/credentials/status', async () => {
    const email = uniqueEmail('exists');
    await signUpVerified(server, email);
    assert.deepEqual(await server.client.accountStatusByEmail(email), { exists: true });
    assert.deepEqual(await server.client.accountStatusByEmail(email.toUpperCase(), { thirdPartyAuthStatus: true }), {
      exists: true,
      hasLinkedAccount: false,
      hasPassword: true,
    });
    assert.deepEqual(await server.client.accountStatusByEmail(uniqueEmail('missing')), { exists: false });
    assert.deepEqual(await server.client.credentialsStatus(email), { currentVersion: 'v1', upgradeNeeded: true });
    const err = await expectError(server.client.credentialsStatus(uniqueEmail('ghost')), 102, 400);
    assert.match(String(err.body.email), /^ghost\./);
    await expectError(server.client.request('POST', '/account/status', { body: {} }), 108);
    await expectError(server.client.request('POST', '/account/credentials/status', { body: { email: 'x' } }), 107);
  });

  test('GET /account describes the account', async () => {
    const email = uniqueEmail('info');
    const createdAt = server.clock.now();
    const account = await signUpVerified(server, email);
    assert.deepEqual(await server.client.account(account.sessionToken), {
      subscriptions: [],
      createdAt,
      passwordCreatedAt: createdAt,
      hasPassword: true,
      metricsOptOutAt: null,
      emails: [{ email, isPrimary: true, verified: true }],
    });
  });
});

describe('POST /account/destroy', () => {
  test('deletes the account, its sessions and its keys', async () => {
    const email = uniqueEmail('destroy');
    const account = await signUpVerified(server, email, { keys: true });
    const other = await server.client.signIn(email, PASSWORD);
    await expectRejectedWithoutChange(
      server,
      () => server.client.accountDestroy(email, 'wrong', { sessionToken: account.sessionToken }),
      103,
      400,
    );
    await server.client.accountDestroy(email, PASSWORD, { sessionToken: account.sessionToken });
    assert.deepEqual(await server.client.accountStatus(account.uid), { exists: false });
    await expectError(server.client.sessionStatus(other.sessionToken), 110, 401);
    await expectError(server.client.accountKeys(account.keyFetchToken!, account.unwrapBKey), 110, 401);
    await expectError(server.client.signIn(email, PASSWORD), 102);
    const rows = await db().selectFrom('emails').selectAll().where('normalizedEmail', '=', email).execute();
    assert.equal(rows.length, 0);
  });

  test("works without a session, or with an unconfirmed one (no two-step auth yet), never with another account's (102)", async () => {
    const email = uniqueEmail('nosession');
    await signUpVerified(server, email);
    const stranger = await signUpVerified(server, uniqueEmail('stranger'));
    await expectRejectedWithoutChange(
      server,
      () => server.client.accountDestroy(email, PASSWORD, { sessionToken: stranger.sessionToken }),
      102,
      400,
    );
    await server.client.accountDestroy(email, PASSWORD);
    await expectRejectedWithoutChange(server, () => server.client.accountDestroy(email, PASSWORD), 102);

    // FxA only asks for more than the password (AAL2) once the account has TOTP.
    const other = uniqueEmail('unconfirmed');
    await signUpVerified(server, other);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const unconfirmed = await server.client.signIn(other, PASSWORD, { keys: true });
    assert.equal(unconfirmed.sessionVerified, false);
    await server.client.accountDestroy(other, PASSWORD, { sessionToken: unconfirmed.sessionToken });
    await expectError(server.client.sessionStatus(unconfirmed.sessionToken), 110);
  });

  test('an account without a password is deleted only with its own session', async () => {
    const email = uniqueEmail('passwordless');
    const { sessionToken } = await signUpVerified(server, email);
    // Accounts from third-party sign-in have no password (verifierSetAt 0); we have none of those yet.
    await db().updateTable('accounts').set({ verifierSetAt: 0 }).where('normalizedEmail', '=', email).execute();
    await expectRejectedWithoutChange(server, () => server.client.accountDestroy(email, 'any password'), 110, 401);
    await server.client.accountDestroy(email, 'any password', { sessionToken });
    await expectError(server.client.sessionStatus(sessionToken), 110);
  });

  test('bad input stores nothing', async () => {
    const email = uniqueEmail('destroybad');
    await signUpVerified(server, email);
    const destroy = (body: unknown) => () => server.client.request('POST', '/account/destroy', { body });
    await expectRejectedWithoutChange(server, destroy({ email }), 108);
    await expectRejectedWithoutChange(server, destroy({ email, authPW: 'ab' }), 107);
    await expectRejectedWithoutChange(server, destroy({ email: [email], authPW: 'ab'.repeat(32) }), 107);
  });
});
