// The server's own web pages at the root of CONTENT_URL: sign-in/sign-up, the pages mailed
// links open, and a placeholder account page. HTML is rendered per request in the language of
// Accept-Language; the script and stylesheet are hashed files under /static/, cached for a year.

import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FluentCatalog } from '../mail/l10n.js';
import { loadPageAssets, type PageAssets } from './assets.js';
import { renderPage, type PageId } from './render.js';

// Read at run time from the source tree, like the mail's (a deployment ships src/pages/locales/).
const LOCALES_DIR = fileURLToPath(new URL('../../src/pages/locales/', import.meta.url));
const catalog = new FluentCatalog(LOCALES_DIR, 'pages l10n');

export const STATIC_PREFIX = '/static/';
const STATIC_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * No inline script or style, nothing from elsewhere, never framed. `connect-src` names the
 * API's origin too, for a CONTENT_URL apart from PUBLIC_URL (which then needs CORS_ORIGINS).
 */
export function contentSecurityPolicy(apiOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${apiOrigin}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Path → page. Paths Firefox or the mails open that have no page of their own yet show the nearest one. */
const PAGES: Array<[string, PageId]> = [
  ['/', 'signin'],
  ['/signin', 'signin'],
  ['/signup', 'signin'],
  // OAuth for web apps: /v1/authorization redirects here with the query (FxA's content server path).
  ['/authorization', 'signin'],
  ['/oauth', 'signin'],
  ['/oauth/signin', 'signin'],
  ['/verify_email', 'verify_email'],
  ['/complete_signin', 'complete_signin'],
  ['/verify_primary_email', 'verify_primary_email'],
  ['/report_signin', 'report_signin'],
  ['/signin_push_code_confirm', 'signin_push_code_confirm'],
  ['/settings', 'settings'],
  ['/settings/change_password', 'change_password'],
  // Old reset links (/v1/complete_reset_password redirects here): no reset yet, the same text.
  ['/complete_reset_password', 'change_password'],
  ['/reset_password', 'change_password'],
  ['/settings/*', 'settings'],
  ['/connect_another_device', 'connect_another_device'],
];

export interface PagesOptions {
  publicUrl: string;
  /** The server's clock (ms): pages sign Hawk requests with its time from the start. */
  now: () => number;
  onBuild?: (reason: string) => void;
}

export async function registerPages(server: FastifyInstance, options: PagesOptions): Promise<PageAssets> {
  const assets = await loadPageAssets({ onBuild: options.onBuild });
  const apiBase = `${options.publicUrl.replace(/\/+$/, '')}/v1`;
  const csp = contentSecurityPolicy(new URL(options.publicUrl).origin);

  const sendPage = (request: FastifyRequest, reply: FastifyReply, page: PageId, status = 200) => {
    const locale = catalog.negotiate(request.headers['accept-language']);
    const html = renderPage({
      page,
      locale,
      l10n: catalog.localizer(locale),
      assets: assets.manifest,
      apiBase,
      serverTime: Math.floor(options.now() / 1000),
    });
    return reply
      .code(status)
      .headers({
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': csp,
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'content-language': locale,
        vary: 'Accept-Language',
        'cache-control': 'no-store',
      })
      .send(html);
  };

  for (const [path, page] of PAGES) {
    server.get(path, { schema: { hide: true } }, (request, reply) => sendPage(request, reply, page));
  }

  // Browsers ask for it on every page; there is none.
  server.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );

  server.get<{ Params: { file: string } }>(`${STATIC_PREFIX}:file`, { schema: { hide: true } }, (request, reply) => {
    const file = assets.files.get(request.params.file);
    if (!file) return sendPage(request, reply, 'not_found', 404);
    return reply
      .headers({
        'content-type': file.contentType,
        'cache-control': STATIC_CACHE_CONTROL,
        'content-security-policy': csp,
        'cross-origin-resource-policy': 'same-origin',
      })
      .send(file.body);
  });
  return assets;
}
