// The pages' WebChannel transport (src/pages/client/webchannel.ts) against a fake Firefox on
// an EventTarget: the envelope (detail a JSON string out, an object back), replies matched by
// messageId, Firefox's error shapes, No Such Channel, and timeouts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHANNEL_ID, TO_CHROME, TO_CONTENT, WebChannel, WebChannelError } from '../src/pages/client/webchannel.js';

interface Sent {
  id: string;
  message: { command: string; data: unknown; messageId: string };
}

/** A window whose "Firefox" answers each message with `answer` (undefined: no answer). */
function fakeFirefox(answer: (sent: Sent) => object | undefined) {
  const target = new EventTarget();
  const sent: Sent[] = [];
  target.addEventListener(TO_CHROME, (event) => {
    const detail = (event as CustomEvent<unknown>).detail;
    assert.equal(typeof detail, 'string', 'Firefox only accepts string details');
    const message = JSON.parse(detail as string) as Sent;
    sent.push(message);
    const reply = answer(message);
    if (reply) setImmediate(() => target.dispatchEvent(new CustomEvent(TO_CONTENT, { detail: reply })));
  });
  return { target, sent };
}

describe('WebChannel transport', () => {
  test('a request gets the answer with its own messageId', async () => {
    const { target, sent } = fakeFirefox((m) => ({
      id: CHANNEL_ID,
      message: { command: m.message.command, messageId: m.message.messageId, data: { signedInUser: null, echo: m.message.data } },
    }));
    const channel = new WebChannel(target);
    // A stray answer to another message is ignored.
    target.dispatchEvent(new CustomEvent(TO_CONTENT, { detail: { id: CHANNEL_ID, message: { messageId: 'other', data: {} } } }));
    const [status, link] = await Promise.all([
      channel.request<{ signedInUser: null; echo: unknown }>('fxaccounts:fxa_status', { service: 'sync' }),
      channel.request<{ echo: unknown }>('fxaccounts:can_link_account', { email: 'a@example.com' }),
    ]);
    assert.deepEqual(status, { signedInUser: null, echo: { service: 'sync' } });
    assert.deepEqual(link.echo, { email: 'a@example.com' });
    assert.deepEqual(
      sent.map((m) => [m.id, m.message.command]),
      [
        [CHANNEL_ID, 'fxaccounts:fxa_status'],
        [CHANNEL_ID, 'fxaccounts:can_link_account'],
      ],
    );
    assert.notEqual(sent[0]!.message.messageId, sent[1]!.message.messageId);
    channel.close();
  });

  test("Firefox's errors: a handler's {error:{message}}, an unknown command's string, No Such Channel", async () => {
    const { target } = fakeFirefox((m) => {
      const base = { command: m.message.command, messageId: m.message.messageId };
      if (m.message.command === 'fxaccounts:oauth_login')
        return { id: CHANNEL_ID, message: { ...base, data: { error: { message: 'INVALID_STATE' } } } };
      if (m.message.command === 'fxaccounts:nope')
        return { id: CHANNEL_ID, message: { ...base, data: { error: 'Unrecognized FxAccountsWebChannel command' } } };
      return { id: CHANNEL_ID, message: { errno: 2, error: 'No Such Channel' } };
    });
    const channel = new WebChannel(target);
    await assert.rejects(channel.request('fxaccounts:oauth_login', { code: 'c', state: 's' }), { message: 'INVALID_STATE' });
    await assert.rejects(channel.request('fxaccounts:nope'), /Unrecognized/);
    await assert.rejects(
      channel.request('fxaccounts:fxa_status'),
      (err: unknown) => err instanceof WebChannelError && err.errno === 2,
    );
    channel.close();
  });

  test('no answer: send() does not wait, request() times out, close() rejects what waits', async () => {
    const { target, sent } = fakeFirefox(() => undefined);
    const channel = new WebChannel(target, 50);
    channel.send('fxaccounts:logout', { uid: 'ab'.repeat(16) });
    assert.equal(sent[0]!.message.command, 'fxaccounts:logout');
    await assert.rejects(channel.request('fxaccounts:login', {}), /no answer to fxaccounts:login/);
    const waiting = channel.request('fxaccounts:fxa_status', {}, 10_000);
    channel.close();
    await assert.rejects(waiting, /channel closed/);
  });
});
