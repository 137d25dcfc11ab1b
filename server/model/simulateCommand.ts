// `kpath simulate <file.pkt> [--json] [--pcap out.pcap] [--ethernet] [--tree <tree>]`: play a
// packetdrill script through the model and print the predicted packets, the match against the
// script and the step trace. Node glue around the pure runner.

import * as fs from 'fs';
import * as path from 'path';
import { IndexLine, Locate, modelLocator, SourceLocation } from './locate';
import { describePredicted } from './match';
import { PktSyntaxError } from './packetdrill/ast';
import { parseScript } from './packetdrill/parse';
import { buildPcap } from './pcap';
import { runScript, RunResult } from './runner';
import { IP_VERSIONS, IpVersion } from './tcp/family';
import { readScriptFile, siblingReader } from './conformance';

export interface SimulateIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

const USAGE =
  'usage: kpath simulate <file.pkt> [--json] [--pcap out.pcap] [--ethernet] [--tree <kernel tree>] [--ip_version ipv4|ipv6|ipv4-mapped-ipv6]';

interface Args {
  file?: string;
  json: boolean;
  pcap?: string;
  ethernet: boolean;
  tree?: string;
  /** packetdrill's --ip_version on its command line. */
  ipVersion?: IpVersion;
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { json: false, ethernet: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--json') a.json = true;
    else if (x === '--ethernet') a.ethernet = true;
    else if (x === '--pcap' || x === '--tree' || x === '--ip_version') {
      const v = argv[++i];
      if (!v) return `${x} needs a value`;
      if (x === '--pcap') a.pcap = v;
      else if (x === '--tree') a.tree = v;
      else if (IP_VERSIONS.includes(v as IpVersion)) a.ipVersion = v as IpVersion;
      else return `--ip_version is one of ${IP_VERSIONS.join(', ')}`;
    } else if (x.startsWith('-')) return `unknown option ${x}`;
    else if (!a.file) a.file = x;
    else return `unexpected argument ${x}`;
  }
  if (!a.file) return 'missing <file.pkt>';
  return a;
}

/** Entry for the CLI. With `--tree`, each step links to its kernel function: the file from the
 * model's table (tcp/kernelFiles.ts), the line from `indexLine` (the main index, when the CLI has
 * it warm) or else read from that file. Returns the exit code: 0 all outbound packets matched,
 * 1 some did not, 2 usage or syntax error. */
export async function simulateCommand(argv: string[], io: SimulateIO, indexLine?: IndexLine): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.err(`${args} (${USAGE})`);
    return 2;
  }
  const file = args.file as string;
  let text: string;
  try {
    text = readScriptFile(file);
  } catch (e) {
    io.err(`cannot read ${file}: ${(e as Error).message}`);
    return 2;
  }
  let result: RunResult;
  try {
    result = runScript(parseScript(text), { readSibling: siblingReader(path.dirname(file)), ipVersion: args.ipVersion });
  } catch (e) {
    if (e instanceof PktSyntaxError) {
      io.err(`${file}:${e.line}: ${e.detail}`);
      return 2;
    }
    throw e;
  }
  const tree = args.tree;
  const where: Locate | undefined = tree ? modelLocator((f) => readTreeFile(tree, f), indexLine) : undefined;
  const loc = (fn: string): SourceLocation | undefined => where?.(fn);
  if (args.pcap) {
    if (result.packets.some((p) => p.src.ip.includes(':'))) {
      io.err(`cannot write the pcap ${args.pcap}: the packets are IPv6, and pcap.ts builds IPv4 headers only`);
      return 2;
    }
    const why = writePcap(args.pcap, buildPcap(result.packets, args.ethernet ? 'ethernet' : 'raw'));
    if (why) {
      io.err(`cannot write the pcap ${args.pcap}: ${why}`);
      return 2;
    }
  }
  if (args.json) {
    const fns = [...new Set(result.steps.map((s) => s.fn))];
    const locations: Record<string, SourceLocation> = {};
    for (const fn of fns) {
      const l = loc(fn);
      if (l) locations[fn] = l;
    }
    io.out(JSON.stringify({ file, ...result, locations }, null, 2));
  } else {
    printText(io, file, result, loc);
  }
  return result.totals.matched === result.totals.outbound ? 0 : 1;
}

/** Writes the capture; returns why it could not, in words (a folder, a missing folder, no
 * permission), instead of Node's stack trace. */
function writePcap(file: string, bytes: Uint8Array): string | undefined {
  try {
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) return 'it is a folder; give a file name';
    fs.writeFileSync(file, bytes);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `the folder ${path.dirname(file)} does not exist`;
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    return (e as Error).message;
  }
}

function readTreeFile(tree: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(tree, file), 'utf8');
  } catch {
    return undefined;
  }
}

function printText(io: SimulateIO, file: string, r: RunResult, loc: (fn: string) => SourceLocation | undefined): void {
  io.out(`${file}: ${r.totals.matched}/${r.totals.outbound} outbound packets match the script`);
  io.out('\npackets:');
  for (const p of r.packets) {
    const dir = p.direction === 'out' ? '>' : '<';
    io.out(`  ${(p.timeNs / 1e9).toFixed(6)} ${dir} ${describePredicted(p, r.seqMap)}${p.line ? `   (line ${p.line})` : ''}`);
  }
  io.out('\nmatch:');
  for (const o of r.outbound) io.out(`  line ${o.line}: ${o.ok ? 'ok  ' : 'FAIL'} ${o.expected}${o.ok ? '' : ` — ${o.diffs.join('; ')}`}`);
  for (const a of r.asserts) io.out(`  line ${a.line}: ${a.ok ? 'ok  ' : 'FAIL'} assert ${a.text} (model: ${a.got})`);
  for (const c of r.syscalls.filter((s) => !s.ok))
    io.out(`  line ${c.line}: FAIL ${c.call}() = ${c.expected} expected, model returns ${c.got}`);
  for (const e of r.extra) io.out(`  extra: the model also sends ${describePredicted(e, r.seqMap)} at ${(e.timeNs / 1e9).toFixed(6)}`);
  for (const e of r.unchecked)
    io.out(
      `  after the script's last line the model sends ${describePredicted(e, r.seqMap)} at ${(e.timeNs / 1e9).toFixed(6)} (not checked)`,
    );
  for (const u of r.unsupported) io.out(`  unsupported: ${u.what}${u.line ? ` at line ${u.line}` : ''}`);
  for (const n of r.notes) io.out(`  note: ${n.what}${n.line ? ` (line ${n.line})` : ''}`);
  io.out('\nsteps:');
  for (const s of r.steps) {
    const l = loc(s.fn);
    io.out(`  ${(s.timeNs / 1e9).toFixed(6)} ${s.fn}${l ? ` (${l.file}:${l.line})` : ''}: ${s.note}`);
  }
}
