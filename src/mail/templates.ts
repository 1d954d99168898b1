// What each mail says, links to and carries in headers. Strings come from locales/<locale>/<template>.ftl;
// link paths and query parameters follow Mozilla's auth-server mailer (docs/protocol.md §6.4), so the
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
  verifySecondaryCode: 3,
  postVerifySecondary: 6,
  postRemoveSecondary: 5,
  postChangePrimary: 5,
  verifyPrimary: 8,
  verificationReminderFirst: 10,
  verificationReminderSecond: 11,
  verificationReminderFinal: 1,
  cadReminderFirst: 3,
  cadReminderSecond: 3,
  unblockCode: 6,
};

/** Web pages the links open, relative to the content origin. */
const PAGES = {
  verifyEmail: '/verify_email',
  verifyPrimaryEmail: '/verify_primary_email',
  completeSignin: '/complete_signin',
  reportSignin: '/report_signin',
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

/** Mozilla's "Manage account" link: the settings page, told whose account it is. */
function settingsLink(link: LinkBuilder, message: MailMessage<TemplateName>): string {
  return link(PAGES.settings, { email: message.to, uid: message.uid });
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
      { kind: 'button', label: l10n.format('newDeviceLogin-action'), url: settingsLink(link, message) },
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

// Like verifyShortCode, a code-only mail: Mozilla sends no X-Link, and puts the OTP in X-Verify-Code.
const verifySecondaryCode: Template<'verifySecondaryCode'> = ({ vars, l10n }) => ({
  subject: l10n.format('verifySecondaryCode-subject', { code: vars.code }),
  headers: { 'X-Verify-Code': vars.code },
  blocks: [
    { kind: 'heading', text: l10n.format('verifySecondaryCode-title') },
    { kind: 'paragraph', text: l10n.format('verifySecondaryCode-intro', { email: vars.email }) },
    { kind: 'paragraph', text: l10n.format('verifySecondaryCode-prompt') },
    { kind: 'code', code: vars.code },
    { kind: 'paragraph', text: l10n.format('verifySecondaryCode-after') },
    { kind: 'footnote', text: l10n.format('mail-not-requested') },
  ],
});

/** The three address-change notices share one shape: what changed, "Manage account", and a way out. */
function emailChangeNotice(
  { message, l10n, link }: TemplateInput<TemplateName>,
  prefix: 'postVerifySecondary' | 'postRemoveSecondary' | 'postChangePrimary',
  args: Record<string, string>,
): TemplateOutput {
  const manageUrl = settingsLink(link, message);
  return {
    subject: l10n.format(`${prefix}-subject`),
    headers: { 'X-Link': manageUrl },
    blocks: [
      { kind: 'heading', text: l10n.format(`${prefix}-title`) },
      { kind: 'paragraph', text: l10n.format(`${prefix}-body`, args) },
      { kind: 'button', label: l10n.format('manage-account'), url: manageUrl },
      ...notYouBlocks(l10n, changePasswordLink(link, message.to)),
    ],
  };
}

const postVerifySecondary: Template<'postVerifySecondary'> = (input) =>
  emailChangeNotice(input, 'postVerifySecondary', { secondaryEmail: input.vars.secondaryEmail });

const postRemoveSecondary: Template<'postRemoveSecondary'> = (input) =>
  emailChangeNotice(input, 'postRemoveSecondary', { secondaryEmail: input.vars.secondaryEmail });

const postChangePrimary: Template<'postChangePrimary'> = (input) =>
  emailChangeNotice(input, 'postChangePrimary', { newPrimaryEmail: input.vars.newPrimaryEmail });

const verifyPrimary: Template<'verifyPrimary'> = ({ message, vars, l10n, link }) => {
  const confirmUrl = link(PAGES.verifyPrimaryEmail, {
    code: vars.code,
    uid: message.uid,
    type: 'primary',
    primary_email_verified: message.to,
    service: message.service,
    redirectTo: vars.redirectTo,
    resume: vars.resume,
  });
  return {
    subject: l10n.format('verifyPrimary-subject'),
    headers: { 'X-Link': confirmUrl, 'X-Verify-Code': vars.code },
    blocks: [
      { kind: 'heading', text: l10n.format('verifyPrimary-title') },
      { kind: 'paragraph', text: l10n.format('verifyPrimary-intro') },
      { kind: 'button', label: l10n.format('verifyPrimary-action'), url: confirmUrl },
      { kind: 'footnote', text: l10n.format('mail-not-requested') },
    ],
  };
};

type ReminderName = 'verificationReminderFirst' | 'verificationReminderSecond' | 'verificationReminderFinal';

/** Signup reminders repeat the signup link, marked with which reminder it came from (docs/protocol.md §6.4). */
function verificationReminder(template: ReminderName, reminder: 'first' | 'second' | 'final'): Template<ReminderName> {
  return ({ message, vars, l10n, link }) => {
    const confirmUrl = link(PAGES.verifyEmail, { uid: message.uid, code: vars.code, reminder });
    return {
      subject: l10n.format(`${template}-subject`),
      headers: { 'X-Link': confirmUrl, 'X-Verify-Code': vars.code },
      blocks: [
        { kind: 'heading', text: l10n.format(`${template}-title`) },
        { kind: 'paragraph', text: l10n.format(`${template}-intro`) },
        { kind: 'button', label: l10n.format('verificationReminder-action'), url: confirmUrl },
        { kind: 'footnote', text: l10n.format('mail-not-requested') },
      ],
    };
  };
}

/** Mozilla links these to its Sync page (config syncUrl), as postVerify does; ours is the connect-device page. */
function cadReminder(template: 'cadReminderFirst' | 'cadReminderSecond', paragraphs: string[]): Template<typeof template> {
  return ({ l10n, link }) => {
    const connectUrl = link(PAGES.connectAnotherDevice);
    return {
      subject: l10n.format(`${template}-subject`),
      headers: { 'X-Link': connectUrl },
      blocks: [
        { kind: 'heading', text: l10n.format(`${template}-title`) },
        ...paragraphs.map((id): Block => ({ kind: 'paragraph', text: l10n.format(id) })),
        { kind: 'button', label: l10n.format('cadReminder-action'), url: connectUrl },
      ],
    };
  };
}

// The report link carries uid and unblockCode only, as Mozilla's current createReportSignInLink does
// (older mailers added email); the page rejects the code via /account/login/reject_unblock_code.
const unblockCode: Template<'unblockCode'> = ({ message, vars, l10n, link }) => {
  const reportUrl = link(PAGES.reportSignin, { uid: message.uid, unblockCode: vars.code });
  return {
    subject: l10n.format('unblockCode-subject', { code: vars.code }),
    headers: { 'X-Unblock-Code': vars.code, 'X-Report-SignIn-Link': reportUrl },
    blocks: [
      { kind: 'heading', text: l10n.format('unblockCode-title') },
      signinDetails(l10n, vars.signin),
      { kind: 'paragraph', text: l10n.format('unblockCode-prompt') },
      { kind: 'code', code: vars.code },
      { kind: 'paragraph', text: l10n.format('unblockCode-expiry') },
      { kind: 'paragraph', text: l10n.format('unblockCode-report') },
      { kind: 'link', label: l10n.format('unblockCode-report-action'), url: reportUrl },
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
  verifySecondaryCode,
  postVerifySecondary,
  postRemoveSecondary,
  postChangePrimary,
  verifyPrimary,
  verificationReminderFirst: verificationReminder('verificationReminderFirst', 'first'),
  verificationReminderSecond: verificationReminder('verificationReminderSecond', 'second'),
  verificationReminderFinal: verificationReminder('verificationReminderFinal', 'final'),
  cadReminderFirst: cadReminder('cadReminderFirst', ['cadReminderFirst-intro']),
  cadReminderSecond: cadReminder('cadReminderSecond', ['cadReminderSecond-intro', 'cadReminderSecond-privacy']),
  unblockCode,
};

/** Every template name, in the order above (previews, tests). */
export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];
