// Public types of the mailer: which templates exist and what each one needs.

import type { Logger } from 'pino';
import type { Clock } from '../runtime.js';

/** Where and from which device a sign-in happened, shown in sign-in mails. */
export interface SigninContext {
  /** Browser name from the User-Agent, e.g. "Firefox". */
  browser?: string;
  /** Operating system from the User-Agent, e.g. "macOS". */
  os?: string;
  ip?: string;
  /** When the sign-in happened, ms since the epoch; shown in UTC. */
  time: number;
  /** Name of the app being signed in to; the mail says "Firefox" when absent. */
  clientName?: string;
}

/** Optional query parameters the web pages pass back to the relying party after verification. */
export interface RedirectParams {
  redirectTo?: string;
  resume?: string;
}

/** Per-template variables. The link's `service` param comes from MailMessage.service (also the X-Service-Id header). */
export interface TemplateVars {
  /** Signup link; code is the account's 32-hex emailCode. */
  verify: RedirectParams & { code: string; style?: string };
  /** Signup OTP; code is the 6-digit code. */
  verifyShortCode: { code: string };
  /** Login link; code is the session's 32-hex tokenVerificationId. */
  verifyLogin: RedirectParams & { code: string; signin: SigninContext };
  /** Login OTP; code is the 6-digit code. */
  verifyLoginCode: { code: string; signin: SigninContext };
  /** Notice of a sign-in that needed no confirmation. */
  newDeviceLogin: { signin: SigninContext };
  /** Sent after a Sync account is verified by link. */
  postVerify: Record<string, never>;
  /** Sent to a secondary address being added; code is the 6-digit OTP over that address's emailCode. */
  verifySecondaryCode: { code: string; email: string };
  /** Tells the account that a secondary address was confirmed. */
  postVerifySecondary: { secondaryEmail: string };
  /** Tells the account that a secondary address was removed. */
  postRemoveSecondary: { secondaryEmail: string };
  /** Sent after the primary address changed. */
  postChangePrimary: { newPrimaryEmail: string };
  /** Link confirming the primary address (MailMessage.to) before an account change; code is its 32-hex emailCode. */
  verifyPrimary: RedirectParams & { code: string };
  /** Signup reminders (1 / 5 / 15 days); code is the account's 32-hex emailCode. */
  verificationReminderFirst: { code: string };
  verificationReminderSecond: { code: string };
  verificationReminderFinal: { code: string };
  /** "Connect another device" reminders after a Sync signup. */
  cadReminderFirst: Record<string, never>;
  cadReminderSecond: Record<string, never>;
  /** Code that lets a sign-in held back by customs through; code is the 8-character unblock code. */
  unblockCode: { code: string; signin: SigninContext };
}

export type TemplateName = keyof TemplateVars;

export interface MailMessage<T extends TemplateName> {
  to: string;
  /** Account uid, hex. */
  uid: string;
  /** The request's Accept-Language header; picks the mail's language. */
  acceptLanguage?: string;
  service?: string;
  flowId?: string;
  flowBeginTime?: number;
  deviceId?: string;
  vars: TemplateVars[T];
}

export interface RenderOptions {
  /** Web origin the links point to, without a trailing slash. */
  contentUrl: string;
  /**
   * Hosts (subdomains included) besides contentUrl's that a link or its redirectTo may point to:
   * config.redirectDomains. Rendering a link anywhere else throws. Absent: contentUrl's host only.
   */
  redirectDomains?: readonly string[];
  /** Forces a locale instead of negotiating one from acceptLanguage (previews). */
  locale?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  /** The negotiated locale, also sent as Content-Language. */
  locale: string;
}

export interface MailerOptions {
  /** SMTP relay, e.g. smtp://user:pass@host:587; unset writes .eml files to mailDir. */
  smtpUrl?: string;
  mailDir: string;
  from: string;
  contentUrl: string;
  /** See RenderOptions.redirectDomains. */
  redirectDomains?: readonly string[];
  logger: Logger;
  clock: Clock;
}

export interface Mailer {
  /** Renders and delivers one mail; a failed delivery throws AppError errno 151. */
  send<T extends TemplateName>(template: T, message: MailMessage<T>): Promise<void>;
  /** Rejects unless mail can be delivered now: the SMTP relay answers (and accepts the login), or MAIL_DIR is writable. */
  check(): Promise<void>;
  close(): Promise<void>;
}
