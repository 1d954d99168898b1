// The mailer: renders a template in the reader's language and hands it to SMTP or to .eml files.

import { AppError, ERRNO } from '../errors.js';
import type { MailMetrics } from '../metrics.js';
import { availableLocales } from './l10n.js';
import { renderMail } from './render.js';
import { createFileTransport, createSmtpTransport, type MailTransport } from './transports.js';
import type { Mailer, MailerOptions, MailMessage, TemplateName } from './types.js';

export { renderMail } from './render.js';
export { availableLocales } from './l10n.js';
export { TEMPLATE_VERSIONS } from './templates.js';
export type * from './types.js';

export function createMailer(options: MailerOptions): Mailer {
  // Load the .ftl files now, so a deployment without them fails at startup rather than at the first signup.
  availableLocales();
  const transport: MailTransport = options.smtpUrl
    ? createSmtpTransport(options.smtpUrl, options.logger)
    : createFileTransport(options.mailDir, options.logger, options.clock);

  return {
    async send<T extends TemplateName>(template: T, message: MailMessage<T>): Promise<void> {
      // Rendering errors are bugs and propagate as they are; only delivery failures become errno 151.
      const mail = renderMail(template, message, {
        contentUrl: options.contentUrl,
        redirectDomains: options.redirectDomains,
      });
      const context = { template, uid: message.uid };
      try {
        await transport.deliver(
          {
            from: options.from,
            to: message.to,
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
            headers: mail.headers,
            date: new Date(options.clock.now()),
            xMailer: false,
          },
          context,
        );
      } catch (cause) {
        options.logger.error({ ...context, err: deliveryError(cause) }, 'mail delivery failed');
        throw new AppError(ERRNO.FAILED_TO_SEND_EMAIL, { cause });
      }
    },
    check: () => transport.check(),
    close: () => transport.close(),
  };
}

/** What is worth logging about a failed delivery; never the message itself. */
function deliveryError(cause: unknown): Record<string, unknown> {
  if (!(cause instanceof Error)) return { message: String(cause) };
  const { code, responseCode, command } = cause as Error & { code?: string; responseCode?: number; command?: string };
  return { message: cause.message, code, responseCode, command };
}

/** Counts sends and failures (delivery or rendering) per template. */
export function countSends(mailer: Mailer, metrics: MailMetrics): Mailer {
  return {
    async send<T extends TemplateName>(template: T, message: MailMessage<T>): Promise<void> {
      try {
        await mailer.send(template, message);
      } catch (err) {
        metrics.failed(template);
        throw err;
      }
      metrics.sent(template);
    },
    check: () => mailer.check(),
    close: () => mailer.close(),
  };
}
