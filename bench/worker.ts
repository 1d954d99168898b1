// A long-lived child process that runs one measurement phase at a time, so a phase's
// work (load generation, raw scrypt) never shares the orchestrator's event loop or
// thread pool. Both sides of the IPC protocol live here.

import { fork, type ChildProcess } from 'node:child_process';

type WorkerMessage<R> = { type: 'ready' } | { type: 'result'; result: R } | { type: 'error'; message: string };

export class BenchWorker<Spec, Result> {
  private constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
  ) {}

  /** Forks `modulePath` with `flag` (which makes it call serveWorker) and waits until it is ready. */
  static async start<S, R>(name: string, modulePath: string, flag: string, env?: NodeJS.ProcessEnv): Promise<BenchWorker<S, R>> {
    const child = fork(modulePath, [flag], {
      execArgv: ['--import', 'tsx'],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
    });
    return new BenchWorker<S, R>(child, name);
  }

  get pid(): number {
    return this.child.pid!;
  }

  run(spec: Spec): Promise<Result> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${this.name} exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (message: WorkerMessage<Result>) => {
        this.child.off('exit', onExit);
        if (message.type === 'result') resolve(message.result);
        else if (message.type === 'error') reject(new Error(`${this.name}: ${message.message}`));
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

/** The child side: answers each `run` message with `work(spec)`'s result. */
export function serveWorker<Spec, Result>(work: (spec: Spec) => Promise<Result>): void {
  process.on('message', (message: { type: 'run'; spec: Spec }) => {
    work(message.spec).then(
      (result) => process.send!({ type: 'result', result }),
      (err: unknown) => process.send!({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready' });
}
