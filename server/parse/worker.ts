// Worker thread: parses the files it is sent and posts them back as encoded cache lines (in parts). Encoding
// here, not in the indexing thread, keeps that thread free to take in results: it decodes only
// what the index needs now and writes the line to the cache as it is.
import { parentPort } from 'node:worker_threads';
import { collectTrees, parseFile } from './parseFile';
import { encodeParts, type LineParts } from '../index/cache';

export interface ParseJob {
  id: number;
  root: string;
  files: string[];
}
export interface ParseDone {
  id: number;
  lines: LineParts[];
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

parentPort?.on('message', async (job: ParseJob) => {
  const lines: LineParts[] = [];
  for (const rel of job.files) {
    const r = parseFile(job.root, rel);
    lines.push(encodeParts({ rel, size: r.size, mtimeMs: r.mtimeMs, hash: r.hash, facts: r.facts }));
    // Native trees are freed by finalizers that run only when the event loop turns.
    if (collectTrees()) await turn();
  }
  parentPort!.postMessage({ id: job.id, lines } satisfies ParseDone);
});
