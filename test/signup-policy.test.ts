// SIGNUP_POLICY / SIGNUP_ALLOWLIST: who may create an account through POST /account/create.
// A refused address gets errno 207 and leaves nothing behind: no row, no mail.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { parseSignupAllowlist, signupAllowed, type SignupPolicy } from '../src/features/account/signup-policy.js';
import { expectRejectedWithoutChange, PASSWORD, signUpVerified, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createByOperatorForTest } from './helpers/users.js';

const policy = (mode: SignupPolicy['mode'], allowlist = ''): SignupPolicy => ({ mode, ...parseSignupAllowlist(allowlist) });

describe('signupAllowed (pure)', () => {
  test('open admits anyone, closed no one', () => {
    assert.equal(signupAllowed(policy('open'), 'a@b.example'), true);
    assert.equal(signupAllowed(policy('closed', 'a@b.example,@b.example'), 'a@b.example'), false);
  });

  test('allowlist: exact addresses and @domain entries, any case', () => {
    const list = policy('allowlist', ' Alice@Example.COM , @Corp.example ,,');
    assert.equal(signupAllowed(list, 'alice@example.com'), true);
    assert.equal(signupAllowed(list, 'ALICE@EXAMPLE.COM'), true);
    assert.equal(signupAllowed(list, 'bob@example.com'), false);
    assert.equal(signupAllowed(list, 'Bob@CORP.example'), true);
    assert.equal(signupAllowed(list, 'x@corp.example'), true);
  });

  test('an @domain entry does not admit subdomains or look-alikes', () => {
    const list = policy('allowlist', '@corp.example');
    assert.equal(signupAllowed(list, 'bob@mail.corp.example'), false);
    assert.equal(signupAllowed(list, 'bob@evilcorp.example'), false);
    assert.equal(signupAllowed(list, 'bob@corp.example.evil'), false);
    // The local part cannot smuggle a domain in: only the part after the last @ counts.
    assert.equal(signupAllowed(list, '"x@corp.example"@evil.example'), false);
  });

  test('the address entry matches the whole address only', () => {
    const list = policy('allowlist', 'alice@example.com');
    assert.equal(signupAllowed(list, 'malice@example.com'), false);
    assert.equal(signupAllowed(list, 'alice@example.com.evil'), false);
  });

  test('settings: parse errors name the variable; allowlist needs entries', () => {
    assert.deepEqual(loadConfig({}).signupPolicy.mode, 'open');
    assert.equal(loadConfig({ SIGNUP_POLICY: 'Closed' }).signupPolicy.mode, 'closed');
    assert.throws(() => loadConfig({ SIGNUP_POLICY: 'invite' }), /config SIGNUP_POLICY: expected open, allowlist or closed/);
    assert.throws(() => loadConfig({ SIGNUP_POLICY: 'allowlist' }), /SIGNUP_ALLOWLIST: SIGNUP_POLICY=allowlist needs at least one/);
    for (const bad of ['example.com', 'a@', '@', 'a b@example.com']) {
      assert.throws(() => loadConfig({ SIGNUP_ALLOWLIST: bad }), /config SIGNUP_ALLOWLIST: expected addresses/, bad);
    }
    const { signupPolicy } = loadConfig({ SIGNUP_POLICY: 'allowlist', SIGNUP_ALLOWLIST: 'A@X.example,@Y.example' });
    assert.deepEqual([...signupPolicy.addresses], ['a@x.example']);
    assert.deepEqual([...signupPolicy.domains], ['y.example']);
  });
});

/** Sign-up is refused with 207 / 400, with nothing stored and no mail sent. */
async function expectRefused(server: TestServer, email: string): Promise<void> {
  const mailsBefore = server.mail.messages.length;
  const error = await expectRejectedWithoutChange(server, () => server.client.signUp(email, PASSWORD, { keys: true }), 207, 400);
  assert.equal(error.body.message, 'Account creation rejected.');
  assert.equal(server.mail.messages.length, mailsBefore, 'no mail');
}

describe('POST /account/create under SIGNUP_POLICY', () => {
  describe('closed', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ env: { SIGNUP_POLICY: 'closed' } });
    });
    after(() => server.close());

    test('every address is refused', async () => {
      await expectRefused(server, uniqueEmail('closed'));
    });

    test('with the v2 credentials too', async () => {
      const mailsBefore = server.mail.messages.length;
      await expectRejectedWithoutChange(server, () => server.client.signUp(uniqueEmail('v2'), PASSWORD, { version: 2 }), 207, 400);
      assert.equal(server.mail.messages.length, mailsBefore);
    });

    test('the operator still creates accounts, which then sign in', async () => {
      const email = uniqueEmail('operator');
      await createByOperatorForTest(server, email, PASSWORD);
      const session = await server.client.signIn(email, PASSWORD, { keys: true });
      assert.equal(session.verified, true);
    });
  });

  describe('allowlist', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({
        env: { SIGNUP_POLICY: 'allowlist', SIGNUP_ALLOWLIST: 'Friend@Elsewhere.example, @Team.example' },
      });
    });
    after(() => server.close());

    test('a listed address, in another case, signs up', async () => {
      const account = await signUpVerified(server, 'FRIEND@elsewhere.example');
      assert.match(account.uid, /^[0-9a-f]{32}$/);
    });

    test('any address of a listed domain signs up', async () => {
      await signUpVerified(server, uniqueEmail('member').replace('@example.com', '@TEAM.example'));
    });

    test('other addresses, subdomains of a listed domain and look-alikes are refused', async () => {
      await expectRefused(server, 'stranger@elsewhere.example');
      await expectRefused(server, uniqueEmail('sub').replace('@example.com', '@eu.team.example'));
      await expectRefused(server, uniqueEmail('alike').replace('@example.com', '@steam.example'));
    });

    test('a refusal comes before "account exists" (the policy does not reveal who has an account)', async () => {
      // An account the operator made for an unlisted address: sign-up answers 207, not 101.
      const email = 'made-by-operator@unlisted.example';
      await createByOperatorForTest(server, email, PASSWORD);
      await expectRefused(server, email);
    });
  });

  describe('open (the default)', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
    });
    after(() => server.close());

    test('anyone signs up', async () => {
      await signUpVerified(server, uniqueEmail('open'));
    });
  });
});
