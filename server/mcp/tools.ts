// The MCP tools: each one's name, what it is for (said for an assistant choosing among them), its
// input schema, and how it answers from the index. Positions in and out are 1-based. A wrong input
// (a function the index does not have, a file outside the tree or the indexed folders) throws a
// ToolError whose message is the one line the client sees.
import { z } from 'zod';
import type { KernelIndex } from '../index/kernelIndex';
import type { AppliedConfig } from '../config/choose';
import { callPath, functionIds } from '../graph/paths';
import { sendPath } from '../graph/sendPath';
import { recvPath } from '../graph/recvPath';
import { edgeRows, pathJson, targetRows, unresolvedRows } from '../queries';
import { findSymbols } from '../index/symbolTable';
import { notIndexed, treeFile, type Scope } from '../cliArgs';
import { edgesText, pathText, symbolsText, targetsText, unresolvedText, type ConfigNote } from './format';

/** A wrong input, said in one line. */
export class ToolError extends Error {}

export interface ToolContext {
  ix: KernelIndex;
  scope: Scope;
  /** The configuration the server answers for (undefined: every configuration). */
  config: AppliedConfig | undefined;
  /** Run `fn` answering for `file` (`none`: every configuration; undefined: the server's), then switch back. */
  withConfig<T>(file: string | undefined, fn: (applied: AppliedConfig | undefined) => T): T;
}

export interface Tool {
  name: string;
  title: string;
  description: string;
  input: z.ZodRawShape;
  run(ctx: ToolContext, args: Record<string, unknown>): string;
}

/** A tool whose handler sees its arguments typed by its schema. */
function tool<S extends z.ZodRawShape>(t: {
  name: string;
  title: string;
  description: string;
  input: S;
  run(ctx: ToolContext, args: z.infer<z.ZodObject<S>>): string;
}): Tool {
  return t as unknown as Tool;
}

const note = (a: AppliedConfig | undefined): ConfigNote | undefined => (a ? { label: a.config.label, file: a.config.file } : undefined);

const fnName = z
  .string()
  .min(1)
  .describe('A function name (tcp_sendmsg), or name@file for a static one (sock_sendmsg_nosec@net/socket.c), or a syscall (sendto)');
const limit = (n: number): z.ZodOptional<z.ZodNumber> =>
  z.number().int().min(1).optional().describe(`At most this many rows (default ${n})`);
/** The inputs of the send and receive paths. */
const route = {
  family: z.enum(['ipv4', 'ipv6']).optional().describe('Address family (default ipv4)'),
  config: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A kernel configuration to answer for: a .config, or one shipped as .xz/.gz (/usr/src/linux-config-6.12/config.amd64_none_amd64.xz); "none" for every configuration; default: the server\'s',
    ),
  through: z
    .array(z.string().min(1))
    .optional()
    .describe('Switch an indirect hop to another of its targets (udp_sendmsg): the path passes through these'),
  branches: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      'Conditions the path depends on, as branch id → option id (each answer lists its branches and options); default: the typical case',
    ),
};
const all = z
  .boolean()
  .optional()
  .describe('With a kernel configuration: also list in full what it does not compile (default: counted and named only)');

/** A file named by the client, as the index names it; a ToolError unless it is indexed. */
function indexedFile(ctx: ToolContext, given: string): string {
  const rel = treeFile(ctx.ix.root, given);
  if (!ctx.ix.files.has(rel)) throw new ToolError(notIndexed(ctx.ix.root, rel, ctx.scope));
  return rel;
}

/** The ids of a function named by the client; a ToolError, with the closest names, when there is none. */
function functionsNamed(ix: KernelIndex, name: string): string[] {
  const ids = functionIds(ix, name);
  if (ids.length) return ids;
  // The names that hold it, else a shorter part of it (a misspelling near the end).
  let some: string[] = [];
  const base = name.replace(/@.*/, '');
  for (let q = base; !some.length && q.length >= Math.max(3, base.length / 2); q = q.slice(0, -1)) {
    const part = q.toLowerCase();
    some = [
      ...new Set(
        findSymbols(ix, q, 0, 40)
          .filter((e) => e.kind === 'function' && e.name.toLowerCase().includes(part))
          .map((e) => e.name),
      ),
    ].slice(0, 5);
  }
  throw new ToolError(`no function named ${name} in the index${some.length ? ` (closest: ${some.join(', ')})` : ''}`);
}

/** What to say when a line has no indirect call: the lines of its function that do. */
function noSite(ix: KernelIndex, rel: string, line: number): string {
  const fn = ix.functionAt(rel, line - 1);
  const lines = fn
    ? [
        ...new Set(
          ix
            .sitesIn(rel)
            .filter((s) => s.fromId === fn.id)
            .map((s) => s.site.line + 1),
        ),
      ]
    : [];
  const where = `${rel}:${line}`;
  if (!fn) return `no indirect call at ${where} (not inside a function)`;
  return `no indirect call at ${where}; ${lines.length ? `the indirect calls in ${fn.name} are at line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}` : `${fn.name} makes none`}`;
}

/** `callers` and `callees`: one function's edges, one way. */
function edgesTool(dir: 'callers' | 'callees', title: string, description: string): Tool {
  return tool({
    name: dir,
    title,
    description,
    input: { function: fnName, limit: limit(200), all },
    run(ctx, a) {
      const rows = edgeRows(ctx.ix, functionsNamed(ctx.ix, a.function), dir);
      return edgesText(a.function, dir, rows, note(ctx.config), a.all ?? false, a.limit ?? 200);
    },
  });
}

export const TOOLS: Tool[] = [
  tool({
    name: 'targets',
    title: 'Targets of an indirect call',
    description:
      'The functions an indirect call in the Linux kernel can reach (a call through a function pointer: sock->ops->sendmsg, dev->netdev_ops->ndo_start_xmit, INDIRECT_CALL_*, a callback parameter), ' +
      'for the call(s) on a line. Each target with its file:line and the evidence of where it was stored into the pointer (initializer, assignment, argument). ' +
      "Ordered as kpath ranks them: INDIRECT_CALL_* hints first, then the call site's own folder outward.",
    input: {
      file: z.string().min(1).describe('The file, relative to the kernel tree (net/socket.c) or absolute inside it'),
      line: z.number().int().min(1).describe('1-based line of the call'),
      col: z.number().int().min(1).optional().describe('1-based column, to pick one call when a line has several'),
      all,
    },
    run(ctx, a) {
      const rel = indexedFile(ctx, a.file);
      const rows = targetRows(ctx.ix, rel, a.line - 1, a.col === undefined ? undefined : a.col - 1);
      return rows.length ? targetsText(rows, note(ctx.config), a.all ?? false) : noSite(ctx.ix, rel, a.line);
    },
  }),
  edgesTool(
    'callers',
    'Callers of a function',
    'Every call site that can reach a kernel function: direct calls, and indirect calls through a pointer the function was stored into (with that evidence). Each with the caller and file:line.',
  ),
  edgesTool(
    'callees',
    'Callees of a function',
    'What a kernel function calls: its direct calls and every resolved target of its indirect calls, each with file:line of the call and, for indirect ones, the pointer and where the target was stored.',
  ),
  tool({
    name: 'path',
    title: 'Call path between two functions',
    description:
      'The shortest call path from one kernel function to another (optionally through waypoints), over direct calls and resolved function-pointer calls; each hop with its call site and, for an indirect hop, the evidence and the other targets.',
    input: {
      from: fnName,
      to: fnName,
      via: z.array(z.string().min(1)).optional().describe('Functions the path must pass through, in order'),
    },
    run(ctx, a) {
      for (const f of [a.from, ...(a.via ?? []), a.to]) functionsNamed(ctx.ix, f);
      const cfg = ctx.config;
      return pathText(`path from ${a.from} to ${a.to}`, pathJson(callPath(ctx.ix, a.from, a.to, a.via ?? []), cfg?.config.file), note(cfg));
    },
  }),
  tool({
    name: 'send_path',
    title: 'The send() path',
    description:
      "The path of a send()/sendto() on a TCP socket from the syscall down to the network drivers' ndo_start_xmit, found in the index through the socket's ops tables; each hop with file:line and evidence, and the driver functions at the end.",
    input: route,
    run(ctx, a) {
      return ctx.withConfig(a.config, (cfg) => {
        const p = sendPath(ctx.ix, { family: a.family, through: a.through, branches: a.branches });
        return pathText(`send() path (${a.family ?? 'ipv4'})`, pathJson(p, cfg?.config.file), note(cfg), p);
      });
    },
  }),
  tool({
    name: 'recv_path',
    title: 'The receive path',
    description:
      "The receive path of a TCP socket in two legs found in the index: the packet from the device (netif_receive_skb) up through the packet type, protocol and backlog handlers to the reader's wakeup (sk->sk_data_ready, its targets listed); " +
      "and recvfrom()/recv() down through the socket's ops tables to the copy into the reader's memory. Each hop with file:line and evidence.",
    input: route,
    run(ctx, a) {
      return ctx.withConfig(a.config, (cfg) => {
        const p = recvPath(ctx.ix, { family: a.family, through: a.through, branches: a.branches });
        const fam = a.family ?? 'ipv4';
        return [
          pathText(
            `receive path (${fam}), the packet from the device up to the socket's wakeup`,
            pathJson(p.deliver, cfg?.config.file),
            note(cfg),
            p.deliver,
          ),
          pathText(
            `receive path (${fam}), recvfrom() down to the copy into the reader's memory`,
            pathJson(p.read, cfg?.config.file),
            note(cfg),
            p.read,
          ),
        ].join('\n\n');
      });
    },
  }),
  tool({
    name: 'unresolved',
    title: 'Unresolved indirect calls',
    description:
      'Indirect calls kpath found no target for, with the reason (nothing stored into that pointer in the indexed folders, a receiver type it cannot infer), for one file or the whole index.',
    input: {
      file: z.string().min(1).optional().describe('Only this file (relative to the tree); default: every indexed file'),
      limit: limit(50),
    },
    run(ctx, a) {
      const rel = a.file === undefined ? undefined : indexedFile(ctx, a.file);
      const { rows, reasons } = unresolvedRows(ctx.ix, rel === undefined ? undefined : [rel]);
      return unresolvedText(rows, reasons, rel ?? 'the index', a.limit ?? 50);
    },
  }),
  tool({
    name: 'symbols',
    title: 'Find functions, structs and fields',
    description:
      'Kernel functions, structs and struct fields whose name matches a query (exact, prefix, substring, then in-order letters), best first, with file:line.',
    input: { query: z.string().min(1).describe('A name or part of one (sendmsg, proto_ops)'), limit: limit(50) },
    run(ctx, a) {
      const n = a.limit ?? 50;
      return symbolsText(a.query, findSymbols(ctx.ix, a.query, 0, n + 1), n);
    },
  }),
];
