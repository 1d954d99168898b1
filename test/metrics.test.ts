// /__metrics__: Prometheus text with per-route request counts and latencies (route
// pattern, status, errno), the scrypt pool, mail sends, rate-limit decisions and 5xx
// by cause, from a per-app registry (two apps in one process count apart).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MemoryStore } from '../src/kv/index.js';
import { failureCause, tagFailures } from '../src/metrics.js';
import { ManualClock } from '../src/runtime.js';
import { expectError, nextMail, PASSWORD, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format strictly enough to catch a malformed line. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    assert.ok(sample, `malformed line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) {
      labels[name!] = value!;
    }
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

/** The sum of the samples named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** A fast stand-in for server-side scrypt: the pool and its metrics are what is under test. */
const fakeScrypt = async (password: Buffer, salt: Buffer) => createHash('sha256').update(password).update(salt).digest();

async function scrape(server: TestServer) {
  const response = await fetch(`${server.origin}/__metrics__`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parse(await response.text());
}

describe('/__metrics__', () => {
  let server: TestServer;
  let other: TestServer;
  before(async () => {
    server = await startTestServer({ scrypt: fakeScrypt });
    other = await startTestServer({ scrypt: fakeScrypt });
  });
  after(async () => {
    await server.close();
    await other.close();
  });

  test('after a sign-up, a 400 and a throttled sign-in', async () => {
    const email = uniqueEmail('metrics');
    await server.client.signUp(email, PASSWORD);
    const verify = await nextMail(server, email, 'verify');
    assert.ok(verify);
    // 400 errno 107.
    const invalid = await fetch(`${server.url}/account/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'not an address', authPW: 'x' }),
    });
    assert.equal(invalid.status, 400);
    // Five wrong passwords are tolerated, the sixth starts a ban: then 429 errno 114.
    for (let i = 0; i < 6; i++) await expectError(server.client.signIn(email, `wrong ${i}`), 103, 400);
    await expectError(server.client.signIn(email, PASSWORD), 114, 429);
    // A raw URL with an id in it is counted under its pattern.
    await fetch(`${server.origin}/v1/no/such/${'ab'.repeat(16)}`);

    const { samples, types } = await scrape(server);

    assert.equal(types.get('http_requests_total'), 'counter');
    assert.equal(types.get('http_request_duration_seconds'), 'histogram');
    const create = { method: 'POST', route: '/v1/account/create' };
    assert.equal(total(samples, 'http_requests_total', { ...create, status: '200' }), 1);
    const created = samples.find(
      (s) => s.name === 'http_requests_total' && s.labels.status === '200' && s.labels.route === create.route,
    );
    assert.equal(created?.labels.errno, undefined, 'a success has no errno label');
    assert.equal(total(samples, 'http_requests_total', { ...create, status: '400', errno: '107' }), 1);
    const login = { method: 'POST', route: '/v1/account/login' };
    assert.equal(total(samples, 'http_requests_total', { ...login, status: '400', errno: '103' }), 6);
    assert.equal(total(samples, 'http_requests_total', { ...login, status: '429', errno: '114' }), 1);
    assert.equal(total(samples, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404', errno: '999' }), 1);
    assert.ok(
      samples.every((s) => !(s.labels.route ?? '').includes('abab')),
      'no raw URL becomes a label',
    );
    assert.equal(total(samples, 'http_request_duration_seconds_count', { ...login, status: '400' }), 6);
    assert.equal(total(samples, 'http_request_duration_seconds_bucket', { ...login, status: '400', le: '+Inf' }), 6);
    assert.ok(total(samples, 'http_request_duration_seconds_sum', { ...create, status: '200' }) > 0);

    // One server-side hash for the sign-up and one per checked password; the 114 hashed nothing.
    assert.equal(total(samples, 'scrypt_queue_wait_seconds_count'), 7);
    assert.equal(types.get('scrypt_queue_depth'), 'gauge');
    assert.equal(total(samples, 'scrypt_queue_depth'), 0);
    assert.equal(total(samples, 'scrypt_active'), 0);
    assert.equal(total(samples, 'scrypt_rejected_total'), 0);

    assert.equal(total(samples, 'mail_sent_total', { template: 'verify' }), 1);
    assert.equal(total(samples, 'mail_failures_total'), 0);

    assert.equal(total(samples, 'customs_decisions_total', { action: 'accountCreate', decision: 'allowed' }), 1);
    assert.equal(total(samples, 'customs_decisions_total', { action: 'accountLogin', decision: 'allowed' }), 6);
    assert.equal(total(samples, 'customs_decisions_total', { action: 'accountLogin', decision: 'blocked' }), 1);
    assert.equal(total(samples, 'server_errors_total'), 0);
  });

  test('each app has its own registry, without process metrics', async () => {
    const { samples } = await scrape(other);
    assert.equal(total(samples, 'http_requests_total', { route: '/v1/account/create' }), 0);
    assert.equal(total(samples, 'customs_decisions_total'), 0);
    assert.equal(
      samples.some((s) => s.name.startsWith('process_') || s.name.startsWith('nodejs_')),
      false,
    );
  });

  test('is hidden from /openapi.json', async () => {
    const doc = (await (await fetch(`${server.origin}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.equal(doc.paths['/__metrics__'], undefined);
  });
});

describe('server errors by cause', () => {
  /** An ephemeral store whose rate-limit windows fail, as Redis does when it is down. */
  class FailingStore extends MemoryStore {
    override async slidingWindows(): Promise<number[]> {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    }
  }
  let server: TestServer;
  before(async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    server = await startTestServer({ clock, kv: new FailingStore(clock), scrypt: fakeScrypt });
  });
  after(() => server.close());

  test('a failing ephemeral store is counted as such', async () => {
    await expectError(server.client.signUp(uniqueEmail('down'), PASSWORD), 999, 500);
    const { samples } = await scrape(server);
    assert.equal(total(samples, 'server_errors_total', { errno: '999', cause: 'ephemeral_store' }), 1);
    assert.equal(total(samples, 'http_requests_total', { route: '/v1/account/create', status: '500', errno: '999' }), 1);
    assert.equal(total(samples, 'customs_decisions_total'), 0, 'a check that failed decided nothing');
  });

  test('failureCause: tagged backends, database drivers, the rest', async () => {
    const sqlite = Object.assign(new Error('SQLITE_BUSY'), { name: 'SqliteError' });
    assert.equal(failureCause(sqlite), 'database');
    assert.equal(failureCause(new Error('wrapped', { cause: Object.assign(new Error('x'), { sqlMessage: 'gone' }) })), 'database');
    assert.equal(failureCause(Object.assign(new Error('x'), { severity: 'FATAL', routine: 'auth' })), 'database');
    assert.equal(failureCause(new Error('bug')), 'other');
    const store = tagFailures({ get: async () => Promise.reject(new Error('down')), sync: () => 1 }, 'ephemeral_store');
    assert.equal(store.sync(), 1);
    const err = await store.get().catch((e: unknown) => e);
    assert.equal(failureCause(err), 'ephemeral_store');
  });
});
