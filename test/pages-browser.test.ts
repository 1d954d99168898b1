// End to end in a real browser: Debian's Chromium, headless, driven by puppeteer-core, against
// the real app. Sign-up at the root → the 6-digit code from the delivered mail → signed in,
// then the account page, and a mailed /verify_email link opened in the browser. Screenshots go
// to $PAGES_SCREENSHOT_DIR (default /tmp) as pages-*.png.
//
// Chromium must be installed (`apt-get install -y chromium`; .ci/run does it): without it this
// test fails, it never skips.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createKeysJwk, decryptKeysJwe, deriveScopedKey } from '../src/client/scoped-keys.js';
import { OAUTH_CLIENTS, PUBLIC_PKCE, SCOPE_NOTES } from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.PAGES_SCREENSHOT_DIR ?? tmpdir();
const PASSWORD = 'correct horse battery staple';

/** The app's redirect URI is answered in the browser: nothing leaves the machine. */
async function answerAppRedirects(page: Page): Promise<void> {
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url().startsWith(PUBLIC_PKCE.redirectUri)) {
      void request.respond({ status: 200, contentType: 'text/plain', body: 'back at the app' });
    } else {
      void request.continue();
    }
  });
}

describe('web pages in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let profile: string;
  /** The account the first test signs this browser in to. */
  let firstEmail = '';

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    server = await startTestServer({ env: { OAUTH_CLIENTS, SIGNIN_UNBLOCK_FORCED_EMAIL_REGEX: '^blocked-' } });
    profile = await mkdtemp(join(tmpdir(), 'pages-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--lang=en-US',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await server?.close();
  });

  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    await page.setViewport({ width: 480, height: 720 });
    // CSP violations and script errors show up here; the pages must have none.
    const problems: string[] = [];
    page.on('console', (message) => {
      // Failed API calls are reported by the response listener below, with their URL.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400)
        problems.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    return { page, problems };
  }

  const clear = (page: Page, selector: string) =>
    page.$eval(selector, (el) => {
      (el as unknown as { value: string }).value = '';
    });
  const visibleStep = (step: string) => `[data-step="${step}"]:not([hidden])`;
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `pages-${name}.png`) as `${string}.png` });

  test('sign up, confirm with the mailed code, signed in', async () => {
    const email = `browser-${Date.now()}@example.com`;
    firstEmail = email;
    const { page, problems } = await newPage();
    await page.goto(`${server.origin}/`, { waitUntil: 'load' });
    await page.waitForSelector(visibleStep('email'));
    // Focus starts in the email field.
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'email');
    await shot(page, '1-email');

    // An invalid address is refused in the page, announced and tied to the field.
    await page.type('#email', 'not-an-address');
    await page.keyboard.press('Enter');
    await page.waitForFunction("document.getElementById('message').textContent !== ''");
    assert.equal(await page.$eval('#email', (el) => el.getAttribute('aria-invalid')), 'true');
    assert.equal(await page.$eval('#message', (el) => el.getAttribute('role')), 'alert');

    await clear(page, '#email');
    await page.type('#email', email);
    await page.click('#email-form button[type=submit]');
    await page.waitForSelector(visibleStep('signup'));
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'new-password');
    assert.equal(await page.$eval(`${visibleStep('signup')} [data-slot="email"]`, (el) => el.textContent), email);

    await page.type('#new-password', PASSWORD);
    await page.type('#repeat-password', PASSWORD);
    await shot(page, '2-signup');
    await page.click('#signup-form button[type=submit]');
    await page.waitForSelector(visibleStep('code'), { timeout: 20_000 });
    await shot(page, '3-code');

    const mail = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verifyShortCode', 10_000);
    const code = mail.headers['x-verify-short-code'];
    assert.match(code ?? '', /^\d{6}$/);

    // A wrong code: an error the page announces, and the session stays unconfirmed.
    const wrong = code === '000000' ? '111111' : '000000';
    await page.type('#code', wrong);
    await page.click('#code-form button[type=submit]');
    await page.waitForFunction("document.getElementById('message').textContent !== ''");
    assert.match(await page.$eval('#message', (el) => el.textContent ?? ''), /wrong or has expired/);
    await shot(page, '4-code-wrong');

    await clear(page, '#code');
    await page.type('#code', code!);
    await page.click('#code-form button[type=submit]');
    await page.waitForSelector(visibleStep('done'), { timeout: 20_000 });
    assert.equal(await page.$eval(`${visibleStep('done')} [data-slot="email"]`, (el) => el.textContent), email);
    await shot(page, '5-done');

    // The browser holds a confirmed session of a verified account.
    const stored = JSON.parse(((await page.evaluate("localStorage.getItem('accounts.session')")) as string | null) ?? '{}') as {
      sessionToken: string;
      verified: boolean;
    };
    assert.equal(stored.verified, true);
    const status = await server.client.recoveryEmailStatus(stored.sessionToken);
    assert.deepEqual({ email: status.email, verified: status.verified }, { email, verified: true });

    await page.click(`${visibleStep('done')} a[href="/settings"]`);
    await page.waitForSelector(visibleStep('signed-in'));
    assert.equal(await page.$eval('[data-step="signed-in"] [data-slot="email"]', (el) => el.textContent), email);
    await shot(page, '6-settings');
    // Only the wrong code failed.
    assert.deepEqual(problems, ['400 POST /v1/session/verify_code']);
  });

  test('a mailed /verify_email link confirms the account in the browser', async () => {
    const email = `link-${Date.now()}@example.com`;
    await server.client.signUp(email, PASSWORD, { lang: 'de' });
    const mail = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verify');
    const link = mail.headers['x-link']!;
    assert.ok(link.startsWith(`${server.origin}/verify_email?`), link);

    const { page, problems } = await newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'de' });
    await page.goto(link, { waitUntil: 'load' });
    await page.waitForSelector(visibleStep('done'), { timeout: 20_000 });
    // The code is taken out of the address bar.
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await page.evaluate('document.documentElement.lang'), 'de');
    await shot(page, '7-verify-email-de');
    const signedIn = await server.client.signIn(email, PASSWORD);
    const status = await server.client.recoveryEmailStatus(signedIn.sessionToken);
    assert.equal(status.emailVerified ?? status.verified, true);

    // The same link again: the account is verified already, which the server accepts.
    await page.goto(link, { waitUntil: 'load' });
    await page.waitForSelector(`${visibleStep('done')}, ${visibleStep('failed')}`, { timeout: 20_000 });
    assert.deepEqual(problems, []);
  });

  test('an app (OAuth with PKCE) gets a code for the account this browser is signed in to', async () => {
    const { page, problems } = await newPage();
    await answerAppRedirects(page);
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const query = new URLSearchParams({
      client_id: PUBLIC_PKCE.id,
      scope: 'profile',
      state,
      response_type: 'code',
      redirect_uri: PUBLIC_PKCE.redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    // The OAuth endpoint sends the browser to the page with the same query.
    await page.goto(`${server.origin}/v1/authorization?${query.toString()}`, { waitUntil: 'load' });
    assert.equal(new URL(page.url()).pathname, '/authorization');
    // Signed in by the first test: the page offers to continue as that account.
    await page.waitForSelector(visibleStep('continue'));
    await page.waitForFunction(
      'document.querySelector(\'[data-step="continue"] [data-slot="client"]\').textContent === \'PKCE app\'',
    );
    await shot(page, '8-oauth-continue');
    await Promise.all([page.waitForNavigation(), page.click('#continue-form button[type=submit]')]);

    const back = new URL(page.url());
    assert.equal(`${back.origin}${back.pathname}`, PUBLIC_PKCE.redirectUri);
    assert.equal(back.searchParams.get('state'), state);
    const token = await server.client.oauthToken({
      client_id: PUBLIC_PKCE.id,
      grant_type: 'authorization_code',
      code: back.searchParams.get('code'),
      code_verifier: verifier,
    });
    assert.equal(token.scope, 'profile');
    assert.deepEqual(problems, []);
  });

  test('an app asking for scoped keys (keys_jwk) gets them encrypted to it; the password is asked again', async () => {
    const { page, problems } = await newPage();
    await answerAppRedirects(page);
    const { keysJwk, privateKey } = await createKeysJwk();
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const scope = `profile ${SCOPE_NOTES}`;
    const query = new URLSearchParams({
      client_id: PUBLIC_PKCE.id,
      scope,
      state,
      response_type: 'code',
      redirect_uri: PUBLIC_PKCE.redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      keys_jwk: keysJwk,
    });
    // Apps that want keys open the page itself (the OAuth endpoint refuses keys_jwk).
    await page.goto(`${server.origin}/authorization?${query.toString()}`, { waitUntil: 'load' });
    await page.waitForSelector(visibleStep('continue'));
    await page.click('#continue-form button[type=submit]');
    // The kept session has no keys: the page asks for the password of that account.
    await page.waitForSelector(visibleStep('signin'));
    assert.equal(await page.$eval(`${visibleStep('signin')} [data-slot="email"]`, (el) => el.textContent), firstEmail);
    await page.type('#password', PASSWORD);
    await Promise.all([page.waitForNavigation({ timeout: 20_000 }), page.keyboard.press('Enter')]);

    const back = new URL(page.url());
    assert.equal(back.searchParams.get('state'), state);
    const token = await server.client.oauthToken({
      client_id: PUBLIC_PKCE.id,
      grant_type: 'authorization_code',
      code: back.searchParams.get('code'),
      code_verifier: verifier,
    });
    assert.ok(token.keys_jwe, 'keys_jwe in the token response');
    const keys = await decryptKeysJwe(token.keys_jwe!, privateKey);

    // The same key our Node client derives from the account's kB.
    const reference = await server.client.signIn(firstEmail, PASSWORD, { keys: true });
    const { kB } = await server.client.accountKeys(reference.keyFetchToken!, reference.unwrapBKey);
    const data = await server.client.scopedKeyData(reference.sessionToken, { client_id: PUBLIC_PKCE.id, scope });
    assert.deepEqual(
      keys[SCOPE_NOTES],
      deriveScopedKey({ kB: Buffer.from(kB, 'hex'), uid: reference.uid, scope: SCOPE_NOTES, ...data[SCOPE_NOTES]! }),
    );
    assert.deepEqual(problems, []);
  });

  test('another account; a sign-in blocked for safety goes through with the mailed unblock code', async () => {
    const email = `blocked-${Date.now()}@example.com`;
    const account = await server.client.signUp(email, PASSWORD);
    const verify = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verify');
    await server.client.verifyCode(account.uid, verify.headers['x-verify-code']!);

    const { page, problems } = await newPage();
    await page.goto(`${server.origin}/`, { waitUntil: 'load' });
    // Still signed in from the first test: use a different account.
    await page.waitForSelector(visibleStep('continue'));
    await page.click('[data-action="other-account"]');
    await page.waitForSelector(visibleStep('email'));
    await page.type('#email', email);
    await page.keyboard.press('Enter');
    await page.waitForSelector(visibleStep('signin'));
    await page.type('#password', PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForSelector(visibleStep('unblock'), { timeout: 20_000 });
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'unblock-code');
    await shot(page, '9-unblock');
    const mail = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'unblockCode');
    await page.type('#unblock-code', mail.headers['x-unblock-code']!.toLowerCase());
    await page.keyboard.press('Enter');
    await page.waitForSelector(visibleStep('done'), { timeout: 20_000 });
    assert.equal(await page.$eval(`${visibleStep('done')} [data-slot="email"]`, (el) => el.textContent), email);

    // The "report" link of another unblock mail: the page rejects that code, which then fails.
    await server.client.request('POST', '/account/login/send_unblock_code', { body: { email } });
    const second = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'unblockCode');
    await page.goto(second.headers['x-report-signin-link']!, { waitUntil: 'load' });
    await page.waitForSelector(visibleStep('ask'));
    await page.click('#report-form button[type=submit]');
    await page.waitForSelector(visibleStep('done'));
    await shot(page, '10-report-signin');
    await assert.rejects(server.client.signIn(email, PASSWORD, { unblockCode: second.headers['x-unblock-code']! }), {
      errno: 127,
    });
    // Blocked once (errno 125, before the unblock code).
    assert.deepEqual(problems, ['400 POST /v1/account/login']);
  });
});
