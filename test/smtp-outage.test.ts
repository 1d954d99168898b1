// The mail relay goes away mid-flow: every request that depends on a mail answers
// errno 151 and stores nothing; once the relay is back the same requests succeed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  expectRejectedWithoutChange,
  BEYOND_SIGNIN_SHORTCUTS,
  nextMail,
  PASSWORD,
  signUpVerified,
  uniqueEmail,
} from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

let relay: SmtpSink;
let server: TestServer;
before(async () => {
  relay = await startSmtpSink();
  server = await startTestServer({ smtp: relay });
});
after(async () => {
  await server.close();
  await relay.stop();
});

/** Stops the relay (connections are refused), runs `during`, then starts it again on the same port. */
async function withRelayDown(during: () => Promise<void>): Promise<void> {
  const port = relay.port;
  await relay.stop();
  try {
    await during();
  } finally {
    relay = await startSmtpSink({ port });
    server.mail = relay;
  }
}

test('sign-up, sign-in, secondary address, resend and unblock code all fail with 151 and store nothing', async () => {
  const existing = uniqueEmail('existing');
  const account = await signUpVerified(server, existing);
  server.clock.advance(BEYOND_SIGNIN_SHORTCUTS);
  const newcomer = uniqueEmail('newcomer');
  const secondary = uniqueEmail('secondary');
  const token = { kind: 'sessionToken' as const, tokenData: account.sessionToken };

  await withRelayDown(async () => {
    await expectRejectedWithoutChange(server, () => server.client.signUp(newcomer, PASSWORD), 151, 422);
    await expectRejectedWithoutChange(server, () => server.client.signIn(existing, PASSWORD, { keys: true }), 151, 422);
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/recovery_email', { token, body: { email: secondary } }),
      151,
      422,
    );
    await expectRejectedWithoutChange(server, () => server.client.request('POST', '/session/resend_code', { token, body: {} }), 151);
    await expectRejectedWithoutChange(
      server,
      () => server.client.request('POST', '/account/login/send_unblock_code', { body: { email: existing } }),
      151,
    );
  });

  // The relay is back: the very same requests work.
  const created = await server.client.signUp(newcomer, PASSWORD);
  await server.client.verifyCode(created.uid, (await nextMail(server, newcomer, 'verify')).headers['x-verify-code']!);
  const login = await server.client.signIn(existing, PASSWORD, { keys: true });
  await server.client.verifyCode(login.uid, (await nextMail(server, existing, 'verifyLogin')).headers['x-verify-code']!);
  await server.client.accountKeys(login.keyFetchToken!, login.unwrapBKey);
  await server.client.request('POST', '/recovery_email', { token, body: { email: secondary } });
  const code = (await nextMail(server, secondary, 'verifySecondaryCode')).headers['x-verify-code'];
  await server.client.request('POST', '/recovery_email/secondary/verify_code', { token, body: { email: secondary, code } });
  const emails = await server.client.request<Array<{ email: string; verified: boolean }>>('GET', '/recovery_emails', { token });
  assert.deepEqual(
    emails.map((e) => [e.email, e.verified]),
    [
      [existing, true],
      [secondary, true],
    ],
  );
});
