// What every feature shares: the tree root, the index answering queries, the open documents, and
// the conversions between LSP (URIs, ranges) and the index (root-relative paths, 0-based positions).
// Handlers are wrapped by `guard` so that an exception is logged and answered, never fatal.
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ResponseError, ErrorCodes, type Connection, type Location, type Range, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { KernelIndex } from '../index/kernelIndex';
import { sourceText } from '../parse/parseFile';
import { insideTree } from '../treePath';
import type { FunctionRef, IndexStatus, KpathSettings } from '../protocol';

/** A span in the tree: root-relative file, 0-based line, UTF-16 columns. */
export interface Span {
  file: string;
  line: number;
  col: number;
  endCol: number;
}

export class ServerState {
  /** Absolute tree root, once known. */
  root: string | undefined;
  /** The index queries are answered from (a growing one during the first build). */
  index: KernelIndex | undefined;
  /**
   * False while `index` is the one still being built. Resolving indirect calls then would recompute
   * the whole store graph on every request (seconds each on a real tree), so until the build is done
   * only what needs no resolution is answered: direct definitions, symbols, hover signatures.
   */
  indexComplete = false;
  /** Bumped whenever a file's facts are replaced (tables derived by features key on it). */
  indexVersion = 0;
  status: IndexStatus = { state: 'idle', filesDone: 0, filesTotal: 0, functions: 0, indirectSites: 0, resolvedSites: 0 };
  /** The settings in force (defaults merged with what the client sent). */
  settings: KpathSettings;
  /** Workspace folder given at initialize, the root's fallback. */
  workspaceFolder: string | undefined;
  /** The client answers workspace/configuration (else settings come with didChangeConfiguration). */
  canPullConfiguration = false;
  /** The client re-asks for code lenses on workspace/codeLens/refresh (once indexing is done). */
  canRefreshCodeLens = false;
  /** The client registers file watchers on request (workspace/didChangeWatchedFiles). */
  canWatchFiles = false;
  /** Apply changes still waiting for their debounce (edits, files changed on disk) before a query. */
  readonly beforeQuery: (() => void)[] = [];

  constructor(
    readonly connection: Connection,
    readonly documents: TextDocuments<TextDocument>,
    settings: KpathSettings,
  ) {
    this.settings = settings;
  }

  log(msg: string): void {
    this.connection.console.log(msg);
  }
  error(msg: string): void {
    this.connection.console.error(msg);
  }

  /** Root-relative path of a document URI, or undefined if it is not a file under the root. */
  relOf(uri: string): string | undefined {
    if (!uri.startsWith('file:')) return undefined;
    let abs: string;
    try {
      abs = fileURLToPath(uri);
    } catch {
      return undefined;
    }
    return this.inside(abs);
  }

  /** A path a client gave (root-relative, or absolute), root-relative; undefined if it leaves the tree (`../x`). */
  relPath(file: string): string | undefined {
    return this.root && !file.includes('\0') ? this.inside(path.resolve(this.root, file)) : undefined;
  }

  private inside(abs: string): string | undefined {
    return this.root ? insideTree(this.root, abs) : undefined;
  }

  uriOf(rel: string): string {
    return pathToFileURL(path.join(this.root ?? '/', rel)).toString();
  }

  /** The open document of a root-relative path, if the editor has it open. */
  openDocument(rel: string): TextDocument | undefined {
    return this.documents.get(this.uriOf(rel)) ?? this.documents.all().find((d) => this.relOf(d.uri) === rel);
  }

  /** A file's text: the editor's buffer when open (unsaved contents win), else the disk. */
  textOf(rel: string): string | undefined {
    const doc = this.openDocument(rel);
    if (doc) return doc.getText();
    return this.root ? sourceText(this.root, rel) : undefined;
  }

  /** The index is still being built and has not been resolved yet. */
  get partial(): boolean {
    return !this.indexComplete;
  }

  /** What a request about a document needs, or undefined (a file outside the tree, no index yet). */
  context(uri: string): { index: KernelIndex; file: string; text: string } | undefined {
    for (const flush of this.beforeQuery) flush();
    const index = this.index;
    const file = this.relOf(uri);
    const text = file !== undefined ? this.textOf(file) : undefined;
    return index && file !== undefined && text !== undefined ? { index, file, text } : undefined;
  }

  location(s: Span): Location {
    return { uri: this.uriOf(s.file), range: range(s) };
  }
}

export function range(s: { line: number; col: number; endCol: number }): Range {
  return { start: { line: s.line, character: s.col }, end: { line: s.line, character: Math.max(s.col, s.endCol) } };
}

export function fnSpan(f: FunctionRef): Span {
  return { file: f.file, line: f.line, col: f.col, endCol: f.col + f.name.length };
}

/**
 * Wrap a request handler: an exception is logged and answered with `fallback` (standard requests,
 * where an empty answer is the editor-friendly one) or with an LSP error when `fallback` is 'error'.
 */
export function guard<P, R>(state: ServerState, name: string, fallback: R | 'error', fn: (p: P) => R | Promise<R>): (p: P) => Promise<R> {
  return async (p: P): Promise<R> => {
    const t0 = performance.now();
    try {
      const r = await fn(p);
      const ms = performance.now() - t0;
      if (ms > 200) state.log(`${name}: ${ms.toFixed(0)} ms`);
      return r;
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      const err = e instanceof Error ? e : new Error(String(e));
      state.error(`${name} failed: ${err.stack ?? err.message}`);
      if (fallback === 'error') throw new ResponseError(ErrorCodes.InternalError, `${name}: ${err.message}`);
      return fallback;
    }
  };
}
