import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { AppError } from '../src/errors.js';
import {
  availableLocales,
  createMailer,
  renderMail,
  type MailMessage,
  type MailerOptions,
  type RenderedMail,
  type TemplateName,
} from '../src/mail/index.js';
import { ManualClock } from '../src/runtime.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
import { EXPECTED_TEMPLATE_VERSIONS } from './helpers/template-versions.js';

const CONTENT_URL = 'https://accounts.example.test';
const FROM = 'Accounts <no-reply@example.test>';
const SIGNIN = { browser: 'Firefox', os: 'Linux', ip: '192.0.2.7', time: Date.UTC(2024, 4, 1, 12, 30) };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const sixDigits = () => String(randomBytes(4).readUInt32BE() % 1_000_000).padStart(6, '0');

interface Case<T extends TemplateName> {
  template: T;
  message: MailMessage<T>;
  subject: RegExp;
  /** The header carrying the code, and the code. */
  codeHeader?: [string, string];
  /** Path and query params of X-Link. */
  link?: { path: string; params: Record<string, string> };
}

type AnyCase = { [T in TemplateName]: Case<T> }[TemplateName];

function cases(to = `user-${hex(4)}@example.test`): AnyCase[] {
  const uid = hex(16);
  const base = { to, uid, service: 'sync', flowId: hex(32), flowBeginTime: 1_714_566_600_000, deviceId: hex(16) };
  const emailCode = hex(16);
  const tokenVerificationId = hex(16);
  const signupOtp = sixDigits();
  const loginOtp = sixDigits();
  return [
    {
      template: 'verify',
      message: { ...base, vars: { code: emailCode, redirectTo: 'https://accounts.example.test/done', resume: 'abc' } },
      subject: /^Finish creating your account$/,
      codeHeader: ['X-Verify-Code', emailCode],
      link: {
        path: '/verify_email',
        params: { uid, code: emailCode, service: 'sync', redirectTo: 'https://accounts.example.test/done', resume: 'abc' },
      },
    },
    {
      template: 'verifyShortCode',
      message: { ...base, vars: { code: signupOtp } },
      subject: new RegExp(`^Use ${signupOtp} to confirm your account$`),
      codeHeader: ['X-Verify-Short-Code', signupOtp],
    },
    {
      template: 'verifyLogin',
      message: { ...base, vars: { code: tokenVerificationId, signin: SIGNIN } },
      subject: /^Confirm new sign-in to Firefox$/,
      codeHeader: ['X-Verify-Code', tokenVerificationId],
      link: { path: '/complete_signin', params: { uid, code: tokenVerificationId, service: 'sync' } },
    },
    {
      template: 'verifyLoginCode',
      message: { ...base, vars: { code: loginOtp, signin: { ...SIGNIN, clientName: 'Example Notes' } } },
      subject: new RegExp(`^Use ${loginOtp} to sign in$`),
      codeHeader: ['X-Signin-Verify-Code', loginOtp],
    },
    {
      template: 'newDeviceLogin',
      message: { ...base, vars: { signin: SIGNIN } },
      subject: /^New sign-in to Firefox$/,
      link: { path: '/settings/change_password', params: { email: to } },
    },
    {
      template: 'postVerify',
      message: { ...base, vars: {} },
      subject: /^Account verified/,
      link: { path: '/connect_another_device', params: {} },
    },
  ];
}

function render(testCase: AnyCase): RenderedMail {
  return renderMail(testCase.template, testCase.message as MailMessage<TemplateName>, { contentUrl: CONTENT_URL });
}

/** Fluent leaves `{$var}` or `{-term}` behind for anything it could not resolve. */
function assertNoPlaceholders(label: string, value: string): void {
  assert.doesNotMatch(value, /[{}$]|undefined|null|NaN|\[object /, `${label} has a leftover placeholder: ${value}`);
}

function assertLink(link: string, expected: NonNullable<AnyCase['link']>): void {
  const url = new URL(link);
  assert.equal(url.origin + url.pathname, CONTENT_URL + expected.path);
  assert.deepEqual(Object.fromEntries(url.searchParams), expected.params);
}

test('every template renders subject, both parts and headers without leftovers', () => {
  for (const testCase of cases()) {
    const mail = render(testCase);
    const { template, message } = testCase;
    assert.match(mail.subject, testCase.subject, template);
    assert.equal(mail.locale, 'en');
    assert.ok(mail.text.trim().length > 0 && mail.html.startsWith('<!DOCTYPE html>'), template);

    for (const [label, value] of [
      ['subject', mail.subject],
      ['text', mail.text],
      ['html', mail.html],
      ...Object.entries(mail.headers),
    ]) {
      assertNoPlaceholders(`${template} ${label}`, value as string);
    }

    assert.equal(mail.headers['Content-Language'], 'en');
    assert.equal(mail.headers['X-Template-Name'], template);
    assert.equal(mail.headers['X-Template-Version'], String(EXPECTED_TEMPLATE_VERSIONS[template]), template);
    assert.equal(mail.headers['X-Uid'], message.uid);
    assert.equal(mail.headers['X-Service-Id'], 'sync');
    assert.equal(mail.headers['X-Flow-Id'], message.flowId);
    assert.equal(mail.headers['X-Flow-Begin-Time'], String(message.flowBeginTime));
    assert.equal(mail.headers['X-Device-Id'], message.deviceId);

    const codeHeaders = ['X-Verify-Code', 'X-Verify-Short-Code', 'X-Signin-Verify-Code'];
    for (const name of codeHeaders) {
      assert.equal(mail.headers[name], testCase.codeHeader?.[0] === name ? testCase.codeHeader[1] : undefined, `${template} ${name}`);
    }
    if (testCase.codeHeader && !testCase.link) {
      const code = testCase.codeHeader[1];
      assert.ok(mail.text.includes(code) && mail.html.includes(code), `${template} shows the code`);
    }

    const link = mail.headers['X-Link'];
    if (testCase.link) {
      assert.ok(link, `${template} has X-Link`);
      assertLink(link, testCase.link);
      assert.ok(mail.text.includes(link), `${template} text has the link`);
      assert.ok(mail.html.includes(`href="${link.replaceAll('&', '&amp;')}"`), `${template} html has the link`);
    } else {
      assert.equal(link, undefined, `${template} has no X-Link`);
    }
  }
});

test('sign-in mails show the device, IP and UTC time, HTML-escaped', () => {
  const mail = renderMail(
    'newDeviceLogin',
    {
      to: 'a@example.test',
      uid: hex(16),
      vars: { signin: { browser: '<b>Evil</b> & "Co"', os: 'Linux', ip: '192.0.2.7', time: SIGNIN.time } },
    },
    { contentUrl: CONTENT_URL },
  );
  assert.match(mail.text, /Device: <b>Evil<\/b> & "Co" on Linux/);
  assert.match(mail.text, /IP address: 192\.0\.2\.7/);
  assert.match(mail.text, /May 1, 2024.*12:30:00.*UTC/);
  assert.ok(mail.html.includes('&lt;b&gt;Evil&lt;/b&gt; &amp; &quot;Co&quot;'));
  assert.ok(!mail.html.includes('<b>Evil'));
});

test('optional headers are left out when unknown', () => {
  const mail = renderMail(
    'verifyShortCode',
    { to: 'a@example.test', uid: hex(16), vars: { code: '123456' } },
    { contentUrl: CONTENT_URL },
  );
  for (const name of ['X-Service-Id', 'X-Flow-Id', 'X-Flow-Begin-Time', 'X-Device-Id']) {
    assert.equal(mail.headers[name], undefined, name);
  }
});

test('links keep a path prefix of the content URL and drop absent params', () => {
  const uid = hex(16);
  const code = hex(16);
  const mail = renderMail('verify', { to: 'a@example.test', uid, vars: { code } }, { contentUrl: 'https://example.test/accounts/' });
  assert.equal(mail.headers['X-Link'], `https://example.test/accounts/verify_email?uid=${uid}&code=${code}`);
});

test('the locale is negotiated from Accept-Language with English as fallback', () => {
  assert.ok(availableLocales().includes('en'));
  const message = { to: 'a@example.test', uid: hex(16), vars: { code: '123456' } };
  const negotiated = (acceptLanguage?: string, locale?: string) =>
    renderMail('verifyShortCode', { ...message, acceptLanguage }, { contentUrl: CONTENT_URL, locale });
  assert.equal(negotiated('en-GB,en;q=0.8').headers['Content-Language'], 'en');
  // Languages without strings yet fall back to English; the header names what the reader gets.
  const fallback = negotiated('xx-YY, zz;q=0.5');
  assert.equal(fallback.locale, 'en');
  assert.equal(fallback.headers['Content-Language'], 'en');
  assert.match(fallback.subject, /^Use 123456 to confirm/);
  assert.equal(negotiated(undefined).locale, 'en');
  assert.equal(negotiated('de', 'en').locale, 'en');
});

function captureLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

function mailerOptions(overrides: Partial<MailerOptions>): MailerOptions {
  return {
    mailDir: join(tmpdir(), 'unused-mail-dir'),
    from: FROM,
    contentUrl: CONTENT_URL,
    logger: captureLogger().logger,
    clock: new ManualClock(Date.UTC(2024, 4, 1)),
    ...overrides,
  };
}

test('SMTP delivery: every template arrives with its headers and both parts', async (t) => {
  const sink = await startSmtpSink();
  const mailer = createMailer(mailerOptions({ smtpUrl: sink.url }));
  t.after(async () => {
    await mailer.close();
    await sink.stop();
  });

  const to = `smtp-${hex(4)}@example.test`;
  for (const testCase of cases(to)) {
    await mailer.send(testCase.template, testCase.message as MailMessage<TemplateName>);
    const rendered = render(testCase);
    const received = await sink.waitForMail(to, (mail) => mail.headers['x-template-name'] === testCase.template);

    assert.deepEqual(received.to, [to]);
    assert.match(received.from, /^"?Accounts"? <no-reply@example\.test>$/);
    assert.equal(received.subject, rendered.subject);
    assert.equal(received.text.trim(), rendered.text.trim());
    assert.equal(received.html.trim(), rendered.html.trim());
    for (const [name, value] of Object.entries(rendered.headers)) {
      assert.equal(received.headers[name.toLowerCase()], value, `${testCase.template} ${name}`);
    }
    assert.equal(received.headers['x-mailer'], undefined);
  }
  assert.equal(sink.messages.length, cases().length);
});

test('SMTP sink hands each message to one waiter and waits for mail still to come', async (t) => {
  const sink = await startSmtpSink();
  const mailer = createMailer(mailerOptions({ smtpUrl: sink.url }));
  t.after(async () => {
    await mailer.close();
    await sink.stop();
  });

  const to = `wait-${hex(4)}@example.test`;
  const message = (code: string): MailMessage<'verifyShortCode'> => ({ to, uid: hex(16), vars: { code } });
  const first = sink.waitForMail(to.toUpperCase());
  const second = sink.waitForMail(to);
  await mailer.send('verifyShortCode', message('111111'));
  await mailer.send('verifyShortCode', message('222222'));
  assert.equal((await first).headers['x-verify-short-code'], '111111');
  assert.equal((await second).headers['x-verify-short-code'], '222222');

  await assert.rejects(sink.waitForMail(to, undefined, 50), /No mail to/);
  sink.clear();
  assert.equal(sink.messages.length, 0);
});

test('file transport writes a parsable .eml per mail, in time order, and logs no secrets', async (t) => {
  const mailDir = join(await mkdtemp(join(tmpdir(), 'mail-test-')), 'nested', 'mail');
  t.after(() => rm(mailDir, { recursive: true, force: true }));
  const { logger, lines } = captureLogger();
  const clock = new ManualClock(Date.UTC(2024, 4, 1, 8));
  const mailer = createMailer(mailerOptions({ mailDir, logger, clock }));

  const [verifyCase] = cases();
  const loginCase = cases().find((c) => c.template === 'verifyLoginCode');
  assert.ok(verifyCase && loginCase);
  await mailer.send(verifyCase.template, verifyCase.message as MailMessage<TemplateName>);
  clock.advance(1);
  await mailer.send(loginCase.template, loginCase.message as MailMessage<TemplateName>);
  await mailer.close();

  const files = (await readdir(mailDir)).sort();
  assert.equal(files.length, 2);
  assert.match(files[0] ?? '', /^2024-05-01T08-00-00-000Z_\d+_verify_[0-9a-f]+\.eml$/);
  assert.match(files[1] ?? '', /_verifyLoginCode_[0-9a-f]+\.eml$/);

  const raw = await readFile(join(mailDir, files[1] ?? ''));
  assert.ok(raw.includes('\r\n'), 'RFC 5322 line ends');
  const parsed = await simpleParser(raw);
  const loginCode = loginCase.codeHeader?.[1] ?? '';
  assert.equal(parsed.headers.get('x-signin-verify-code'), loginCode);
  assert.equal(parsed.headers.get('x-template-name'), 'verifyLoginCode');
  assert.equal(parsed.subject, `Use ${loginCode} to sign in`);
  assert.ok(parsed.text?.includes(loginCode));
  assert.ok(typeof parsed.html === 'string' && parsed.html.includes(loginCode));
  // The Date header comes from the injected clock (it has whole seconds).
  assert.equal(parsed.date?.getTime(), Date.UTC(2024, 4, 1, 8));

  assert.equal(lines.length, 2);
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    entries.map(({ template, uid, file }) => ({ template, uid, file })),
    [
      { template: 'verify', uid: verifyCase.message.uid, file: join(mailDir, files[0] ?? '') },
      { template: 'verifyLoginCode', uid: loginCase.message.uid, file: join(mailDir, files[1] ?? '') },
    ],
  );
  const verifyCode = verifyCase.codeHeader?.[1] ?? '';
  for (const line of lines) {
    assert.ok(!line.includes(verifyCode) && !line.includes(loginCode), 'no code in the log');
    assert.ok(!line.includes('verify_email'), 'no link in the log');
  }
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

function isSendFailure(error: unknown): boolean {
  return error instanceof AppError && error.errno === 151 && error.status === 422;
}

test('an unreachable SMTP relay fails with errno 151', async () => {
  const { logger, lines } = captureLogger();
  const mailer = createMailer(mailerOptions({ smtpUrl: `smtp://127.0.0.1:${await unusedPort()}`, logger }));
  const code = hex(16);
  await assert.rejects(mailer.send('verify', { to: 'a@example.test', uid: hex(16), vars: { code } }), isSendFailure);
  await mailer.close();
  assert.ok(lines.some((line) => line.includes('mail delivery failed')));
  assert.ok(lines.every((line) => !line.includes(code)));
});

test('a relay that rejects the message fails with errno 151', async (t) => {
  const sink = await startSmtpSink();
  const mailer = createMailer(mailerOptions({ smtpUrl: sink.url }));
  t.after(async () => {
    await mailer.close();
    await sink.stop();
  });
  const to = `reject-${hex(4)}@example.test`;
  const send = () => mailer.send('verifyShortCode', { to, uid: hex(16), vars: { code: '123456' } });

  sink.failNext(1);
  await assert.rejects(send(), isSendFailure);
  await send();
  await sink.waitForMail(to);

  sink.setRejecting(true);
  await assert.rejects(send(), isSendFailure);
  await assert.rejects(send(), isSendFailure);
  sink.setRejecting(false);
  await send();
  assert.equal(sink.messages.length, 2);
});
