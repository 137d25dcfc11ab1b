// A pool of parser threads. Files go out in batches sized by bytes so that one huge file does not
// hold a batch of small ones hostage; results come back as encoded cache lines (see cache.ts).
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import type { ParseDone, ParseJob } from './worker';
import type { LineParts } from '../index/cache';

function workerScript(): string {
  // Bundled: dist/worker.js beside dist/cli.js or dist/server.js. From sources (tests under tsx): worker.ts.
  const js = path.join(__dirname, 'worker.js');
  if (existsSync(js)) return js;
  return path.join(__dirname, 'worker.ts');
}

export interface PoolProgress {
  done: number;
  total: number;
}

export async function parseAll(
  root: string,
  files: { rel: string; size: number }[],
  onResult: (line: LineParts) => void,
  onProgress?: (p: PoolProgress) => void,
  threads = Math.max(1, availableParallelism()),
): Promise<void> {
  if (files.length === 0) return;
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  // Largest first: the long tail of the run is then made of small files.
  for (const f of [...files].sort((a, b) => b.size - a.size)) {
    current.push(f.rel);
    bytes += f.size;
    if (bytes > 512 * 1024 || current.length >= 64) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length) batches.push(current);

  const total = files.length;
  let done = 0;
  let next = 0;
  const n = Math.min(threads, batches.length);
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve, reject) => {
            const script = workerScript();
            // From sources (tests), the worker is TypeScript: load it through tsx like the parent.
            const w = script.endsWith('.ts')
              ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(script)});`, { eval: true })
              : new Worker(script);
            workers.push(w);
            let inFlight = 0;
            const sendOne = (): void => {
              if (next >= batches.length) {
                if (inFlight === 0) resolve();
                return;
              }
              inFlight++;
              w.postMessage({ id: next, root, files: batches[next++] } satisfies ParseJob);
            };
            w.on('message', (msg: ParseDone) => {
              inFlight--;
              // Refill first, so the worker starts the next batch while this thread takes in the results.
              sendOne();
              for (const line of msg.lines) {
                onResult(line);
                done++;
              }
              onProgress?.({ done, total });
              if (inFlight === 0 && next >= batches.length) resolve();
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (code !== 0 && next < batches.length) reject(new Error(`parser thread exited with ${code}`));
            });
            // Two batches in flight per worker: it never waits for this thread between batches.
            sendOne();
            sendOne();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
