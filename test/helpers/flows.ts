// Small building blocks the integration tests share.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AuthClient, ClientError, type SignUpOptions, type SignUpResult } from '../../src/client/index.js';
import type { TestServer } from './server.js';
import type { ReceivedMail } from './smtp-sink.js';

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(label = 'user'): string {
  return `${label}.${randomBytes(5).toString('hex')}@example.com`;
}

/** Awaits a request expected to fail and checks its status and errno; returns the error. */
export async function expectError(request: Promise<unknown>, errno: number, status?: number): Promise<ClientError> {
  try {
    await request;
  } catch (err) {
    assert.ok(err instanceof ClientError, `expected a ClientError, got ${String(err)}`);
    assert.equal(err.errno, errno, `errno: ${JSON.stringify(err.body)}`);
    if (status !== undefined) assert.equal(err.status, status);
    return err;
  }
  assert.fail(`expected errno ${errno}, but the request succeeded`);
}

/** Expects the request to fail with `errno` and to leave every stored row as it was. */
export async function expectRejectedWithoutChange(
  server: TestServer,
  request: () => Promise<unknown>,
  errno: number,
  status?: number,
): Promise<ClientError> {
  const before = await server.snapshot();
  const error = await expectError(request(), errno, status);
  assert.equal(await server.snapshot(), before, 'stored state changed');
  return error;
}

export function mailTemplate(mail: ReceivedMail): string {
  return mail.headers['x-template-name'] ?? '';
}

/** The next mail to `email` with the given template. */
export function nextMail(server: TestServer, email: string, template: string): Promise<ReceivedMail> {
  return server.mail.waitForMail(email, (mail) => mailTemplate(mail) === template);
}

/** Signs up and confirms the address with the code from the delivered `verify` mail. */
export async function signUpVerified(
  server: TestServer,
  email: string,
  options: SignUpOptions = {},
  password = PASSWORD,
): Promise<SignUpResult> {
  const account = await server.client.signUp(email, password, options);
  const mail = await nextMail(server, email, 'verify');
  await server.client.verifyCode(account.uid, mail.headers['x-verify-code']!);
  return account;
}

export const HOUR = 3600 * 1000;
export const DAY = 24 * HOUR;

/**
 * How far to move the clock so a sign-in must be confirmed again: past the new-account
 * shortcut (48 h) and the "confirmed from this IP recently" shortcut (7 days).
 */
export const BEYOND_SIGNIN_SHORTCUTS = 8 * DAY;

/** A client whose requests seem to come from `ip` (for a server started with TRUST_PROXY=true). */
export function clientFrom(server: TestServer, ip: string): AuthClient {
  return new AuthClient(server.url, {
    now: () => server.clock.now(),
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-forwarded-for', ip);
      return fetch(input, { ...init, headers });
    },
  });
}
