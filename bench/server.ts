// Starts the built server (`bin/accounts-server.cjs serve`, as npm start does) as a child process on a free port with
// a fresh data dir, and reads its CPU time and memory from /proc. stop() kills the child
// and removes the data dir; it is also run on process exit, so a failed bench leaves
// neither a server nor a temp dir behind.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface ServerOptions {
  scryptConcurrency: number;
  /** Extra environment variables (win over the defaults below). */
  env?: Record<string, string>;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeArgs?: string[];
  /** The server's entry point; default dist/main.js of this checkout. */
  entry?: string;
  /** Run on this data dir (kept on stop: the caller owns it) instead of a fresh one. */
  dataDir?: string;
  startTimeoutMs?: number;
}

export interface ProcStat {
  /** utime + stime in milliseconds. */
  cpuMs: number;
}

export interface BenchServer {
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> (also PUBLIC_URL, so Hawk signs this host and port). */
  origin: string;
  dataDir: string;
  /** The last lines the server wrote to stderr/stdout (for error reports). */
  output(): string;
  cpuMs(): number;
  memory(): ProcessMemory;
  stop(): Promise<void>;
}

let clockTicks: number | undefined;

/** Clock ticks per second for /proc/<pid>/stat (getconf CLK_TCK; 100 on Linux in practice). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process in ms, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clkTck();
}

/** CPU time all processes on the machine have used (busy, not idle or iowait), in ms, from /proc/stat. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / clkTck();
}

export interface ProcessMemory {
  /** VmRSS: resident set. */
  rssMiB: number;
  /** VmHWM: peak resident set. */
  hwmMiB: number;
  /** RssAnon (heaps, stacks) and RssFile (the node binary, mapped libraries). */
  anonMiB: number;
  fileMiB: number;
}

/** Resident memory of a process in MiB, from /proc/<pid>/status. */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rssMiB: mib('VmRSS'), hwmMiB: mib('VmHWM'), anonMiB: mib('RssAnon'), fileMiB: mib('RssFile') };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

const running = new Set<BenchServer>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last resort: 'exit' handlers cannot await, so SIGKILL and remove.
  process.on('exit', () => {
    for (const server of running) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

/** The environment `npm run serve` adds (package.json config.serverEnv, `NAME=value` words). */
export function serverEnv(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { config?: { serverEnv?: string } };
  return Object.fromEntries(
    (pkg.config?.serverEnv ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]),
  );
}

/** The node flags of `npm run serve` (package.json config.serverNodeFlags). */
export function serverNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { config?: { serverNodeFlags?: string } };
  return (pkg.config?.serverNodeFlags ?? '').split(/\s+/).filter(Boolean);
}

export async function startServer(options: ServerOptions): Promise<BenchServer> {
  installExitHook();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fxa-bench-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: origin,
    DATA_DIR: dataDir,
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    SCRYPT_CONCURRENCY: String(options.scryptConcurrency),
    ...serverEnv(),
    ...options.env,
  };
  // Let the server pick its own thread pool size, as it does in production.
  delete env.UV_THREADPOOL_SIZE;
  delete env.NODE_OPTIONS;

  // Started as `npm start` starts it: the launcher and the node flags package.json names.
  const child: ChildProcess = spawn(
    process.execPath,
    [...serverNodeFlags(), ...(options.nodeArgs ?? []), options.entry ?? join(ROOT, 'bin/accounts-server.cjs'), 'serve'],
    {
      cwd: dataDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let exitedFlag = false;
  void exited.then(() => (exitedFlag = true));

  const server: BenchServer = {
    pid: child.pid!,
    port,
    origin,
    dataDir,
    output: () => output,
    cpuMs: () => processCpuMs(child.pid!),
    memory: () => processMemory(child.pid!),
    async stop() {
      if (!exitedFlag) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(server);
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  running.add(server);

  try {
    await waitUntilUp(origin, options.startTimeoutMs ?? 20_000, () => exitedFlag);
  } catch (err) {
    await server.stop();
    throw new Error(`server did not start: ${(err as Error).message}\n${output}`, { cause: err });
  }
  return server;
}

/** Polls `origin + path` until it answers 2xx (default the server's /__lbheartbeat__). */
export async function waitUntilUp(
  origin: string,
  timeoutMs: number,
  hasExited: () => boolean,
  path = '/__lbheartbeat__',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited()) throw new Error('server process exited');
    try {
      const response = await fetch(`${origin}${path}`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no answer on ${origin}${path} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Pins every thread of `pid` to the given CPUs (Linux `taskset`); returns false when that
 * is not possible. Used so the server and the load generator do not take turns on one core.
 */
export function pinToCpus(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
