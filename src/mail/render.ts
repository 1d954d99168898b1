// Pure rendering: template + message → subject, both bodies and headers. No I/O beyond the
// one-time load of the .ftl files, so tests and previews can call it directly.

import { isAllowedUrl } from '../http/redirect.js';
import { renderHtml, renderText } from './layout.js';
import { createLocalizer, negotiateLocale } from './l10n.js';
import { TEMPLATE_VERSIONS, TEMPLATES, type TemplateOutput } from './templates.js';
import type { MailMessage, RenderOptions, RenderedMail, TemplateName } from './types.js';

/** A link into the web content, keeping any path prefix of contentUrl and skipping absent params. */
function webLink(contentUrl: string, path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(`${contentUrl.replace(/\/+$/, '')}${path}`);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

/**
 * Defence in depth behind request validation: every URL a mail carries (buttons, links, the
 * X-…-Link headers) and every redirectTo inside one must be an http(s) URL on contentUrl's host
 * or a redirect domain, by the rule requests are checked with (src/http/redirect.ts). Anything
 * else is a bug, so rendering throws rather than mail the reader a link to someone else's site.
 * The error names the host only: links hold codes, and the error gets logged.
 */
function assertLinksAllowed(output: TemplateOutput, hosts: readonly string[]): void {
  const urls = [
    ...output.blocks.flatMap((block) => (block.kind === 'button' || block.kind === 'link' ? [block.url] : [])),
    ...Object.entries(output.headers).flatMap(([name, value]) => (/-link$/i.test(name) ? [value] : [])),
  ];
  for (const url of urls) {
    assertAllowed(url, hosts, 'link');
    for (const redirectTo of new URL(url).searchParams.getAll('redirectTo')) assertAllowed(redirectTo, hosts, 'redirectTo');
  }
}

function assertAllowed(url: string, hosts: readonly string[], what: string): void {
  if (isAllowedUrl(url, hosts)) return;
  let where = 'an unparsable URL';
  try {
    const parsed = new URL(url);
    where = parsed.hostname ? `host ${parsed.hostname}` : `a ${parsed.protocol} URL`;
  } catch {
    // keep "unparsable"
  }
  throw new Error(`mail: refusing to render a ${what} to ${where}: not CONTENT_URL's host or a REDIRECT_DOMAINS one`);
}

/** Headers describing the flow the mail belongs to (docs/protocol.md §6.2), present only when known. */
function contextHeaders(message: MailMessage<TemplateName>): Record<string, string> {
  const known: Array<[string, string | number | undefined]> = [
    ['X-Device-Id', message.deviceId],
    ['X-Flow-Id', message.flowId],
    ['X-Flow-Begin-Time', message.flowBeginTime],
    ['X-Service-Id', message.service],
    ['X-Uid', message.uid],
  ];
  return Object.fromEntries(known.flatMap(([name, value]) => (value === undefined || value === '' ? [] : [[name, String(value)]])));
}

/**
 * Subjects come partly from user-agent strings; a line break there must not reach the header.
 * No-break spaces stay: French puts them before `?`, `!` and `:`.
 */
function singleLine(text: string): string {
  return text.replace(/[^\S\u00a0\u202f]+/g, ' ').trim();
}

export function renderMail<T extends TemplateName>(template: T, message: MailMessage<T>, options: RenderOptions): RenderedMail {
  const locale = negotiateLocale(message.acceptLanguage, options.locale);
  const l10n = createLocalizer(locale);
  const output = TEMPLATES[template]({
    message,
    vars: message.vars,
    l10n,
    link: (path, query) => webLink(options.contentUrl, path, query),
  });
  assertLinksAllowed(output, [new URL(options.contentUrl).hostname, ...(options.redirectDomains ?? [])]);
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
