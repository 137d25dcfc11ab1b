// Building the index: at start, on `kpath/reindex`, and when the settings change. Progress goes out
// as window/workDoneProgress (files done / total, percent) and as kpath/statusChanged. While the
// first build runs, queries are answered from the growing index; a rebuild keeps answering from
// the previous one until the new one is complete.
import { existsSync, statSync } from 'node:fs';
import { CodeLensRefreshRequest, type Connection, type WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { buildIndex } from '../index/indexer';
import { KernelIndex } from '../index/kernelIndex';
import { Methods, type IndexStatus, type KpathSettings } from '../protocol';
import { reindexRequest, statusChangedNotification, statusRequest } from '../protocolTypes';
import { guard, type ServerState } from './state';
import { mergeSettings, resolveRoot, scanScope } from './settings';
import { reapplyOpenDocuments } from './documents';
import { warmSymbols } from '../index/symbolTable';
import { applyConfigSetting, reapplyConfig } from './config';

const REPORT_EVERY_MS = 250;

let generation = 0;
/** Between the steps that prepare tables after indexing: room for requests that came meanwhile. */
const PREPARE_PAUSE_MS = 50;
let running: Promise<void> = Promise.resolve();

export function setStatus(state: ServerState, s: IndexStatus): void {
  state.status = s;
  void state.connection.sendNotification(statusChangedNotification, s).catch(() => undefined);
}

/** Queue a (re)build; resolves when it is done or superseded. Never rejects. */
export function startIndexing(state: ServerState, why: string): Promise<void> {
  const gen = ++generation;
  running = running
    .then(() => (gen === generation ? build(state, gen, why) : undefined))
    .catch((e: unknown) => {
      state.error(`indexing failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      setStatus(state, { ...state.status, state: 'error', message: e instanceof Error ? e.message : String(e) });
    });
  return running;
}

async function build(state: ServerState, gen: number, why: string): Promise<void> {
  const root = resolveRoot(state.settings, state.workspaceFolder);
  if (!root || !existsSync(root) || !statSync(root).isDirectory()) {
    const message = root ? `the tree root ${root} is not a folder` : 'no tree root: open a kernel tree folder or set kpath.treeRoot';
    state.error(message);
    setStatus(state, { state: 'error', filesDone: 0, filesTotal: 0, functions: 0, indirectSites: 0, resolvedSites: 0, message });
    return;
  }
  const scope = scanScope(state.settings);
  if (scope.unsupported.length)
    state.log(`only folder globs are supported (folder/**); taken as folder prefixes: ${scope.unsupported.join(', ')}`);
  const fresh = new KernelIndex(root);
  if (state.root !== root || !state.index) {
    state.root = root;
    state.index = fresh;
    state.indexComplete = false;
  }
  state.log(
    `indexing ${root} (${why}); include ${scope.include.length ? scope.include.join(', ') : 'everything'}${scope.exclude.length ? `; exclude ${scope.exclude.join(', ')}` : ''}`,
  );
  setStatus(state, {
    state: 'indexing',
    filesDone: 0,
    filesTotal: 0,
    functions: 0,
    indirectSites: 0,
    resolvedSites: 0,
    message: 'scanning the tree',
  });

  let progress: WorkDoneProgressServerReporter | undefined;
  try {
    progress = await state.connection.window.createWorkDoneProgress();
  } catch {
    progress = undefined;
  }
  progress?.begin('kpath: indexing', 0, 'scanning the tree', false);
  let lastSent = 0;
  let lastPct = -1;
  const report = await buildIndex(root, {
    include: scope.include.length ? scope.include : ['*'],
    exclude: scope.exclude,
    cacheDir: state.settings.cacheDir || undefined,
    into: fresh,
    onProblem: (m) => state.log(m),
    onProgress: (p) => {
      if (gen !== generation) return;
      const pct = p.total ? Math.floor((100 * p.done) / p.total) : 0;
      const now = performance.now();
      if (p.phase !== 'done' && pct === lastPct && now - lastSent < REPORT_EVERY_MS * 4) return;
      if (p.phase !== 'done' && now - lastSent < REPORT_EVERY_MS) return;
      lastSent = now;
      lastPct = pct;
      // The scan does not know the count yet: "0/0 files" would read as an empty tree.
      const message =
        p.message ??
        (p.phase === 'scan'
          ? 'scanning the tree'
          : p.phase === 'save'
            ? 'saving the cache'
            : `${p.done}/${p.total} files${p.phase === 'cache' ? ' (from cache)' : ''}`);
      progress?.report(pct, message);
      setStatus(state, {
        state: 'indexing',
        filesDone: p.done,
        filesTotal: p.total,
        functions: fresh.env.functions.size,
        indirectSites: 0,
        resolvedSites: 0,
        message,
      });
    },
  });
  if (gen !== generation) {
    progress?.done();
    return;
  }
  state.root = root;
  state.index = fresh;
  reapplyOpenDocuments(state);
  progress?.report(100, 'resolving indirect calls');
  setStatus(state, { ...state.status, message: 'resolving indirect calls' });
  // Let the progress go out before the resolution holds the thread for a while.
  await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  const st = fresh.stats();
  state.indexVersion++;
  const resolveMs = performance.now() - t0;
  const config = applyConfigSetting(state, fresh);
  state.indexComplete = true;
  progress?.done();
  if (state.canRefreshCodeLens) void state.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  const ms = report.ms;
  state.log(
    `indexed ${report.files} files (${report.parsed} parsed, ${report.fromCache} from cache; cache ${report.cacheStatus}) in ${(ms.total / 1000).toFixed(1)} s ` +
      `[scan ${ms.scan.toFixed(0)} ms, cache ${ms.cache.toFixed(0)} ms, parse ${ms.parse.toFixed(0)} ms, save ${ms.save.toFixed(0)} ms, resolve ${resolveMs.toFixed(0)} ms${fresh.flowsFromCache ? ' from saved flows' : ''}]; ` +
      `${st.functions} functions, ${st.resolvedSites}/${st.indirectSites} indirect calls resolved`,
  );
  setStatus(state, {
    state: 'ready',
    filesDone: report.files,
    filesTotal: report.files,
    functions: st.functions,
    indirectSites: st.indirectSites,
    resolvedSites: st.resolvedSites,
    message: report.problems.length ? `${report.problems.length} problem(s), see the log` : undefined,
    config,
  });

  // The reverse tables behind callers() and stores, and the workspace-symbol table, are built on
  // first use (2.5 s together on the net scope): built now, after the index is ready and a step at a
  // time, so that a request that comes first is answered between steps (it builds what it needs).
  // A timer, not setImmediate, between steps: the connection reads and answers requests in the
  // poll and check phases, which a timer lets run first.
  const t1 = performance.now();
  const steps = [
    (): void => {
      const anyFn = fresh.env.functions.values().next().value?.[0];
      if (anyFn) fresh.callers(anyFn.id);
    },
    (): void => {
      fresh.storesByFunction();
    },
    (): void => {
      warmSymbols(fresh, state.indexVersion);
    },
  ];
  for (const step of steps) {
    await new Promise((r) => setTimeout(r, PREPARE_PAUSE_MS));
    if (gen !== generation || state.index !== fresh) return;
    step();
  }
  state.log(`call graph, stores and symbol tables prepared in ${(performance.now() - t1).toFixed(0)} ms`);
}

/** Whether two settings index the same files into the same cache (then a change needs no rebuild). */
export function sameScope(a: KpathSettings, b: KpathSettings, workspaceFolder: string | undefined): boolean {
  return (
    resolveRoot(a, workspaceFolder) === resolveRoot(b, workspaceFolder) &&
    a.cacheDir === b.cacheDir &&
    JSON.stringify(scanScope(a)) === JSON.stringify(scanScope(b))
  );
}

export function register(connection: Connection, state: ServerState): void {
  connection.onRequest(
    statusRequest,
    guard(state, Methods.status, 'error', () => state.status),
  );
  connection.onRequest(
    reindexRequest,
    guard(state, Methods.reindex, 'error', () => {
      void startIndexing(state, 'kpath/reindex');
    }),
  );
  connection.onDidChangeConfiguration(async (p) => {
    try {
      let raw: unknown = (p.settings as Record<string, unknown> | null | undefined)?.kpath;
      if (state.canPullConfiguration) raw = await connection.workspace.getConfiguration('kpath');
      const problems: string[] = [];
      const next = mergeSettings(raw, state.settings, problems);
      // The client resolves the tree root at start (initializationOptions); an empty setting keeps it.
      if (!next.treeRoot) next.treeRoot = state.settings.treeRoot;
      problems.forEach((m) => state.log(m));
      if (sameScope(next, state.settings, state.workspaceFolder)) {
        // Same files: a new configuration is evaluated over the index as it is.
        const configChanged = next.config !== state.settings.config;
        state.settings = next;
        if (configChanged) reapplyConfig(state);
        return;
      }
      state.settings = next;
      void startIndexing(state, 'settings changed');
    } catch (e) {
      state.error(`didChangeConfiguration: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}
