// The web pages over real HTTP: the HTML shell, its headers (CSP and the rest), the language
// chosen from Accept-Language, the hashed static files, the landing pages of the links our
// mails contain, and the pages' API client (src/pages/client/api.ts, DOM-free) run in Node
// against the server: sign-up, the mailed code, keys equal to our Node client's.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Api } from '../src/pages/client/api.js';
import { contentSecurityPolicy } from '../src/pages/routes.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PAGE_PATHS = [
  '/',
  '/signin',
  '/signup',
  '/verify_email',
  '/complete_signin',
  '/verify_primary_email',
  '/report_signin',
  '/signin_push_code_confirm',
  '/settings',
  '/settings/change_password',
  '/settings/clients',
  '/connect_another_device',
  '/complete_reset_password',
  '/authorization',
];

describe('web pages', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(server.origin + path, { headers });

  test('every page: HTML with a strict CSP, the security headers and no inline script or style', async () => {
    for (const path of PAGE_PATHS) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8', path);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.equal(csp, contentSecurityPolicy(server.origin), path);
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
      ]) {
        assert.ok(csp.split('; ').includes(directive), `${path}: ${directive}`);
      }
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(response.headers.get('cache-control'), 'no-store', path);
      const html = await response.text();
      // Scripts are the bundled file or a JSON data block; no event handler or style attributes.
      for (const tag of html.match(/<script[^>]*>/g) ?? []) {
        assert.match(
          tag,
          /^<script (?:type="module" src="\/static\/main-[A-Z0-9]+\.js"|type="application\/json" id="messages")>$/,
          path,
        );
      }
      assert.doesNotMatch(html, /\son[a-z]+=|\sstyle=|<style/i, path);
      assert.match(html, /<link rel="stylesheet" href="\/static\/pages-[A-Z0-9]+\.css">/, path);
      assert.match(html, /role="alert" aria-live="assertive"/, path);
      const messages = JSON.parse(/<script type="application\/json" id="messages">(.*?)<\/script>/s.exec(html)![1]!) as Record<
        string,
        string
      >;
      assert.ok(messages['js-unexpected'], path);
    }
  });

  test('the language follows Accept-Language (en, de, fr; English otherwise)', async () => {
    const cases: Array<[string | undefined, string, string]> = [
      [undefined, 'en', 'Enter your email'],
      ['de-CH, de;q=0.9, en;q=0.5', 'de', 'E-Mail-Adresse eingeben'],
      ['fr-FR', 'fr', 'Saisissez votre adresse e-mail'],
      ['ja, es;q=0.8', 'en', 'Enter your email'],
    ];
    for (const [acceptLanguage, locale, heading] of cases) {
      const response = await get('/', acceptLanguage ? { 'accept-language': acceptLanguage } : {});
      const html = await response.text();
      assert.match(html, new RegExp(`<html lang="${locale}"`), String(acceptLanguage));
      assert.ok(html.includes(heading), `${acceptLanguage}: ${heading}`);
      assert.equal(response.headers.get('content-language'), locale);
      assert.equal(response.headers.get('vary'), 'Accept-Language');
    }
  });

  test('labels: every input has a label or is hidden', async () => {
    const html = await (await get('/')).text();
    for (const tag of html.match(/<input[^>]*>/g) ?? []) {
      if (/\shidden[\s>]/.test(tag)) continue;
      const id = /id="([^"]+)"/.exec(tag)?.[1];
      assert.ok(id && html.includes(`<label for="${id}">`), tag);
      assert.match(tag, /aria-describedby="[^"]*-error"/, tag);
    }
  });

  test('hashed static files: long-lived, typed; anything else is a 404 page', async () => {
    const html = await (await get('/')).text();
    const script = /src="(\/static\/main-[A-Z0-9]+\.js)"/.exec(html)![1]!;
    const style = /href="(\/static\/pages-[A-Z0-9]+\.css)"/.exec(html)![1]!;
    for (const [path, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [style, 'text/css; charset=utf-8'],
    ] as const) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), type);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.ok((await response.text()).length > 100);
    }
    for (const path of ['/static/main.js', '/static/manifest.json', '/static/..%2Fmanifest.json', '/static/main-AAAAAAAA.js']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.ok(response.headers.get('content-security-policy'), path);
    }
    // The API's own 404 is still FxA JSON.
    const api404 = await get('/v1/no/such/route');
    assert.equal(api404.status, 404);
    assert.equal(((await api404.json()) as { errno: number }).errno, 999);
  });

  test('the links our mails contain open pages of this server', async () => {
    const email = `links-${Date.now()}@example.com`;
    await server.client.signUp(email, 'password for links');
    const verify = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verify');
    const links = [verify.headers['x-link']!, ...(verify.text.match(/https?:\/\/\S+/g) ?? [])];
    assert.ok(links.length > 0);
    for (const link of links) {
      const url = new URL(link);
      assert.equal(url.origin, server.origin, link);
      const response = await get(url.pathname + url.search);
      assert.equal(response.status, 200, link);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/, link);
    }
  });

  test("the pages' API client signs up, confirms with the mailed code and unwraps the same keys as our Node client", async () => {
    const email = `api-${Date.now()}@example.com`;
    const password = 'the pages client';
    const api = new Api(server.url);
    assert.deepEqual(await api.accountStatus(email), { exists: false });
    const signedUp = await api.signUp(email, password);
    assert.equal(signedUp.verified, false);
    assert.ok(signedUp.keyFetchToken && signedUp.unwrapBKey);
    const mail = await server.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verifyShortCode');
    await assert.rejects(
      api.verifySessionCode(signedUp.sessionToken, mail.headers['x-verify-short-code'] === '000000' ? '111111' : '000000'),
      {
        errno: 183,
      },
    );
    // Hawk-signed requests work whatever the local clock says: the offset comes from Timestamp.
    await api.verifySessionCode(signedUp.sessionToken, mail.headers['x-verify-short-code']!);
    const status = await api.recoveryEmailStatus(signedUp.sessionToken);
    assert.equal(status.verified, true);
    const keys = await api.accountKeys(signedUp.keyFetchToken!, signedUp.unwrapBKey!);

    const signedIn = await api.signIn(email, password);
    assert.equal(signedIn.verified, true);
    const again = await api.accountKeys(signedIn.keyFetchToken!, signedIn.unwrapBKey!);
    const reference = await server.client.signIn(email, password, { keys: true });
    const referenceKeys = await server.client.accountKeys(reference.keyFetchToken!, reference.unwrapBKey);
    assert.deepEqual(again, keys);
    assert.deepEqual(keys, referenceKeys);

    // errno 120: an address typed in another case is retried with the sign-up address.
    const upper = await api.signIn(email.toUpperCase(), password);
    assert.equal(upper.uid, signedIn.uid);
    await api.sessionDestroy(signedIn.sessionToken);
    await assert.rejects(api.recoveryEmailStatus(signedIn.sessionToken), { status: 401 });
  });

  test("the pages' API client: a sign-in that must be confirmed takes the mailed 6-digit code", async () => {
    const strict = await startTestServer({ env: { SIGNIN_CONFIRMATION_FORCE_ALL: 'true' } });
    try {
      const email = `confirm-${Date.now()}@example.com`;
      const account = await strict.client.signUp(email, 'confirm my sign-in');
      const verify = await strict.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verify');
      await strict.client.verifyCode(account.uid, verify.headers['x-verify-code']!);

      const api = new Api(strict.url);
      const signedIn = await api.signIn(email, 'confirm my sign-in');
      assert.equal(signedIn.verified, false);
      assert.equal(signedIn.verificationMethod, 'email-otp');
      await assert.rejects(api.accountKeys(signedIn.keyFetchToken!, signedIn.unwrapBKey!), { errno: 104 });
      const mail = await strict.mail.waitForMail(email, (m) => m.headers['x-template-name'] === 'verifyLoginCode');
      await api.verifySessionCode(signedIn.sessionToken, mail.headers['x-signin-verify-code']!);
      const keys = await api.accountKeys(signedIn.keyFetchToken!, signedIn.unwrapBKey!);
      assert.match(keys.kB, /^[0-9a-f]{64}$/);
    } finally {
      await strict.close();
    }
  });
});
