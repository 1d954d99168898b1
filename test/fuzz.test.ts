// The fuzz gate: every operation of the server's own /openapi.json (so a new endpoint is
// covered the day it lands) gets FUZZ_RUNS (default 120) generated requests — valid,
// boundary and hostile bodies, queries and credentials. None may answer 5xx, hang, take
// the server down, grow its memory without bound or, when rejected, change a stored row.
// Replay a failure with the seed it prints: FUZZ_SEED=<n> [FUZZ_ONLY=<operation>].

import assert from 'node:assert/strict';
import { randomBytes, randomInt, scrypt } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { hawkHeader } from '../src/client/hawk.js';
import { BEARER_PREFIXES, deriveToken, type TokenKind } from '../src/crypto/index.js';
import type { ScryptFunction } from '../src/hashing/scrypt-pool.js';
import { caseArbitrary, operationSeed, operationsOf, type FuzzCase, type Operation } from './helpers/fuzz/cases.js';
import { PASSWORD, signUpVerified, uniqueEmail } from './helpers/flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31 - 1);
// 120 per operation keeps the gate near a minute with 60 operations (two on PostgreSQL +
// Redis) on the 2-core VM; each run has a new seed, so coverage adds up.
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const ONLY = process.env.FUZZ_ONLY;
/** Logs every request's outcome. */
const TRACE = process.env.FUZZ_TRACE === '1';
const BODY_LIMIT = 16384;
const RESPONSE_TIMEOUT_MS = 5000;
// Growth of the (shared) process's memory over the whole run; a leak per request shows well above it.
const MAX_HEAP_GROWTH = 256 * 1024 * 1024;
const MAX_RSS_GROWTH = 512 * 1024 * 1024;

console.log(`fuzz seed: ${SEED} (replay: FUZZ_SEED=${SEED} node --import tsx --test test/fuzz.test.ts)`);

// Server-side password hashing is scrypt at 64 MiB a go; the gate is about request handling,
// so a cheap scrypt keeps thousands of password checks within the budget.
const cheapScrypt: ScryptFunction = (password, salt) =>
  new Promise((resolve, reject) =>
    scrypt(password, salt, 32, { N: 16, r: 1, p: 1 }, (err, key) => (err ? reject(err) : resolve(key))),
  );

interface Credentials {
  email: string;
  sessionToken: string;
  keyFetchToken: string;
}

interface Sent {
  status: number;
  text: string;
}

let server: TestServer;
let smtp: SmtpSink;
let operations: Operation[];
let credentials: Credentials;
const knownEmails: string[] = [];

async function freshCredentials(email: string): Promise<Credentials> {
  const login = await server.client.signIn(email, PASSWORD, { keys: true });
  return { email, sessionToken: login.sessionToken, keyFetchToken: login.keyFetchToken! };
}

before(async () => {
  smtp = await startSmtpSink();
  server = await startTestServer({
    smtp,
    env: {
      RATE_LIMIT_ENABLED: 'false',
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      HAWK_TIMESTAMP_SKEW_SECONDS: '60',
      // One pooled SMTP connection instead of a handshake per mail: a third of the time per mail.
      SMTP_URL: `${smtp.url}${smtp.url.includes('?') ? '&' : '?'}pool=true`,
    },
    scrypt: cheapScrypt,
  });
  const email = uniqueEmail('fuzz');
  await signUpVerified(server, email);
  knownEmails.push(email);
  credentials = await freshCredentials(email);
  const response = await fetch(`${server.origin}/openapi.json`);
  assert.equal(response.status, 200);
  operations = operationsOf(await response.json());
});

after(async () => {
  await server?.close();
  await smtp?.stop();
});

function tokenFor(kind: TokenKind): string {
  return kind === 'keyFetchToken' ? credentials.keyFetchToken : credentials.sessionToken;
}

/** The Authorization header the case's arm calls for, signed over exactly what is sent. */
function authorization(op: Operation, c: FuzzCase, url: string): string | undefined {
  const { auth } = c;
  if (auth.kind === 'none') return undefined;
  if (auth.kind === 'garbage') return auth.header;
  const kind = (op.tokenKind ?? 'sessionToken') as TokenKind;
  const otherKind: TokenKind = kind === 'sessionToken' ? 'keyFetchToken' : 'sessionToken';
  const tokenData =
    auth.kind === 'wrong-kind'
      ? tokenFor(otherKind)
      : auth.kind === 'unknown-token'
        ? randomBytes(32).toString('hex')
        : tokenFor(kind);
  const { tokenId, authKey } = deriveToken(auth.kind === 'wrong-kind' ? otherKind : kind, Buffer.from(tokenData, 'hex'));
  if (auth.kind === 'bearer') return `Bearer ${BEARER_PREFIXES[kind]}_${tokenId.toString('hex')}`;
  const now = Math.floor(server.clock.now() / 1000);
  const hashPayload = auth.kind !== 'valid' || auth.payloadHash;
  return hawkHeader({
    url,
    method: op.method,
    id: tokenId.toString('hex'),
    key: auth.kind === 'tampered' ? randomBytes(32) : authKey,
    timestamp: auth.kind === 'stale' ? now + auth.offsetSeconds : now,
    ...(c.body !== undefined && hashPayload ? { payload: c.body, contentType: c.contentType ?? '' } : {}),
  });
}

function describe(op: Operation, c: FuzzCase, index: number): string {
  const body = c.body === undefined ? '(none)' : c.body.length > 300 ? `${c.body.slice(0, 300)}…(${c.body.length} chars)` : c.body;
  return [
    `fuzz seed ${SEED}, operation ${op.id}, request #${index} (replay: FUZZ_SEED=${SEED} FUZZ_ONLY='${op.id}')`,
    `  ${c.notes.join('; ')}`,
    `  query: ${c.query.slice(0, 300)}`,
    `  content-type: ${c.contentType ?? '(none)'}`,
    `  body: ${body}`,
  ].join('\n');
}

async function send(op: Operation, c: FuzzCase, index: number, authHeader?: string): Promise<{ sent: Sent; header?: string }> {
  const url = new URL(server.origin + c.path + (c.query ? `?${c.query}` : '')).href;
  const header = authHeader ?? authorization(op, c, url);
  const headers: Record<string, string> = {};
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  if (header !== undefined) headers.authorization = header;
  let response: Response;
  try {
    response = await fetch(url, {
      method: op.method,
      headers,
      body: c.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(RESPONSE_TIMEOUT_MS),
    });
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? `no response within ${RESPONSE_TIMEOUT_MS} ms` : String(err);
    throw new Error(`${reason}\n${describe(op, c, index)}`, { cause: err });
  }
  return { sent: { status: response.status, text: await response.text() }, header };
}

function checkResponse(op: Operation, c: FuzzCase, index: number, { status, text }: Sent): void {
  const where = () => `${describe(op, c, index)}\n  answered ${status}: ${text.slice(0, 500)}`;
  assert.ok(status < 500, `server error\n${where()}`);
  // Node's HTTP parser answers 431 itself, before any route, for a URL or headers over 16 KiB.
  if (status >= 400 && status !== 431) {
    let body: { errno?: unknown };
    try {
      body = JSON.parse(text) as { errno?: unknown };
    } catch {
      assert.fail(`error answer is not JSON\n${where()}`);
    }
    assert.equal(typeof body.errno, 'number', `error answer without errno\n${where()}`);
  }
}

/** The rows each table gained and lost, for failure messages. */
function snapshotDiff(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, string[]>;
  const b = JSON.parse(after) as Record<string, string[]>;
  const lines: string[] = [];
  for (const table of Object.keys({ ...a, ...b })) {
    const was = new Set(a[table] ?? []);
    const is = new Set(b[table] ?? []);
    for (const row of was) if (!is.has(row)) lines.push(`  ${table} - ${row}`);
    for (const row of is) if (!was.has(row)) lines.push(`  ${table} + ${row}`);
  }
  return `stored changes:\n${lines.slice(0, 20).join('\n')}`;
}

const timing = { snapshots: 0, snapshotMs: 0 };

// SQLite counts every row its one connection has changed: while that count stands still,
// the snapshot is the last one taken (on the other databases, each one is read in full).
let lastSnapshot: { changes: number; text: string } | undefined;

async function changeCount(): Promise<number | undefined> {
  const { db } = server.app.services;
  if (db.dialect !== 'sqlite') return undefined;
  const { rows } = await sql<{ n: number }>`select total_changes() as n`.execute(db.kysely);
  return Number(rows[0]!.n);
}

async function timedSnapshot(): Promise<string> {
  const started = performance.now();
  const changes = await changeCount();
  if (changes !== undefined && lastSnapshot?.changes === changes) return lastSnapshot.text;
  const text = await server.snapshot();
  if (changes !== undefined) lastSnapshot = { changes, text };
  timing.snapshots++;
  timing.snapshotMs += performance.now() - started;
  return text;
}

interface OperationStats {
  sent: number;
  accepted: number;
}

/**
 * Sends the cases one at a time and checks the database: every rejected request must leave
 * it as it was. A snapshot is taken before each case that could be accepted (so what an
 * accepted one changes is never blamed on the rejected ones before it) and after each accepted one.
 */
async function fuzzOperation(op: Operation): Promise<OperationStats> {
  const settings = { knownEmails, redirectOrigin: server.origin, bodyLimit: BODY_LIMIT };
  const cases = fc.sample(caseArbitrary(op, settings), { seed: operationSeed(SEED, op), numRuns: RUNS });
  const stats: OperationStats = { sent: 0, accepted: 0 };
  let baseline = await timedSnapshot();
  let pending: string[] = [];

  const checkpoint = async (blame: string) => {
    if (pending.length === 0) return;
    const now = await timedSnapshot();
    if (now !== baseline) {
      assert.fail(
        `stored state changed by a rejected request (${blame}), one of:\n${pending.join('\n')}\n${snapshotDiff(baseline, now)}`,
      );
    }
    pending = [];
  };

  for (const [index, c] of cases.entries()) {
    if (c.plausible) await checkpoint('checked before a request that could be accepted');
    const results: Sent[] = [];
    const first = await send(op, c, index);
    results.push(first.sent);
    // A replay is the very same request, Authorization header included.
    if (c.auth.kind === 'replayed') results.push((await send(op, c, index, first.header)).sent);

    if (TRACE) for (const r of results) console.log(`#${index} ${r.status} ${c.notes.join('; ')} ${r.text.slice(0, 120)}`);
    let accepted = false;
    for (const result of results) {
      stats.sent++;
      checkResponse(op, c, index, result);
      if (result.status < 400) accepted = true;
      else pending.push(`${describe(op, c, index)}\n  answered ${result.status}: ${result.text.slice(0, 200)}`);
    }
    if (accepted) {
      stats.accepted++;
      if (!c.plausible && pending.length > 0) {
        // An unexpected acceptance after rejections: the state must not have changed at all,
        // or it could not be told apart from a rejected request's change.
        pending.push(`${describe(op, c, index)}\n  (accepted unexpectedly)`);
        await checkpoint('or by a request accepted unexpectedly');
      }
      pending = [];
      baseline = await timedSnapshot();
    }
    // A valid request may have spent or destroyed our tokens: mint new ones for what follows.
    const spent = results.some((r) => r.status === 401 && /"errno":110/.test(r.text)) && c.auth.kind === 'valid';
    if ((accepted && c.auth.kind !== 'none') || spent) {
      if (!(await tokensWork())) {
        await checkpoint('checked before minting new tokens');
        credentials = await freshCredentials(credentials.email);
        baseline = await timedSnapshot();
      }
    }
  }
  await checkpoint('at the end of the operation');
  return stats;
}

/** Whether both of our tokens are still usable (a session may be destroyed, a key-fetch token spent). */
async function tokensWork(): Promise<boolean> {
  const session = await fetch(`${server.url}/session/status`, {
    headers: {
      authorization: `Bearer fxs_${deriveToken('sessionToken', Buffer.from(credentials.sessionToken, 'hex')).tokenId.toString('hex')}`,
    },
  });
  await session.arrayBuffer();
  if (session.status !== 200) return false;
  // The key-fetch token cannot be checked without spending it; its row tells.
  const tokenId = deriveToken('keyFetchToken', Buffer.from(credentials.keyFetchToken, 'hex')).tokenId;
  const row = await server.app.services.db.kysely
    .selectFrom('keyFetchTokens')
    .select('tokenId')
    .where('tokenId', '=', tokenId)
    .executeTakeFirst();
  return row !== undefined;
}

// The gate's fixed time budget (the suite's per-file timeout is 300 s): with 60 operations
// about 45 s on SQLite and 100 s on PostgreSQL + Redis on the 2-core VM while other work ran.
const FUZZ_BUDGET_MS = 300_000;

test(
  'fuzz gate: every OpenAPI operation survives generated valid, boundary and hostile requests',
  { timeout: FUZZ_BUDGET_MS },
  async (t) => {
    const selected = operations.filter((op) => !ONLY || op.id === ONLY || op.id.includes(ONLY));
    assert.ok(selected.length > 0, `no operation matches FUZZ_ONLY=${ONLY}`);
    assert.ok(ONLY || selected.length >= 25, `the document lists only ${selected.length} operations`);
    const memoryBefore = process.memoryUsage();
    const started = Date.now();
    let total = 0;
    for (const op of selected) {
      const opStarted = Date.now();
      const stats = await fuzzOperation(op);
      total += stats.sent;
      t.diagnostic(
        `${op.id}: ${stats.sent} requests, ${stats.accepted} accepted, ${Date.now() - opStarted} ms ` +
          `(${timing.snapshots} snapshots so far, ${Math.round(timing.snapshotMs)} ms)`,
      );
      assert.ok(stats.sent >= RUNS, `${op.id}: only ${stats.sent} requests sent`);
      // Still up after each operation.
      const alive = await fetch(`${server.origin}/__lbheartbeat__`, { signal: AbortSignal.timeout(RESPONSE_TIMEOUT_MS) });
      assert.equal(alive.status, 200, `server down after fuzzing ${op.id} (fuzz seed ${SEED})`);
      await alive.arrayBuffer();
    }
    const memoryAfter = process.memoryUsage();
    const heapGrowth = memoryAfter.heapUsed - memoryBefore.heapUsed;
    const rssGrowth = memoryAfter.rss - memoryBefore.rss;
    t.diagnostic(
      `fuzz seed ${SEED}: ${total} requests to ${selected.length} operations in ${Date.now() - started} ms; ` +
        `heap +${Math.round(heapGrowth / 1048576)} MiB, rss +${Math.round(rssGrowth / 1048576)} MiB`,
    );
    assert.ok(heapGrowth < MAX_HEAP_GROWTH, `heap grew by ${heapGrowth} bytes (fuzz seed ${SEED})`);
    assert.ok(rssGrowth < MAX_RSS_GROWTH, `rss grew by ${rssGrowth} bytes (fuzz seed ${SEED})`);
  },
);
