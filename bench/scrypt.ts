// Raw scrypt throughput: the physical limit of a password login. A separate process
// (so the orchestrator's own work does not share its thread pool) keeps exactly
// `threads` calls of the server's own scryptAsync (SCRYPT_PARAMS) in flight and counts
// the calls that complete inside the measurement window.

import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { scryptAsync } from '../src/crypto/verifier.js';
import { machineBusyMs } from './server.js';

const CHILD_FLAG = '--bench-scrypt-child';

export interface ScryptSpec {
  warmupMs: number;
  durationMs: number;
}

export interface ScryptResult {
  threads: number;
  /** Calls completed inside the window. */
  completed: number;
  /** Calls done inside the window, counting those straddling an edge pro rata. */
  credit: number;
  windowMs: number;
  perSecond: number;
  /** Mean wall time of one call (ms). */
  meanMs: number;
  /** CPU time the process used in the window (ms). */
  cpuMs: number;
  /** CPU time every other process on the machine used in the window (noise). */
  otherCpuMs: number;
}

type ChildMessage = { type: 'result'; result: ScryptResult } | { type: 'error'; message: string };

/** A long-lived process with `threads` scrypt slots and a pool of at least that many threads. */
export class ScryptBench {
  private constructor(private readonly child: ChildProcess) {}

  static async start(threads: number): Promise<ScryptBench> {
    const env: NodeJS.ProcessEnv = { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(4, threads + 2)), BENCH_SCRYPT_THREADS: String(threads) };
    delete env.NODE_OPTIONS;
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], {
      execArgv: ['--import', 'tsx'],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`scrypt bench exited (${code})`)));
    });
    return new ScryptBench(child);
  }

  run(spec: ScryptSpec): Promise<ScryptResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`scrypt bench exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (message: ChildMessage) => {
        this.child.off('exit', onExit);
        if (message.type === 'result') resolve(message.result);
        else reject(new Error(`scrypt bench: ${message.message}`));
      });
      this.child.send({ type: 'run', spec });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}

async function runScrypt(threads: number, spec: ScryptSpec): Promise<ScryptResult> {
  let open = false;
  let stopping = false;
  let completed = 0;
  let wallMs = 0;
  let windowStart: number | undefined;
  let windowEnd: number | undefined;
  let credit = 0;

  const slot = async (): Promise<void> => {
    const password = randomBytes(32);
    const salt = randomBytes(32);
    while (!stopping) {
      const started = performance.now();
      await scryptAsync(password, salt);
      const done = performance.now();
      // Pro rata share of this call inside the window (calls straddling an edge count in part).
      if (windowStart !== undefined) {
        const overlap = Math.min(done, windowEnd ?? done) - Math.max(started, windowStart);
        if (overlap > 0) credit += overlap / (done - started);
      }
      if (open) {
        completed++;
        wallMs += performance.now() - started;
      }
    }
  };
  const slots = Array.from({ length: threads }, () => slot());

  await new Promise((resolve) => setTimeout(resolve, spec.warmupMs));
  const cpuStart = process.cpuUsage();
  const machineStart = machineBusyMs();
  const start = performance.now();
  windowStart = start;
  open = true;
  await new Promise((resolve) => setTimeout(resolve, spec.durationMs));
  open = false;
  windowEnd = performance.now();
  const windowMs = windowEnd - start;
  const cpu = process.cpuUsage(cpuStart);
  const machineMs = machineBusyMs() - machineStart;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  stopping = true;
  await Promise.all(slots);

  return {
    threads,
    completed,
    credit,
    windowMs,
    perSecond: (credit * 1000) / windowMs,
    meanMs: completed ? wallMs / completed : NaN,
    cpuMs,
    otherCpuMs: Math.max(0, machineMs - cpuMs),
  };
}

if (process.argv.includes(CHILD_FLAG)) {
  const threads = Number(process.env.BENCH_SCRYPT_THREADS);
  process.on('message', (message: { type: 'run'; spec: ScryptSpec }) => {
    runScrypt(threads, message.spec).then(
      (result) => process.send!({ type: 'result', result }),
      (err: unknown) => process.send!({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready' });
}
