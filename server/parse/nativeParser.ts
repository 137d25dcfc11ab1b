// The native parser (native/flatTree.c, built into dist/flatTree.node by `npm run build`): the same
// tree-sitter and grammar as the binding, but the tree crosses into JS as one typed array instead of
// a native call per node property, which halves the time to index a tree. When the addon is missing
// (no C compiler at build time) or KPATH_NATIVE=0, the binding path is used: same facts, slower.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fromRecords, type Grammar, type LNode } from './lightTree';

interface Addon {
  init(): Grammar;
  parse(text: string, timeoutMs: number): Int32Array | null;
}

export interface NativeParser {
  /** The tree of `text`, or null when the parse ran past `timeoutMs`. */
  parse(text: string, timeoutMs: number): LNode | null;
}

/** Where the addon is looked for: beside the bundle (dist/), or in dist/ when run from source. */
const CANDIDATES = [path.join(__dirname, 'flatTree.node'), path.join(__dirname, '..', '..', 'dist', 'flatTree.node')];

let loaded: NativeParser | null | undefined;
let loadError: string | undefined;

/** The native parser of this thread, or null (see nativeParserProblem()). */
export function nativeParser(): NativeParser | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.KPATH_NATIVE === '0') {
    loadError = 'KPATH_NATIVE=0';
    return loaded;
  }
  const file = CANDIDATES.find((f) => existsSync(f));
  if (!file) {
    loadError = 'dist/flatTree.node was not built';
    return loaded;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(file) as Addon;
    const grammar = addon.init();
    loaded = {
      parse: (text, timeoutMs) => {
        const r = addon.parse(text, timeoutMs);
        return r && fromRecords(r, grammar, text);
      },
    };
  } catch (e) {
    loadError = `${file}: ${(e as Error).message}`;
  }
  return loaded;
}

/** Why the native parser is not used, or undefined when it is. */
export function nativeParserProblem(): string | undefined {
  nativeParser();
  return loadError;
}
