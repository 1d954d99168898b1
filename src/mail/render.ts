// Pure rendering: template + message → subject, both bodies and headers. No I/O beyond the
// one-time load of the .ftl files, so tests and previews can call it directly.

import { renderHtml, renderText } from './layout.js';
import { createLocalizer, negotiateLocale } from './l10n.js';
import { TEMPLATE_VERSIONS, TEMPLATES } from './templates.js';
import type { MailMessage, RenderOptions, RenderedMail, TemplateName } from './types.js';

/** A link into the web content, keeping any path prefix of contentUrl and skipping absent params. */
function webLink(contentUrl: string, path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(`${contentUrl.replace(/\/+$/, '')}${path}`);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

/** Headers describing the flow the mail belongs to (PROTOCOL §6.2), present only when known. */
function contextHeaders(message: MailMessage<TemplateName>): Record<string, string> {
  const known: Array<[string, string | number | undefined]> = [
    ['X-Device-Id', message.deviceId],
    ['X-Flow-Id', message.flowId],
    ['X-Flow-Begin-Time', message.flowBeginTime],
    ['X-Service-Id', message.service],
    ['X-Uid', message.uid],
  ];
  return Object.fromEntries(
    known.flatMap(([name, value]) => (value === undefined || value === '' ? [] : [[name, String(value)]])),
  );
}

/**
 * Subjects come partly from user-agent strings; a line break there must not reach the header.
 * No-break spaces stay: French puts them before `?`, `!` and `:`.
 */
function singleLine(text: string): string {
  return text.replace(/[^\S\u00a0\u202f]+/g, ' ').trim();
}

export function renderMail<T extends TemplateName>(
  template: T,
  message: MailMessage<T>,
  options: RenderOptions,
): RenderedMail {
  const locale = negotiateLocale(message.acceptLanguage, options.locale);
  const l10n = createLocalizer(locale);
  const output = TEMPLATES[template]({
    message,
    vars: message.vars,
    l10n,
    link: (path, query) => webLink(options.contentUrl, path, query),
  });
  const subject = singleLine(output.subject);
  return {
    subject,
    text: renderText(output.blocks, (label) => l10n.format('text-link-label', { label })),
    html: renderHtml(output.blocks, { locale, title: subject }),
    headers: {
      'Content-Language': locale,
      'X-Template-Name': template,
      'X-Template-Version': String(TEMPLATE_VERSIONS[template]),
      ...output.headers,
      ...contextHeaders(message),
    },
    locale,
  };
}
