// Rate limits end to end, over real HTTP: what an attacker who rotates IP addresses,
// switches between an account's addresses and routes, or guesses unblock codes can
// still do, and what a client that honours Retry-After gets.
//
// Every request comes from an address of its own (X-Forwarded-For, trusted here) unless
// the test is about one address, so per-IP limits cannot stand in for per-account ones.
// The clock is a ManualClock: nothing moves between requests unless a test advances it.
//
// Rules exercised (src/customs/index.ts): 5 failures of a kind are tolerated in a window;
// the 6th is still answered (103 / 120 / 127) and starts a ban; while it lasts the
// answer is 429 errno 114 whatever the secret. Per account: 15 minutes; per IP: 30.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthClient, ClientError, type SignUpResult } from '../src/client/index.js';
import { quickStretchV1 } from '../src/crypto/stretch.js';
import { clientFrom, expectError, expectRejectedWithoutChange, nextMail, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** Bans for failed secrets: per account (uid and address) and per IP. */
const ACCOUNT_BAN_S = 15 * 60;
const IP_BAN_S = 30 * 60;
/** Failures of one kind tolerated in a window; the next one starts a ban. */
const TOLERATED = 5;

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: 'true' } });
});
after(() => server.close());

let ipCounter = 0;
/** An address no other request of this file has used (198.18.0.0/15, for benchmarks). */
function freshIp(): string {
  ipCounter++;
  return `198.18.${ipCounter >> 8}.${ipCounter & 255}`;
}

/** A client whose requests seem to come from `ip` (the server trusts X-Forwarded-For). */
const from = (ip: string = freshIp()): AuthClient => clientFrom(server, ip);

/** Signs up from an address of its own and confirms the primary with the mailed code. */
async function signUpVerified(email: string): Promise<SignUpResult> {
  const client = from();
  const account = await client.signUp(email, PASSWORD);
  await client.verifyCode(account.uid, (await nextMail(server, email, 'verify')).headers['x-verify-code']!);
  return account;
}

/** 429 errno 114 with `retryAfter` seconds in the body and the Retry-After header; `unblockable`: the email-captcha hint. */
function assertThrottled(err: ClientError, retryAfter: number, unblockable: boolean): void {
  assert.equal(err.status, 429, JSON.stringify(err.body));
  assert.equal(err.errno, 114);
  assert.equal(err.body.retryAfter, retryAfter, `retryAfter: ${JSON.stringify(err.body)}`);
  assert.equal(err.headers['retry-after'], String(retryAfter));
  assert.equal(err.body.verificationMethod, unblockable ? 'email-captcha' : undefined, JSON.stringify(err.body));
  assert.equal(err.body.verificationReason, unblockable ? 'login' : undefined);
}

/** Sign-in refused with 114 and nothing stored. */
async function expectThrottled(request: () => Promise<unknown>, retryAfter: number, unblockable: boolean): Promise<void> {
  assertThrottled(await expectRejectedWithoutChange(server, request, 114, 429), retryAfter, unblockable);
}

/** Asks for an unblock code (from its own address) and reads it from the mail. */
async function mailedUnblockCode(email: string): Promise<string> {
  assert.deepEqual(await from().request('POST', '/account/login/send_unblock_code', { body: { email } }), {});
  return (await nextMail(server, email, 'unblockCode')).headers['x-unblock-code']!;
}

/** Well-formed unblock codes that are not `real`. */
function wrongCodes(real: string, count: number): string[] {
  const codes: string[] = [];
  for (let i = 0; codes.length < count; i++) {
    const code = `ZZZZ${String(1000 + i)}`;
    if (code !== real.toUpperCase()) codes.push(code);
  }
  return codes;
}

/** Gets the account's sign-in throttled (114 with the unblock hint) by wrong passwords from many addresses. */
async function throttleSignIn(email: string): Promise<void> {
  for (let i = 0; i <= TOLERATED; i++) await expectError(from().signIn(email, `wrong ${i}`), 103, 400);
  await expectThrottled(() => from().signIn(email, PASSWORD), ACCOUNT_BAN_S, true);
}

describe('unblock codes', () => {
  test('guessing is capped per account: 5 wrong codes are tolerated, the 6th starts a ban, then even the real code is 114 without the hint until it ends', async () => {
    // Regression: a wrong unblock code was answered 127 without limit, so a throttled
    // sign-in could be retried with guessed codes for as long as the attacker liked.
    const email = uniqueEmail('guess');
    await signUpVerified(email);
    await throttleSignIn(email);
    const code = await mailedUnblockCode(email);

    const [lastWrong, ...wrong] = wrongCodes(code, TOLERATED + 1);
    for (const guess of wrong) await expectError(from().signIn(email, PASSWORD, { unblockCode: guess }), 127, 400);
    // Still counted and answered: this failure starts the ban.
    await expectError(from().signIn(email, PASSWORD, { unblockCode: lastWrong! }), 127, 400);

    // Now the real code is not even tried: the 114 has no hint, and the code is not spent.
    await expectThrottled(() => from().signIn(email, PASSWORD, { unblockCode: code }), ACCOUNT_BAN_S, false);
    await expectThrottled(() => from().signIn(email, PASSWORD), ACCOUNT_BAN_S, false);
    // A code that could not be used is not mailed either.
    const send = await expectRejectedWithoutChange(
      server,
      () => from().request('POST', '/account/login/send_unblock_code', { body: { email } }),
      114,
      429,
    );
    assertThrottled(send, ACCOUNT_BAN_S, false);

    server.clock.advance(ACCOUNT_BAN_S * SECOND - SECOND);
    await expectThrottled(() => from().signIn(email, PASSWORD, { unblockCode: code }), 1, false);
    server.clock.advance(SECOND);
    // The ban is over: the real code (never spent) lets the sign-in through, confirmed.
    const login = await from().signIn(email, PASSWORD, { keys: true, unblockCode: code });
    assert.equal(login.verified, true);
    assert.equal(login.sessionVerified, true);
    // And it was spent by that sign-in.
    await expectError(from().signIn(email, PASSWORD, { unblockCode: code }), 127, 400);
  });

  test('reject_unblock_code is capped the same way, with the budget sign-in uses', async () => {
    const email = uniqueEmail('reject');
    const account = await signUpVerified(email);
    const code = await mailedUnblockCode(email);
    const reject = (unblockCode: string) =>
      from().request('POST', '/account/login/reject_unblock_code', { body: { uid: account.uid, unblockCode } });

    for (const guess of wrongCodes(code, TOLERATED + 1)) await expectError(reject(guess), 127, 400);

    // Even the real code: 114, and it is not spent.
    assertThrottled(await expectRejectedWithoutChange(server, () => reject(code), 114, 429), ACCOUNT_BAN_S, false);
    // The same per-account budget: a sign-in presenting a code is refused too (the password alone is not).
    await expectThrottled(() => from().signIn(email, PASSWORD, { unblockCode: code }), ACCOUNT_BAN_S, false);

    server.clock.advance(ACCOUNT_BAN_S * SECOND - SECOND);
    assertThrottled(await expectRejectedWithoutChange(server, () => reject(code), 114, 429), 1, false);
    server.clock.advance(SECOND);
    assert.deepEqual(await reject(code), {});
    await expectError(reject(code), 127, 400);
  });
});

describe('password guesses', () => {
  test('count per account across its addresses and routes (primary, secondary, /account/destroy), whatever the IP', async () => {
    // Regression: failures were counted per typed address and per route, so a secondary
    // address and /account/destroy each opened a fresh budget of guesses.
    const primary = uniqueEmail('primary');
    const secondary = uniqueEmail('secondary');
    const account = await signUpVerified(primary);
    const sessionToken = { kind: 'sessionToken' as const, tokenData: account.sessionToken };
    // The sign-up session of a verified account is confirmed, so it may add an address.
    await from().request('POST', '/recovery_email', { token: sessionToken, body: { email: secondary } });
    const addressCode = (await nextMail(server, secondary, 'verifySecondaryCode')).headers['x-verify-code'];
    await from().request('POST', '/recovery_email/secondary/verify_code', {
      token: sessionToken,
      body: { email: secondary, code: addressCode },
    });

    // A sign-in with the secondary address: typed `email`, stretched with the primary,
    // which is sent as originalLoginEmail (one request per password, unlike
    // AuthClient.signIn, which first stretches with the typed address and retries on 120).
    const viaSecondary = async (password: string) =>
      from().request('POST', '/account/login', {
        body: {
          email: secondary,
          authPW: (await quickStretchV1(primary, password)).authPW.toString('hex'),
          originalLoginEmail: primary,
        },
      });
    const viaPrimary = (password: string) => from().signIn(primary, password);
    const viaDestroy = (password: string) => from().accountDestroy(primary, password);
    const viaReauth = (password: string) => from().sessionReauth(account.sessionToken, primary, password);

    // The route works with the right password (and this is no failure).
    assert.equal(((await viaSecondary(PASSWORD)) as { uid: string }).uid, account.uid);

    // 6 wrong passwords, 2 by each route, each from another IP: all answered, the last starts the ban.
    await expectError(viaPrimary('wrong 1'), 103, 400);
    await expectError(viaSecondary('wrong 2'), 120, 400);
    await expectError(viaDestroy('wrong 3'), 103, 400);
    await expectError(viaPrimary('wrong 4'), 103, 400);
    await expectError(viaSecondary('wrong 5'), 120, 400);
    await expectError(viaDestroy('wrong 6'), 103, 400);

    // Banned for 15 minutes by every route, wrong password or right.
    await expectThrottled(() => viaPrimary('wrong 7'), ACCOUNT_BAN_S, true);
    await expectThrottled(() => viaSecondary('wrong 7'), ACCOUNT_BAN_S, true);
    await expectThrottled(() => viaDestroy('wrong 7'), ACCOUNT_BAN_S, false);
    await expectThrottled(() => viaPrimary(PASSWORD), ACCOUNT_BAN_S, true);
    await expectThrottled(() => viaSecondary(PASSWORD), ACCOUNT_BAN_S, true);
    await expectThrottled(() => viaDestroy(PASSWORD), ACCOUNT_BAN_S, false);
    await expectThrottled(() => viaReauth(PASSWORD), ACCOUNT_BAN_S, true);

    server.clock.advance(ACCOUNT_BAN_S * SECOND - SECOND);
    await expectThrottled(() => viaPrimary(PASSWORD), 1, true);
    server.clock.advance(SECOND);
    assert.equal((await viaPrimary(PASSWORD)).uid, account.uid);
    assert.equal(((await viaSecondary(PASSWORD)) as { uid: string }).uid, account.uid);
  });
});

describe('Retry-After', () => {
  test('is the longest of the bans that apply, whichever rule each is, and waiting that long is enough', async () => {
    // Regression: the first ban found answered, in rule order (the IP's before the address's).

    // 6 wrong passwords from one IP: the account is banned for 15 minutes, the IP for 30.
    const email = uniqueEmail('retry');
    await signUpVerified(email);
    const ip = freshIp();
    for (let i = 0; i <= TOLERATED; i++) await expectError(from(ip).signIn(email, `wrong ${i}`), 103, 400);
    await expectThrottled(() => from(ip).signIn(email, PASSWORD), IP_BAN_S, true);
    // From elsewhere only the account's ban applies.
    await expectThrottled(() => from().signIn(email, PASSWORD), ACCOUNT_BAN_S, true);
    server.clock.advance(IP_BAN_S * SECOND - SECOND);
    await expectThrottled(() => from(ip).signIn(email, PASSWORD), 1, true);
    server.clock.advance(SECOND);
    await from(ip).signIn(email, PASSWORD);

    // An account ban outlasting an older IP ban. The IP is banned for 30 minutes by
    // wrong guesses at other (unknown) accounts…
    const other = uniqueEmail('outlast');
    await signUpVerified(other);
    const guesser = freshIp();
    for (let i = 0; i <= TOLERATED; i++) await expectError(from(guesser).signIn(uniqueEmail('ghost'), PASSWORD), 102, 400);
    await expectThrottled(() => from(guesser).signIn(other, PASSWORD), IP_BAN_S, true);
    // …and 20 minutes later the account for 15 minutes, from other addresses.
    server.clock.advance(20 * MINUTE);
    for (let i = 0; i <= TOLERATED; i++) await expectError(from().signIn(other, `wrong ${i}`), 103, 400);
    // The IP's ban has 10 minutes left, the account's 15.
    await expectThrottled(() => from(guesser).signIn(other, PASSWORD), ACCOUNT_BAN_S, true);
    server.clock.advance(ACCOUNT_BAN_S * SECOND - SECOND);
    await expectThrottled(() => from(guesser).signIn(other, PASSWORD), 1, true);
    server.clock.advance(SECOND);
    await from(guesser).signIn(other, PASSWORD);
  });
});
