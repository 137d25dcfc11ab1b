// The top-level definitions of a C file found by a light scan, enough to say "line 7 of
// tcp_sendmsg": function definitions, struct definitions and initialized objects
// (`const struct proto_ops inet_stream_ops = {`). Kernel style puts these at column 0 and closes
// them with `}` (or `};`) at column 0, which is what this relies on; it needs no parse and no index,
// so notes anchor in files the language server has not indexed (or when it is not running).
import type { SymbolKind } from './types';

export interface TextSymbol {
  name: string;
  kind: SymbolKind;
  /** 0-based line holding the name. */
  line: number;
  /** 0-based line of the closing `}` at column 0. */
  end: number;
}

const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'typeof', '__attribute__']);
// A function header: something at column 0 that is not a directive, comment, brace or label, with
// an identifier followed by `(`. The name is the last identifier before the first `(`.
const FUNC_HEAD = /^(?![#}{/*\s])[^;=(]*?\b([A-Za-z_]\w*)\s*\(/;
const STRUCT_HEAD = /^(?:typedef\s+)?(struct|union|enum)\s+([A-Za-z_]\w*)\s*\{/;
const OBJECT_HEAD =
  /^(?!typedef)(?:[A-Za-z_]\w*\s+)*(?:struct|union)\s+\w+\s+\*?\s*([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?:__\w+\s*)*=\s*\{?\s*$/;
const SYSCALL = /^(?:COMPAT_)?SYSCALL_DEFINE\d\s*\(\s*(\w+)/;

/** The end of a block opened on or after `from`: the next line starting with `}` at column 0. */
function blockEnd(lines: string[], from: number): number {
  for (let i = from; i < lines.length; i++) if (lines[i].startsWith('}')) return i;
  return lines.length - 1;
}

export function findSymbols(text: string): TextSymbol[] {
  const lines = text.split('\n');
  const out: TextSymbol[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l || /^[\s#}{/*]/.test(l)) continue;
    const st = STRUCT_HEAD.exec(l);
    if (st) {
      const end = blockEnd(lines, i + 1);
      out.push({ name: st[2], kind: 'struct', line: i, end });
      i = end;
      continue;
    }
    const obj = OBJECT_HEAD.exec(l);
    if (obj) {
      const end = blockEnd(lines, i + 1);
      out.push({ name: obj[1], kind: 'object', line: i, end });
      i = end;
      continue;
    }
    const fn = FUNC_HEAD.exec(l);
    if (!fn) continue;
    const sys = SYSCALL.exec(l);
    const name = sys ? `sys_${sys[1]}` : fn[1];
    if (KEYWORDS.has(name)) continue;
    // A definition reaches a `{` before any `;`; a prototype or a macro call ends with `;` first.
    let open = -1;
    for (let j = i; j < Math.min(lines.length, i + 16); j++) {
      const t = lines[j].replace(/\/\*.*?\*\/|\/\/.*$/g, '').trimEnd();
      if (t.endsWith(';') && !t.includes('{')) break;
      if (t.includes('{')) {
        open = j;
        break;
      }
    }
    if (open < 0) continue;
    const oneLine = lines[open].includes('}') && !lines[open].startsWith('{');
    const end = oneLine ? open : blockEnd(lines, open + 1);
    out.push({ name, kind: 'function', line: i, end });
    i = end;
  }
  return out;
}

/** The innermost symbol containing a 0-based line (from its name's line to its closing brace). */
export function enclosingSymbol(symbols: readonly TextSymbol[], line: number): TextSymbol | undefined {
  return symbols.find((s) => s.line <= line && line <= s.end);
}
