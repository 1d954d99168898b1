// redirectTo: only http(s) URLs on REDIRECT_DOMAINS (default: CONTENT_URL's host) or below
// reach a mailed link; anything else is errno 107 before anything is stored or mailed. The
// mailer refuses a foreign link on its own too, so a bug cannot mail one.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { ClientError, type ErrorBody } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import { quickStretchV1 } from '../src/crypto/index.js';
import { createMailer, renderMail } from '../src/mail/index.js';
import { TEMPLATES } from '../src/mail/templates.js';
import { ManualClock } from '../src/runtime.js';
import {
  BEYOND_SIGNIN_SHORTCUTS,
  expectRejectedWithoutChange,
  nextMail,
  PASSWORD,
  signUpVerified,
  uniqueEmail,
} from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import type { ReceivedMail } from './helpers/smtp-sink.js';

const CONTENT_URL = 'http://localhost:3030';
const SUBDOMAIN_URL = 'https://app.localhost/welcome?from=mail';

/** With REDIRECT_DOMAINS unset, CONTENT_URL's host (localhost) and its subdomains. */
const ALLOWED = [
  'http://localhost:3030/done',
  'https://localhost',
  'https://localhost/',
  SUBDOMAIN_URL,
  'https://a.b.localhost/#top',
];

const REFUSED: Array<[string, string]> = [
  ['another site', 'https://evil.com/'],
  ['our host only in the query', 'https://evil.com/?x=https://localhost'],
  ['our host as a label of theirs', 'https://localhost.evil.com/'],
  ['our name without the dot', 'https://evillocalhost/'],
  ['our name as user info', 'https://localhost@evil.com/'],
  ['user info on our host', 'https://evil.com@localhost/'],
  ['a backslash', 'https://evil.com\\@localhost/'],
  ['javascript:', 'javascript:alert(document.cookie)'],
  ['javascript: with our host', 'javascript://localhost/%0Aalert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['another scheme', 'ftp://localhost/'],
  ['scheme-relative', '//evil.com/'],
  ['a relative path', '/done'],
  ['written otherwise than it parses', 'HTTP://LOCALHOST:3030/done'],
  ['a trailing dot', 'https://localhost./'],
  ['empty', ''],
];

let server: TestServer;
before(async () => {
  server = await startTestServer({ env: { CONTENT_URL } });
});
after(() => server.close());

const sessionAuth = (sessionToken: string) => ({ kind: 'sessionToken' as const, tokenData: sessionToken });
const resend = (sessionToken: string, body: unknown) =>
  server.client.request('POST', '/recovery_email/resend_code', { token: sessionAuth(sessionToken), body });
const redirectOf = (mail: ReceivedMail) => new URL(mail.headers['x-link']!).searchParams.get('redirectTo');

/** The link carries `redirectTo` in the header and in both parts of the mail. */
function assertMailedWith(mail: ReceivedMail, redirectTo: string): void {
  assert.equal(redirectOf(mail), redirectTo);
  const link = mail.headers['x-link']!;
  assert.ok(mail.text.includes(link), 'text part has the link');
  assert.ok(mail.html.includes(link.replaceAll('&', '&amp;')), 'HTML part has the link');
}

/** GET /v1/verify_email as an old mail links it; an error answer throws as the client would. */
async function oldVerifyLink(redirectTo: string): Promise<Response> {
  const query = `uid=${'ab'.repeat(16)}&code=${'cd'.repeat(16)}&redirectTo=${encodeURIComponent(redirectTo)}`;
  const response = await fetch(`${server.url}/verify_email?${query}`, { redirect: 'manual' });
  if (response.status >= 400) throw new ClientError(response.status, (await response.json()) as ErrorBody, {});
  return response;
}

/** 107 naming redirectTo, nothing stored changed and nothing mailed. */
async function expectRefused(request: () => Promise<unknown>, source = 'payload'): Promise<void> {
  const mailed = server.mail.messages.length;
  const error = await expectRejectedWithoutChange(server, request, 107, 400);
  assert.deepEqual(error.body.validation, { source, keys: ['redirectTo'] });
  assert.equal(server.mail.messages.length, mailed, 'nothing mailed');
}

describe('an allowed redirectTo reaches the mailed link', () => {
  test('sign-up: CONTENT_URL host, a bare origin, and subdomains', async () => {
    for (const redirectTo of ALLOWED) {
      const email = uniqueEmail('create');
      await server.client.signUp(email, PASSWORD, { redirectTo });
      assertMailedWith(await nextMail(server, email, 'verify'), redirectTo);
    }
  });

  test('sign-in: the sign-up link of an unverified account, the sign-in link of a verified one', async () => {
    const unverified = uniqueEmail('login-unverified');
    await server.client.signUp(unverified, PASSWORD);
    await nextMail(server, unverified, 'verify');
    await server.client.signIn(unverified, PASSWORD, { redirectTo: SUBDOMAIN_URL });
    assertMailedWith(await nextMail(server, unverified, 'verify'), SUBDOMAIN_URL);

    const verified = uniqueEmail('login');
    await signUpVerified(server, verified);
    server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
    await server.client.signIn(verified, PASSWORD, { keys: true, redirectTo: ALLOWED[0] });
    assertMailedWith(await nextMail(server, verified, 'verifyLogin'), ALLOWED[0]!);
  });

  test('/recovery_email/resend_code', async () => {
    const email = uniqueEmail('resend');
    const account = await server.client.signUp(email, PASSWORD);
    await nextMail(server, email, 'verify');
    await resend(account.sessionToken, { redirectTo: SUBDOMAIN_URL });
    assertMailedWith(await nextMail(server, email, 'verify'), SUBDOMAIN_URL);
  });

  test('old /v1/verify_email links pass it on to CONTENT_URL', async () => {
    const response = await oldVerifyLink(SUBDOMAIN_URL);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.origin + location.pathname, `${CONTENT_URL}/verify_email`);
    assert.equal(location.searchParams.get('redirectTo'), SUBDOMAIN_URL);
  });
});

describe('any other redirectTo is errno 107 and changes nothing', () => {
  let email: string;
  let sessionToken: string;
  let authPW: string;
  before(async () => {
    email = uniqueEmail('refused');
    ({ sessionToken } = await server.client.signUp(email, PASSWORD));
    await nextMail(server, email, 'verify');
    authPW = (await quickStretchV1(email, PASSWORD)).authPW.toString('hex');
  });

  for (const [label, redirectTo] of REFUSED) {
    test(label, async () => {
      await expectRefused(() =>
        server.client.request('POST', '/account/create', { body: { email: uniqueEmail('refused'), authPW, redirectTo } }),
      );
      await expectRefused(() => server.client.request('POST', '/account/login', { body: { email, authPW, redirectTo } }));
      await expectRefused(() =>
        server.client.request('POST', '/session/reauth', { token: sessionAuth(sessionToken), body: { email, authPW, redirectTo } }),
      );
      await expectRefused(() => resend(sessionToken, { redirectTo }));
      await expectRefused(() => oldVerifyLink(redirectTo), 'query');
    });
  }

  test('the same requests succeed with an allowed redirectTo', async () => {
    const created = uniqueEmail('after-refusal');
    await server.client.request('POST', '/account/create', { body: { email: created, authPW, redirectTo: ALLOWED[0] } });
    await server.client.request('POST', '/account/login', { body: { email, authPW, redirectTo: ALLOWED[0] } });
    await resend(sessionToken, { redirectTo: ALLOWED[0] });
    assert.equal(redirectOf(await nextMail(server, email, 'verify')), ALLOWED[0]);
  });

  test('no mail sent by this server carries a foreign redirectTo', () => {
    for (const mail of server.mail.messages) {
      const redirectTo = mail.headers['x-link'] ? redirectOf(mail) : null;
      if (redirectTo !== null) assert.ok(ALLOWED.includes(redirectTo), redirectTo);
    }
  });
});

describe('REDIRECT_DOMAINS', () => {
  test('defaults to the host of CONTENT_URL, else of PUBLIC_URL', () => {
    assert.deepEqual(loadConfig({}).redirectDomains, ['127.0.0.1']);
    assert.deepEqual(loadConfig({ PUBLIC_URL: 'https://api.example.org' }).redirectDomains, ['api.example.org']);
    const both = { PUBLIC_URL: 'https://api.example.org', CONTENT_URL: 'https://accounts.example.org:8443/' };
    assert.deepEqual(loadConfig(both).redirectDomains, ['accounts.example.org']);
  });

  test('is a comma-separated list of host names, kept as URLs spell them', () => {
    const config = loadConfig({ REDIRECT_DOMAINS: ' Example.COM, bücher.example,,[::1], 127.0.0.1 ' });
    assert.deepEqual(config.redirectDomains, ['example.com', 'xn--bcher-kva.example', '[::1]', '127.0.0.1']);
  });

  for (const bad of [
    'https://example.com',
    'example.com:443',
    'example.com/path',
    '*.example.com',
    'me@example.com',
    'example.com.',
    'a b',
  ]) {
    test(`refuses ${JSON.stringify(bad)}, naming the setting`, () => {
      assert.throws(() => loadConfig({ REDIRECT_DOMAINS: bad }), /REDIRECT_DOMAINS/);
    });
  }

  describe('when set, it replaces the default', () => {
    let other: TestServer;
    before(async () => {
      other = await startTestServer({ env: { CONTENT_URL, REDIRECT_DOMAINS: 'Example.NET' } });
    });
    after(() => other.close());

    test('its domain and subdomains are accepted, CONTENT_URL’s host and look-alikes are not', async () => {
      for (const redirectTo of ['https://example.net', 'https://shop.example.net/thanks?order=1']) {
        const email = uniqueEmail('listed');
        await other.client.signUp(email, PASSWORD, { redirectTo });
        assert.equal(redirectOf(await nextMail(other, email, 'verify')), redirectTo);
      }
      for (const redirectTo of ['http://localhost:3030/done', 'https://example.net.evil.com/', 'https://notexample.net/']) {
        const error = await expectRejectedWithoutChange(
          other,
          () => other.client.signUp(uniqueEmail('unlisted'), PASSWORD, { redirectTo }),
          107,
        );
        assert.deepEqual(error.body.validation, { source: 'payload', keys: ['redirectTo'] });
      }
    });
  });
});

describe('the mailer refuses foreign links itself', () => {
  const uid = '4c'.repeat(16);
  const code = 'e3'.repeat(16);
  const message = (redirectTo: string) => ({ to: 'a@example.test', uid, vars: { code, redirectTo } });
  const contentUrl = 'https://accounts.example.test';

  test('a redirectTo outside CONTENT_URL’s host and the redirect domains throws, without the code in the message', () => {
    for (const [, redirectTo] of REFUSED) {
      assert.throws(
        () => renderMail('verify', message(redirectTo), { contentUrl, redirectDomains: ['localhost'] }),
        (err: Error) => {
          assert.match(err.message, /^mail: refusing to render a redirectTo/);
          assert.ok(!err.message.includes(code), 'the message keeps the code out of the logs');
          return true;
        },
        redirectTo,
      );
    }
    // CONTENT_URL's host is always allowed; the redirect domains and their subdomains when given.
    assert.ok(renderMail('verify', message(`${contentUrl}/done`), { contentUrl }).headers['X-Link']);
    assert.throws(() => renderMail('verify', message('https://app.example.test/'), { contentUrl }), /host app\.example\.test/);
    const mail = renderMail('verify', message('https://app.example.test/'), { contentUrl, redirectDomains: ['example.test'] });
    assert.equal(new URL(mail.headers['X-Link']!).searchParams.get('redirectTo'), 'https://app.example.test/');
  });

  test('a template that builds a link to another host throws', () => {
    const original = TEMPLATES.postVerify;
    try {
      TEMPLATES.postVerify = () => ({
        subject: 'Hello',
        headers: {},
        blocks: [{ kind: 'button', label: 'Go', url: 'https://evil.example/phish' }],
      });
      assert.throws(
        () => renderMail('postVerify', { to: 'a@example.test', uid, vars: {} }, { contentUrl }),
        /refusing to render a link to host evil\.example/,
      );
      TEMPLATES.postVerify = () => ({ subject: 'Hello', headers: { 'X-Link': 'javascript:alert(1)' }, blocks: [] });
      assert.throws(() => renderMail('postVerify', { to: 'a@example.test', uid, vars: {} }, { contentUrl }), /a javascript: URL/);
    } finally {
      TEMPLATES.postVerify = original;
    }
  });

  test('send() rejects and delivers nothing', async (t) => {
    const mailDir = await mkdtemp(join(tmpdir(), 'redirect-mail-'));
    t.after(() => rm(mailDir, { recursive: true, force: true }));
    const mailer = createMailer({
      mailDir: join(mailDir, 'out'),
      from: 'Accounts <no-reply@example.test>',
      contentUrl,
      redirectDomains: ['example.test'],
      logger: pino({ level: 'silent' }),
      clock: new ManualClock(Date.UTC(2026, 0, 1)),
    });
    t.after(() => mailer.close());
    await assert.rejects(mailer.send('verify', message('https://evil.example/')), /refusing to render a redirectTo/);
    assert.equal(existsSync(join(mailDir, 'out')), false, 'no .eml written');
    await mailer.send('verify', message('https://www.example.test/'));
    assert.equal(existsSync(join(mailDir, 'out')), true);
  });
});
