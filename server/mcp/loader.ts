// The MCP server's index lives in a thread of its own (indexWorker.ts): reading a warm cache and
// resolving hold a thread for seconds, and the first callers query for seconds more, and the
// thread that speaks the protocol must stay free to answer meanwhile. This side starts that
// thread once the client is initialized, keeps its progress, and hands it tool calls: until the
// index is ready a call gets a one-line "being built (N/M files)"; a build that failed says why.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Scope } from '../cliArgs';

export interface LoadOptions {
  include: string[];
  exclude: string[];
  cacheDir?: string;
  noCache?: boolean;
  /** The configuration answers are for (a .config, or .xz/.gz as shipped); undefined: every configuration. */
  config?: string;
}

/** What the index thread is given. */
export interface WorkerInput {
  root: string;
  opts: LoadOptions;
  scope: Scope;
}

/** Messages from the index thread. */
export type FromIndex =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'log'; text: string }
  | { type: 'ready'; message: string }
  | { type: 'failed'; message: string }
  | { type: 'answer'; id: number; text: string; isError: boolean };
/** Messages to the index thread. */
export interface ToIndex {
  type: 'call';
  id: number;
  tool: string;
  args: Record<string, unknown>;
}

export interface Answer {
  text: string;
  isError: boolean;
}

function workerScript(): string {
  // Bundled: dist/mcpIndex.js beside dist/cli.js (this is dist/mcp/server.js; the index thread stays
  // in dist/, where the parser threads it starts are). From sources (tests under tsx): indexWorker.ts.
  const js = path.join(__dirname, '..', 'mcpIndex.js');
  return existsSync(js) ? js : path.join(__dirname, 'indexWorker.ts');
}

export class IndexLoader {
  private phase = 'starting';
  private done = 0;
  private total = 0;
  private ready = false;
  private failure: string | undefined;
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (a: Answer) => void>();
  private finished: Promise<{ ok: boolean; message: string }> | undefined;

  constructor(
    private readonly input: WorkerInput,
    private readonly log: (s: string) => void,
  ) {}

  /** Start the index thread; resolves with one line when the index is ready or could not be built (never rejects). */
  start(): Promise<{ ok: boolean; message: string }> {
    this.finished ??= new Promise((resolve) => {
      const script = workerScript();
      const w = script.endsWith('.ts')
        ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(script)});`, {
            eval: true,
            workerData: this.input,
          })
        : new Worker(script, { workerData: this.input });
      this.worker = w;
      const fail = (message: string): void => {
        if (this.ready || this.failure) return;
        this.failure = message;
        this.log(`kpath: the index could not be built: ${message}`);
        resolve({ ok: false, message: `kpath: the index could not be built: ${message}` });
      };
      w.on('message', (m: FromIndex) => {
        switch (m.type) {
          case 'progress':
            this.phase = m.phase;
            this.done = m.done;
            this.total = m.total;
            break;
          case 'log':
            this.log(m.text);
            break;
          case 'ready':
            this.ready = true;
            this.log(m.message);
            resolve({ ok: true, message: m.message });
            break;
          case 'failed':
            fail(m.message);
            break;
          case 'answer':
            this.pending.get(m.id)?.({ text: m.text, isError: m.isError });
            this.pending.delete(m.id);
            break;
        }
      });
      w.on('error', (e) => fail(e.message));
      w.on('exit', (code) => {
        const why = `the index thread stopped (exit ${code})`;
        fail(why);
        // After it was ready: no more answers, and calls are told so.
        this.ready = false;
        this.failure ??= why;
        this.worker = undefined;
        for (const answer of this.pending.values()) answer({ text: 'the index thread stopped before answering', isError: true });
        this.pending.clear();
      });
    });
    return this.finished;
  }

  /** Why there is no answer yet (one line), or undefined once the index is ready. */
  private notReady(): string | undefined {
    if (this.ready) return undefined;
    if (this.failure) return `the index of ${this.input.root} could not be built: ${this.failure}`;
    const files = this.total ? `${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} files, ` : '';
    return `index is being built (${files}${this.phase}): ask again in a few seconds`;
  }

  /** Run a tool in the index thread, or say why it cannot be yet. */
  call(tool: string, args: Record<string, unknown>): Promise<Answer> {
    const wait = this.notReady();
    if (wait || !this.worker) return Promise.resolve({ text: wait ?? 'the index is not started', isError: true });
    const id = this.nextId++;
    const answered = new Promise<Answer>((resolve) => this.pending.set(id, resolve));
    this.worker.postMessage({ type: 'call', id, tool, args } satisfies ToIndex);
    return answered;
  }
}
