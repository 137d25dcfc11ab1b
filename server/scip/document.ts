// One file of the index as a SCIP Document: definitions of its functions, structs and fields (with
// the whole definition as enclosing range), references for its direct calls, and for each
// indirect call a reference to the field it calls through, its hover saying the targets kpath
// found. A call through a parameter, a local or a global (no field to hang it on) is a reference
// to each target instead. Names are found in the file's text where the facts give only where a
// declaration starts (`struct proto_ops {`, `int (*sendmsg)(…)`).
import * as path from 'node:path';
import type { KernelIndex } from '../index/kernelIndex';
import type { FileFacts } from '../parse/facts';
import type { FnEntry } from '../resolve/typeEnv';
import type { Evidence } from '../protocol';
import { decode, MAX_SOURCE_BYTES } from '../parse/parseFile';
import { readRegular } from '../index/fileSlice';
import { structLabel } from '../resolve/typeEnv';
import { fieldKey } from '../resolve/slot';
import { fieldSlot, fieldSymbol, functionSymbol, structSymbol } from './symbols';
import { indexOfWord } from '../words';
import type { ProtoWriter } from './proto';

/** SymbolInformation.Kind and SymbolRole values of scip.proto. */
const KIND = { function: 17, struct: 49, union: 59, field: 15 } as const;
const DEFINITION = 1;
/** Document.position_encoding: columns are UTF-16 code units, as tree-sitter's positions are kept. */
const UTF16_COLUMNS = 2;
/** How many targets an indirect call's hover names. */
const HOVER_TARGETS = 12;

export interface Occurrence {
  range: number[];
  symbol: string;
  roles: number;
  enclosing?: number[];
  hover?: string;
}
export interface SymbolInfo {
  symbol: string;
  kind: number;
  name: string;
  documentation: string[];
  implements: string[];
  signature?: string;
}

/** For each function (by id) stored into function-pointer fields: each field's slot and the evidence. */
export type Implementations = Map<string, Map<string, Evidence[]>>;

export interface DocumentCounts {
  occurrences: number;
  definitions: number;
  references: number;
  indirect: number;
  symbols: number;
  relationships: number;
}

/** Column of the identifier `name` on `line` at or after `col`, or -1. */
function nameColumn(lines: string[] | undefined, line: number, col: number, name: string): number {
  const t = lines?.[line];
  return t === undefined ? -1 : indexOfWord(t, name, col);
}

const range = (line: number, col: number, endCol: number): number[] => [line, col, endCol];
/** From a start to the end of `endLine` (the closing brace of a body). */
function enclosing(lines: string[] | undefined, line: number, col: number, endLine: number): number[] | undefined {
  const end = lines?.[endLine];
  if (end === undefined) return undefined;
  const endCol = end.replace(/\r$/, '').length;
  return endLine === line ? (endCol >= col ? [line, col, endCol] : undefined) : [line, col, endLine, endCol];
}

/** The declaration text of a function up to its body: `int inet_sendmsg(struct socket *sock, …)` (none for one a macro defines without a body). */
function signatureOf(lines: string[] | undefined, line: number, col: number, endLine: number): string | undefined {
  if (!lines) return undefined;
  const parts: string[] = [];
  for (let l = line; l < lines.length && l <= endLine; l++) {
    const t = (l === line ? lines[l].slice(col) : lines[l]).replace(/\/\/.*/, '');
    const brace = t.indexOf('{');
    parts.push(brace >= 0 ? t.slice(0, brace) : t);
    if (brace >= 0)
      return (
        parts
          .join(' ')
          .replace(/\/\*.*?\*\//g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 400) || undefined
      );
  }
  return undefined;
}

const evidenceLine = (e: Evidence): string => `${e.how} at ${e.file}:${e.line + 1}:${e.col + 1}${e.in ? ` in \`${e.in}\`` : ''}`;

/** The text the facts were extracted from, as lines (UTF-8, or Latin-1 where it is not), if it can be read. */
function linesOf(root: string, rel: string): string[] | undefined {
  try {
    return decode(readRegular(path.join(root, rel), MAX_SOURCE_BYTES).bytes).text.split('\n');
  } catch {
    return undefined;
  }
}

/** The length of the name a definition's position points at: the name itself, else the word there (`SYSCALL_DEFINE3(sendto`, a macro that defines functions). */
function nameLength(lines: string[] | undefined, line: number, col: number, name: string): number {
  const t = lines?.[line]?.slice(col);
  if (t === undefined || t.startsWith(name)) return name.length;
  return /^\w+/.exec(t)?.[0].length ?? name.length;
}

/** Occurrences and symbols of one file; `functions` are those the index holds for it (macro-defined ones too). */
export function documentOf(
  ix: KernelIndex,
  rel: string,
  functions: FnEntry[],
  impl: Implementations,
  fieldTargets: Map<string, number>,
): { occurrences: Occurrence[]; symbols: SymbolInfo[] } {
  const f = ix.files.get(rel) as FileFacts;
  const lines = functions.length || f.structs.length ? linesOf(ix.root, rel) : undefined;
  const occurrences: Occurrence[] = [];
  const symbols = new Map<string, SymbolInfo>();
  const define = (s: SymbolInfo): SymbolInfo => {
    const had = symbols.get(s.symbol);
    if (had) return had;
    symbols.set(s.symbol, s);
    return s;
  };

  for (const e of functions) {
    const d = e.def;
    const symbol = functionSymbol(e);
    occurrences.push({
      range: range(d.nameLine, d.nameCol, d.nameCol + nameLength(lines, d.nameLine, d.nameCol, e.name)),
      symbol,
      roles: DEFINITION,
      enclosing: enclosing(lines, d.line, d.col, d.endLine),
    });
    const info = define({
      symbol,
      kind: KIND.function,
      name: e.name,
      documentation: [],
      implements: [],
      signature: signatureOf(lines, d.line, d.col, d.endLine),
    });
    // Only the definition the index means by this id carries what was stored (a global name defined twice shares one symbol).
    const fields = ix.fnById(e.id) === e ? impl.get(e.id) : undefined;
    if (!fields) continue;
    const doc = ['Stored into function-pointer fields (kpath):'];
    for (const [slot, evidence] of fields) {
      const field = fieldSlot(slot)!;
      info.implements.push(fieldSymbol(structSymbol(field.struct), field.field));
      doc.push(
        `- \`${slot}\`: ${evidence.slice(0, 3).map(evidenceLine).join('; ')}${evidence.length > 3 ? ` (+${evidence.length - 3} more)` : ''}`,
      );
    }
    info.documentation.push(doc.join('\n'));
  }

  for (const c of f.calls) {
    const callee = ix.env.lookupFunction(c.callee, rel);
    if (callee) occurrences.push({ range: range(c.line, c.col, c.col + c.callee.length), symbol: functionSymbol(callee), roles: 0 });
  }

  for (const s of ix.sitesIn(rel)) {
    const r = range(s.site.nameLine, s.site.nameCol, s.site.endCol);
    const targets = ix.targetsOf(s);
    const field = [s.slot, ...(s.general ?? [])].map((x) => (x ? fieldSlot(x) : undefined)).find((x) => x !== undefined);
    if (field) {
      const names = targets.slice(0, HOVER_TARGETS).map((t) => `\`${t.fn.name}\` (${t.fn.file}:${t.fn.line + 1})`);
      const hover = targets.length
        ? `Indirect call through \`${s.slot}\`: ${targets.length} target${targets.length === 1 ? '' : 's'} (kpath): ${names.join(', ')}${targets.length > HOVER_TARGETS ? ', …' : ''}`
        : `Indirect call through \`${s.slot}\`: ${ix.unresolvedReason(s, targets)} (kpath)`;
      occurrences.push({ range: r, symbol: fieldSymbol(structSymbol(field.struct), field.field), roles: 0, hover });
      continue;
    }
    for (const t of targets) {
      const fn = ix.fnById(t.fn.id);
      if (fn) occurrences.push({ range: r, symbol: functionSymbol(fn), roles: 0 });
    }
  }

  for (const st of f.structs) {
    const label = structLabel(st.name);
    const symbol = structSymbol(label);
    const shown = label.split('::').pop()!;
    const at = label.includes('::') || label.startsWith('<') ? -1 : nameColumn(lines, st.line, st.col, label);
    const keyword = st.name.startsWith('union') ? 'union' : 'struct';
    occurrences.push({
      range: at >= 0 ? range(st.line, at, at + label.length) : range(st.line, st.col, st.col + keyword.length),
      symbol,
      roles: DEFINITION,
      enclosing: enclosing(lines, st.line, st.col, st.endLine),
    });
    define({ symbol, kind: keyword === 'union' ? KIND.union : KIND.struct, name: shown, documentation: [], implements: [] });
    for (const fi of st.fields) {
      const fsym = fieldSymbol(symbol, fi.name);
      const col = nameColumn(lines, fi.line, fi.col, fi.name);
      const c = col >= 0 ? col : fi.col;
      occurrences.push({ range: range(fi.line, c, c + fi.name.length), symbol: fsym, roles: DEFINITION });
      const n = fieldTargets.get(fieldKey(label, fi.name));
      const documentation =
        fi.type.fn && n
          ? [
              `Function pointer: kpath found ${n} function${n === 1 ? '' : 's'} stored here (Find implementations lists them, with where each was stored).`,
            ]
          : [];
      define({ symbol: fsym, kind: KIND.field, name: fi.name, documentation, implements: [] });
    }
  }

  occurrences.sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
  return { occurrences, symbols: [...symbols.values()] };
}

/** Write a Document as field 2 of the Index message; returns what it held. */
export function writeDocument(w: ProtoWriter, rel: string, doc: { occurrences: Occurrence[]; symbols: SymbolInfo[] }): DocumentCounts {
  const counts: DocumentCounts = {
    occurrences: doc.occurrences.length,
    definitions: 0,
    references: 0,
    indirect: 0,
    symbols: doc.symbols.length,
    relationships: 0,
  };
  w.message(2, (d) => {
    d.string(1, rel);
    d.string(4, 'c');
    d.uint(6, UTF16_COLUMNS);
    for (const o of doc.occurrences) {
      if (o.roles & DEFINITION) counts.definitions++;
      else counts.references++;
      if (o.hover) counts.indirect++;
      d.message(2, (m) => {
        m.packed(1, o.range);
        m.string(2, o.symbol);
        m.uint(3, o.roles);
        if (o.hover) m.string(4, o.hover);
        if (o.enclosing) m.packed(7, o.enclosing);
      });
    }
    for (const s of doc.symbols) {
      counts.relationships += s.implements.length;
      d.message(3, (m) => {
        m.string(1, s.symbol);
        for (const line of s.documentation) m.string(3, line);
        for (const target of s.implements)
          m.message(4, (r) => {
            r.string(1, target);
            r.bool(3, true);
          });
        m.uint(5, s.kind);
        m.string(6, s.name);
        if (s.signature)
          m.message(7, (sig) => {
            sig.string(4, 'c');
            sig.string(5, s.signature!);
          });
      });
    }
  });
  return counts;
}
