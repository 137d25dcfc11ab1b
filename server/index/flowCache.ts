// The resolved flows of an unchanged tree, saved beside its cache. Resolving every store and
// indirect call is a third of a warm start; its result depends only on the facts (which the
// cache's checksum names) and on the resolver's code (the import closure of the index and of this
// file, sourceFingerprint.ts: fingerprinted into each bundle by esbuild.mjs, or hashed from the
// sources when run from them). Both make the key: a flow file
// written by other facts or other code is never read, and an unreadable one is only recomputed.
// Layout: `{"key"}` line, the flows as one JSON line, a trailer line with a SHA-1 of the two: a file
// cut short or edited is told apart from a stale one, said, and recomputed.
import { constants as bufferLimits } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { Evidence } from '../protocol';
import type { FileFlows, SlotResult } from '../resolve/slots';
import { readRegular } from './fileSlice';
import { fingerprintOf } from './sourceFingerprint';

declare const KPATH_FLOWS_FINGERPRINT: string | undefined;

/** A hash of the resolver's sources: put into bundles at build time, else read from the checkout. */
export function resolverFingerprint(): string {
  if (typeof KPATH_FLOWS_FINGERPRINT === 'string') return KPATH_FLOWS_FINGERPRINT;
  return fingerprintOf(path.join(__dirname, '..', '..'), 'flows');
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
      ids.set(f.evidence, (id = ids.size));
      evidence.push(f.evidence.line, f.evidence.col, f.evidence.how, f.evidence.slot, f.evidence.in ?? null);
    }
    flows.push(f.slot, f.value.fn ?? null, f.value.slot ?? null, id);
  }
  return [evidence, flows, fl.sites];
}

function unpack(file: string, [ev, fw, sites]: PackedFlows): FileFlows {
  const evidence: Evidence[] = [];
  for (let i = 0; i < ev.length; i += 5) {
    const e: Evidence = {
      file,
      line: ev[i] as number,
      col: ev[i + 1] as number,
      how: ev[i + 2] as Evidence['how'],
      slot: ev[i + 3] as string,
    };
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

/** The flows are parsed as one string: a file larger than V8's longest string is not read. */
const MAX_FLOWS_BYTES = bufferLimits.MAX_STRING_LENGTH;

/**
 * The saved flows if `file` holds them for `key`, else undefined. Absent or stale (another key) is
 * said nowhere: that is the normal case. Damaged (cut short, edited, not a regular file, too large)
 * is said through `onDamaged`, then ignored.
 */
export function loadFlows(file: string, key: string, onDamaged?: (reason: string) => void): Map<string, FileFlows> | undefined {
  let buf: Buffer;
  try {
    buf = readRegular(file, MAX_FLOWS_BYTES).bytes;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') onDamaged?.(`unreadable (${(e as Error).message})`);
    return undefined;
  }
  try {
    // The key is on the first line: a stale file is dismissed without reading the rest.
    const nl = buf.indexOf(10);
    if (nl < 0) throw new Error('no key line');
    if ((JSON.parse(buf.toString('utf8', 0, nl)) as { key?: string }).key !== key) return undefined;
    const end = buf[buf.length - 1] === 10 ? buf.length - 1 : buf.length;
    const trailerStart = buf.lastIndexOf(10, end - 1) + 1;
    let trailer: { end?: boolean; sha1?: string } = {};
    try {
      trailer = JSON.parse(buf.toString('utf8', trailerStart, end)) as typeof trailer;
    } catch {
      /* said below */
    }
    if (trailer.end !== true || trailerStart <= nl + 1) throw new Error('cut short (no trailer)');
    if (createHash('sha1').update(buf.subarray(0, trailerStart)).digest('hex') !== trailer.sha1)
      throw new Error('checksum mismatch (corrupt or edited)');
    const files = JSON.parse(buf.toString('utf8', nl + 1, trailerStart - 1)) as Record<string, PackedFlows>;
    const out = new Map<string, FileFlows>();
    for (const [rel, packed] of Object.entries(files)) out.set(rel, unpack(rel, packed));
    return out;
  } catch (e) {
    onDamaged?.((e as Error).message);
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
    const hash = createHash('sha1');
    let pending: string[] = [`${JSON.stringify({ key })}\n{`];
    let chars = 0;
    const flush = (): void => {
      const chunk = Buffer.from(pending.join(''), 'utf8');
      hash.update(chunk);
      writeSync(out, chunk);
      pending = [];
      chars = 0;
    };
    let first = true;
    for (const [rel, fl] of flows) {
      const part = `${first ? '' : ','}${JSON.stringify(rel)}:${JSON.stringify(pack(fl))}`;
      first = false;
      pending.push(part);
      chars += part.length;
      if (chars > 4 * 1024 * 1024) flush();
    }
    pending.push('}\n');
    flush();
    writeSync(out, `${JSON.stringify({ end: true, sha1: hash.digest('hex') })}\n`);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}
