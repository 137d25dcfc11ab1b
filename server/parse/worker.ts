// Worker thread: parses the files it is sent and posts their facts back. One parser per thread.
import { parentPort } from 'node:worker_threads';
import { collectTrees, parseFile, type ParsedFile } from './parseFile';

export interface ParseJob { id: number; root: string; files: string[] }
export interface ParseDone { id: number; results: ParsedFile[] }

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

parentPort?.on('message', async (job: ParseJob) => {
  const results: ParsedFile[] = [];
  for (const rel of job.files) {
    results.push(parseFile(job.root, rel));
    // Native trees are freed by finalizers that run only when the event loop turns.
    if (collectTrees()) await turn();
  }
  parentPort!.postMessage({ id: job.id, results } satisfies ParseDone);
});
