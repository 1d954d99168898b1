// What each mail says, links to and carries in headers. Strings come from locales/<locale>/<template>.ftl;
// link paths and query parameters follow Mozilla's auth-server mailer (PROTOCOL §6.4), so the
// web pages and test harnesses that read X-Link and the code headers work unchanged.

import type { Block } from './layout.js';
import type { Localizer } from './l10n.js';
import { utcDateTime } from './l10n.js';
import type { MailMessage, SigninContext, TemplateName, TemplateVars } from './types.js';

/** X-Template-Version per template: mozilla/fxa lib/senders/emails/templates/_versions.json (commit 001e3a00). */
export const TEMPLATE_VERSIONS: Record<TemplateName, number> = {
  verify: 7,
  verifyShortCode: 5,
  verifyLogin: 6,
  verifyLoginCode: 8,
  newDeviceLogin: 7,
  postVerify: 8,
};

/** Web pages the links open, relative to the content origin. */
const PAGES = {
  verifyEmail: '/verify_email',
  completeSignin: '/complete_signin',
  settings: '/settings',
  changePassword: '/settings/change_password',
  connectAnotherDevice: '/connect_another_device',
} as const;

export type LinkBuilder = (path: string, query?: Record<string, string | undefined>) => string;

export interface TemplateInput<T extends TemplateName> {
  message: MailMessage<T>;
  vars: TemplateVars[T];
  l10n: Localizer;
  link: LinkBuilder;
}

export interface TemplateOutput {
  subject: string;
  blocks: Block[];
  /** The template's own headers: X-Link and the code header. */
  headers: Record<string, string>;
}

type Template<T extends TemplateName> = (input: TemplateInput<T>) => TemplateOutput;

function clientNameOf(l10n: Localizer, signin: SigninContext): string {
  return signin.clientName ?? l10n.format('default-client-name');
}

function deviceLine(l10n: Localizer, { browser, os }: SigninContext): string[] {
  if (browser && os) return [l10n.format('signin-device-browser-os', { browser, os })];
  if (browser) return [l10n.format('signin-device-browser', { browser })];
  if (os) return [l10n.format('signin-device-os', { os })];
  return [];
}

function signinDetails(l10n: Localizer, signin: SigninContext): Block {
  const lines = [
    ...deviceLine(l10n, signin),
    ...(signin.ip ? [l10n.format('signin-ip', { ip: signin.ip })] : []),
    l10n.format('signin-time', { time: utcDateTime(signin.time) }),
  ];
  return { kind: 'details', lines };
}

/** Every sign-in mail offers a way out if the reader did not sign in. */
function notYouBlocks(l10n: Localizer, changePasswordUrl: string): Block[] {
  return [
    { kind: 'paragraph', text: l10n.format('signin-not-you') },
    { kind: 'link', label: l10n.format('signin-change-password'), url: changePasswordUrl },
  ];
}

function changePasswordLink(link: LinkBuilder, email: string): string {
  return link(PAGES.changePassword, { email });
}

const verify: Template<'verify'> = ({ message, vars, l10n, link }) => {
  const confirmUrl = link(PAGES.verifyEmail, {
    uid: message.uid,
    code: vars.code,
    service: message.service,
    redirectTo: vars.redirectTo,
    resume: vars.resume,
    style: vars.style,
  });
  return {
    subject: l10n.format('verify-subject'),
    headers: { 'X-Link': confirmUrl, 'X-Verify-Code': vars.code },
    blocks: [
      { kind: 'heading', text: l10n.format('verify-title') },
      { kind: 'paragraph', text: l10n.format('verify-intro') },
      { kind: 'button', label: l10n.format('verify-action'), url: confirmUrl },
      { kind: 'footnote', text: l10n.format('mail-not-requested') },
    ],
  };
};

const verifyShortCode: Template<'verifyShortCode'> = ({ vars, l10n }) => ({
  subject: l10n.format('verifyShortCode-subject', { code: vars.code }),
  headers: { 'X-Verify-Short-Code': vars.code },
  blocks: [
    { kind: 'heading', text: l10n.format('verifyShortCode-title') },
    { kind: 'paragraph', text: l10n.format('verifyShortCode-prompt') },
    { kind: 'code', code: vars.code },
    { kind: 'footnote', text: l10n.format('mail-not-requested') },
  ],
});

const verifyLogin: Template<'verifyLogin'> = ({ message, vars, l10n, link }) => {
  const clientName = clientNameOf(l10n, vars.signin);
  const confirmUrl = link(PAGES.completeSignin, {
    code: vars.code,
    uid: message.uid,
    service: message.service,
    redirectTo: vars.redirectTo,
    resume: vars.resume,
  });
  return {
    subject: l10n.format('verifyLogin-subject', { clientName }),
    headers: { 'X-Link': confirmUrl, 'X-Verify-Code': vars.code },
    blocks: [
      { kind: 'heading', text: l10n.format('verifyLogin-title', { clientName }) },
      { kind: 'paragraph', text: l10n.format('verifyLogin-intro') },
      signinDetails(l10n, vars.signin),
      { kind: 'button', label: l10n.format('verifyLogin-action'), url: confirmUrl },
      ...notYouBlocks(l10n, changePasswordLink(link, message.to)),
    ],
  };
};

// Like Mozilla's, the code-only mails have no X-Link: there is nothing to click to confirm.
const verifyLoginCode: Template<'verifyLoginCode'> = ({ message, vars, l10n, link }) => {
  const clientName = clientNameOf(l10n, vars.signin);
  return {
    subject: l10n.format('verifyLoginCode-subject', { code: vars.code }),
    headers: { 'X-Signin-Verify-Code': vars.code },
    blocks: [
      { kind: 'heading', text: l10n.format('verifyLoginCode-title', { clientName }) },
      { kind: 'paragraph', text: l10n.format('verifyLoginCode-intro') },
      signinDetails(l10n, vars.signin),
      { kind: 'paragraph', text: l10n.format('verifyLoginCode-prompt') },
      { kind: 'code', code: vars.code },
      ...notYouBlocks(l10n, changePasswordLink(link, message.to)),
    ],
  };
};

const newDeviceLogin: Template<'newDeviceLogin'> = ({ message, vars, l10n, link }) => {
  const clientName = clientNameOf(l10n, vars.signin);
  const changePasswordUrl = changePasswordLink(link, message.to);
  return {
    subject: l10n.format('newDeviceLogin-subject', { clientName }),
    headers: { 'X-Link': changePasswordUrl },
    blocks: [
      { kind: 'heading', text: l10n.format('newDeviceLogin-title', { clientName }) },
      { kind: 'paragraph', text: l10n.format('newDeviceLogin-intro') },
      signinDetails(l10n, vars.signin),
      {
        kind: 'button',
        label: l10n.format('newDeviceLogin-action'),
        url: link(PAGES.settings, { email: message.to, uid: message.uid }),
      },
      ...notYouBlocks(l10n, changePasswordUrl),
    ],
  };
};

const postVerify: Template<'postVerify'> = ({ l10n, link }) => {
  const connectUrl = link(PAGES.connectAnotherDevice);
  return {
    subject: l10n.format('postVerify-subject'),
    headers: { 'X-Link': connectUrl },
    blocks: [
      { kind: 'heading', text: l10n.format('postVerify-title') },
      { kind: 'paragraph', text: l10n.format('postVerify-intro') },
      { kind: 'button', label: l10n.format('postVerify-action'), url: connectUrl },
    ],
  };
};

export const TEMPLATES: { [T in TemplateName]: Template<T> } = {
  verify,
  verifyShortCode,
  verifyLogin,
  verifyLoginCode,
  newDeviceLogin,
  postVerify,
};
