// Two server instances behind one public URL share the database and the ephemeral
// store: a session made on one works on the other, and a Hawk request replayed to
// the other instance is refused. With REDIS_URL set (CI's MariaDB/PostgreSQL legs)
// the store is real Redis; otherwise both instances share one in-process store.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuthClient } from '../src/client/index.js';
import { hawkHeader } from '../src/client/hawk.js';
import { deriveToken } from '../src/crypto/index.js';
import { ManualClock } from '../src/runtime.js';
import { expectError, nextMail, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { startInstancePair, type InstancePair, type TestServer } from './helpers/server.js';

const PUBLIC_ORIGIN = 'http://accounts.lb.example';

let pair: InstancePair;
let first: TestServer;
let second: TestServer;
const clock = new ManualClock(Date.UTC(2026, 2, 1));

before(async () => {
  pair = await startInstancePair({ clock, env: { PUBLIC_URL: PUBLIC_ORIGIN } });
  ({ first, second } = pair);
});
after(() => pair?.close());

/** A client that signs for the public URL but talks to one instance, as a load balancer would route it. */
function clientVia(instance: TestServer): AuthClient {
  return new AuthClient(`${PUBLIC_ORIGIN}/v1`, {
    now: () => clock.now(),
    fetch: (input, init) => fetch(String(input).replace(PUBLIC_ORIGIN, instance.origin), init),
  });
}

test('a session made on one instance is usable and destroyable on the other', async () => {
  const viaFirst = clientVia(first);
  const viaSecond = clientVia(second);
  const email = uniqueEmail('multi');
  const account = await viaFirst.signUp(email, PASSWORD, { keys: true });
  const mail = await nextMail(first, email, 'verify');
  await viaSecond.verifyCode(account.uid, mail.headers['x-verify-code']!);

  assert.deepEqual(await viaSecond.sessionStatus(account.sessionToken), { state: 'verified', uid: account.uid });
  const keys = await viaSecond.accountKeys(account.keyFetchToken!, account.unwrapBKey);
  const login = await viaSecond.signIn(email, PASSWORD, { keys: true });
  assert.deepEqual(await viaFirst.accountKeys(login.keyFetchToken!, login.unwrapBKey), keys);

  await viaSecond.sessionDestroy(account.sessionToken);
  await expectError(viaFirst.sessionStatus(account.sessionToken), 110, 401);
  assert.equal((await viaFirst.sessionStatus(login.sessionToken)).state, 'verified');
});

test('a Hawk request replayed to the other instance is rejected with 115', async () => {
  const account = await clientVia(first).signUp(uniqueEmail('replay'), PASSWORD);
  const { tokenId, authKey } = deriveToken('sessionToken', Buffer.from(account.sessionToken, 'hex'));
  const authorization = hawkHeader({
    url: `${PUBLIC_ORIGIN}/v1/session/status`,
    method: 'GET',
    id: tokenId.toString('hex'),
    key: authKey,
    timestamp: Math.floor(clock.now() / 1000),
  });
  const send = (instance: TestServer) => fetch(`${instance.origin}/v1/session/status`, { headers: { authorization } });

  const original = await send(first);
  assert.equal(original.status, 200);
  assert.equal(((await original.json()) as { uid: string }).uid, account.uid);

  const replayed = await send(second);
  assert.equal(replayed.status, 401);
  assert.equal(((await replayed.json()) as { errno: number }).errno, 115);
  const again = await send(first);
  assert.equal(((await again.json()) as { errno: number }).errno, 115);
});
