// Renders every template in every locale to files a person can open in a browser
// (`npm run mail:preview`). Needs no database, SMTP or network: only the .ftl files.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { escapeHtml } from './layout.js';
import { availableLocales } from './l10n.js';
import { renderMail } from './render.js';
import { TEMPLATE_NAMES } from './templates.js';
import type { MailMessage, RenderedMail, SigninContext, TemplateName } from './types.js';

export const PREVIEW_CONTENT_URL = 'https://accounts.example.com';

const UID = '4c352927cd4f4a4aa03d7d1893d950b8';
const EMAIL_CODE = 'e3b0c44298fc1c149afbf4c8996fb924';
const SIGNIN: SigninContext = { browser: 'Firefox', os: 'Windows', ip: '203.0.113.42', time: Date.UTC(2024, 4, 1, 12, 30) };

/** Realistic, fixed sample data per template, so previews are stable between runs; tests reuse it. */
export function sampleMessages(): { [T in TemplateName]: MailMessage<T> } {
  const base = {
    to: 'jane.doe@example.com',
    uid: UID,
    service: 'sync',
    flowId: '5d3bf0cd8a9f4a0e9f2ad71e4ab1b7c35d3bf0cd8a9f4a0e9f2ad71e4ab1b7c3',
    flowBeginTime: Date.UTC(2024, 4, 1, 12, 29),
    deviceId: '0f2c7a7f3b3e4c0a9b1d2e3f4a5b6c7d',
  };
  return {
    verify: { ...base, vars: { code: EMAIL_CODE } },
    verifyShortCode: { ...base, vars: { code: '520183' } },
    verifyLogin: { ...base, vars: { code: '9b5d0a3c7e1f4b2a8c6d0e4f2a1b3c5d', signin: SIGNIN } },
    verifyLoginCode: { ...base, vars: { code: '731604', signin: { ...SIGNIN, clientName: 'Example Notes' } } },
    newDeviceLogin: { ...base, vars: { signin: SIGNIN } },
    postVerify: { ...base, vars: {} },
    verifySecondaryCode: { ...base, to: 'jane@work.example.org', vars: { code: '284517', email: 'jane@work.example.org' } },
    postVerifySecondary: { ...base, vars: { secondaryEmail: 'jane@work.example.org' } },
    postRemoveSecondary: { ...base, vars: { secondaryEmail: 'jane@work.example.org' } },
    postChangePrimary: { ...base, to: 'jane@work.example.org', vars: { newPrimaryEmail: 'jane@work.example.org' } },
    verifyPrimary: { ...base, vars: { code: EMAIL_CODE } },
    verificationReminderFirst: { ...base, vars: { code: EMAIL_CODE } },
    verificationReminderSecond: { ...base, vars: { code: EMAIL_CODE } },
    verificationReminderFinal: { ...base, vars: { code: EMAIL_CODE } },
    cadReminderFirst: { ...base, vars: {} },
    cadReminderSecond: { ...base, vars: {} },
    unblockCode: { ...base, vars: { code: 'K7Q2MZ9D', signin: SIGNIN } },
  };
}

/** Text previews get a BOM: browsers opening a .txt from disk otherwise guess a legacy charset and garble ä, é, ’. */
const UTF8_BOM = '\uFEFF';

/** Writes <outDir>/<locale>/<template>.html and .txt plus <outDir>/index.html; returns the index path. */
export async function writeMailPreviews(outDir: string): Promise<string> {
  const samples = sampleMessages();
  const locales = availableLocales().sort();
  const rendered = new Map<string, RenderedMail>();
  for (const locale of locales) {
    await mkdir(join(outDir, locale), { recursive: true });
    for (const template of TEMPLATE_NAMES) {
      const mail = renderMail(template, samples[template] as MailMessage<TemplateName>, {
        contentUrl: PREVIEW_CONTENT_URL,
        locale,
      });
      rendered.set(`${locale}/${template}`, mail);
      await writeFile(join(outDir, locale, `${template}.html`), mail.html);
      await writeFile(join(outDir, locale, `${template}.txt`), UTF8_BOM + mail.text);
    }
  }
  const indexPath = resolve(outDir, 'index.html');
  await writeFile(indexPath, indexPage(locales, rendered));
  return indexPath;
}

/** One row per template, one column per locale: the subject, links to both parts, and the headers. */
function indexPage(locales: string[], rendered: Map<string, RenderedMail>): string {
  const cell = (locale: string, template: TemplateName): string => {
    const mail = rendered.get(`${locale}/${template}`);
    if (!mail) return '<td></td>';
    const headers = Object.entries(mail.headers)
      .map(([name, value]) => `${escapeHtml(name)}: ${escapeHtml(value)}`)
      .join('\n');
    return [
      '<td>',
      `<div class="subject">${escapeHtml(mail.subject)}</div>`,
      `<a href="${locale}/${template}.html">HTML</a> · <a href="${locale}/${template}.txt">text</a>`,
      `<details><summary>headers</summary><pre>${headers}</pre></details>`,
      '</td>',
    ].join('');
  };
  const rows = TEMPLATE_NAMES.map(
    (template) => `<tr><th>${escapeHtml(template)}</th>${locales.map((locale) => cell(locale, template)).join('')}</tr>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<title>Mail previews</title>',
    '<style>',
    'body{font-family:system-ui,sans-serif;margin:24px;color:#15141a}',
    'table{border-collapse:collapse}th,td{border:1px solid #cfcfd8;padding:8px;vertical-align:top;text-align:left}',
    '.subject{font-weight:600;margin-bottom:4px}pre{font-size:12px;white-space:pre-wrap;word-break:break-all;max-width:420px}',
    '</style>',
    '</head>',
    '<body>',
    '<h1>Mail previews</h1>',
    `<p>${TEMPLATE_NAMES.length} templates × ${locales.length} locales, rendered with sample data; links point to ${escapeHtml(PREVIEW_CONTENT_URL)}.</p>`,
    `<table><thead><tr><th>template</th>${locales.map((locale) => `<th>${escapeHtml(locale)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody></table>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
