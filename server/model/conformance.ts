// Conformance against Linux's own packetdrill selftests: run every .pkt in a folder and count the
// outbound packets the model predicts exactly.

import * as fs from 'fs';
import * as path from 'path';
import { parseScript } from './packetdrill/parse';
import { PktSyntaxError } from './packetdrill/ast';
import { runScript, RunResult } from './runner';

export interface ScriptConformance {
  script: string;
  outbound: number;
  matched: number;
  /** `<what> at line N`, deduplicated. */
  unsupported: string[];
  /** Outbound lines the model got wrong, with why. */
  mismatches: string[];
  asserts: { total: number; passed: number };
  syscalls: { total: number; passed: number };
  /** Packets the model sent that no `>` line expected. */
  extra: number;
  error?: string;
}

export interface ConformanceReport {
  scripts: ScriptConformance[];
  outbound: number;
  matched: number;
}

/** A packetdrill script is a few KB; anything this big is some other file. */
const SCRIPT_LIMIT = 4 << 20;

/** Read a script: a regular file only (a FIFO or a device would block or never end), and not a huge one. */
export function readScriptFile(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > SCRIPT_LIMIT)
      throw new Error(`${(st.size / 2 ** 20).toFixed(0)} MiB, over the ${SCRIPT_LIMIT >> 20} MiB a script may have`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function siblingReader(dir: string): (name: string) => string | undefined {
  return (name) => {
    try {
      return readScriptFile(path.join(dir, name));
    } catch {
      return undefined;
    }
  };
}

export function summarize(script: string, r: RunResult): ScriptConformance {
  const unsupported = [...new Set(r.unsupported.map((u) => `${u.what}${u.line ? ` at line ${u.line}` : ''}`))];
  return {
    script,
    outbound: r.totals.outbound,
    matched: r.totals.matched,
    unsupported,
    mismatches: r.outbound.filter((o) => !o.ok).map((o) => `line ${o.line} ${o.expected}: ${o.diffs.join('; ')}`),
    asserts: { total: r.asserts.length, passed: r.asserts.filter((a) => a.ok).length },
    syscalls: { total: r.syscalls.length, passed: r.syscalls.filter((c) => c.ok).length },
    extra: r.extra.length,
  };
}

/** Runs every `.pkt` file of `dir` (not recursive), sorted by name. */
export function runConformance(dir: string): ConformanceReport {
  const scripts: ScriptConformance[] = [];
  const names = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.pkt'))
    .sort();
  for (const name of names) {
    try {
      const script = parseScript(fs.readFileSync(path.join(dir, name), 'utf8'));
      scripts.push(summarize(name, runScript(script, { readSibling: siblingReader(dir) })));
    } catch (e) {
      const msg = e instanceof PktSyntaxError ? `syntax error at line ${e.line}: ${e.detail}` : String(e);
      scripts.push({
        script: name,
        outbound: 0,
        matched: 0,
        unsupported: [],
        mismatches: [],
        asserts: { total: 0, passed: 0 },
        syscalls: { total: 0, passed: 0 },
        extra: 0,
        error: msg,
      });
    }
  }
  return {
    scripts,
    outbound: scripts.reduce((a, s) => a + s.outbound, 0),
    matched: scripts.reduce((a, s) => a + s.matched, 0),
  };
}

/** A plain-text table for test output and `npm run bench`. */
export function formatConformance(rep: ConformanceReport): string {
  const w = Math.max(...rep.scripts.map((s) => s.script.length), 6);
  const lines = [`${'script'.padEnd(w)}  matched/outbound  asserts  syscalls  extra  unsupported`];
  for (const s of rep.scripts) {
    const a = s.asserts.total ? `${s.asserts.passed}/${s.asserts.total}` : '-';
    const c = `${s.syscalls.passed}/${s.syscalls.total}`;
    lines.push(
      `${s.script.padEnd(w)}  ${`${s.matched}/${s.outbound}`.padStart(16)}  ${a.padStart(7)}  ${c.padStart(8)}  ${String(s.extra).padStart(5)}  ${s.error ?? (s.unsupported.length ? s.unsupported.join(' | ') : '-')}`,
    );
    for (const m of s.mismatches) lines.push(`${''.padEnd(w)}    ✗ ${m}`);
  }
  const pct = rep.outbound ? ((100 * rep.matched) / rep.outbound).toFixed(1) : '0';
  lines.push(`${'TOTAL'.padEnd(w)}  ${`${rep.matched}/${rep.outbound}`.padStart(16)}  (${pct} %)`);
  return lines.join('\n');
}
