// `npm run bench`: ratios measured in one run on this machine (README.md, "Benchmarks").
//
//   1. login throughput ÷ raw scrypt throughput, same thread count T (target ≥ 0.85)
//   2. Hawk GET /v1/session/status throughput ÷ bare GET /__lbheartbeat__ (target ≥ 0.35),
//      with the server's CPU time per request for each
//   3. the server's idle RSS (target ≤ 100 MiB), and RSS after the load (informational)
//   4. OAuth: POST /v1/verify (JWT and opaque access tokens) and POST /v1/introspect (opaque)
//      throughput ÷ oidc-provider's introspection endpoint on its opaque access tokens, same
//      machine, same CPU (target ≥ 2.0 each), with each side's CPU time per request
//   5. Device commands: Hawk POST /v1/account/devices/invoke_command (queue + command_received
//      push to a loopback sink) and GET /v1/account/device/commands throughput ÷ the bare route
//      of the same server, with the server's CPU time per request (informational)
//
// Phases of a comparison alternate (A B B A …) so slow drift in background load hits both
// sides alike. Exits 0 whether figures pass or fail; 1 only if a figure could not be measured.
//
// Knobs (environment): SCRYPT_CONCURRENCY (T, default CPU count), BENCH_SCALE (multiplies
// every phase length, default 1), BENCH_CONNECTIONS (HTTP phases, default 32),
// BENCH_CPU_PROF_DIR (run the server under --cpu-prof, profiles written there; summarise one
// with `node --import tsx bench/profile.ts <file>`), BENCH_ONLY (comma list: login,hawk,oauth,commands),
// BENCH_SERVER_NODE_ARGS (extra node flags for the server, e.g. "--max-semi-space-size=2").

import { createECDH, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { AuthClient, hawkHeader } from '../src/client/index.js';
import { deriveToken, quickStretchV1 } from '../src/crypto/index.js';
import { hawkAuthorization, startLoadGenerator, type LoadGenerator, type LoadResult, type LoadSpec } from './load.js';
import { startOidcProvider, type OidcProviderServer } from './oidc-provider-server.js';
import { startScryptBench } from './scrypt.js';
import { pinToCpus, startServer, type BenchServer } from './server.js';

const T = Number(process.env.SCRYPT_CONCURRENCY) || availableParallelism();
const SCALE = Number(process.env.BENCH_SCALE) || 1;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS) || 32;
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const ACCOUNTS = 4;
const PASSWORD = 'benchmark password';
const IDLE_SETTLE_MS = 2000;

const ms = (n: number) => Math.round(n * SCALE);

const TARGETS = {
  login: 0.85,
  hawk: 0.35,
  idleRssMiB: 100,
  oauth: 2.0,
};

/** Bench OAuth clients (OAUTH_CLIENTS): public canGrant clients for fxa-credentials, one with JWT access tokens. */
const OAUTH_JWT_CLIENT = '98e6508e88680e1a';
const OAUTH_OPAQUE_CLIENT = '5e1a7b3c9d2f4e60';
const OAUTH_CLIENTS = JSON.stringify(
  [
    [OAUTH_JWT_CLIENT, 'Bench (JWT access tokens)', true],
    [OAUTH_OPAQUE_CLIENT, 'Bench (opaque access tokens)', false],
  ].map(([id, name, jwtAccessTokens]) => ({
    id,
    name,
    imageUri: '',
    redirectUri: 'https://bench.example/',
    trusted: true,
    canGrant: true,
    publicClient: true,
    jwtAccessTokens,
  })),
);
/** Access tokens minted per kind, on each side. */
const OAUTH_TOKENS = 64;

interface Account {
  email: string;
  uid: string;
  authPW: string;
  sessionToken: string;
}

interface Figure {
  name: string;
  value: string;
  target: string;
  verdict: 'PASS' | 'FAIL' | 'ERROR' | 'info';
}

const figures: Figure[] = [];
let unmeasured = 0;

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

const fmt = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

// ---- setup -------------------------------------------------------------------------------------

/** The `X-Verify-Code` of the verify mail the server wrote for `email` (file transport). */
async function verifyCodeFromMail(server: BenchServer, email: string): Promise<string> {
  const mailDir = join(server.dataDir, 'mail');
  const deadline = Date.now() + 5000;
  for (;;) {
    let files: string[] = [];
    try {
      files = readdirSync(mailDir).filter((f) => f.includes('_verify_'));
    } catch {
      // not created yet
    }
    for (const file of files) {
      const text = readFileSync(join(mailDir, file), 'utf8');
      const code = /^X-Verify-Code: *([0-9a-f]+)/im.exec(text)?.[1];
      if (code && text.includes(email)) return code;
    }
    if (Date.now() > deadline) throw new Error(`no verify mail for ${email} in ${mailDir}`);
    await sleep(50);
  }
}

async function createAccounts(server: BenchServer): Promise<Account[]> {
  const client = new AuthClient(`${server.origin}/v1`);
  const accounts: Account[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const email = `bench${i}.${process.pid}@example.com`;
    const signup = await client.signUp(email, PASSWORD);
    // A verified account is the common case: its login sends a new-device notice, not a verify mail.
    await client.verifyCode(signup.uid, await verifyCodeFromMail(server, email));
    const login = await client.signIn(email, PASSWORD);
    const { authPW } = await quickStretchV1(email, PASSWORD);
    accounts.push({ email, uid: signup.uid, authPW: authPW.toString('hex'), sessionToken: login.sessionToken });
  }
  return accounts;
}

function loginRequests(server: BenchServer, accounts: Account[]): string[] {
  return accounts.map((account) => {
    const body = JSON.stringify({ email: account.email, authPW: account.authPW });
    return (
      `POST /v1/account/login HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    );
  });
}

/** Our fast Hawk header must be byte-for-byte what the project's client (hawk package) sends. */
function checkHawkParity(server: BenchServer, id: string, key: Buffer): void {
  const parts = {
    id,
    key,
    method: 'GET',
    resource: '/v1/session/status',
    host: '127.0.0.1',
    port: server.port,
    ts: Math.floor(Date.now() / 1000),
    nonce: 'abc123',
  };
  const ours = hawkAuthorization(parts);
  const reference = hawkHeader({
    url: `${server.origin}${parts.resource}`,
    method: 'GET',
    id,
    key,
    timestamp: parts.ts,
    nonce: parts.nonce,
  });
  if (ours !== reference) throw new Error(`Hawk header mismatch:\n  ours ${ours}\n  hawk ${reference}`);
}

// ---- measurement -------------------------------------------------------------------------------

/** A B B A A B B A …: linear drift in background load hits both sides alike. */
async function alternate<A, B>(pairs: number, a: () => Promise<A>, b: () => Promise<B>): Promise<{ as: A[]; bs: B[] }> {
  const as: A[] = [];
  const bs: B[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return { as, bs };
}

/** Sums the windows of several phases of one kind. */
function combine(results: LoadResult[]) {
  const windowMs = results.reduce((s, r) => s + r.windowMs, 0);
  const credit = results.reduce((s, r) => s + r.credit, 0);
  const okCredit = results.reduce((s, r) => s + (r.rps * r.windowMs) / 1000, 0);
  const serverCpuMs = results.reduce((s, r) => s + (r.serverCpuMs ?? 0), 0);
  const generatorCpuMs = results.reduce((s, r) => s + r.generatorCpuMs, 0);
  const otherCpuMs = results.reduce((s, r) => s + r.otherCpuMs, 0);
  const byStatus: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
  const p50s = results.map((r) => r.latencyMs.p50).sort((a, b) => a - b);
  return {
    windowMs,
    rps: (okCredit * 1000) / windowMs,
    perPhaseRps: results.map((r) => r.rps),
    serverCpuUsPerRequest: credit > 0 ? (serverCpuMs * 1000) / credit : NaN,
    serverCpuShare: serverCpuMs / windowMs,
    generatorCpuShare: generatorCpuMs / windowMs,
    otherCpuShare: otherCpuMs / windowMs,
    byStatus,
    errors: results.reduce((s, r) => s + r.errors, 0),
    sampleFailure: results.find((r) => r.sampleFailure)?.sampleFailure,
    p50: p50s[Math.floor(p50s.length / 2)]!,
    p99: Math.max(...results.map((r) => r.latencyMs.p99)),
  };
}

const pct = (share: number) => `${fmt(share * 100, 0)}%`;

function describe(label: string, c: ReturnType<typeof combine>, rpsDigits = 0): void {
  log(
    `  ${label.padEnd(22)} ${fmt(c.rps, rpsDigits).padStart(8)} /s  (phases ${c.perPhaseRps.map((r) => fmt(r, rpsDigits)).join(', ')})` +
      `  p50 ${fmt(c.p50, 2)} ms  p99 ${fmt(c.p99, 2)} ms  ${JSON.stringify(c.byStatus)}` +
      (c.errors ? ` ${c.errors} socket errors` : ''),
  );
  log(
    `  ${''.padEnd(22)} server CPU ${fmt(c.serverCpuUsPerRequest, 1)} µs/req; cores busy: server ${pct(c.serverCpuShare)},` +
      ` generator ${pct(c.generatorCpuShare)}, other processes ${pct(c.otherCpuShare)}`,
  );
  if (c.sampleFailure) log(`  sample failure:\n${c.sampleFailure.replace(/^/gm, '    ')}`);
}

async function measureLogin(server: BenchServer, generator: LoadGenerator, accounts: Account[]): Promise<void> {
  log(`\n[1] login vs raw scrypt, T=${T} threads (N=65536 r=8 p=1, 64 MiB)`);
  const scrypt = await startScryptBench(T);
  try {
    const loginSpec: LoadSpec = {
      host: '127.0.0.1',
      port: server.port,
      concurrency: 3 * T,
      warmupMs: ms(700),
      durationMs: ms(3500),
      request: { kind: 'static', requests: loginRequests(server, accounts) },
      serverPid: server.pid,
    };
    const scryptSpec = { warmupMs: ms(300), durationMs: ms(3500) };
    const { as: raw, bs: logins } = await alternate(
      4,
      () => scrypt.run(scryptSpec),
      () => generator.run(loginSpec),
    );

    const rawWindow = raw.reduce((s, r) => s + r.windowMs, 0);
    const rawCredit = raw.reduce((s, r) => s + r.credit, 0);
    const rawPerSecond = (rawCredit * 1000) / rawWindow;
    const rawCpuPerOp = raw.reduce((s, r) => s + r.cpuMs, 0) / rawCredit;
    const rawOther = raw.reduce((s, r) => s + r.otherCpuMs, 0) / rawWindow;
    const login = combine(logins);
    const ratio = login.rps / rawPerSecond;
    const loginCpuMs = login.serverCpuUsPerRequest / 1000;

    log(
      `  raw scrypt             ${fmt(rawPerSecond, 2).padStart(8)} /s  (phases ${raw.map((r) => fmt(r.perSecond, 2)).join(', ')})` +
        `  ${fmt(raw.reduce((s, r) => s + r.meanMs, 0) / raw.length, 0)} ms/call`,
    );
    log(`  ${''.padEnd(22)} CPU ${fmt(rawCpuPerOp, 1)} ms/call; other processes ${pct(rawOther)} of a core`);
    describe(`login (${loginSpec.concurrency} in flight)`, login, 2);
    log(
      `  server CPU per login ${fmt(loginCpuMs, 1)} ms = scrypt ${fmt(rawCpuPerOp, 1)} ms + ${fmt(loginCpuMs - rawCpuPerOp, 1)} ms other work` +
        ` (CPU-bound ratio ${fmt(rawCpuPerOp / loginCpuMs, 3)})`,
    );
    log(`  ratio ${fmt(ratio, 3)}`);
    figures.push({
      name: `login/s ÷ scrypt/s (T=${T})`,
      value: `${fmt(ratio, 3)} (${fmt(login.rps, 2)} / ${fmt(rawPerSecond, 2)})`,
      target: `≥ ${TARGETS.login}`,
      verdict: ratio >= TARGETS.login ? 'PASS' : 'FAIL',
    });
    figures.push({
      name: 'server CPU per login',
      value: `${fmt(loginCpuMs, 1)} ms (scrypt ${fmt(rawCpuPerOp, 1)} ms, ratio ${fmt(rawCpuPerOp / loginCpuMs, 3)})`,
      target: '',
      verdict: 'info',
    });
    if (login.byStatus['200'] === undefined) throw new Error('no login succeeded');
  } finally {
    await scrypt.close();
  }
}

async function measureHawk(server: BenchServer, generator: LoadGenerator, account: Account): Promise<void> {
  log(`\n[2] Hawk GET /v1/session/status vs bare GET /__lbheartbeat__, ${CONNECTIONS} connections`);
  const { tokenId, authKey } = deriveToken('sessionToken', Buffer.from(account.sessionToken, 'hex'));
  checkHawkParity(server, tokenId.toString('hex'), authKey);
  const common = {
    host: '127.0.0.1',
    port: server.port,
    concurrency: CONNECTIONS,
    warmupMs: ms(800),
    durationMs: ms(4000),
    serverPid: server.pid,
  };
  const bareSpec: LoadSpec = {
    ...common,
    request: { kind: 'static', requests: [`GET /__lbheartbeat__ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`] },
  };
  const hawkSpec: LoadSpec = {
    ...common,
    request: {
      kind: 'hawk',
      method: 'GET',
      path: '/v1/session/status',
      id: tokenId.toString('hex'),
      keyHex: authKey.toString('hex'),
      publicHost: '127.0.0.1',
      publicPort: server.port,
    },
  };
  // On a 2-CPU machine the scheduler sometimes runs server and generator on one core;
  // one core each makes the two phases comparable from run to run.
  const cpus = availableParallelism();
  const pinned = cpus >= 2 && pinToCpus(server.pid, '0') && pinToCpus(generator.pid, `1-${cpus - 1}`);
  if (pinned) log(`  server pinned to CPU 0, load generator to CPUs 1-${cpus - 1}`);
  const { as: bares, bs: hawks } = await alternate(
    2,
    () => generator.run(bareSpec),
    () => generator.run(hawkSpec),
  ).finally(() => {
    if (pinned) pinToCpus(server.pid, `0-${cpus - 1}`);
  });

  const bare = combine(bares);
  const hawk = combine(hawks);
  describe('bare /__lbheartbeat__', bare);
  describe('Hawk /session/status', hawk);
  const ratio = hawk.rps / bare.rps;
  const cpuRatio = bare.serverCpuUsPerRequest / hawk.serverCpuUsPerRequest;
  log(`  ratio ${fmt(ratio, 3)} (server CPU per request, bare ÷ Hawk: ${fmt(cpuRatio, 3)})`);
  figures.push({
    name: 'Hawk status ÷ bare route (req/s)',
    value: `${fmt(ratio, 3)} (${fmt(hawk.rps, 0)} / ${fmt(bare.rps, 0)})`,
    target: `≥ ${TARGETS.hawk}`,
    verdict: ratio >= TARGETS.hawk ? 'PASS' : 'FAIL',
  });
  figures.push({
    name: 'server CPU/req: Hawk, bare',
    value: `${fmt(hawk.serverCpuUsPerRequest, 0)} µs, ${fmt(bare.serverCpuUsPerRequest, 0)} µs (bare ÷ Hawk ${fmt(cpuRatio, 3)})`,
    target: '',
    verdict: 'info',
  });
  if (hawk.byStatus['200'] === undefined) throw new Error('no Hawk request succeeded');
}

/** A JSON POST of `{"token": …}` as a raw HTTP/1.1 request. */
function tokenPost(server: BenchServer, path: string, token: string): string {
  const body = JSON.stringify({ token });
  return (
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

async function mintOurTokens(server: BenchServer, accounts: Account[], clientId: string): Promise<string[]> {
  const client = new AuthClient(`${server.origin}/v1`);
  const tokens: string[] = [];
  for (let i = 0; i < OAUTH_TOKENS; i++) {
    const { access_token } = await client.oauthToken(
      { client_id: clientId, grant_type: 'fxa-credentials', scope: 'profile' },
      accounts[i % accounts.length]!.sessionToken,
    );
    tokens.push(access_token);
  }
  return tokens;
}

async function expectAnswer(label: string, request: Promise<Response>, check: (body: Record<string, unknown>) => boolean) {
  const response = await request;
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200 || !check(body)) throw new Error(`${label}: ${response.status} ${JSON.stringify(body)}`);
}

async function measureOAuth(server: BenchServer, generator: LoadGenerator, accounts: Account[]): Promise<void> {
  log(`\n[4] OAuth: /v1/verify, /v1/introspect vs oidc-provider's introspection, ${CONNECTIONS} connections`);
  const jwts = await mintOurTokens(server, accounts, OAUTH_JWT_CLIENT);
  const opaques = await mintOurTokens(server, accounts, OAUTH_OPAQUE_CLIENT);
  if (!jwts.every((t) => t.split('.').length === 3) || !opaques.every((t) => /^[0-9a-f]{64}$/.test(t))) {
    throw new Error('the bench clients did not get the expected token kinds (JWT, opaque)');
  }
  const post = (path: string, token: string) =>
    fetch(`${server.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
  await expectAnswer('verify JWT', post('/v1/verify', jwts[0]!), (b) => b.client_id === OAUTH_JWT_CLIENT);
  await expectAnswer('verify opaque', post('/v1/verify', opaques[0]!), (b) => b.client_id === OAUTH_OPAQUE_CLIENT);
  await expectAnswer('introspect opaque', post('/v1/introspect', opaques[0]!), (b) => b.active === true);

  const baseline: OidcProviderServer = await startOidcProvider({
    nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean),
  });
  const cpus = availableParallelism();
  let pinned = false;
  try {
    const theirOpaques = await baseline.mint('opaque', OAUTH_TOKENS);
    const theirJwts = await baseline.mint('jwt', 1);
    const checkOpaque = await baseline.introspect(theirOpaques[0]!);
    if (checkOpaque.status !== 200 || checkOpaque.body.active !== true) {
      throw new Error(`oidc-provider introspection: ${checkOpaque.status} ${JSON.stringify(checkOpaque.body)}`);
    }
    // What a resource server gets when it asks oidc-provider about one of its JWT access tokens.
    const checkJwt = await baseline.introspect(theirJwts[0]!);
    log(
      `  oidc-provider ${baseline.origin} (pid ${baseline.pid}), in-memory adapter; introspecting its JWT access token:` +
        ` ${checkJwt.status} ${String(checkJwt.body.error)} ("${String(checkJwt.body.error_description)}"),` +
        ` so every row below is compared with its introspection of opaque tokens`,
    );

    const common = { host: '127.0.0.1', concurrency: CONNECTIONS, warmupMs: ms(600), durationMs: ms(3000) };
    const ours = (requests: string[]): LoadSpec => ({
      ...common,
      port: server.port,
      serverPid: server.pid,
      request: { kind: 'static', requests, rotate: true },
    });
    const kinds: { label: string; spec: LoadSpec; results: LoadResult[] }[] = [
      { label: 'ours verify JWT', spec: ours(jwts.map((t) => tokenPost(server, '/v1/verify', t))), results: [] },
      { label: 'ours verify opaque', spec: ours(opaques.map((t) => tokenPost(server, '/v1/verify', t))), results: [] },
      { label: 'ours introspect opaque', spec: ours(opaques.map((t) => tokenPost(server, '/v1/introspect', t))), results: [] },
      {
        label: 'oidc-provider introspect',
        spec: {
          ...common,
          port: baseline.port,
          serverPid: baseline.pid,
          request: { kind: 'static', requests: theirOpaques.map((t) => baseline.introspectionRequest(t)), rotate: true },
        },
        results: [],
      },
    ];

    // Both servers on CPU 0, the load generator on the others (as for the Hawk figure).
    pinned = cpus >= 2 && pinToCpus(server.pid, '0') && pinToCpus(baseline.pid, '0') && pinToCpus(generator.pid, `1-${cpus - 1}`);
    if (pinned) log(`  both servers pinned to CPU 0, load generator to CPUs 1-${cpus - 1}`);
    // A B C D D C B A: every kind's phases average to the same moment, so linear drift cancels.
    for (let round = 0; round < 2; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) kind.results.push(await generator.run(kind.spec));
    }

    const [jwtVerify, opaqueVerify, introspect, theirs] = kinds.map((kind) => {
      const combined = combine(kind.results);
      describe(kind.label, combined);
      return combined;
    });
    for (const [name, mine] of [
      ['verify JWT', jwtVerify!],
      ['verify opaque', opaqueVerify!],
      ['introspect opaque', introspect!],
    ] as const) {
      const ratio = mine.rps / theirs!.rps;
      log(
        `  ${name} ÷ oidc-provider introspect: ${fmt(ratio, 3)} (server CPU per request, theirs ÷ ours: ${fmt(theirs!.serverCpuUsPerRequest / mine.serverCpuUsPerRequest, 3)})`,
      );
      figures.push({
        name: `${name} ÷ oidc-provider (req/s)`,
        value: `${fmt(ratio, 3)} (${fmt(mine.rps, 0)} / ${fmt(theirs!.rps, 0)})`,
        target: `≥ ${TARGETS.oauth}`,
        verdict: ratio >= TARGETS.oauth ? 'PASS' : 'FAIL',
      });
      if (mine.byStatus['200'] === undefined) throw new Error(`no ${name} request succeeded`);
    }
    figures.push({
      name: 'server CPU/req: verify JWT, opaque, introspect; oidc-provider',
      value: `${[jwtVerify!, opaqueVerify!, introspect!, theirs!].map((c) => `${fmt(c.serverCpuUsPerRequest, 0)} µs`).join(', ')}`,
      target: '',
      verdict: 'info',
    });
    if (theirs!.byStatus['200'] === undefined) throw new Error('no oidc-provider introspection succeeded');
  } finally {
    if (pinned) {
      pinToCpus(server.pid, `0-${cpus - 1}`);
      pinToCpus(generator.pid, `0-${cpus - 1}`);
    }
    await baseline.stop();
  }
}

// ---- device commands ---------------------------------------------------------------------------

const OPEN_URI = 'https://identity.mozilla.com/cmd/open-uri';

interface PushSink {
  port: number;
  /** Push messages received so far. */
  received(): number;
  close(): Promise<void>;
}

/** A push service on loopback: takes every message and answers 201, as autopush does. */
async function startPushSink(): Promise<PushSink> {
  let received = 0;
  const sink = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(201, { location: `http://127.0.0.1/m/${received}` }).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return {
    port: (sink.address() as { port: number }).port,
    received: () => received,
    close: () => new Promise<void>((resolve) => sink.close(() => resolve())),
  };
}

/**
 * Writes a device row for `sessionToken` straight into the SQLite file of a stopped server,
 * with a push subscription on the sink and Send Tab in its availableCommands: the row
 * POST /v1/account/device would store.
 */
function insertDevice(dataDir: string, uid: string, sessionToken: string, pushCallback: string): Buffer {
  const id = randomBytes(16);
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const database = new SQLite(join(dataDir, 'accounts.sqlite'), { timeout: 5000 });
  try {
    database
      .prepare(
        'INSERT INTO devices (uid, id, sessionTokenId, refreshTokenId, name, type, createdAt, pushCallback, pushPublicKey,' +
          ' pushAuthKey, pushEndpointExpired, availableCommands, lastAccessTime, lastCommandIndex)' +
          ' VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 0, ?, NULL, 0)',
      )
      .run(
        Buffer.from(uid, 'hex'),
        id,
        deriveToken('sessionToken', Buffer.from(sessionToken, 'hex')).tokenId,
        'Bench device',
        'desktop',
        Date.now(),
        pushCallback,
        ecdh.getPublicKey().toString('base64url'),
        randomBytes(16).toString('base64url'),
        JSON.stringify({ [OPEN_URI]: JSON.stringify({ kid: 'bench', IV: 'x', hmac: 'x', ciphertext: 'x' }) }),
      );
  } finally {
    database.close();
  }
  return id;
}

async function measureCommands(generator: LoadGenerator): Promise<void> {
  log(`\n[5] device commands: invoke_command and device/commands vs bare GET /__lbheartbeat__, ${CONNECTIONS} connections`);
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean);
  const dataDir = mkdtempSync(join(tmpdir(), 'fxa-bench-commands-'));
  const sink = await startPushSink();
  let server: BenchServer | undefined;
  const cpus = availableParallelism();
  let pinned = false;
  try {
    // A first server makes the account and its two sessions; with it stopped, the bench writes
    // the two device rows into its SQLite file; then the measured server starts on that file,
    // holding it exclusively as usual. PUSH_ALLOW_LOOPBACK lets the Web Push sender deliver to
    // the sink on 127.0.0.1 (the push feature's setting; without it a push to loopback is
    // refused, and the phase says the figures leave Web Push out).
    const setup = await startServer({ scryptConcurrency: T, dataDir, nodeArgs });
    const email = `bench.commands.${process.pid}@example.com`;
    let signup: { uid: string; sessionToken: string };
    let targetSession: string;
    try {
      const client = new AuthClient(`${setup.origin}/v1`);
      signup = await client.signUp(email, PASSWORD);
      await client.verifyCode(signup.uid, await verifyCodeFromMail(setup, email));
      // The sign-up session is confirmed now; its copy is the target device's session.
      targetSession = (await client.sessionDuplicate(signup.sessionToken)).sessionToken;
    } finally {
      await setup.stop();
    }
    const callback = (n: number) => `http://127.0.0.1:${sink.port}/wpush/v2/${n}`;
    insertDevice(dataDir, signup.uid, signup.sessionToken, callback(1));
    const targetId = insertDevice(dataDir, signup.uid, targetSession, callback(2));
    server = await startServer({ scryptConcurrency: T, dataDir, nodeArgs, env: { PUSH_ALLOW_LOOPBACK: 'true' } });
    const measured = server;

    const client = new AuthClient(`${measured.origin}/v1`);
    const body = JSON.stringify({
      target: targetId.toString('hex'),
      command: OPEN_URI,
      // The size of a Send Tab payload: one encrypted tab.
      payload: { encrypted: randomBytes(300).toString('base64url') },
    });
    const sent = await client.request<{ enqueued: boolean; notified: boolean; notifyError?: string }>(
      'POST',
      '/account/devices/invoke_command',
      { token: { kind: 'sessionToken', tokenData: signup.sessionToken }, body: JSON.parse(body) as unknown },
    );
    const page = await client.request<{ messages: unknown[] }>('GET', '/account/device/commands', {
      token: { kind: 'sessionToken', tokenData: targetSession },
      query: { index: 1, limit: 1 },
    });
    if (!sent.enqueued || page.messages.length !== 1) throw new Error(`commands do not work: ${JSON.stringify({ sent, page })}`);
    log(
      sent.notified
        ? `  pushes go to the sink on 127.0.0.1:${sink.port}`
        : `  the push was not delivered (notifyError ${sent.notifyError}): these figures leave Web Push out`,
    );

    const hawk = (sessionToken: string, method: string, path: string, requestBody?: string): LoadSpec['request'] => {
      const { tokenId, authKey } = deriveToken('sessionToken', Buffer.from(sessionToken, 'hex'));
      return {
        kind: 'hawk',
        method,
        path,
        body: requestBody,
        id: tokenId.toString('hex'),
        keyHex: authKey.toString('hex'),
        publicHost: '127.0.0.1',
        publicPort: measured.port,
      };
    };
    const common = {
      host: '127.0.0.1',
      port: measured.port,
      concurrency: CONNECTIONS,
      warmupMs: ms(600),
      durationMs: ms(3000),
      serverPid: measured.pid,
    };
    const kinds: { label: string; spec: LoadSpec; results: LoadResult[] }[] = [
      {
        label: 'bare /__lbheartbeat__',
        spec: {
          ...common,
          request: { kind: 'static', requests: [`GET /__lbheartbeat__ HTTP/1.1\r\nHost: 127.0.0.1:${measured.port}\r\n\r\n`] },
        },
        results: [],
      },
      {
        label: 'invoke_command',
        spec: { ...common, request: hawk(signup.sessionToken, 'POST', '/v1/account/devices/invoke_command', body) },
        results: [],
      },
      {
        // What the push's URL asks for: one command, by its index.
        label: 'device/commands',
        spec: { ...common, request: hawk(targetSession, 'GET', '/v1/account/device/commands?index=1&limit=1') },
        results: [],
      },
    ];

    pinned = cpus >= 2 && pinToCpus(measured.pid, '0') && pinToCpus(generator.pid, `1-${cpus - 1}`);
    if (pinned) log(`  server pinned to CPU 0, load generator to CPUs 1-${cpus - 1}`);
    const pushesBefore = sink.received();
    // A B C C B A: each kind's phases average to the same moment.
    for (let round = 0; round < 2; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) kind.results.push(await generator.run(kind.spec));
    }
    const pushes = sink.received() - pushesBefore;

    const [bare, invoke, read] = kinds.map((kind) => {
      const combined = combine(kind.results);
      describe(kind.label, combined);
      return combined;
    }) as [ReturnType<typeof combine>, ReturnType<typeof combine>, ReturnType<typeof combine>];
    const invokes = invoke.byStatus['200'] ?? 0;
    log(`  pushes received by the sink during the load: ${pushes} (invoke_command answered 200 ${invokes} times inside the windows)`);
    for (const [name, mine] of [
      ['invoke_command', invoke],
      ['device/commands', read],
    ] as const) {
      const ratio = mine.rps / bare.rps;
      log(
        `  ${name} ÷ bare: ${fmt(ratio, 3)} (server CPU per request, bare ÷ ${name}: ${fmt(bare.serverCpuUsPerRequest / mine.serverCpuUsPerRequest, 3)})`,
      );
      figures.push({
        name: `${name} ÷ bare route (req/s)`,
        value: `${fmt(ratio, 3)} (${fmt(mine.rps, 0)} / ${fmt(bare.rps, 0)})`,
        target: '',
        verdict: 'info',
      });
      if (mine.byStatus['200'] === undefined) throw new Error(`no ${name} request succeeded`);
    }
    figures.push({
      name: 'server CPU/req: invoke_command, device/commands, bare',
      value: [invoke, read, bare].map((c) => `${fmt(c.serverCpuUsPerRequest, 0)} µs`).join(', '),
      target: '',
      verdict: 'info',
    });
    figures.push({
      name: 'command_received pushes delivered',
      value: sent.notified ? `${pushes} (≈ every invoke, warm-up and drain included)` : `none (${sent.notifyError})`,
      target: '',
      verdict: 'info',
    });
  } finally {
    if (pinned && server) {
      pinToCpus(server.pid, `0-${cpus - 1}`);
      pinToCpus(generator.pid, `0-${cpus - 1}`);
    }
    await server?.stop();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- main --------------------------------------------------------------------------------------

function printTable(): void {
  const rows = [['figure', 'value', 'target', ''], ...figures.map((f) => [f.name, f.value, f.target, f.verdict])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  log('\n' + '='.repeat(widths.reduce((a, b) => a + b + 3, 0) + 5));
  for (const row of rows) log(row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('   '));
}

async function main(): Promise<void> {
  const started = Date.now();
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
  log(`bench: T=${T} (SCRYPT_CONCURRENCY), ${availableParallelism()} CPUs, load average ${load()}, node ${process.version}`);
  if (process.env.BENCH_SERVER_NODE_ARGS) log(`server node flags: ${process.env.BENCH_SERVER_NODE_ARGS}`);

  const server = await startServer({
    scryptConcurrency: T,
    env: { OAUTH_CLIENTS },
    nodeArgs: [
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
      ...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []),
    ],
  });
  let generator: LoadGenerator | undefined;
  try {
    await sleep(IDLE_SETTLE_MS);
    const idle = server.memory();
    log(
      `\n[3] server pid ${server.pid} on ${server.origin}: idle RSS ${fmt(idle.rssMiB)} MiB` +
        ` (anonymous ${fmt(idle.anonMiB)}, file-backed ${fmt(idle.fileMiB)}; ${IDLE_SETTLE_MS} ms after it answered)`,
    );
    figures.push({
      name: 'idle RSS',
      value: `${fmt(idle.rssMiB)} MiB`,
      target: `≤ ${TARGETS.idleRssMiB} MiB`,
      verdict: idle.rssMiB <= TARGETS.idleRssMiB ? 'PASS' : 'FAIL',
    });

    generator = await startLoadGenerator();
    const accounts = await createAccounts(server);

    for (const [label, measure] of [
      ['login', () => measureLogin(server, generator!, accounts)],
      ['hawk', () => measureHawk(server, generator!, accounts[0]!)],
      ['oauth', () => measureOAuth(server, generator!, accounts)],
      ['commands', () => measureCommands(generator!)],
    ] as const) {
      if (ONLY && !ONLY.includes(label)) continue;
      try {
        await measure();
      } catch (err) {
        unmeasured++;
        log(`  ${label}: ERROR ${err instanceof Error ? err.message : String(err)}`);
        figures.push({ name: label, value: 'not measured', target: '', verdict: 'ERROR' });
      }
    }

    const after = server.memory();
    log(`\n[3] RSS after load ${fmt(after.rssMiB)} MiB (anonymous ${fmt(after.anonMiB)}), peak (VmHWM) ${fmt(after.hwmMiB)} MiB`);
    figures.push({
      name: 'RSS after load (peak)',
      value: `${fmt(after.rssMiB)} MiB (${fmt(after.hwmMiB)} MiB)`,
      target: '',
      verdict: 'info',
    });
  } finally {
    await generator?.close();
    await server.stop();
  }

  printTable();
  log(`(${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${load()})`);
}

main().then(
  () => process.exit(unmeasured > 0 ? 1 : 0),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    printTable();
    process.exit(1);
  },
);
