// Every mail template in every shipped language: subject, headers, links, codes, and no
// unrendered placeholders; plus checks that the en/de/fr Fluent catalogs cannot drift apart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FluentBundle, FluentDateTime, FluentResource } from '@fluent/bundle';
import { pino } from 'pino';
import {
  availableLocales,
  createMailer,
  renderMail,
  type MailMessage,
  type RenderedMail,
  type TemplateName,
} from '../src/mail/index.js';
import { negotiateLocale } from '../src/mail/l10n.js';
import { PREVIEW_CONTENT_URL, sampleMessages, writeMailPreviews } from '../src/mail/preview.js';
import { TEMPLATE_NAMES } from '../src/mail/templates.js';
import { ManualClock } from '../src/runtime.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
import { EXPECTED_TEMPLATE_VERSIONS } from './helpers/template-versions.js';

const LOCALES_DIR = fileURLToPath(new URL('../src/mail/locales/', import.meta.url));
const LOCALES = ['en', 'de', 'fr'] as const;
/** What a browser of each language sends; the mail must come out in the bare language. */
const ACCEPT_LANGUAGE: Record<(typeof LOCALES)[number], string> = {
  en: 'en-US,en;q=0.9',
  de: 'de-DE,de;q=0.9,en;q=0.5',
  fr: 'fr-CA,fr;q=0.9,en;q=0.5',
};
const CODE_HEADERS = ['X-Verify-Code', 'X-Verify-Short-Code', 'X-Signin-Verify-Code', 'X-Unblock-Code', 'X-Recovery-Code'];

interface Expected {
  /** Code headers the mail must carry (and no others), with their values. */
  codes: Record<string, string>;
  /** The header holding the mail's main link, and that link's path and exact query. */
  link?: { header: 'X-Link' | 'X-Report-SignIn-Link'; path: string; params: Record<string, string> };
}

const SAMPLES = sampleMessages();

function expectations(): { [T in TemplateName]: Expected } {
  const s = SAMPLES;
  const uid = s.verify.uid;
  const settings = (to: string): Expected => ({
    codes: {},
    link: { header: 'X-Link', path: '/settings', params: { email: to, uid } },
  });
  const reminder = (code: string, which: string): Expected => ({
    codes: { 'X-Verify-Code': code },
    link: { header: 'X-Link', path: '/verify_email', params: { uid, code, reminder: which } },
  });
  const connectDevice: Expected = { codes: {}, link: { header: 'X-Link', path: '/connect_another_device', params: {} } };
  return {
    verify: {
      codes: { 'X-Verify-Code': s.verify.vars.code },
      link: { header: 'X-Link', path: '/verify_email', params: { uid, code: s.verify.vars.code, service: 'sync' } },
    },
    verifyShortCode: { codes: { 'X-Verify-Short-Code': s.verifyShortCode.vars.code } },
    verifyLogin: {
      codes: { 'X-Verify-Code': s.verifyLogin.vars.code },
      link: { header: 'X-Link', path: '/complete_signin', params: { uid, code: s.verifyLogin.vars.code, service: 'sync' } },
    },
    verifyLoginCode: { codes: { 'X-Signin-Verify-Code': s.verifyLoginCode.vars.code } },
    newDeviceLogin: {
      codes: {},
      link: { header: 'X-Link', path: '/settings/change_password', params: { email: s.newDeviceLogin.to } },
    },
    postVerify: connectDevice,
    verifySecondaryCode: { codes: { 'X-Verify-Code': s.verifySecondaryCode.vars.code } },
    postVerifySecondary: settings(s.postVerifySecondary.to),
    postRemoveSecondary: settings(s.postRemoveSecondary.to),
    postChangePrimary: settings(s.postChangePrimary.to),
    verifyPrimary: {
      codes: { 'X-Verify-Code': s.verifyPrimary.vars.code },
      link: {
        header: 'X-Link',
        path: '/verify_primary_email',
        params: {
          code: s.verifyPrimary.vars.code,
          uid,
          type: 'primary',
          primary_email_verified: s.verifyPrimary.to,
          service: 'sync',
        },
      },
    },
    verificationReminderFirst: reminder(s.verificationReminderFirst.vars.code, 'first'),
    verificationReminderSecond: reminder(s.verificationReminderSecond.vars.code, 'second'),
    verificationReminderFinal: reminder(s.verificationReminderFinal.vars.code, 'final'),
    cadReminderFirst: connectDevice,
    cadReminderSecond: connectDevice,
    unblockCode: {
      codes: { 'X-Unblock-Code': s.unblockCode.vars.code },
      link: { header: 'X-Report-SignIn-Link', path: '/report_signin', params: { uid, unblockCode: s.unblockCode.vars.code } },
    },
  };
}

function render(template: TemplateName, locale: (typeof LOCALES)[number]): RenderedMail {
  const message = { ...SAMPLES[template], acceptLanguage: ACCEPT_LANGUAGE[locale] } as MailMessage<TemplateName>;
  return renderMail(template, message, { contentUrl: PREVIEW_CONTENT_URL });
}

/** Fluent prints `{$var}`, `{-term}` or `{???}` for what it cannot resolve; JS leaks undefined/null/NaN. */
function assertFullyRendered(label: string, value: string): void {
  assert.doesNotMatch(value, /[{}$]|undefined|null|NaN|\[object /, `${label} has a leftover placeholder: ${value}`);
}

test('every template renders in en, de and fr with its subject, headers, links and codes', () => {
  const expected = expectations();
  for (const template of TEMPLATE_NAMES) {
    const subjects = new Map<string, string>();
    for (const locale of LOCALES) {
      const label = `${template} [${locale}]`;
      const mail = render(template, locale);
      const { headers } = mail;
      const sample = SAMPLES[template];

      assert.ok(mail.subject.trim().length > 0, `${label} subject`);
      for (const [part, value] of [
        ['subject', mail.subject],
        ['text', mail.text],
        ['html', mail.html],
      ] as const) {
        assertFullyRendered(`${label} ${part}`, value);
      }
      for (const [name, value] of Object.entries(headers)) {
        assertFullyRendered(`${label} header ${name}`, value);
        assert.doesNotMatch(value, /[\r\n]/, `${label} header ${name} is one line`);
      }
      subjects.set(locale, mail.subject);

      assert.equal(mail.locale, locale, label);
      assert.equal(headers['Content-Language'], locale, label);
      assert.ok(mail.html.includes(`<html lang="${locale}">`), `${label} html lang`);
      assert.equal(headers['X-Template-Name'], template, label);
      assert.match(headers['X-Template-Version'] ?? '', /^[1-9]\d*$/, label);
      assert.equal(headers['X-Template-Version'], String(EXPECTED_TEMPLATE_VERSIONS[template]), label);
      assert.equal(headers['X-Uid'], sample.uid, label);
      assert.equal(headers['X-Service-Id'], sample.service, label);
      assert.equal(headers['X-Flow-Id'], sample.flowId, label);
      assert.equal(headers['X-Flow-Begin-Time'], String(sample.flowBeginTime), label);
      assert.equal(headers['X-Device-Id'], sample.deviceId, label);

      const want = expected[template];
      for (const name of CODE_HEADERS) {
        assert.equal(headers[name], want.codes[name], `${label} ${name}`);
      }
      // The reader needs the code in whichever part their client shows (for link mails, inside the link).
      for (const code of Object.values(want.codes)) {
        assert.ok(mail.text.includes(code), `${label} text shows ${code}`);
        assert.ok(mail.html.includes(code), `${label} html shows ${code}`);
      }

      const link = want.link ? headers[want.link.header] : undefined;
      if (want.link?.header !== 'X-Link') assert.equal(headers['X-Link'], undefined, `${label} has no X-Link`);
      if (want.link) {
        assert.ok(link, `${label} has ${want.link.header}`);
        const url = new URL(link);
        assert.equal(url.origin + url.pathname, PREVIEW_CONTENT_URL + want.link.path, label);
        assert.deepEqual(Object.fromEntries(url.searchParams), want.link.params, label);
        assert.ok(mail.text.includes(link), `${label} text has the link`);
        assert.ok(mail.html.includes(`href="${link.replaceAll('&', '&amp;')}"`), `${label} html has the link`);
      }
    }
    // A subject equal to the English one means the translation is missing or fell back to English.
    for (const locale of ['de', 'fr']) {
      assert.notEqual(subjects.get(locale), subjects.get('en'), `${template} subject is translated to ${locale}`);
    }
  }
});

test('sign-in mails show the time in the reader’s language, in UTC', () => {
  const time = SAMPLES.unblockCode.vars.signin.time;
  for (const template of ['verifyLogin', 'verifyLoginCode', 'newDeviceLogin', 'unblockCode'] as const) {
    for (const locale of LOCALES) {
      const mail = render(template, locale);
      const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(time);
      assert.ok(mail.text.includes(date) && mail.text.includes('UTC'), `${template} [${locale}] shows "${date} … UTC"`);
      assert.ok(mail.text.includes('12:30'), `${template} [${locale}] shows the UTC time`);
    }
  }
  // Spelled out, so a locale that silently formats like English cannot pass.
  assert.match(render('unblockCode', 'de').text, /1\. Mai 2024 um 12:30:00 UTC/);
  assert.match(render('unblockCode', 'fr').text, /1 mai 2024 à 12:30:00 UTC/);
  assert.match(render('unblockCode', 'en').text, /May 1, 2024.*12:30:00 PM UTC/);
});

test('regional and ranked Accept-Language values pick de or fr, anything else English', () => {
  const cases: Array<[string | undefined, string]> = [
    ['de', 'de'],
    ['de-DE', 'de'],
    ['de-CH', 'de'],
    ['de-AT,de;q=0.9,en;q=0.8', 'de'],
    ['fr', 'fr'],
    ['fr-FR', 'fr'],
    ['fr-CA', 'fr'],
    ['fr-BE,en;q=0.5', 'fr'],
    ['it-IT,it;q=0.9,de;q=0.6', 'de'],
    ['en-GB,de;q=0.5', 'en'],
    ['pt-BR', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ];
  for (const [acceptLanguage, locale] of cases) {
    assert.equal(negotiateLocale(acceptLanguage), locale, `Accept-Language: ${acceptLanguage}`);
  }
  const mail = renderMail(
    'verifyShortCode',
    { to: 'a@example.test', uid: '00'.repeat(16), acceptLanguage: 'fr-CA', vars: { code: '123456' } },
    { contentUrl: PREVIEW_CONTENT_URL },
  );
  assert.equal(mail.headers['Content-Language'], 'fr');
});

test('German and French mails survive SMTP: encoded subjects, both parts and every header', async (t) => {
  const sink = await startSmtpSink();
  const mailer = createMailer({
    smtpUrl: sink.url,
    mailDir: join(tmpdir(), 'unused-mail-dir'),
    from: 'Accounts <no-reply@example.test>',
    contentUrl: PREVIEW_CONTENT_URL,
    logger: pino({ level: 'silent' }),
    clock: new ManualClock(Date.UTC(2024, 4, 1)),
  });
  t.after(async () => {
    await mailer.close();
    await sink.stop();
  });
  for (const locale of ['de', 'fr'] as const) {
    for (const template of TEMPLATE_NAMES) {
      const message = { ...SAMPLES[template], acceptLanguage: ACCEPT_LANGUAGE[locale] } as MailMessage<TemplateName>;
      await mailer.send(template, message);
      const rendered = render(template, locale);
      const received = await sink.waitForMail(
        message.to,
        (mail) => mail.headers['x-template-name'] === template && mail.headers['content-language'] === locale,
      );
      const label = `${template} [${locale}]`;
      assert.equal(received.subject, rendered.subject, label);
      assert.equal(received.text.trim(), rendered.text.trim(), label);
      assert.equal(received.html.trim(), rendered.html.trim(), label);
      for (const [name, value] of Object.entries(rendered.headers)) {
        assert.equal(received.headers[name.toLowerCase()], value, `${label} ${name}`);
      }
    }
  }
});

// ---- Catalog checks: read the .ftl files directly, without the runtime's English fallback.

type Catalog = Map<string, Map<string, FluentResource>>; // locale → file → resource

function loadCatalog(): Catalog {
  const catalog: Catalog = new Map();
  for (const locale of readdirSync(LOCALES_DIR)) {
    const files = new Map<string, FluentResource>();
    for (const file of readdirSync(join(LOCALES_DIR, locale)).filter((name) => name.endsWith('.ftl'))) {
      files.set(file, new FluentResource(readFileSync(join(LOCALES_DIR, locale, file), 'utf8')));
    }
    catalog.set(locale, files);
  }
  return catalog;
}

/** Names of the `$variables` a message uses, found anywhere in its parsed pattern. */
function variablesOf(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const child of node) variablesOf(child, found);
  } else if (node !== null && typeof node === 'object') {
    const { type, name } = node as { type?: unknown; name?: unknown };
    if (type === 'var' && typeof name === 'string') found.add(name);
    for (const child of Object.values(node)) variablesOf(child, found);
  }
  return found;
}

const sorted = (values: Iterable<string>) => [...values].sort();

test('de and fr have exactly the files, messages and variables of en', () => {
  const catalog = loadCatalog();
  assert.deepEqual(sorted(catalog.keys()), sorted(availableLocales()));
  for (const locale of LOCALES) assert.ok(catalog.has(locale), `locale ${locale} is shipped`);
  const english = catalog.get('en');
  assert.ok(english);

  for (const [locale, files] of catalog) {
    if (locale === 'en') continue;
    assert.deepEqual(sorted(files.keys()), sorted(english.keys()), `${locale} has the same .ftl files as en`);
    for (const [file, enResource] of english) {
      const resource = files.get(file);
      assert.ok(resource, `${locale}/${file}`);
      const ids = (r: FluentResource) => sorted(r.body.map((entry) => entry.id));
      // Both directions at once: a missing id and a stray (misspelled) one both fail here.
      assert.deepEqual(ids(resource), ids(enResource), `${locale}/${file} has the same message ids as en`);
      const enVariables = new Map(enResource.body.map((entry) => [entry.id, sorted(variablesOf(entry))]));
      for (const entry of resource.body) {
        assert.deepEqual(
          sorted(variablesOf(entry)),
          enVariables.get(entry.id),
          `${locale}/${file} ${entry.id} uses the variables of en`,
        );
      }
    }
  }
});

test('every message formats without Fluent errors in every locale, on its own', () => {
  // The union of all template variables, with realistic values.
  const args = {
    code: '123456',
    email: 'new@example.test',
    secondaryEmail: 'second@example.test',
    newPrimaryEmail: 'primary@example.test',
    clientName: 'Firefox',
    browser: 'Firefox',
    os: 'Linux',
    ip: '192.0.2.7',
    label: 'Confirm',
    time: new FluentDateTime(Date.UTC(2024, 4, 1, 12, 30), { timeZone: 'UTC' }),
  };
  for (const [locale, files] of loadCatalog()) {
    const bundle = new FluentBundle(locale, { useIsolating: false });
    for (const [file, resource] of files) {
      assert.deepEqual(bundle.addResource(resource), [], `${locale}/${file} adds cleanly`);
    }
    for (const resource of files.values()) {
      for (const entry of resource.body) {
        if (entry.id.startsWith('-')) continue; // terms are only used through messages
        const message = bundle.getMessage(entry.id);
        assert.ok(message?.value, `${locale} ${entry.id} has a value`);
        const errors: Error[] = [];
        const text = bundle.formatPattern(message.value, args, errors);
        assert.deepEqual(errors.map(String), [], `${locale} ${entry.id}`);
        assertFullyRendered(`${locale} ${entry.id}`, text);
      }
    }
  }
});

test('the preview writes every template in every locale and an index linking them', async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'mail-preview-'));
  t.after(() => rm(outDir, { recursive: true, force: true }));
  const indexPath = await writeMailPreviews(outDir);
  assert.equal(indexPath, join(outDir, 'index.html'));
  const index = await readFile(indexPath, 'utf8');
  // Every shipped locale at least, so the loop below cannot pass by visiting none.
  const locales = availableLocales();
  for (const locale of LOCALES) assert.ok(locales.includes(locale), `locale ${locale} is available`);
  for (const locale of locales) {
    for (const template of TEMPLATE_NAMES) {
      const html = await readFile(join(outDir, locale, `${template}.html`), 'utf8');
      const text = await readFile(join(outDir, locale, `${template}.txt`), 'utf8');
      assert.ok(html.startsWith('<!DOCTYPE html>') && text.trim().length > 0, `${locale}/${template}`);
      assert.ok(index.includes(`href="${locale}/${template}.html"`) && index.includes(`href="${locale}/${template}.txt"`));
    }
  }
});
