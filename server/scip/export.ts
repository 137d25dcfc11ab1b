// `kpath scip <tree> --out index.scip`: the index as SCIP, the protobuf format Sourcegraph reads
// for precise code navigation. The Index message is streamed: its metadata, then one Document per
// indexed file, each encoded into a reused buffer and written before the next is built, into a
// temporary file renamed over `out` at the end. What SCIP adds over a compiler-built index is the
// function pointers: each function stored into a field is an implementation of that field (so
// "Find implementations" on `proto_ops.sendmsg` lists `inet_sendmsg`, with where it was stored),
// and each call through the field is a reference to it.
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { KernelIndex } from '../index/kernelIndex';
import type { Evidence } from '../protocol';
import type { FnEntry } from '../resolve/typeEnv';
import { UsageError } from '../cliArgs';
import { KPATH_VERSION } from '../version';
import { ProtoWriter } from './proto';
import { documentOf, writeDocument, type DocumentCounts, type Implementations } from './document';
import { fieldSlot } from './symbols';

/** TextEncoding.UTF8 of scip.proto: the tree's files are read as UTF-8 (Latin-1 where they are not valid UTF-8). */
const UTF8 = 1;

export interface ScipReport extends DocumentCounts {
  documents: number;
  bytes: number;
  seconds: number;
}

/**
 * The functions stored into each function-pointer field: every field slot that an indirect call
 * names or that a store writes, with its targets (through copies from other slots too).
 */
function implementations(ix: KernelIndex): { impl: Implementations; fieldTargets: Map<string, number> } {
  const slots = new Set<string>();
  for (const file of ix.files.keys()) {
    for (const s of ix.sitesIn(file)) for (const slot of [s.slot, ...(s.general ?? [])]) if (slot && fieldSlot(slot)) slots.add(slot);
  }
  for (const stores of ix.storesByFunction().values()) for (const e of stores) if (fieldSlot(e.slot)) slots.add(e.slot);
  const impl: Implementations = new Map();
  const fieldTargets = new Map<string, number>();
  for (const slot of slots) {
    const targets: Map<string, Evidence[]> = ix.slotTargets(slot);
    if (targets.size) fieldTargets.set(slot, targets.size);
    for (const [id, evidence] of targets) {
      let fields = impl.get(id);
      if (!fields) {
        fields = new Map();
        impl.set(id, fields);
      }
      fields.set(slot, evidence);
    }
  }
  return { impl, fieldTargets };
}

/** Write the SCIP index of `ix` to `out`; `progress` is told each document written. */
export function exportScip(
  ix: KernelIndex,
  out: string,
  args: string[] = [],
  progress?: (done: number, total: number) => void,
): ScipReport {
  const t0 = performance.now();
  const { impl, fieldTargets } = implementations(ix);
  const files = [...ix.files.keys()].sort();
  const functions = new Map<string, FnEntry[]>();
  for (const defs of ix.env.functions.values()) {
    for (const e of defs) {
      const list = functions.get(e.file);
      if (list) list.push(e);
      else functions.set(e.file, [e]);
    }
  }
  const tmp = `${out}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const totals: DocumentCounts = { occurrences: 0, definitions: 0, references: 0, indirect: 0, symbols: 0, relationships: 0 };
  try {
    const w = new ProtoWriter();
    w.message(1, (m) => {
      m.message(2, (tool) => {
        tool.string(1, 'kpath');
        tool.string(2, KPATH_VERSION);
        for (const a of args) tool.string(3, a, true);
      });
      m.string(3, pathToFileURL(ix.root).href);
      m.uint(4, UTF8);
    });
    writeSync(fd, w.bytes());
    files.forEach((rel, i) => {
      w.reset();
      const counts = writeDocument(w, rel, documentOf(ix, rel, functions.get(rel) ?? [], impl, fieldTargets));
      for (const k of Object.keys(totals) as (keyof DocumentCounts)[]) totals[k] += counts[k];
      writeSync(fd, w.bytes());
      progress?.(i + 1, files.length);
    });
    closeSync(fd);
    renameSync(tmp, out);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* closed already */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  return { documents: files.length, ...totals, bytes: statSync(out).size, seconds: (performance.now() - t0) / 1000 };
}

/** The CLI command: write the file, say what it holds. */
export function scipCommand(
  ix: KernelIndex,
  out: string | undefined,
  quiet: boolean,
  print: (s: string) => void,
  err: (s: string) => void,
): number {
  if (!out) throw new UsageError('scip needs --out <file> (index.scip)');
  const tty = !quiet && process.stderr.isTTY;
  let lastPct = -1;
  const r = exportScip(ix, out, process.argv.slice(2), (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (!tty || pct === lastPct) return;
    lastPct = pct;
    process.stderr.write(`\rkpath: writing ${done}/${total} documents (${pct}%)${done === total ? '\n' : ''}`);
  });
  const n = (x: number): string => x.toLocaleString('en-US');
  print(
    `wrote ${out}: ${n(r.documents)} documents, ${n(r.symbols)} symbols, ${n(r.occurrences)} occurrences ` +
      `(${n(r.definitions)} definitions, ${n(r.references)} references, ${n(r.indirect)} of them calls through a field), ` +
      `${n(r.relationships)} implementation relationships; ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(1)} s`,
  );
  if (!quiet) err(`kpath: upload it with: src code-intel upload -file=${out}`);
  return 0;
}
