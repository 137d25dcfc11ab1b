// FIFOs for the hostile-input tests. Opening a FIFO for reading blocks until a writer comes, so a
// regression would hang the test run: `letGoAfter` starts a writer after a delay, which releases a
// reader that blocked, and the test then fails on time instead of hanging.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Make a FIFO at `file`; false where mkfifo is not available. */
export function mkfifo(file: string): boolean {
  return spawnSync('mkfifo', [file]).status === 0;
}

/** A process that, after `ms`, opens `fifo` for writing and closes it, again and again (each open lets one blocked reader go); kill it when done. */
export function letGoAfter(fifo: string, ms: number): ChildProcess {
  return spawn('sh', ['-c', `sleep ${ms / 1000}; while :; do : >"$0"; done`, fifo], { stdio: 'ignore' });
}

/** Run `fn` with a FIFO let go after `ms`; returns what it returned and how long it took. */
export async function timedAgainst<T>(fifos: string[], ms: number, fn: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const writers = fifos.map((f) => letGoAfter(f, ms));
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, ms: performance.now() - t0 };
  } finally {
    for (const w of writers) w.kill();
  }
}
