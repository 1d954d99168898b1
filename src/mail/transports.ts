// Where rendered mail goes: an SMTP relay, or .eml files in a folder (embedded mode).
// Both log one line per mail with the template and uid only: links and codes are secrets.

import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../runtime.js';
import type { TemplateName } from './types.js';

export interface DeliveryContext {
  template: TemplateName;
  uid: string;
}

export interface MailTransport {
  deliver(mail: SendMailOptions, context: DeliveryContext): Promise<void>;
  /** Rejects unless a mail could be delivered now (relay reachable, folder writable). */
  check(): Promise<void>;
  close(): Promise<void>;
}

// Nodemailer waits up to 2 min to connect and 10 min on an idle socket; a request waiting on
// its verification mail should fail within seconds instead.
const SMTP_TIMEOUT_DEFAULTS_MS = {
  connectionTimeout: 5_000,
  greetingTimeout: 5_000,
  socketTimeout: 15_000,
  dnsTimeout: 5_000,
};

/** Nodemailer reads options from the URL's query, so defaults go there and SMTP_URL can still override them. */
function withTimeoutDefaults(smtpUrl: string): string {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    // URL's own error repeats the input, which may hold the relay password.
    throw new Error('mail: SMTP URL is not a valid URL');
  }
  for (const [name, ms] of Object.entries(SMTP_TIMEOUT_DEFAULTS_MS)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, String(ms));
  }
  return url.toString();
}

export function createSmtpTransport(smtpUrl: string, logger: Logger): MailTransport {
  const transporter = nodemailer.createTransport(withTimeoutDefaults(smtpUrl));
  return {
    async deliver(mail, context) {
      const info = await transporter.sendMail(mail);
      logger.info({ ...context, messageId: info.messageId }, 'mail sent');
    },
    async check() {
      // Connects, greets and logs in (when the URL has credentials), then quits; bounded by the timeouts above.
      await transporter.verify();
    },
    async close() {
      transporter.close();
    },
  };
}

export function createFileTransport(mailDir: string, logger: Logger, clock: Clock): MailTransport {
  // Nodemailer builds the complete RFC 5322 message (CRLF line ends) without sending it anywhere.
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  let sequence = 0;

  // Sorts by time, then by order within this process; the random tail keeps processes sharing the folder apart.
  function fileName(template: TemplateName): string {
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, '-');
    sequence += 1;
    return `${stamp}_${String(sequence).padStart(6, '0')}_${template}_${randomBytes(4).toString('hex')}.eml`;
  }

  return {
    async deliver(mail, context) {
      const { message } = await builder.sendMail(mail);
      await mkdir(mailDir, { recursive: true });
      const file = join(mailDir, fileName(context.template));
      await writeFile(file, message, { flag: 'wx' });
      logger.info({ ...context, file }, 'mail written');
    },
    async check() {
      // Writing is the only test that holds for every user (root passes access(W_OK) on a read-only mount).
      await mkdir(mailDir, { recursive: true });
      const probe = join(mailDir, `.write-check-${randomBytes(4).toString('hex')}`);
      await writeFile(probe, '', { flag: 'wx' });
      await rm(probe, { force: true });
    },
    async close() {
      builder.close();
    },
  };
}
