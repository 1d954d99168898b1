// Requests that race: MariaDB and PostgreSQL run them in parallel where SQLite queues
// them, so each test here fires concurrent requests and checks that none answers 5xx,
// that exactly one wins where only one can, and that nothing is lost. Run on every
// database (CI sets DATABASE_URL). Also: a mail failure (151) leaves the database
// exactly as it was, even when the request would have taken an address over.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClientError, type SignUpResult } from '../src/client/index.js';
import { expectRejectedWithoutChange, nextMail, PASSWORD, signUpVerified, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const token = (account: { sessionToken: string }) => ({ kind: 'sessionToken' as const, tokenData: account.sessionToken });
const post = (account: { sessionToken: string }, path: string, body?: unknown) =>
  server.client.request<Record<string, never>>('POST', path, { token: token(account), body: body ?? {} });

/** Settles every request; the errnos of those that failed (a non-ClientError fails the test). */
async function outcomes(requests: Array<Promise<unknown>>): Promise<Array<number | 'ok'>> {
  const settled = await Promise.allSettled(requests);
  return settled.map((result) => {
    if (result.status === 'fulfilled') return 'ok';
    assert.ok(result.reason instanceof ClientError, `unexpected failure: ${String(result.reason)}`);
    assert.ok(result.reason.status < 500, `a 5xx: ${JSON.stringify(result.reason.body)}`);
    return result.reason.errno ?? result.reason.status;
  });
}

const count = <T>(values: T[], value: T) => values.filter((v) => v === value).length;

async function eventCount(account: { uid: string }, name: string): Promise<number> {
  const events = await server.app.services.db.kysely
    .selectFrom('securityEvents')
    .select('name')
    .where('uid', '=', Buffer.from(account.uid, 'hex'))
    .where('name', '=', name)
    .execute();
  return events.length;
}

describe('concurrent requests', () => {
  test('two sign-ups of one address: exactly one wins, the other gets 101, and the winner keeps its account', async () => {
    const email = uniqueEmail('twice');
    const attempts = [0, 1, 2].map(() => server.client.signUp(email, PASSWORD));
    const results = await outcomes(attempts);
    assert.equal(count(results, 'ok'), 1, `results: ${results.join(', ')}`);
    assert.equal(count(results, 101), 2);
    const winner = (await Promise.allSettled(attempts)).find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<SignUpResult>;
    assert.deepEqual(await server.client.accountStatus(winner.value.uid), { exists: true });
    assert.equal((await server.client.sessionStatus(winner.value.sessionToken)).state, 'unverified');
    // Once nobody is signing up with it, the unverified address can be taken over as before.
    const again = await server.client.signUp(email, PASSWORD);
    assert.deepEqual(await server.client.accountStatus(winner.value.uid), { exists: false });
    assert.deepEqual(await server.client.accountStatus(again.uid), { exists: true });
  });

  test('"connect another device" reminders requested at once: every request succeeds, two reminders remain', async () => {
    const account = await signUpVerified(server, uniqueEmail('cad'));
    const results = await outcomes([0, 1, 2, 3].map(() => post(account, '/emails/reminders/cad')));
    assert.deepEqual(results, ['ok', 'ok', 'ok', 'ok']);
    const pending = await server.app.services.reminders.pending(Buffer.from(account.uid, 'hex'));
    assert.deepEqual(pending.map((r) => r.kind).sort(), ['cadFirst', 'cadSecond']);
  });

  test('one account adding the same secondary address twice at once: one 200, one 136, one row', async () => {
    const account = await signUpVerified(server, uniqueEmail('adder'));
    const secondary = uniqueEmail('secondary');
    const results = await outcomes([0, 1].map(() => post(account, '/recovery_email', { email: secondary })));
    assert.deepEqual(results.slice().sort(), [136, 'ok']);
    const rows = await server.app.services.db.kysely
      .selectFrom('emails')
      .select('uid')
      .where('normalizedEmail', '=', secondary)
      .execute();
    assert.equal(rows.length, 1);
  });

  test('two accounts adding the same address at once: one wins, nothing answers 5xx', async () => {
    const [first, second] = await Promise.all([
      signUpVerified(server, uniqueEmail('one')),
      signUpVerified(server, uniqueEmail('two')),
    ]);
    const contested = uniqueEmail('contested');
    const results = await outcomes([
      post(first, '/recovery_email', { email: contested }),
      post(second, '/recovery_email', { email: contested }),
    ]);
    assert.equal(count(results, 'ok'), 1, `results: ${results.join(', ')}`);
  });

  test('confirming a secondary address twice at once: both succeed, one event and one notification', async () => {
    const account = await signUpVerified(server, uniqueEmail('confirmer'));
    const secondary = uniqueEmail('confirmed');
    await post(account, '/recovery_email', { email: secondary });
    const code = (await nextMail(server, secondary, 'verifySecondaryCode')).headers['x-verify-code'];
    const before = server.mail.messages.length;
    const results = await outcomes(
      [0, 1].map(() => post(account, '/recovery_email/secondary/verify_code', { email: secondary, code })),
    );
    assert.deepEqual(results, ['ok', 'ok']);
    assert.equal(await eventCount(account, 'account.secondary_email_added'), 1);
    // Mail is delivered to the sink before the request that sends it answers.
    const notifications = server.mail.messages
      .slice(before)
      .filter((mail) => mail.headers['x-template-name'] === 'postVerifySecondary');
    assert.equal(notifications.length, 1);
  });

  test('removing a secondary address twice at once: both succeed, one event', async () => {
    const account = await signUpVerified(server, uniqueEmail('remover'));
    const secondary = uniqueEmail('removed');
    await post(account, '/recovery_email', { email: secondary });
    const results = await outcomes([0, 1].map(() => post(account, '/recovery_email/destroy', { email: secondary })));
    assert.deepEqual(results, ['ok', 'ok']);
    assert.equal(await eventCount(account, 'account.secondary_email_removed'), 1);
  });

  test('a key-fetch token fetched twice at once hands the keys out once', async () => {
    const email = uniqueEmail('keys');
    const account = await signUpVerified(server, email, { keys: true });
    const fetch = () =>
      server.client.request('GET', '/account/keys', { token: { kind: 'keyFetchToken', tokenData: account.keyFetchToken! } });
    const results = await outcomes([fetch(), fetch()]);
    assert.deepEqual(results.slice().sort(), [110, 'ok']);
  });
});

describe('a mail failure (151) changes nothing, not even the rows of an address it would take over', () => {
  test('sign-up with an address someone holds unverified', async () => {
    const held = uniqueEmail('held');
    const holder = await server.client.signUp(held, PASSWORD);
    await nextMail(server, held, 'verify');
    server.mail.failNext();
    await expectRejectedWithoutChange(server, () => server.client.signUp(held, PASSWORD), 151, 422);
    assert.deepEqual(await server.client.accountStatus(holder.uid), { exists: true });
    assert.equal((await server.client.sessionStatus(holder.sessionToken)).state, 'unverified');
  });

  test('adding as a secondary an address someone holds unverified', async () => {
    const account = await signUpVerified(server, uniqueEmail('claimer'));
    const held = uniqueEmail('held2');
    const holder = await server.client.signUp(held, PASSWORD);
    await nextMail(server, held, 'verify');
    server.mail.failNext();
    await expectRejectedWithoutChange(server, () => post(account, '/recovery_email', { email: held }), 151, 422);
    assert.deepEqual(await server.client.accountStatus(holder.uid), { exists: true });
  });
});
