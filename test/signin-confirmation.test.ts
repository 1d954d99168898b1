// When a sign-in must be confirmed, how (link, code, unblock code), and the
// configuration knobs of that policy.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BEYOND_SIGNIN_SHORTCUTS,
  clientFrom,
  DAY,
  expectError,
  expectRejectedWithoutChange,
  HOUR,
  nextMail,
  PASSWORD,
  signUpVerified,
  uniqueEmail,
} from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('default policy', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: 'true' } });
  });
  after(() => server.close());

  test('new accounts (under 48 h) sign in confirmed; then the IP of a confirmed sign-in counts for 7 days', async () => {
    const email = uniqueEmail('ipprofile');
    const home = clientFrom(server, '198.51.100.7');
    const away = clientFrom(server, '203.0.113.9');
    const account = await home.signUp(email, PASSWORD);
    await home.verifyCode(account.uid, (await nextMail(server, email, 'verify')).headers['x-verify-code']!);

    server.clock.advance(47 * HOUR);
    assert.equal((await away.signIn(email, PASSWORD, { keys: true })).sessionVerified, true, 'young account');

    server.clock.advance(2 * DAY);
    assert.equal((await home.signIn(email, PASSWORD, { keys: true })).sessionVerified, true, 'sign-up IP, within 7 days');
    // A sign-in confirmed by any rule (here the account's youth) makes its IP a known one.
    assert.equal((await away.signIn(email, PASSWORD, { keys: true })).sessionVerified, true, 'known IP');
    const elsewhere = await clientFrom(server, '203.0.113.200').signIn(email, PASSWORD, { keys: true });
    assert.equal(elsewhere.sessionVerified, false, 'a new IP of an older account');
    await nextMail(server, email, 'verifyLogin');
  });

  test('confirming a sign-in makes its IP a known one', async () => {
    const email = uniqueEmail('learn');
    const away = clientFrom(server, '192.0.2.44');
    await signUpVerified(server, email);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const first = await away.signIn(email, PASSWORD, { keys: true });
    assert.equal(first.sessionVerified, false);
    const mail = await nextMail(server, email, 'verifyLogin');
    await away.verifyCode(first.uid, mail.headers['x-verify-code']!);

    server.clock.advance(3 * DAY);
    assert.equal((await away.signIn(email, PASSWORD, { keys: true })).sessionVerified, true);
    server.clock.advance(8 * DAY);
    assert.equal((await away.signIn(email, PASSWORD, { keys: true })).sessionVerified, false, 'forgotten after 7 days');
  });

  test('without keys an old account gets an unconfirmed session that need not be confirmed', async () => {
    const email = uniqueEmail('nokeys');
    await signUpVerified(server, email);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await clientFrom(server, '192.0.2.99').signIn(email, PASSWORD);
    assert.equal(login.verified, true);
    assert.equal(login.sessionVerified, false);
    assert.equal((await server.client.sessionStatus(login.sessionToken)).state, 'unverified');
  });
});

describe('verification methods', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { SIGNIN_UNBLOCK_FORCED_EMAIL_REGEX: '^captcha\\.', TRUST_PROXY: 'true' } });
  });
  after(() => server.close());

  test('email: a link; email-otp and email-2fa: a 6-digit code', async () => {
    for (const method of ['email', 'email-otp', 'email-2fa'] as const) {
      const email = uniqueEmail(method);
      await signUpVerified(server, email);
      server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
      const login = await server.client.signIn(email, PASSWORD, { keys: true, verificationMethod: method });
      assert.equal(login.verificationMethod, method);
      assert.equal(login.verificationReason, 'login');
      if (method === 'email') {
        const mail = await nextMail(server, email, 'verifyLogin');
        await server.client.verifyCode(login.uid, mail.headers['x-verify-code']!);
      } else {
        const mail = await nextMail(server, email, 'verifyLoginCode');
        await server.client.sessionVerifyCode(login.sessionToken, mail.headers['x-signin-verify-code']!);
      }
      assert.equal((await server.client.sessionStatus(login.sessionToken)).state, 'verified', method);
      await server.client.accountKeys(login.keyFetchToken!, login.unwrapBKey);
    }
  });

  test('email-captcha: a blocked sign-in passes, confirmed, with the unblock code mailed on request', async () => {
    const email = uniqueEmail('captcha');
    const account = await signUpVerified(server, email);
    const blocked = await expectRejectedWithoutChange(server, () => server.client.signIn(email, PASSWORD, { keys: true }), 125, 400);
    assert.equal(blocked.body.verificationMethod, 'email-captcha');
    assert.equal(blocked.body.verificationReason, 'login');
    const sendCode = async () => {
      assert.deepEqual(await server.client.request('POST', '/account/login/send_unblock_code', { body: { email } }), {});
      return nextMail(server, email, 'unblockCode');
    };
    // With a valid code but a wrong password the answer is the block, not 103 (it reveals nothing).
    const spent = (await sendCode()).headers['x-unblock-code']!;
    await expectError(server.client.signIn(email, 'wrong', { unblockCode: spent }), 125);

    const mail = await sendCode();
    const code = mail.headers['x-unblock-code']!;
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
    assert.match(mail.headers['x-report-signin-link']!, new RegExp(`/report_signin\\?.*unblockCode=${code}`));

    await expectError(server.client.signIn(email, PASSWORD, { unblockCode: 'ZZZZ9999' }), 127);
    const login = await server.client.signIn(email, PASSWORD, { keys: true, unblockCode: code.toLowerCase() });
    assert.equal(login.verified, true);
    assert.equal(login.sessionVerified, true);
    await server.client.accountKeys(login.keyFetchToken!, login.unwrapBKey);
    // Each code works once.
    await expectError(server.client.signIn(email, PASSWORD, { unblockCode: code }), 127);

    // A code the user did not ask for can be reported, which spends it.
    await server.client.request('POST', '/account/login/send_unblock_code', { body: { email } });
    const unwanted = (await nextMail(server, email, 'unblockCode')).headers['x-unblock-code']!;
    const reject = (unblockCode: string) =>
      server.client.request('POST', '/account/login/reject_unblock_code', { body: { uid: account.uid, unblockCode } });
    assert.deepEqual(await reject(unwanted), {});
    await expectError(reject(unwanted), 127);
    await expectError(server.client.signIn(email, PASSWORD, { unblockCode: unwanted }), 127);
  });

  test('a throttled sign-in (114) is unblocked the same way', async () => {
    const email = uniqueEmail('throttled');
    await signUpVerified(server, email);
    // From an address of its own: the per-IP failure count of 127.0.0.1 carries the other
    // tests' wrong passwords, and would ban this test's IP before its sixth attempt.
    const client = clientFrom(server, '198.51.100.114');
    // Five wrong passwords are allowed; the sixth is still answered, and starts the ban.
    for (let i = 0; i < 6; i++) await expectError(client.signIn(email, `wrong ${i}`), 103, 400);
    const throttled = await expectError(client.signIn(email, PASSWORD), 114, 429);
    assert.equal(throttled.body.verificationMethod, 'email-captcha');
    await client.request('POST', '/account/login/send_unblock_code', { body: { email } });
    const code = (await nextMail(server, email, 'unblockCode')).headers['x-unblock-code']!;
    const login = await client.signIn(email, PASSWORD, { unblockCode: code });
    assert.equal(login.sessionVerified, true);
  });

  test('send_unblock_code: unknown account 102, bad input 107/108', async () => {
    const send = (body: unknown) => () => server.client.request('POST', '/account/login/send_unblock_code', { body });
    await expectRejectedWithoutChange(server, send({ email: uniqueEmail('ghost') }), 102);
    await expectRejectedWithoutChange(server, send({}), 108);
    await expectRejectedWithoutChange(server, send({ email: 'x' }), 107);
    const reject = (body: unknown) => () => server.client.request('POST', '/account/login/reject_unblock_code', { body });
    await expectRejectedWithoutChange(server, reject({ uid: 'ab'.repeat(16) }), 108);
    await expectRejectedWithoutChange(server, reject({ uid: 'ab'.repeat(16), unblockCode: 'short' }), 107);
    await expectRejectedWithoutChange(server, reject({ uid: 'zz', unblockCode: 'ABCDEFGH' }), 107);
    await expectRejectedWithoutChange(server, reject({ uid: 'ab'.repeat(16), unblockCode: 'ABCDEFGH' }), 127);
  });
});

describe('policy knobs', () => {
  test('SIGNIN_CONFIRMATION_FORCE_ALL and _SKIP_FOR_NEW_ACCOUNTS_HOURS=0 make even a new account confirm', async () => {
    for (const env of [
      { SIGNIN_CONFIRMATION_FORCE_ALL: 'true' },
      { SIGNIN_CONFIRMATION_SKIP_FOR_NEW_ACCOUNTS_HOURS: '0', SIGNIN_CONFIRMATION_SKIP_FOR_SAME_IP_DAYS: '0' },
    ]) {
      const server = await startTestServer({ env });
      try {
        const email = uniqueEmail('forced');
        await signUpVerified(server, email);
        const login = await server.client.signIn(email, PASSWORD, { keys: true });
        assert.equal(login.sessionVerified, false, JSON.stringify(env));
        await nextMail(server, email, 'verifyLogin');
      } finally {
        await server.close();
      }
    }
  });

  test('FORCE_EMAIL_REGEX forces confirmation, even without keys; SKIP_EMAIL_REGEX waives it', async () => {
    const server = await startTestServer({
      env: { SIGNIN_CONFIRMATION_FORCE_EMAIL_REGEX: '^staff\\.', SIGNIN_CONFIRMATION_SKIP_EMAIL_REGEX: '^robot\\.' },
    });
    try {
      const staff = uniqueEmail('staff');
      await signUpVerified(server, staff);
      const login = await server.client.signIn(staff, PASSWORD);
      assert.equal(login.verified, false);
      assert.equal(login.verificationReason, 'login');

      const robot = uniqueEmail('robot');
      await signUpVerified(server, robot);
      server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
      assert.equal((await server.client.signIn(robot, PASSWORD, { keys: true })).sessionVerified, true);
    } finally {
      await server.close();
    }
  });
});
