// Secondary addresses, resends, and mail that carries the user's language and flow,
// over real HTTP with codes read from delivered mail.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SignUpResult } from '../src/client/index.js';
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

const token = (account: { sessionToken: string }) => ({ kind: 'sessionToken' as const, tokenData: account.sessionToken });
const post = (account: { sessionToken: string }, path: string, body: unknown) =>
  server.client.request<Record<string, never>>('POST', path, { token: token(account), body });
const listEmails = (account: { sessionToken: string }) =>
  server.client.request<Array<{ email: string; isPrimary: boolean; verified: boolean }>>('GET', '/recovery_emails', {
    token: token(account),
  });

/** Adds `secondary` to the account and confirms it with the code mailed to it. */
async function addVerifiedSecondary(account: SignUpResult, secondary: string): Promise<void> {
  await post(account, '/recovery_email', { email: secondary });
  const mail = await nextMail(server, secondary, 'verifySecondaryCode');
  await post(account, '/recovery_email/secondary/verify_code', { email: secondary, code: mail.headers['x-verify-code'] });
}

describe('secondary addresses', () => {
  test('add, confirm with the mailed code, promote to primary, then sign in and remove the old one', async () => {
    const primary = uniqueEmail('Primary');
    const account = await signUpVerified(server, primary);
    const secondary = uniqueEmail('Second');

    assert.deepEqual(await post(account, '/recovery_email', { email: secondary }), {});
    const codeMail = await nextMail(server, secondary, 'verifySecondaryCode');
    assert.deepEqual(codeMail.to, [secondary]);
    assert.equal(codeMail.headers['x-uid'], account.uid);
    const code = codeMail.headers['x-verify-code']!;
    assert.match(code, /^\d{6}$/);
    assert.ok(codeMail.text.includes(code) && codeMail.html.includes(code));
    assert.deepEqual(await listEmails(account), [
      { email: primary, isPrimary: true, verified: true },
      { email: secondary, isPrimary: false, verified: false },
    ]);

    const wrong = code === '000000' ? '111111' : '000000';
    await expectRejectedWithoutChange(
      server,
      () => post(account, '/recovery_email/secondary/verify_code', { email: secondary, code: wrong }),
      105,
    );
    await post(account, '/recovery_email/secondary/verify_code', { email: secondary.toUpperCase(), code });
    assert.deepEqual((await listEmails(account))[1], { email: secondary, isPrimary: false, verified: true });
    const added = await nextMail(server, primary, 'postVerifySecondary');
    assert.ok(added.text.includes(secondary));

    await post(account, '/recovery_email/set_primary', { email: secondary });
    const changed = await nextMail(server, secondary, 'postChangePrimary');
    assert.match(changed.headers['x-link']!, /\/settings\?/);
    assert.deepEqual(await listEmails(account), [
      { email: secondary, isPrimary: true, verified: true },
      { email: primary, isPrimary: false, verified: true },
    ]);
    assert.equal((await server.client.recoveryEmailStatus(account.sessionToken)).email, secondary);

    // The sign-up address stays the password salt: the client recovers through errno 120.
    const login = await server.client.signIn(secondary, PASSWORD);
    assert.equal(login.uid, account.uid);
    // The old primary is now a secondary: it cannot sign in (142) and can be removed.
    await expectError(server.client.signIn(primary, PASSWORD), 142);
    await post(account, '/recovery_email/destroy', { email: primary });
    const removed = await nextMail(server, secondary, 'postRemoveSecondary');
    assert.ok(removed.text.includes(primary));
    assert.deepEqual(await listEmails(account), [{ email: secondary, isPrimary: true, verified: true }]);
    // Removing it again changes nothing.
    assert.deepEqual(await post(account, '/recovery_email/destroy', { email: primary }), {});
  });

  test('the errnos of adding an address: 104, 138, 139, 136, 140, 141', async () => {
    const email = uniqueEmail('owner');
    const account = await signUpVerified(server, email);

    const unverified = await server.client.signUp(uniqueEmail('unverified'), PASSWORD);
    await expectRejectedWithoutChange(server, () => post(unverified, '/recovery_email', { email: uniqueEmail('x') }), 104);

    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const pending = await server.client.signIn(email, PASSWORD, { keys: true });
    await expectRejectedWithoutChange(server, () => post(pending, '/recovery_email', { email: uniqueEmail('x') }), 138);

    await expectRejectedWithoutChange(server, () => post(account, '/recovery_email', { email: email.toUpperCase() }), 139);

    const mine = uniqueEmail('mine');
    await post(account, '/recovery_email', { email: mine });
    await nextMail(server, mine, 'verifySecondaryCode');
    await expectRejectedWithoutChange(server, () => post(account, '/recovery_email', { email: mine }), 136);

    const otherPrimary = uniqueEmail('otherprimary');
    const other = await signUpVerified(server, otherPrimary);
    await expectRejectedWithoutChange(server, () => post(account, '/recovery_email', { email: otherPrimary }), 140);

    const otherSecondary = uniqueEmail('othersecondary');
    await addVerifiedSecondary(other, otherSecondary);
    await expectRejectedWithoutChange(server, () => post(account, '/recovery_email', { email: otherSecondary }), 141);
  });

  test('an address someone holds unverified is taken over', async () => {
    const account = await signUpVerified(server, uniqueEmail('taker'));
    const abandoned = uniqueEmail('abandoned');
    const stranger = await server.client.signUp(abandoned, PASSWORD);
    await nextMail(server, abandoned, 'verify');
    await post(account, '/recovery_email', { email: abandoned });
    await nextMail(server, abandoned, 'verifySecondaryCode');
    assert.deepEqual(await server.client.accountStatus(stranger.uid), { exists: false });

    const third = await signUpVerified(server, uniqueEmail('third'));
    await post(third, '/recovery_email', { email: abandoned });
    await nextMail(server, abandoned, 'verifySecondaryCode');
    assert.deepEqual(await listEmails(account).then((list) => list.length), 1, "the first account's pending claim was released");
  });

  test('the errnos of confirming, resending, promoting and removing: 138, 143, 150, 147, 148, 137', async () => {
    const email = uniqueEmail('manage');
    const account = await signUpVerified(server, email);
    const pendingAddress = uniqueEmail('pending');
    await post(account, '/recovery_email', { email: pendingAddress });
    const first = await nextMail(server, pendingAddress, 'verifySecondaryCode');

    await expectRejectedWithoutChange(
      server,
      () => post(account, '/recovery_email/secondary/resend_code', { email: uniqueEmail('nope') }),
      150,
    );
    await post(account, '/recovery_email/secondary/resend_code', { email: pendingAddress });
    const again = await nextMail(server, pendingAddress, 'verifySecondaryCode');
    assert.equal(again.headers['x-verify-code'], first.headers['x-verify-code'], 'same code within its window');

    await expectRejectedWithoutChange(
      server,
      () => post(account, '/recovery_email/secondary/verify_code', { email: uniqueEmail('nope'), code: '123456' }),
      143,
    );
    await expectRejectedWithoutChange(server, () => post(account, '/recovery_email/set_primary', { email: pendingAddress }), 147);
    const stranger = uniqueEmail('stranger');
    await signUpVerified(server, stranger);
    await expectRejectedWithoutChange(server, () => post(account, '/recovery_email/set_primary', { email: stranger }), 148);
    await expectRejectedWithoutChange(server, () => post(account, '/recovery_email/destroy', { email }), 137);

    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const pending = await server.client.signIn(email, PASSWORD, { keys: true });
    for (const path of ['/recovery_email/destroy', '/recovery_email/set_primary', '/recovery_email/secondary/resend_code']) {
      await expectRejectedWithoutChange(server, () => post(pending, path, { email: pendingAddress }), 138);
    }
  });

  test('bad input is rejected and stores nothing', async () => {
    const account = await signUpVerified(server, uniqueEmail('badinput'));
    for (const path of [
      '/recovery_email',
      '/recovery_email/destroy',
      '/recovery_email/set_primary',
      '/recovery_email/secondary/resend_code',
    ]) {
      await expectRejectedWithoutChange(server, () => post(account, path, {}), 108);
      await expectRejectedWithoutChange(server, () => post(account, path, { email: 'not an email' }), 107);
      await expectRejectedWithoutChange(server, () => post(account, path, { email: 12 }), 107);
      await expectRejectedWithoutChange(server, () => post(account, path, { email: `${'x'.repeat(250)}@example.com` }), 107);
    }
    const verify = '/recovery_email/secondary/verify_code';
    await expectRejectedWithoutChange(server, () => post(account, verify, { email: uniqueEmail() }), 108);
    await expectRejectedWithoutChange(server, () => post(account, verify, { email: uniqueEmail(), code: 'abcdef' }), 107);
    await expectRejectedWithoutChange(server, () => post(account, verify, { email: uniqueEmail(), code: '1'.repeat(33) }), 107);
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/recovery_email', { body: { email: uniqueEmail() } }),
      110,
      401,
    );
  });
});

describe('resending', () => {
  test('/recovery_email/resend_code mails the link this session still waits on', async () => {
    const email = uniqueEmail('resend');
    const account = await server.client.signUp(email, PASSWORD, { keys: true });
    const original = await nextMail(server, email, 'verify');
    const redirectTo = `${server.origin}/done`; // REDIRECT_DOMAINS defaults to CONTENT_URL's host
    await post(account, '/recovery_email/resend_code', { redirectTo });
    const again = await nextMail(server, email, 'verify');
    assert.equal(again.headers['x-verify-code'], original.headers['x-verify-code']);
    assert.equal(new URL(again.headers['x-link']!).searchParams.get('redirectTo'), redirectTo);
    await post(account, '/recovery_email/resend_code?type=upgradeSession', {});
    const primary = await nextMail(server, email, 'verifyPrimary');
    assert.match(primary.headers['x-link']!, /\/verify_primary_email\?/);
    await expectRejectedWithoutChange(
      server,
      () => post(account, '/recovery_email/resend_code', { email: uniqueEmail('other') }),
      150,
    );
    await server.client.verifyCode(account.uid, again.headers['x-verify-code']!);

    // Verified account, unconfirmed sign-in: the sign-in link again.
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await server.client.signIn(email, PASSWORD, { keys: true });
    const loginMail = await nextMail(server, email, 'verifyLogin');
    await post(login, '/recovery_email/resend_code', { email });
    assert.equal((await nextMail(server, email, 'verifyLogin')).headers['x-verify-code'], loginMail.headers['x-verify-code']);
    await server.client.verifyCode(account.uid, loginMail.headers['x-verify-code']!);

    // Nothing left to confirm: nothing is sent.
    const before = server.mail.messages.length;
    assert.deepEqual(await post(login, '/recovery_email/resend_code', {}), {});
    assert.equal(server.mail.messages.length, before);
  });

  test('/session/resend_code mails the 6-digit code: sign-up code, then sign-in code', async () => {
    const email = uniqueEmail('resendcode');
    const account = await server.client.signUp(email, PASSWORD, { verificationMethod: 'email-otp' });
    await nextMail(server, email, 'verifyShortCode');
    await post(account, '/session/resend_code', {});
    const short = await nextMail(server, email, 'verifyShortCode');
    await server.client.sessionVerifyCode(account.sessionToken, short.headers['x-verify-short-code']!);

    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    const login = await server.client.signIn(email, PASSWORD, { keys: true, verificationMethod: 'email-2fa' });
    await nextMail(server, email, 'verifyLoginCode');
    await post(login, '/session/resend_code', {});
    const code = (await nextMail(server, email, 'verifyLoginCode')).headers['x-signin-verify-code']!;
    await server.client.sessionVerifyCode(login.sessionToken, code);
    assert.equal((await server.client.sessionStatus(login.sessionToken)).state, 'verified');
  });

  test('resends are throttled per account (errno 114)', async () => {
    const email = uniqueEmail('spam');
    const account = await server.client.signUp(email, PASSWORD);
    for (let i = 0; i < 5; i++) await post(account, '/session/resend_code', {});
    const err = await expectRejectedWithoutChange(server, () => post(account, '/session/resend_code', {}), 114, 429);
    assert.equal(typeof err.body.retryAfter, 'number');
  });
});

describe('mail carries the language and the flow', () => {
  test('Accept-Language picks German or French; metricsContext becomes X-Flow-Id and X-Flow-Begin-Time', async () => {
    const flowId = 'ab'.repeat(32);
    const german = uniqueEmail('deutsch');
    await server.client.signUp(german, PASSWORD, {
      lang: 'de-DE,de;q=0.9,en;q=0.5',
      metricsContext: { flowId, flowBeginTime: 1768478400123 },
      service: 'sync',
    });
    const de = await nextMail(server, german, 'verify');
    assert.equal(de.headers['content-language'], 'de');
    assert.equal(de.headers['x-flow-id'], flowId);
    assert.equal(de.headers['x-flow-begin-time'], '1768478400123');
    assert.equal(de.headers['x-service-id'], 'sync');
    assert.notEqual(de.subject, 'Finish creating your account');

    const french = uniqueEmail('francais');
    await server.client.signUp(french, PASSWORD, { lang: 'fr-CA' });
    const fr = await nextMail(server, french, 'verify');
    assert.equal(fr.headers['content-language'], 'fr');
    assert.notEqual(fr.subject, de.subject);
  });
});

describe('links into the web pages', () => {
  test('GET /v1/verify_email and /v1/complete_reset_password redirect to CONTENT_URL with the same query', async () => {
    const uid = 'ab'.repeat(16);
    const code = 'cd'.repeat(16);
    let response = await fetch(`${server.url}/verify_email?uid=${uid}&code=${code}&service=sync`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), `${server.origin}/verify_email?uid=${uid}&code=${code}&service=sync`);
    response = await fetch(`${server.url}/complete_reset_password?email=a%40example.com&code=${code}&token=${'ef'.repeat(32)}`, {
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    assert.match(response.headers.get('location')!, /\/complete_reset_password\?email=a%40example\.com&code=/);

    response = await fetch(`${server.url}/verify_email?uid=${uid}`, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { errno: number }).errno, 107);
    response = await fetch(`${server.url}/verify_email?uid=zz&code=${code}`, { redirect: 'manual' });
    assert.equal(((await response.json()) as { errno: number }).errno, 107);
  });
});
