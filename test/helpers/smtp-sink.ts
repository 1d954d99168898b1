// A real SMTP server for integration tests: the app delivers to it over TCP and tests read the
// codes out of the received mail, as a user would. It can also play a relay that refuses mail.

import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  from: string;
  subject: string;
  /** Header values by lower-case name, decoded and unfolded. */
  headers: Record<string, string>;
  text: string;
  html: string;
}

export interface SmtpSink {
  port: number;
  /** smtp://127.0.0.1:<port> */
  url: string;
  /** Every accepted message, oldest first. */
  messages: ReceivedMail[];
  /**
   * The first message to `to` (and matching `predicate`) that no earlier call has taken, waiting
   * for it to arrive if needed; rejects after timeoutMs.
   */
  waitForMail(to: string, predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Answers the next `count` messages with a permanent 5xx error. */
  failNext(count?: number): void;
  /** While on, answers every message with a permanent 5xx error. */
  setRejecting(rejecting: boolean): void;
  clear(): void;
  stop(): Promise<void>;
}

interface Waiter {
  /** Takes the mail if it matches; true once this waiter is settled and can be dropped. */
  offer(mail: ReceivedMail): boolean;
  fail(error: Error): void;
}

function headerRecord(parsed: ParsedMail): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    const value = parsed.headers.get(key);
    // mailparser decodes plain headers to strings; structured ones (date, addresses) keep their raw text.
    headers[key] =
      typeof value === 'string'
        ? value
        : line
            .slice(line.indexOf(':') + 1)
            .replace(/\r?\n(?=[ \t])/g, '')
            .trim();
  }
  return headers;
}

function toReceivedMail(parsed: ParsedMail, session: SMTPServerSession): ReceivedMail {
  const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  return {
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    from: parsed.from?.text ?? envelopeFrom,
    subject: parsed.subject ?? '',
    headers: headerRecord(parsed),
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
  };
}

function rejection(): Error {
  return Object.assign(new Error('Message rejected by the test relay'), { responseCode: 554 });
}

/** `port`: listen where a stopped sink listened, to play a relay that comes back. */
export async function startSmtpSink(options: { port?: number } = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  let waiters: Waiter[] = [];
  let failuresLeft = 0;
  let rejecting = false;

  function shouldReject(): boolean {
    if (rejecting) return true;
    if (failuresLeft === 0) return false;
    failuresLeft -= 1;
    return true;
  }

  function accept(mail: ReceivedMail): void {
    messages.push(mail);
    const index = waiters.findIndex((waiter) => waiter.offer(mail));
    if (index !== -1) waiters.splice(index, 1);
  }

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    // Do not let a client that never sends QUIT hold stop() for the default 30 s.
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          if (shouldReject()) return callback(rejection());
          accept(toReceivedMail(parsed, session));
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client dropping its connection (e.g. a timed-out test) is not the sink's failure.
  server.on('error', () => {});

  const { port } = server.server.address() as AddressInfo;

  // async so that a throwing predicate rejects instead of throwing at the call.
  async function waitForMail(
    to: string,
    predicate: (mail: ReceivedMail) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<ReceivedMail> {
    const recipient = to.toLowerCase();
    const matches = (mail: ReceivedMail) =>
      !taken.has(mail) && mail.to.some((address) => address.toLowerCase() === recipient) && predicate(mail);

    const ready = messages.find(matches);
    if (ready) {
      taken.add(ready);
      return ready;
    }
    return new Promise<ReceivedMail>((resolve, reject) => {
      const waiter: Waiter = {
        offer(mail) {
          let matched: boolean;
          try {
            matched = matches(mail);
          } catch (error) {
            waiter.fail(error as Error);
            return true;
          }
          if (!matched) return false;
          taken.add(mail);
          clearTimeout(timer);
          resolve(mail);
          return true;
        },
        fail(error) {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((other) => other !== waiter);
        reject(new Error(`No mail to ${to} within ${timeoutMs} ms (${messages.length} received in total)`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  }

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitForMail,
    failNext(count = 1) {
      failuresLeft = count;
    },
    setRejecting(on) {
      rejecting = on;
    },
    clear() {
      messages.length = 0;
      taken.clear();
    },
    stop() {
      for (const waiter of waiters) waiter.fail(new Error('SMTP sink stopped'));
      waiters = [];
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
