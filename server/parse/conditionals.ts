// The preprocessor conditionals of a file, read line by line from its text: each arm of every
// `#if/#ifdef/#ifndef/#elif/#else … #endif` group, the lines it spans, its condition as written, and
// the `#include "x.c"` lines. A line scan, not tree-sitter's preproc nodes: the grammar has no place
// for a directive inside an initializer list or between a statement's `if` and `else`, where kernel
// code puts them all the time (`#ifdef CONFIG_COMPAT` / `.compat_ioctl = …`), and there the tree
// holds ERROR nodes instead of arms. Which arm is compiled is decided later, per configuration
// (server/config/cpp.ts): this only records what the file says, so it is cached with the file.

/**
 * The arms, flat, five entries each: `[line, end, parent, prev, expr]`.
 * - `line`: 0-based line of the directive opening the arm; `end`: of the directive closing it.
 * - `parent`: index (arm number) of the enclosing arm, -1 at file level.
 * - `prev`: index of the previous arm of the same group (`#elif`/`#else`), -1 for the group's `#if`.
 *   An arm is taken when its own condition holds and no earlier arm of its group was.
 * - `expr`: the arm's own condition as a preprocessor expression (`defined(CONFIG_X)` for `#ifdef`,
 *   `1` for `#else` and for an include guard).
 */
export type CondTable = (number | string)[];
export const ARM_STRIDE = 5;

/** `#include "x.c"`: the written path and the 0-based line. */
export interface CInclude {
  path: string;
  line: number;
}

const DIRECTIVE = /^\s*#\s*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif|include|define)\b(.*)$/;

/** Strip comments from one directive's text (block comments inside it, a trailing `//`). */
function clean(s: string): string {
  return s
    .replace(/\/\*.*?\*\//g, ' ')
    .replace(/\/\*.*$/, ' ')
    .replace(/\/\/.*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function scanConditionals(text: string): { conds: CondTable; includes: CInclude[] } {
  const conds: CondTable = [];
  const includes: CInclude[] = [];
  // Open groups: the arm now open in each (its index), innermost last.
  const open: number[] = [];
  let inComment = false;
  let directives = 0;
  let guard: { name: string; arm: number } | undefined;
  const lines = text.split('\n');
  const arm = (line: number, parent: number, prev: number, expr: string): number => {
    conds.push(line, -1, parent, prev, expr);
    return conds.length / ARM_STRIDE - 1;
  };
  const close = (i: number, line: number): void => {
    conds[i * ARM_STRIDE + 1] = line;
  };
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n];
    // A block comment left open on an earlier line hides what follows until it closes.
    if (inComment) {
      const end = line.indexOf('*/');
      if (end < 0) continue;
      inComment = false;
      line = ' '.repeat(end + 2) + line.slice(end + 2);
    }
    const m = DIRECTIVE.exec(line);
    const first = n;
    if (m) {
      // Backslash continuations belong to the directive.
      let rest = m[2];
      while (rest.endsWith('\\') && n + 1 < lines.length) rest = rest.slice(0, -1) + ' ' + lines[++n];
      const kw = m[1];
      const arg = clean(rest);
      directives++;
      const parent = open.length ? open[open.length - 1] : -1;
      switch (kw) {
        case 'if':
          open.push(arm(first, parent, -1, arg || '0'));
          break;
        case 'ifdef':
          open.push(arm(first, parent, -1, `defined(${arg.split(' ')[0]})`));
          break;
        case 'ifndef': {
          const name = arg.split(' ')[0];
          const i = arm(first, parent, -1, `!defined(${name})`);
          open.push(i);
          // The file's first directive, `#ifndef X` then `#define X`, is an include guard: always taken.
          if (directives === 1) guard = { name, arm: i };
          break;
        }
        case 'elif':
        case 'elifdef':
        case 'elifndef':
        case 'else': {
          const cur = open.pop();
          if (cur === undefined) break; // a stray #else: nothing to close
          close(cur, first);
          const grandParent = conds[cur * ARM_STRIDE + 2] as number;
          const expr = kw === 'else' ? '1' : kw === 'elif' ? arg || '0' : `${kw === 'elifndef' ? '!' : ''}defined(${arg.split(' ')[0]})`;
          open.push(arm(first, grandParent, cur, expr));
          break;
        }
        case 'endif': {
          const cur = open.pop();
          if (cur !== undefined) close(cur, first);
          break;
        }
        case 'define':
          if (guard && directives === 2 && arg.split(' ')[0] === guard.name) conds[guard.arm * ARM_STRIDE + 4] = '1';
          break;
        case 'include': {
          const inc = /^"([^"]+\.c)"/.exec(arg);
          if (inc) includes.push({ path: inc[1], line: first });
          break;
        }
        default:
      }
      line = lines[n];
    }
    // Track block comments opened on this line and not closed on it.
    for (let i = line.indexOf('/*'); i >= 0; i = line.indexOf('/*', i + 2)) {
      const end = line.indexOf('*/', i + 2);
      if (end < 0) {
        inComment = true;
        break;
      }
      i = end;
    }
  }
  // Arms never closed (a truncated file) end at the last line.
  for (const i of open) close(i, lines.length - 1);
  return { conds, includes };
}

/** The innermost arm whose lines contain `line` (strictly between its directive and the closing one), or -1. */
export function armAt(conds: CondTable, line: number): number {
  // Arms nest, and they are listed in order of their opening line; the innermost containing arm is
  // the last one that opens before the line and closes after it.
  let found = -1;
  for (let i = 0, at = 0; at < conds.length; i++, at += ARM_STRIDE) {
    const start = conds[at] as number;
    if (start >= line) break;
    if ((conds[at + 1] as number) > line) found = i;
  }
  return found;
}
