// Where the kernel function behind a model step is defined: the file from the model's table
// (tcp/kernelFiles.ts), the line by the index when the caller has one, else by reading that one file.
// Pure: the caller reads files (the CLI from disk, the extension through VS Code).

import { kernelFileOf } from './tcp/kernelFiles';

export interface SourceLocation {
  file: string; // relative to the tree
  line: number; // 1-based
}

export type Locate = (fn: string) => SourceLocation | undefined;

/** The index's answer: the 1-based line where `fn` is defined in `file`, if it knows. */
export type IndexLine = (fn: string, file: string) => number | undefined;

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/**
 * The 1-based line of `fn`'s definition in a file's text: a line that starts at column 0 with a name
 * (the return type, or the function's own name when the type sits on the line above), has `fn` as a
 * whole word followed by `(`, and whose parameter list is followed by `{` before any `;` (a
 * prototype or a call ends in `;`).
 */
export function definitionLine(text: string, fn: string): number | undefined {
  const lines = text.split('\n');
  const re = new RegExp(`(^|[\\s*])${fn.replace(/[^A-Za-z0-9_]/g, '')}\\s*\\(`);
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k];
    if (!isWordChar(l[0])) continue;
    const m = re.exec(l);
    if (!m) continue;
    const rest = lines
      .slice(k, k + 12)
      .join('\n')
      .slice(m.index + m[1].length);
    const brace = rest.indexOf('{');
    const semi = rest.indexOf(';');
    if (brace >= 0 && (semi < 0 || brace < semi)) return k + 1;
  }
  return undefined;
}

/**
 * A locator for model steps: the file of `fn` from the table; its line from `indexLine` when given
 * and it answers, else from the file's text (`read`, tree-relative; undefined when unreadable).
 * Functions the table does not name have no location.
 */
export function modelLocator(read: (file: string) => string | undefined, indexLine?: IndexLine): Locate {
  const cache = new Map<string, SourceLocation | undefined>();
  const texts = new Map<string, string | undefined>();
  const textOf = (file: string): string | undefined => {
    if (!texts.has(file)) texts.set(file, read(file));
    return texts.get(file);
  };
  return (fn) => {
    if (cache.has(fn)) return cache.get(fn);
    const file = kernelFileOf(fn);
    let line = file ? indexLine?.(fn, file) : undefined;
    if (file && line === undefined) {
      const text = textOf(file);
      line = text === undefined ? undefined : definitionLine(text, fn);
    }
    const found = file && line !== undefined ? { file, line } : undefined;
    cache.set(fn, found);
    return found;
  };
}
