// Files that change on disk under the server (a checkout, a generated header, a deleted file):
// when the client can watch files, the server asks it to watch the tree's C sources and re-reads
// what changed — a few files one by one, a large batch (a branch switch) as a rebuild, which
// reuses the cache for whatever did not change. Open buffers are left alone: they win.
import { DidChangeWatchedFilesNotification, FileChangeType, type Connection } from 'vscode-languageserver/node';
import type { ServerState } from './state';
import { isSource, reindexFile } from './documents';
import { startIndexing } from './indexing';
import { scanScope } from './settings';

const DEBOUNCE_MS = 300;
/** More changed files than this at once: rebuild (with the cache) instead of parsing each here. */
export const REBUILD_OVER = 300;

const pending = new Map<string, FileChangeType>();
let timer: NodeJS.Timeout | undefined;

/** Whether a path is one the index covers: already in it, or under an included folder and not excluded. */
function inScope(state: ServerState, rel: string): boolean {
  if (state.index?.files.has(rel)) return true;
  const { include, exclude } = scanScope(state.settings);
  const under = (dir: string): boolean => rel === dir || rel.startsWith(dir + '/');
  return (include.length === 0 || include.some(under)) && !exclude.some(under);
}

function apply(state: ServerState): void {
  clearTimeout(timer);
  timer = undefined;
  if (pending.size === 0 || !state.index) return;
  const changes = [...pending];
  pending.clear();
  if (changes.length > REBUILD_OVER) {
    state.log(`${changes.length} files changed on disk: rebuilding the index`);
    void startIndexing(state, 'files changed on disk');
    return;
  }
  const t0 = performance.now();
  for (const [rel, type] of changes) {
    if (state.openDocument(rel)) continue;
    if (type === FileChangeType.Deleted) state.index.removeFile(rel);
    else reindexFile(state, rel, undefined);
  }
  state.indexVersion++;
  state.log(`re-read ${changes.length} file(s) changed on disk in ${(performance.now() - t0).toFixed(0)} ms`);
}

export function register(connection: Connection, state: ServerState): void {
  state.beforeQuery.push(() => apply(state));
  connection.onDidChangeWatchedFiles((p) => {
    for (const c of p.changes) {
      const rel = state.relOf(c.uri);
      if (rel === undefined || !isSource(rel) || !inScope(state, rel)) continue;
      pending.set(rel, c.type);
    }
    if (pending.size) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        try {
          apply(state);
        } catch (e) {
          state.error(`re-reading changed files failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      }, DEBOUNCE_MS);
    }
  });
}

/** Ask a client that can register capabilities dynamically to watch the tree's C files. */
export async function watch(connection: Connection, state: ServerState): Promise<void> {
  if (!state.canWatchFiles) return;
  try {
    await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{c,h}' }] });
  } catch (e) {
    state.log(`could not register file watching: ${e instanceof Error ? e.message : String(e)}`);
  }
}
