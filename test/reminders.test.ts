// Reminder mails on the injected clock, with two instances running the job at once:
// each reminder goes out exactly once, verified accounts get none, failures retry.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { ManualClock } from '../src/runtime.js';
import { DAY, HOUR, mailTemplate, nextMail, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { startInstancePair, type InstancePair, type TestServer } from './helpers/server.js';
import type { SmtpSink } from './helpers/smtp-sink.js';

let pair: InstancePair;
let first: TestServer;
let second: TestServer;
let smtp: SmtpSink;
const clock = new ManualClock(Date.UTC(2026, 4, 1, 9, 0, 0));

before(async () => {
  pair = await startInstancePair({ clock });
  ({ first, second, smtp } = pair);
});
after(() => pair?.close());
beforeEach(() => smtp.clear());

/** Both instances run the job at the same moment; returns how many mails each sent. */
async function runJobEverywhere(): Promise<number[]> {
  return Promise.all([first.app.services.reminders.sendDue(), second.app.services.reminders.sendDue()]);
}

function mailsTo(email: string, template?: string) {
  return smtp.messages.filter((mail) => mail.to.includes(email) && (template === undefined || mailTemplate(mail) === template));
}

test('an unverified account gets the first, second and final reminder once each', async () => {
  const email = uniqueEmail('remind');
  const flowId = 'f1'.repeat(32);
  const account = await first.client.signUp(email, PASSWORD, { metricsContext: { flowId, flowBeginTime: 1777626000000 } });
  await nextMail(first, email, 'verify');

  assert.deepEqual(await runJobEverywhere(), [0, 0], 'nothing is due at sign-up');
  for (const [days, template, reminder] of [
    [1, 'verificationReminderFirst', 'first'],
    [5, 'verificationReminderSecond', 'second'],
    [15, 'verificationReminderFinal', 'final'],
  ] as const) {
    clock.set(account.authAt * 1000 + days * DAY + 1);
    const sent = await runJobEverywhere();
    assert.equal(sent[0]! + sent[1]!, 1, `${template}: one instance sent it`);
    const mail = await smtp.waitForMail(email, (m) => mailTemplate(m) === template);
    assert.equal(mail.headers['x-uid'], account.uid);
    assert.match(mail.headers['x-link']!, new RegExp(`reminder=${reminder}`));
    assert.equal(mail.headers['x-flow-id'], flowId, 'reminders belong to the sign-up flow');
    assert.equal(mail.headers['x-flow-begin-time'], '1777626000000');
    assert.deepEqual(await runJobEverywhere(), [0, 0], 'and never again');
  }
  assert.equal(mailsTo(email).filter((m) => mailTemplate(m).startsWith('verificationReminder')).length, 3);

  // The code in the final reminder still verifies the account.
  const final = mailsTo(email, 'verificationReminderFinal')[0]!;
  await first.client.verifyCode(account.uid, final.headers['x-verify-code']!, { reminder: 'final' });
  assert.equal((await first.client.recoveryEmailStatus(account.sessionToken)).verified, true);
});

test('verifying the account cancels the reminders that are left', async () => {
  const email = uniqueEmail('verified');
  const start = clock.now();
  const account = await first.client.signUp(email, PASSWORD);
  const verify = await nextMail(first, email, 'verify');
  clock.set(start + 1 * DAY + 1);
  await runJobEverywhere();
  await smtp.waitForMail(email, (m) => mailTemplate(m) === 'verificationReminderFirst');

  await second.client.verifyCode(account.uid, verify.headers['x-verify-code']!);
  clock.set(start + 20 * DAY);
  assert.deepEqual(await runJobEverywhere(), [0, 0]);
  assert.equal(mailsTo(email, 'verificationReminderSecond').length, 0);
  assert.deepEqual(await first.app.services.reminders.pending(Buffer.from(account.uid, 'hex')), []);
});

test('a reminder whose mail fails is retried later, and still sent once', async () => {
  const email = uniqueEmail('retry');
  const start = clock.now();
  await first.client.signUp(email, PASSWORD);
  await nextMail(first, email, 'verify');
  clock.set(start + 1 * DAY + 1);
  smtp.setRejecting(true);
  assert.deepEqual(await runJobEverywhere(), [0, 0]);
  smtp.setRejecting(false);
  assert.deepEqual(await runJobEverywhere(), [0, 0], 'not before the retry delay');
  clock.advance(16 * 60 * 1000);
  const sent = await runJobEverywhere();
  assert.equal(sent[0]! + sent[1]!, 1);
  await smtp.waitForMail(email, (m) => mailTemplate(m) === 'verificationReminderFirst');
});

test('POST /emails/reminders/cad schedules two connect-another-device reminders', async () => {
  const email = uniqueEmail('cad');
  const start = clock.now();
  const account = await first.client.signUp(email, PASSWORD);
  const verify = await nextMail(first, email, 'verify');
  await first.client.verifyCode(account.uid, verify.headers['x-verify-code']!);
  const token = { kind: 'sessionToken' as const, tokenData: account.sessionToken };
  assert.deepEqual(await first.client.request('POST', '/emails/reminders/cad', { token }), {});

  clock.set(start + 8 * HOUR + 1);
  let sent = await runJobEverywhere();
  assert.equal(sent[0]! + sent[1]!, 1);
  await smtp.waitForMail(email, (m) => mailTemplate(m) === 'cadReminderFirst');
  clock.set(start + 72 * HOUR + 1);
  sent = await runJobEverywhere();
  assert.equal(sent[0]! + sent[1]!, 1);
  await smtp.waitForMail(email, (m) => mailTemplate(m) === 'cadReminderSecond');
  assert.deepEqual(await runJobEverywhere(), [0, 0]);
});
