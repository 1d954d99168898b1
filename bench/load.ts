// HTTP load generator. It runs in its own process (forked from the orchestrator), so
// its CPU use is not counted as the server's, and speaks HTTP/1.1 directly over
// node:net keep-alive sockets: each of `concurrency` connections sends a request,
// reads the whole response and sends the next one. A hand-rolled client costs a few
// µs per request, so on a 2-core machine the server, not the generator, is the
// bottleneck. Hawk requests get a fresh timestamp, nonce and MAC each (docs/protocol.md §4.1).
//
// Counting: requests run for warmupMs + durationMs; only responses that arrive inside
// the measurement window count, and the server's CPU time (from /proc) is sampled at
// the window's edges, so `serverCpuUsPerRequest` is the server's cost of one request.

import { createHmac, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { machineBusyMs, processCpuMs } from './server.js';
import { BenchWorker, serveWorker } from './worker.js';

const CHILD_FLAG = '--bench-load-child';

/**
 * Raw HTTP/1.1 requests: a connection uses `requests[connectionIndex % requests.length]`, or
 * with `rotate` goes through all of them in turn from there (a pool of tokens larger than the
 * connection count is then used whole).
 */
export interface StaticRequests {
  kind: 'static';
  requests: string[];
  rotate?: boolean;
}

/** `Authorization: Hawk …` computed per request for one token. */
export interface HawkRequests {
  kind: 'hawk';
  method: string;
  /** Path and query, as signed. */
  path: string;
  /** A JSON body sent with every request (Hawk without a payload hash, which FxA makes optional). */
  body?: string;
  /** Hawk id: the tokenId as hex. */
  id: string;
  /** The MAC key (authKey) as hex. */
  keyHex: string;
  /** Host and port the server checks MACs against (its PUBLIC_URL). */
  publicHost: string;
  publicPort: number;
}

export interface LoadSpec {
  host: string;
  port: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  request: StaticRequests | HawkRequests;
  /** Sampled from /proc at the window's edges when given. */
  serverPid?: number;
}

export interface LoadResult {
  /** Responses received inside the measurement window. */
  completed: number;
  ok: number;
  byStatus: Record<string, number>;
  /** Socket errors and unparseable responses (the connection is re-opened). */
  errors: number;
  /** A sample non-2xx response (head + body), for diagnosis. */
  sampleFailure?: string;
  windowMs: number;
  /** Requests done inside the window, counting straddling requests pro rata (see credit()). */
  credit: number;
  /** Successful responses per second (pro rata). */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  serverCpuMs?: number;
  serverCpuUsPerRequest?: number;
  /** The generator's own CPU time in the window (if ≈ windowMs, the generator was saturated). */
  generatorCpuMs: number;
  /** CPU time used in the window by every process but the server and the generator (noise). */
  otherCpuMs: number;
}

// ---- Hawk --------------------------------------------------------------------------------------

export interface HawkParts {
  id: string;
  key: Buffer;
  method: string;
  /** Path and query, as sent. */
  resource: string;
  host: string;
  port: number;
  /** Unix seconds. */
  ts: number;
  nonce: string;
}

/** A Hawk header without payload hash or ext; the same string as the hawk package's client.header. */
export function hawkAuthorization(parts: HawkParts): string {
  const normalized =
    `hawk.1.header\n${parts.ts}\n${parts.nonce}\n${parts.method.toUpperCase()}\n${parts.resource}\n` +
    `${parts.host.toLowerCase()}\n${parts.port}\n\n\n`;
  const mac = createHmac('sha256', parts.key).update(normalized).digest('base64');
  return `Hawk id="${parts.id}", ts="${parts.ts}", nonce="${parts.nonce}", mac="${mac}"`;
}

// ---- parent side -------------------------------------------------------------------------------

export type LoadGenerator = BenchWorker<LoadSpec, LoadResult>;

/** A long-lived generator process; run() one phase at a time. */
export function startLoadGenerator(): Promise<LoadGenerator> {
  return BenchWorker.start<LoadSpec, LoadResult>('load generator', fileURLToPath(import.meta.url), CHILD_FLAG);
}

// ---- child side --------------------------------------------------------------------------------

interface Window {
  open: boolean;
  /** performance.now() at the window's edges, once reached. */
  start?: number;
  end?: number;
  /** Σ over responses of the share of their lifetime inside the window (see credit()). */
  credit: number;
  okCredit: number;
  latencies: number[];
  byStatus: Map<number, number>;
  errors: number;
  sampleFailure?: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const DRAIN_TIMEOUT_MS = 15_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n');

/** One keep-alive connection issuing requests back to back. */
class Connection {
  private socket!: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private sentAt = 0;
  private busy = false;
  private stopped = false;
  private finished = false;

  constructor(
    private readonly spec: LoadSpec,
    private readonly nextRequest: () => string,
    private readonly window: Window,
    private readonly onIdle: () => void,
  ) {}

  start(): void {
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (!this.busy) this.finish();
  }

  /** Gives up on a request that never got its response. */
  abort(): void {
    this.stopped = true;
    this.busy = false;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.socket.destroy();
    this.onIdle();
  }

  private open(): void {
    if (this.stopped) return this.finish();
    this.buffer = Buffer.alloc(0);
    this.socket = connect(this.spec.port, this.spec.host);
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.send());
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => {
      if (this.busy) this.fail();
    });
  }

  private send(): void {
    if (this.stopped) return this.finish();
    this.busy = true;
    this.sentAt = performance.now();
    this.socket.write(this.nextRequest());
  }

  private fail(): void {
    if (!this.busy) return;
    this.busy = false;
    if (this.window.open) this.window.errors++;
    this.socket.removeAllListeners();
    this.socket.on('error', () => {});
    this.socket.destroy();
    if (this.stopped) return this.finish();
    setTimeout(() => this.open(), 10);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const bodyStart = headerEnd + 4;
    let end: number;
    const length = /\r\ncontent-length: *(\d+)/.exec(lower);
    if (length) {
      end = bodyStart + Number(length[1]);
      if (this.buffer.length < end) return;
    } else if (lower.includes('\r\ntransfer-encoding: chunked')) {
      const terminator = this.buffer.indexOf(CHUNKED_END, bodyStart - 2);
      if (terminator < 0) return;
      end = terminator + CHUNKED_END.length;
    } else {
      end = bodyStart;
    }
    if (this.buffer.length > end || !Number.isInteger(status)) return this.fail();
    const response = this.buffer;
    this.buffer = Buffer.alloc(0);
    this.busy = false;
    const now = performance.now();
    const share = credit(this.window, this.sentAt, now);
    this.window.credit += share;
    if (status >= 200 && status <= 299) this.window.okCredit += share;
    if (this.window.open) {
      this.window.latencies.push(now - this.sentAt);
      this.window.byStatus.set(status, (this.window.byStatus.get(status) ?? 0) + 1);
      if ((status < 200 || status > 299) && this.window.sampleFailure === undefined) {
        this.window.sampleFailure = response.toString('utf8', 0, Math.min(end, 2000));
      }
    }
    if (lower.includes('\r\nconnection: close')) {
      this.socket.removeAllListeners();
      this.socket.destroy();
      return this.open();
    }
    this.send();
  }
}

/**
 * The share of a request's lifetime [sentAt, doneAt] that falls inside the window. Summed
 * over all requests (those straddling an edge included, which is why phases drain), this
 * counts requests done in the window without the ±concurrency rounding error of counting
 * whole completions, which matters when requests take 100s of ms (logins).
 */
function credit(window: Window, sentAt: number, doneAt: number): number {
  if (window.start === undefined || doneAt <= sentAt) return 0;
  const overlap = Math.min(doneAt, window.end ?? doneAt) - Math.max(sentAt, window.start);
  return overlap > 0 ? overlap / (doneAt - sentAt) : 0;
}

function requestSource(spec: LoadSpec, index: number): () => string {
  const { request } = spec;
  if (request.kind === 'static') {
    const { requests } = request;
    if (request.rotate) {
      let next = index;
      return () => requests[next++ % requests.length]!;
    }
    const raw = requests[index % requests.length]!;
    return () => raw;
  }
  const key = Buffer.from(request.keyHex, 'hex');
  const hostHeader = `${request.publicHost}:${request.publicPort}`;
  const content =
    request.body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(request.body)}\r\n`;
  const bodyText = request.body ?? '';
  const prefix = `${randomBytes(3).toString('hex')}${index.toString(36)}x`;
  let counter = 0;
  return () => {
    const authorization = hawkAuthorization({
      id: request.id,
      key,
      method: request.method,
      resource: request.path,
      host: request.publicHost,
      port: request.publicPort,
      ts: Math.floor(Date.now() / 1000),
      nonce: prefix + (counter++).toString(36),
    });
    return `${request.method} ${request.path} HTTP/1.1\r\nHost: ${hostHeader}\r\nAuthorization: ${authorization}\r\n${content}\r\n${bodyText}`;
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runPhase(spec: LoadSpec): Promise<LoadResult> {
  const window: Window = { open: false, credit: 0, okCredit: 0, latencies: [], byStatus: new Map(), errors: 0 };
  let idle = 0;
  let allIdle!: () => void;
  const drained = new Promise<void>((resolve) => (allIdle = resolve));
  const connections = Array.from(
    { length: spec.concurrency },
    (_, i) =>
      new Connection(spec, requestSource(spec, i), window, () => {
        if (++idle === spec.concurrency) allIdle();
      }),
  );
  for (const connection of connections) connection.start();

  await sleep(spec.warmupMs);
  const serverCpuStart = spec.serverPid ? processCpuMs(spec.serverPid) : 0;
  const ownCpuStart = process.cpuUsage();
  const machineStart = machineBusyMs();
  const start = performance.now();
  window.start = start;
  window.open = true;

  await sleep(spec.durationMs);
  window.open = false;
  window.end = performance.now();
  const windowMs = window.end - start;
  const serverCpuMs = spec.serverPid ? processCpuMs(spec.serverPid) - serverCpuStart : undefined;
  const ownCpu = process.cpuUsage(ownCpuStart);
  const machineMs = machineBusyMs() - machineStart;
  const generatorCpuMs = (ownCpu.user + ownCpu.system) / 1000;

  for (const connection of connections) connection.stop();
  // Requests in flight at the window's end finish (they count pro rata); a hung one is abandoned.
  const hung = await Promise.race([drained.then(() => false), sleep(DRAIN_TIMEOUT_MS).then(() => true)]);
  if (hung) {
    window.errors += spec.concurrency - idle;
    for (const connection of connections) connection.abort();
  }

  const latencies = window.latencies.sort((a, b) => a - b);
  const completed = latencies.length;
  let ok = 0;
  const byStatus: Record<string, number> = {};
  for (const [status, count] of window.byStatus) {
    byStatus[String(status)] = count;
    if (status >= 200 && status <= 299) ok += count;
  }
  return {
    completed,
    ok,
    byStatus,
    errors: window.errors,
    sampleFailure: window.sampleFailure,
    windowMs,
    credit: window.credit,
    rps: (window.okCredit * 1000) / windowMs,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1]! : NaN,
    },
    serverCpuMs,
    serverCpuUsPerRequest: serverCpuMs !== undefined && window.credit > 0 ? (serverCpuMs * 1000) / window.credit : undefined,
    generatorCpuMs,
    otherCpuMs: Math.max(0, machineMs - generatorCpuMs - (serverCpuMs ?? 0)),
  };
}

if (process.argv.includes(CHILD_FLAG)) serveWorker(runPhase);
