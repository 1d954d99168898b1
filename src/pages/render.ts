// Server-rendered HTML of each page: every visible string is localized here; the bundled
// script (src/pages/client/main.ts) only switches between the steps a page already holds and
// shows the "js-" messages it gets in a JSON data block (not a script: CSP allows no inline one).

import type { Localizer } from '../mail/l10n.js';
import type { AssetManifest } from './assets.js';

export const PAGE_IDS = [
  'signin',
  'verify_email',
  'complete_signin',
  'verify_primary_email',
  'report_signin',
  'signin_push_code_confirm',
  'settings',
  'change_password',
  'connect_another_device',
  'not_found',
] as const;

export type PageId = (typeof PAGE_IDS)[number];

/** Message ids the script may show; sent with every page. */
const SCRIPT_MESSAGES = [
  'js-email-invalid',
  'js-password-short',
  'js-password-mismatch',
  'js-password-incorrect',
  'js-account-exists',
  'js-unknown-account',
  'js-code-invalid',
  'js-code-wrong',
  'js-code-sent',
  'js-throttled',
  'js-blocked',
  'js-mail-failed',
  'js-unavailable',
  'js-network',
  'js-unexpected',
  'js-signed-out',
  'js-oauth-failed',
  'js-session-expired',
  'js-unblock-invalid',
  'js-unblock-wrong',
  'busy',
] as const;

export interface RenderInput {
  page: PageId;
  locale: string;
  l10n: Localizer;
  assets: AssetManifest;
  /** The API root the script calls: PUBLIC_URL + "/v1". */
  apiBase: string;
  /** Unix seconds: the script signs Hawk requests relative to it. */
  serverTime: number;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside <script type="application/json">: no "<" can close the element. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

type T = (id: string, args?: Record<string, string>) => string;

/** The address placeholder the script fills in (the server does not know it). */
const EMAIL_SLOT = '<span data-slot="email"></span>';

/** A localized string with `$email` as a slot the script fills; the rest escaped. */
function withEmailSlot(t: T, id: string): string {
  return withSlot(t, id, 'email', EMAIL_SLOT);
}

function withSlot(t: T, id: string, variable: string, slot: string): string {
  const marker = `\u0000${variable}\u0000`;
  return escapeHtml(t(id, { [variable]: marker })).replace(marker, slot);
}

function field(options: { id: string; label: string; type: string; autocomplete: string; hint?: string; extra?: string }): string {
  const hintId = `${options.id}-hint`;
  const errorId = `${options.id}-error`;
  const describedBy = [options.hint ? hintId : '', errorId].filter(Boolean).join(' ');
  return `<div class="field">
<label for="${options.id}">${escapeHtml(options.label)}</label>
${options.hint ? `<p class="hint" id="${hintId}">${escapeHtml(options.hint)}</p>` : ''}
<input id="${options.id}" name="${options.id}" type="${options.type}" autocomplete="${options.autocomplete}" aria-describedby="${describedBy}" required${options.extra ? ` ${options.extra}` : ''}>
<p class="field-error" id="${errorId}"></p>
</div>`;
}

function signinBody(t: T): string {
  return `<section data-step="email" aria-labelledby="email-heading">
<h1 id="email-heading" tabindex="-1">${escapeHtml(t('email-heading'))}</h1>
<p data-oauth-only hidden>${withSlot(t, 'oauth-for-client', 'client', '<span data-slot="client"></span>')}</p>
<p>${escapeHtml(t('email-intro'))}</p>
<form id="email-form" novalidate>
${field({ id: 'email', label: t('email-label'), type: 'email', autocomplete: 'email', extra: 'inputmode="email" spellcheck="false" autocapitalize="none"' })}
<button type="submit" class="primary">${escapeHtml(t('email-continue'))}</button>
</form>
</section>
<section data-step="signin" aria-labelledby="signin-heading" hidden>
<h1 id="signin-heading" tabindex="-1">${escapeHtml(t('signin-heading'))}</h1>
<p>${withEmailSlot(t, 'signin-intro')}</p>
<form id="signin-form" novalidate>
<input type="email" name="username" autocomplete="username" data-slot-value="email" hidden>
${field({ id: 'password', label: t('password-label'), type: 'password', autocomplete: 'current-password' })}
<button type="submit" class="primary">${escapeHtml(t('signin-submit'))}</button>
</form>
<p><button type="button" class="link" data-action="change-email">${escapeHtml(t('change-email'))}</button></p>
<p class="hint">${escapeHtml(t('forgot-password'))}</p>
</section>
<section data-step="signup" aria-labelledby="signup-heading" hidden>
<h1 id="signup-heading" tabindex="-1">${escapeHtml(t('signup-heading'))}</h1>
<p>${withEmailSlot(t, 'signup-intro')}</p>
<form id="signup-form" novalidate>
<input type="email" name="username" autocomplete="username" data-slot-value="email" hidden>
${field({ id: 'new-password', label: t('new-password-label'), type: 'password', autocomplete: 'new-password', hint: t('new-password-hint'), extra: 'minlength="8"' })}
${field({ id: 'repeat-password', label: t('repeat-password-label'), type: 'password', autocomplete: 'new-password', extra: 'minlength="8"' })}
<button type="submit" class="primary">${escapeHtml(t('signup-submit'))}</button>
</form>
<p><button type="button" class="link" data-action="change-email">${escapeHtml(t('change-email'))}</button></p>
</section>
<section data-step="code" aria-labelledby="code-heading" hidden>
<h1 id="code-heading" tabindex="-1">${escapeHtml(t('code-heading'))}</h1>
<p>${withEmailSlot(t, 'code-intro')}</p>
<form id="code-form" novalidate>
${field({ id: 'code', label: t('code-label'), type: 'text', autocomplete: 'one-time-code', extra: 'inputmode="numeric" pattern="[0-9]{6}" maxlength="6" spellcheck="false"' })}
<button type="submit" class="primary">${escapeHtml(t('code-submit'))}</button>
</form>
<p><button type="button" class="link" data-action="resend-code">${escapeHtml(t('code-resend'))}</button></p>
</section>
<section data-step="unblock" aria-labelledby="unblock-heading" hidden>
<h1 id="unblock-heading" tabindex="-1">${escapeHtml(t('unblock-heading'))}</h1>
<p>${withEmailSlot(t, 'unblock-intro')}</p>
<form id="unblock-form" novalidate>
${field({ id: 'unblock-code', label: t('unblock-label'), type: 'text', autocomplete: 'one-time-code', extra: 'maxlength="8" spellcheck="false" autocapitalize="characters"' })}
<button type="submit" class="primary">${escapeHtml(t('unblock-submit'))}</button>
</form>
</section>
<section data-step="continue" aria-labelledby="continue-heading" hidden>
<h1 id="continue-heading" tabindex="-1">${escapeHtml(t('continue-heading'))}</h1>
<p data-oauth-only hidden>${withSlot(t, 'oauth-for-client', 'client', '<span data-slot="client"></span>')}</p>
<p>${withEmailSlot(t, 'continue-intro')}</p>
<form id="continue-form"><button type="submit" class="primary">${escapeHtml(t('continue-submit'))}</button></form>
<p><button type="button" class="link" data-action="other-account">${escapeHtml(t('continue-other'))}</button></p>
</section>
<section data-step="done" aria-labelledby="done-heading" hidden>
<h1 id="done-heading" tabindex="-1">${escapeHtml(t('done-heading'))}</h1>
<p>${withEmailSlot(t, 'done-intro')}</p>
<p><a class="button primary" href="/settings">${escapeHtml(t('done-settings'))}</a></p>
</section>`;
}

/** A page that completes a mailed link's action at once: checking → done | failed | invalid. */
function linkBody(t: T, heading: string, done: string): string {
  return `<h1 tabindex="-1">${escapeHtml(t(heading))}</h1>
<section data-step="working"><p>${escapeHtml(t('link-working'))}</p></section>
<section data-step="done" hidden><p>${escapeHtml(t(done))}</p><p><a class="button primary" href="/settings">${escapeHtml(t('done-settings'))}</a></p></section>
<section data-step="failed" hidden><p>${escapeHtml(t('link-failed'))}</p><p><a class="button primary" href="/">${escapeHtml(t('link-sign-in'))}</a></p></section>
<section data-step="invalid" hidden><p>${escapeHtml(t('link-invalid'))}</p><p><a class="button primary" href="/">${escapeHtml(t('link-sign-in'))}</a></p></section>`;
}

function reportBody(t: T): string {
  return `<h1 tabindex="-1">${escapeHtml(t('report-signin-heading'))}</h1>
<section data-step="ask"><p>${escapeHtml(t('report-signin-intro'))}</p>
<form id="report-form"><button type="submit" class="primary">${escapeHtml(t('report-signin-submit'))}</button></form></section>
<section data-step="done" hidden><p>${escapeHtml(t('report-signin-done'))}</p></section>
<section data-step="invalid" hidden><p>${escapeHtml(t('link-invalid'))}</p></section>`;
}

function pushBody(t: T): string {
  return `<h1 tabindex="-1">${escapeHtml(t('push-heading'))}</h1>
<section data-step="ask" hidden><p>${withEmailSlot(t, 'push-intro')}</p>
<form id="push-form"><button type="submit" class="primary">${escapeHtml(t('push-approve'))}</button></form></section>
<section data-step="done" hidden><p>${escapeHtml(t('push-done'))}</p></section>
<section data-step="need-session" hidden><p>${withEmailSlot(t, 'push-need-session')}</p><p><a class="button primary" href="/">${escapeHtml(t('link-sign-in'))}</a></p></section>
<section data-step="invalid" hidden><p>${escapeHtml(t('link-invalid'))}</p></section>`;
}

function settingsBody(t: T): string {
  return `<h1 tabindex="-1">${escapeHtml(t('settings-heading'))}</h1>
<section data-step="signed-in" hidden>
<p>${escapeHtml(t('settings-signed-in'))} <strong data-slot="email"></strong></p>
<form id="signout-form"><button type="submit">${escapeHtml(t('settings-sign-out'))}</button></form>
<p class="hint">${escapeHtml(t('settings-more'))}</p>
</section>
<section data-step="signed-out" hidden><p>${escapeHtml(t('settings-not-signed-in'))}</p><p><a class="button primary" href="/">${escapeHtml(t('link-sign-in'))}</a></p></section>`;
}

function textBody(t: T, heading: string, text: string, link = true): string {
  return `<h1 tabindex="-1">${escapeHtml(t(heading))}</h1>
<p>${escapeHtml(t(text))}</p>${link ? `\n<p><a class="button primary" href="/">${escapeHtml(t('link-sign-in'))}</a></p>` : ''}`;
}

function pageBody(page: PageId, t: T): { title: string; body: string } {
  switch (page) {
    case 'signin':
      return { title: t('page-title'), body: signinBody(t) };
    case 'verify_email':
      return { title: t('verify-email-heading'), body: linkBody(t, 'verify-email-heading', 'verify-email-done') };
    case 'complete_signin':
      return { title: t('complete-signin-heading'), body: linkBody(t, 'complete-signin-heading', 'complete-signin-done') };
    case 'verify_primary_email':
      return { title: t('verify-primary-heading'), body: linkBody(t, 'verify-primary-heading', 'verify-primary-done') };
    case 'report_signin':
      return { title: t('report-signin-heading'), body: reportBody(t) };
    case 'signin_push_code_confirm':
      return { title: t('push-heading'), body: pushBody(t) };
    case 'settings':
      return { title: t('settings-heading'), body: settingsBody(t) };
    case 'change_password':
      return { title: t('change-password-heading'), body: textBody(t, 'change-password-heading', 'change-password-text', false) };
    case 'connect_another_device':
      return { title: t('connect-heading'), body: textBody(t, 'connect-heading', 'connect-text', false) };
    case 'not_found':
      return { title: t('not-found-heading'), body: textBody(t, 'not-found-heading', 'not-found-text') };
  }
}

export function renderPage(input: RenderInput): string {
  const t: T = (id, args) => input.l10n.format(id, args);
  const { title, body } = pageBody(input.page, t);
  const messages = Object.fromEntries(SCRIPT_MESSAGES.map((id) => [id, t(id)]));
  const product = t('page-title');
  return `<!doctype html>
<html lang="${escapeHtml(input.locale)}" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title === product ? product : `${title} – ${product}`)}</title>
<link rel="stylesheet" href="/static/${escapeHtml(input.assets['pages.css'])}">
<script type="module" src="/static/${escapeHtml(input.assets['main.js'])}"></script>
</head>
<body data-page="${input.page}" data-api="${escapeHtml(input.apiBase)}" data-server-time="${input.serverTime}">
<a class="skip" href="#main">${escapeHtml(t('skip-to-content'))}</a>
<header><p class="brand">${escapeHtml(product)}</p></header>
<main id="main" tabindex="-1">
<div class="card">
<noscript><p class="message error">${escapeHtml(t('noscript'))}</p></noscript>
${body}
<p id="message" class="message" role="alert" aria-live="assertive"></p>
</div>
</main>
<footer><p>${escapeHtml(t('footer-text'))}</p></footer>
<script type="application/json" id="messages">${jsonForHtml(messages)}</script>
</body>
</html>
`;
}
