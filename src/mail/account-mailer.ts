// Mail to an account's primary address, carrying the request's language and flow.

import type { Logger } from 'pino';
import type { RequestContext } from '../http/context.js';
import { parseUserAgent, type UserAgentFields } from '../http/user-agent.js';
import type { Mailer, MailMessage, SigninContext, TemplateName, TemplateVars } from './types.js';

/** The account facts a mail needs: who it goes to and in which language without a request. */
export interface MailAccount {
  account: { uid: Buffer; locale: string | null };
  primary: { email: string };
}

export class AccountMailer {
  constructor(
    private readonly mailer: Mailer,
    private readonly logger: Logger,
  ) {}

  /** Sends a mail the flow depends on; a delivery failure is errno 151 for the caller. */
  send<T extends TemplateName>(
    template: T,
    record: MailAccount,
    ctx: RequestContext | undefined,
    vars: TemplateVars[T],
  ): Promise<void> {
    return this.sendTo(record.primary.email, template, record, ctx, vars);
  }

  /** Like send, to another of the account's addresses (e.g. a secondary one being confirmed). */
  sendTo<T extends TemplateName>(
    to: string,
    template: T,
    record: MailAccount,
    ctx: RequestContext | undefined,
    vars: TemplateVars[T],
  ): Promise<void> {
    const message: MailMessage<T> = {
      to,
      uid: record.account.uid.toString('hex'),
      // Without a request (scheduled mail) the account's language is the best guess.
      acceptLanguage: ctx?.acceptLanguage ?? record.account.locale ?? undefined,
      service: ctx?.service,
      flowId: ctx?.metricsContext?.flowId,
      flowBeginTime: ctx?.metricsContext?.flowBeginTime,
      deviceId: ctx?.metricsContext?.deviceId,
      vars,
    };
    return this.mailer.send(template, message);
  }

  /** Sends a notification whose failure must not undo what the user just did. */
  async notify<T extends TemplateName>(template: T, record: MailAccount, ctx: RequestContext, vars: TemplateVars[T]): Promise<void> {
    try {
      await this.send(template, record, ctx, vars);
    } catch (err) {
      this.logger.warn({ err, template }, 'notification mail failed');
    }
  }
}

/** The "where and how did this sign-in happen" block of sign-in mails. */
export function signinDetails(userAgent: UserAgentFields, ip: string, time: number): SigninContext {
  return { browser: userAgent.uaBrowser ?? undefined, os: userAgent.uaOS ?? undefined, ip, time };
}

/** The same, for the sign-in the current request makes. */
export function requestSigninDetails(ctx: RequestContext, time: number): SigninContext {
  return signinDetails(parseUserAgent(ctx.userAgent), ctx.ip, time);
}
