// Raw scrypt throughput: the physical limit of a password login. A separate process
// (so the orchestrator's own work does not share its thread pool) keeps exactly
// `threads` calls of the server's own scryptAsync (SCRYPT_PARAMS) in flight and counts
// the calls that complete inside the measurement window.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { scryptAsync } from '../src/crypto/verifier.js';
import { machineBusyMs } from './server.js';
import { BenchWorker, serveWorker } from './worker.js';

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

export type ScryptBench = BenchWorker<ScryptSpec, ScryptResult>;

/** A long-lived process with `threads` scrypt slots and a pool of at least that many threads. */
export function startScryptBench(threads: number): Promise<ScryptBench> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    UV_THREADPOOL_SIZE: String(Math.max(4, threads + 2)),
    BENCH_SCRYPT_THREADS: String(threads),
  };
  delete env.NODE_OPTIONS;
  return BenchWorker.start<ScryptSpec, ScryptResult>('scrypt bench', fileURLToPath(import.meta.url), CHILD_FLAG, env);
}

async function runScrypt(threads: number, spec: ScryptSpec): Promise<ScryptResult> {
  let open = false;
  let stopping = false;
  let completed = 0;
  let wallMs = 0;
  // Set by the first and last slot to finish inside the measured window (read by slot()).
  let windowStart: number | undefined = undefined;
  let windowEnd: number | undefined = undefined;
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
  serveWorker((spec: ScryptSpec) => runScrypt(threads, spec));
}
