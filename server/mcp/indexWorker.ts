// The MCP server's index thread (bundled as dist/mcpIndex.js): builds the index or loads it from
// the cache, reporting progress, applies the server's configuration, resolves, then runs the
// tools the protocol thread hands it, one at a time. Configurations asked for by one call are
// applied for that call and kept for the next (switching evaluates no Makefile again).
import { parentPort, workerData } from 'node:worker_threads';
import * as path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { buildIndex } from '../index/indexer';
import type { KernelIndex } from '../index/kernelIndex';
import { applyConfig, type AppliedConfig } from '../config/choose';
import type { BuildView } from '../config/built';
import { sourceText } from '../parse/parseFile';
import { warmSymbols } from '../index/symbolTable';
import { TOOLS, type ToolContext } from './tools';
import type { FromIndex, ToIndex, WorkerInput } from './loader';

const PHASES: Record<string, string> = {
  scan: 'scanning the tree',
  cache: 'loading the cache',
  parse: 'parsing',
  outside: 'indexing stores outside the scope',
  save: 'saving the cache',
  done: 'resolving indirect calls',
};

/** A configuration as applied to the index, kept to switch back to it. */
interface Applied {
  applied?: AppliedConfig;
  view?: BuildView;
}

const post = (m: FromIndex): void => parentPort!.postMessage(m);
const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

function apply(ix: KernelIndex, file: string): Applied {
  const applied = applyConfig(ix, file, (rel) => sourceText(ix.root, rel));
  for (const p of applied?.problems.slice(0, 3) ?? []) post({ type: 'log', text: `kpath: ${p} (answers there are "unknown")` });
  return { applied, view: ix.build };
}

/** The tools' view of the index: the server's configuration, and any other for one call. */
function contextOf(ix: KernelIndex, input: WorkerInput, own: Applied): ToolContext {
  const configs = new Map<string, Applied>();
  return {
    ix,
    scope: input.scope,
    config: own.applied,
    withConfig(file, fn) {
      if (file === undefined) return fn(own.applied);
      const key = file === 'none' ? '' : path.resolve(file);
      const before = ix.build;
      try {
        let c = configs.get(key);
        if (!c) {
          c = key ? apply(ix, key) : {};
          configs.set(key, c);
        }
        ix.setBuild(c.view);
        return fn(c.applied);
      } finally {
        ix.setBuild(before);
      }
    },
  };
}

async function main(input: WorkerInput): Promise<void> {
  const t0 = performance.now();
  const { opts } = input;
  const report = await buildIndex(input.root, {
    include: opts.include,
    exclude: opts.exclude,
    cacheDir: opts.cacheDir,
    noCache: opts.noCache,
    onProblem: (m) => post({ type: 'log', text: `kpath: ${m}` }),
    onProgress: (p) => post({ type: 'progress', phase: PHASES[p.phase] ?? p.phase, done: p.done, total: p.total }),
  });
  const ix = report.index;
  let own: Applied = {};
  if (opts.config) {
    post({ type: 'progress', phase: 'reading the configuration', done: report.files, total: report.files });
    await turn();
    own = apply(ix, opts.config);
  }
  post({ type: 'progress', phase: 'resolving indirect calls', done: report.files, total: report.files });
  await turn();
  ix.sitesIn('');
  warmSymbols(ix, 0);
  const ctx = contextOf(ix, input, own);
  parentPort!.on('message', (m: ToIndex) => {
    const tool = TOOLS.find((t) => t.name === m.tool);
    try {
      if (!tool) throw new Error(`no tool named ${m.tool}`);
      post({ type: 'answer', id: m.id, text: tool.run(ctx, m.args), isError: false });
    } catch (e) {
      if (process.env.KPATH_DEBUG && e instanceof Error && e.stack) post({ type: 'log', text: e.stack });
      post({ type: 'answer', id: m.id, text: oneLine(e instanceof Error ? e.message : String(e)), isError: true });
    }
  });
  const cfg = own.applied ? `, answering for ${own.applied.config.label}` : '';
  post({
    type: 'ready',
    message: `kpath: index ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${report.files} files (${report.parsed} parsed)${cfg}`,
  });
}

main(workerData as WorkerInput).catch((e: unknown) =>
  post({ type: 'failed', message: oneLine(e instanceof Error ? e.message : String(e)) }),
);
