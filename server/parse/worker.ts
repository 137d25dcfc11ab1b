// Worker thread: parses the files it is sent and posts their facts back. One parser per thread.
import { parentPort } from 'node:worker_threads';
import { parseFile, type ParsedFile } from './parseFile';

export interface ParseJob { id: number; root: string; files: string[] }
export interface ParseDone { id: number; results: ParsedFile[] }

parentPort?.on('message', (job: ParseJob) => {
  const results: ParsedFile[] = [];
  for (const rel of job.files) results.push(parseFile(job.root, rel));
  parentPort!.postMessage({ id: job.id, results } satisfies ParseDone);
});
