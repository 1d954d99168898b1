// The process logger: JSON lines on stdout with secrets masked.

import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

/** Mail headers that carry a verification or unblock code (the mailer's spelling and Node's lower case). */
const CODE_HEADERS = ['X-Verify-Code', 'X-Verify-Short-Code', 'X-Signin-Verify-Code', 'X-Unblock-Code', 'X-Link'].flatMap((name) => [
  name,
  name.toLowerCase(),
]);

/**
 * Belt and braces: nothing logs these, but if something does, they are masked. Verification
 * codes are named where they travel (request bodies, mail headers, a top-level `code` or
 * `unblockCode` field), never as `*.code`, which would also hide error codes such as
 * `err.code: "ECONNREFUSED"`.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'authPW',
  'authPWVersion2',
  'wrapKb',
  'wrapKbVersion2',
  '*.tokenData',
  'code',
  'unblockCode',
  '*.unblockCode',
  'body.code',
  '*.body.code',
  '*.body.unblockCode',
  ...CODE_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]),
];

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: NodeJS.WritableStream): Logger {
  const options = { level: config.logLevel, redact: REDACT_PATHS };
  return destination ? pino(options, destination) : pino(options);
}
