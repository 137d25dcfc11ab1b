// Open documents: an edited buffer is re-parsed (debounced) and replaces the file's facts in the
// index, so the buffer's contents win over the disk until it is closed; closing a buffer that
// differed from the disk puts the disk's version back. Only files under the tree root count.
import type { Connection } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseFile, sourceText } from '../parse/parseFile';
import type { ServerState } from './state';

const DEBOUNCE_MS = 300;
/** The text last indexed from each open buffer, by root-relative path. */
const indexed = new Map<string, string>();
const timers = new Map<string, NodeJS.Timeout>();

function diskText(state: ServerState, rel: string): string | undefined {
  return state.root ? sourceText(state.root, rel) : undefined;
}

export const isSource = (rel: string): boolean => /\.[ch]$/.test(rel);

/** Parse `rel` (from `text`, or from disk when undefined) into the index; returns the time taken. */
export function reindexFile(state: ServerState, rel: string, text: string | undefined): number {
  const index = state.index;
  if (!index || !state.root) return 0;
  const t0 = performance.now();
  const parsed = parseFile(state.root, rel, text);
  if (text === undefined && parsed.facts.notes.some((n) => n.startsWith('unreadable'))) index.removeFile(rel);
  else index.setFile(parsed.facts);
  state.indexVersion++;
  return performance.now() - t0;
}

function sync(state: ServerState, doc: TextDocument): void {
  const rel = state.relOf(doc.uri);
  if (rel === undefined || !isSource(rel) || !state.index) return;
  const text = doc.getText();
  const last = indexed.get(rel);
  if (last === text) return;
  // A freshly opened, unmodified file the index already has: nothing to do.
  if (last === undefined && state.index.files.has(rel) && diskText(state, rel) === text) {
    indexed.set(rel, text);
    return;
  }
  const ms = reindexFile(state, rel, text);
  indexed.set(rel, text);
  state.log(`re-indexed ${rel} from the editor in ${ms.toFixed(0)} ms`);
}

function schedule(state: ServerState, doc: TextDocument, delay: number): void {
  clearTimeout(timers.get(doc.uri));
  timers.set(
    doc.uri,
    setTimeout(() => {
      timers.delete(doc.uri);
      try {
        sync(state, doc);
      } catch (e) {
        state.error(`re-indexing ${doc.uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }, delay),
  );
}

/** After a (re)build from disk: put the open buffers that differ from the disk back in. */
export function reapplyOpenDocuments(state: ServerState): void {
  for (const doc of state.documents.all()) {
    const rel = state.relOf(doc.uri);
    if (rel === undefined || !isSource(rel)) continue;
    const text = doc.getText();
    if (diskText(state, rel) === text && state.index?.files.has(rel)) {
      indexed.set(rel, text);
      continue;
    }
    reindexFile(state, rel, text);
    indexed.set(rel, text);
  }
}

export function register(_connection: Connection, state: ServerState): void {
  state.beforeQuery.push(() => flushPending(state));
  state.documents.onDidChangeContent((e) => schedule(state, e.document, DEBOUNCE_MS));
  state.documents.onDidSave((e) => schedule(state, e.document, 0));
  state.documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    const rel = state.relOf(e.document.uri);
    if (rel === undefined) return;
    const last = indexed.get(rel);
    indexed.delete(rel);
    if (last === undefined || !isSource(rel)) return;
    try {
      if (diskText(state, rel) !== last) reindexFile(state, rel, undefined);
    } catch (err) {
      state.error(`re-reading ${rel} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

/** Flush pending re-parses now (before answering a request that needs them). */
export function flushPending(state: ServerState): void {
  for (const [uri, t] of timers) {
    clearTimeout(t);
    timers.delete(uri);
    const doc = state.documents.get(uri);
    if (doc) sync(state, doc);
  }
}
