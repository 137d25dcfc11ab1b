// The resolved flows of an unchanged tree, saved beside its cache. Resolving every store and
// indirect call is a third of a warm start; its result depends only on the facts (which the
// cache's checksum names) and on the resolver's code (which esbuild.mjs fingerprints into each
// bundle, or which is hashed from the sources when run from them). Both make the key: a flow file
// written by other facts or other code is never read, and an unreadable one is only recomputed.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { Evidence } from '../protocol';
import type { FileFlows, SlotResult } from '../resolve/slots';

declare const KPATH_RESOLVER_FINGERPRINT: string | undefined;

/** Folders whose code decides what fileFlows() returns for given facts. */
export const RESOLVER_SOURCES = ['server/resolve', 'server/index', 'server/parse/facts.ts'];

/** A hash of the resolver's sources: put into bundles at build time, else read from the checkout. */
export function resolverFingerprint(): string {
  if (typeof KPATH_RESOLVER_FINGERPRINT === 'string') return KPATH_RESOLVER_FINGERPRINT;
  return fingerprintSources(path.join(__dirname, '..', '..'));
}

export function fingerprintSources(repoRoot: string): string {
  const hash = createHash('sha1');
  const add = (rel: string): void => {
    const abs = path.join(repoRoot, rel);
    if (rel.endsWith('.ts')) { hash.update(rel).update(readFileSync(abs)); return; }
    for (const e of readdirSync(abs).sort()) if (e.endsWith('.ts')) add(`${rel}/${e}`);
  };
  for (const s of RESOLVER_SOURCES) add(s);
  return hash.digest('hex');
}

export function flowCacheFile(cachePath: string): string {
  return cachePath.replace(/\.jsonl$/, '') + '.flows.json';
}

/** The key of the flows of a cache, or undefined when the resolver's sources cannot be fingerprinted (then nothing is saved). */
export function flowsKey(cacheSha1: string): string | undefined {
  try {
    return createHash('sha1').update(cacheSha1).update(resolverFingerprint()).digest('hex');
  } catch {
    return undefined;
  }
}

// Per file: evidence as flat quintuples [line, col, how, slot, in], flows as [slot, fn, valueSlot,
// evidence index] (a store and its general slots share one evidence), sites as they are.
type PackedFlows = [evidence: (string | number | null)[], flows: (string | number | null)[], sites: SlotResult[]];

function pack(fl: FileFlows): PackedFlows {
  const evidence: (string | number | null)[] = [];
  const ids = new Map<Evidence, number>();
  const flows: (string | number | null)[] = [];
  for (const f of fl.flows) {
    let id = ids.get(f.evidence);
    if (id === undefined) {
      ids.set(f.evidence, id = ids.size);
      evidence.push(f.evidence.line, f.evidence.col, f.evidence.how, f.evidence.slot, f.evidence.in ?? null);
    }
    flows.push(f.slot, f.value.fn ?? null, f.value.slot ?? null, id);
  }
  return [evidence, flows, fl.sites];
}

function unpack(file: string, [ev, fw, sites]: PackedFlows): FileFlows {
  const evidence: Evidence[] = [];
  for (let i = 0; i < ev.length; i += 5) {
    const e: Evidence = { file, line: ev[i] as number, col: ev[i + 1] as number, how: ev[i + 2] as Evidence['how'], slot: ev[i + 3] as string };
    if (ev[i + 4] !== null) e.in = ev[i + 4] as string;
    evidence.push(e);
  }
  const flows: FileFlows['flows'] = [];
  for (let i = 0; i < fw.length; i += 4) {
    const value: { fn?: string; slot?: string } = {};
    if (fw[i + 1] !== null) value.fn = fw[i + 1] as string;
    if (fw[i + 2] !== null) value.slot = fw[i + 2] as string;
    flows.push({ slot: fw[i] as string, value, evidence: evidence[fw[i + 3] as number] });
  }
  return { flows, sites };
}

/** The saved flows if `file` holds them for `key`, else undefined (absent, stale or unreadable alike). */
export function loadFlows(file: string, key: string): Map<string, FileFlows> | undefined {
  try {
    // The key is on the first line: a stale file is dismissed without parsing the rest.
    const buf = readFileSync(file);
    const nl = buf.indexOf(10);
    if (nl < 0 || (JSON.parse(buf.toString('utf8', 0, nl)) as { key?: string }).key !== key) return undefined;
    const files = JSON.parse(buf.toString('utf8', nl + 1)) as Record<string, PackedFlows>;
    const out = new Map<string, FileFlows>();
    for (const [rel, packed] of Object.entries(files)) out.set(rel, unpack(rel, packed));
    return out;
  } catch {
    return undefined;
  }
}

/** Save atomically (a temporary file renamed into place), a file at a time: one string of the whole would be 100+ MB at the index's peak. */
export function saveFlows(file: string, key: string, flows: ReadonlyMap<string, FileFlows>): void {
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    const out = fd;
    let pending: string[] = [`${JSON.stringify({ key })}\n{`];
    let chars = 0;
    const flush = (): void => { writeSync(out, pending.join('')); pending = []; chars = 0; };
    let first = true;
    for (const [rel, fl] of flows) {
      const part = `${first ? '' : ','}${JSON.stringify(rel)}:${JSON.stringify(pack(fl))}`;
      first = false;
      pending.push(part);
      chars += part.length;
      if (chars > 4 * 1024 * 1024) flush();
    }
    pending.push('}');
    flush();
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}
