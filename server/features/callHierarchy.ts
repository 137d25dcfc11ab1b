// Call hierarchy, incoming and outgoing, with indirect edges included. An indirect edge is its own
// entry whose `detail` says how it was found (`via proto_ops.sendmsg`, `via INDIRECT_CALL hint`),
// so a caller that reaches a function both directly and through a pointer shows twice.
import {
  SymbolKind,
  type CallHierarchyIncomingCall,
  type CallHierarchyItem,
  type CallHierarchyOutgoingCall,
  type Connection,
} from 'vscode-languageserver/node';
import type { Edge, KernelIndex } from '../index/kernelIndex';
import { guard, range, type ServerState, type Span } from './state';
import { edgeSpanner, symbolAt } from './symbolAt';

/** A call hierarchy item in index terms; `data.id` is the function id the follow-up requests use. */
export interface HierarchyNode {
  id: string;
  name: string;
  file: string;
  line: number;
  col: number;
  endLine: number;
  nameLine: number;
  nameCol: number;
  detail: string;
}

export interface HierarchyCall {
  node: HierarchyNode;
  spans: Span[];
  kind: Edge['kind'];
  via: string;
}

function node(index: KernelIndex, id: string, at: { file: string; line: number; col: number }, detail?: string): HierarchyNode {
  const fn = index.fnById(id);
  if (!fn) {
    const name = id.replace(/@.*/, '');
    return {
      id,
      name,
      file: at.file,
      line: at.line,
      col: at.col,
      endLine: at.line,
      nameLine: at.line,
      nameCol: at.col,
      detail: detail ?? at.file,
    };
  }
  const d = fn.def;
  return {
    id,
    name: fn.name,
    file: fn.file,
    line: d.line,
    col: d.col,
    endLine: d.endLine,
    nameLine: d.nameLine,
    nameCol: d.nameCol,
    detail: detail ?? fn.file,
  };
}

/** How an edge is described: '' for a direct call, else `via <slot>` and whether a hint named it. */
export function edgeDetail(e: { kind: Edge['kind']; via: string }): string {
  if (e.kind === 'direct') return '';
  const via = e.via ? `via ${e.via}` : 'indirect';
  return e.kind === 'hint' ? `${via} (INDIRECT_CALL hint)` : via;
}

export function prepare(index: KernelIndex, file: string, text: string, line: number, col: number, resolved = true): HierarchyNode[] {
  const at = symbolAt(index, file, text, line, col, resolved);
  if (at?.kind === 'function') return at.fns.map((f) => node(index, f.id, index.ref(f)));
  if (at?.kind === 'site') {
    return index
      .targetsOf(at.site)
      .map((t) =>
        node(index, t.fn.id, t.fn, `${t.fn.file} · ${edgeDetail({ kind: t.hint ? 'hint' : at.site.kind, via: at.site.slot ?? '' })}`),
      );
  }
  const fn = index.functionAt(file, line);
  return fn ? [node(index, fn.id, index.ref(fn))] : [];
}

function group(index: KernelIndex, edges: Edge[], other: (e: Edge) => string): HierarchyCall[] {
  const spanOf = edgeSpanner(index);
  const groups = new Map<string, HierarchyCall>();
  for (const e of edges) {
    const id = other(e);
    const detail = edgeDetail(e);
    const key = `${id}|${detail}`;
    let g = groups.get(key);
    if (!g) {
      const n = node(index, id, e);
      g = { node: { ...n, detail: detail ? `${detail} · ${n.file}` : n.file }, spans: [], kind: e.kind, via: e.via };
      groups.set(key, g);
    }
    g.spans.push(spanOf(e));
  }
  return [...groups.values()];
}

/** Calls, and how many were left out because the configuration does not compile them. */
export interface Calls {
  calls: HierarchyCall[];
  hidden: number;
}

function compiled(index: KernelIndex, edges: Edge[], other: (e: Edge) => string): Calls {
  const kept = edges.filter((e) => e.built !== 'n');
  return { calls: group(index, kept, other), hidden: new Set(edges.filter((e) => e.built === 'n').map(other)).size };
}

export function incoming(index: KernelIndex, id: string): Calls {
  return compiled(index, index.callers(id), (e) => e.from);
}

export function outgoing(index: KernelIndex, id: string): Calls {
  return compiled(index, index.callees(id), (e) => e.to);
}

/**
 * The count of calls a configuration does not compile, as one more entry of the view (a tree has no
 * footer): it opens the function itself and has no children.
 */
function hiddenItem(state: ServerState, index: KernelIndex, id: string, hidden: number, dir: 'callers' | 'callees'): CallHierarchyItem {
  const n = node(index, id, { file: '', line: 0, col: 0 });
  const item = toItem(state, n);
  return {
    ...item,
    name: `+${hidden} ${dir} not compiled in ${index.build?.config.label ?? 'this config'}`,
    kind: SymbolKind.Null,
    detail: 'kpath.config decides; kpath: Choose Kernel Config… to change it',
    data: { hidden: true },
  };
}

function toItem(state: ServerState, n: HierarchyNode): CallHierarchyItem {
  return {
    name: n.name,
    kind: SymbolKind.Function,
    detail: n.detail,
    uri: state.uriOf(n.file),
    range: {
      start: { line: n.line, character: n.col },
      end: { line: n.endLine, character: n.endLine === n.line ? n.col + n.name.length : 1 },
    },
    selectionRange: range({ line: n.nameLine, col: n.nameCol, endCol: n.nameCol + n.name.length }),
    data: { id: n.id },
  };
}

function idOf(item: CallHierarchyItem): string | undefined {
  const d: unknown = item.data;
  return d && typeof d === 'object' && 'id' in d && typeof d.id === 'string' ? d.id : undefined;
}

export function register(connection: Connection, state: ServerState): void {
  connection.languages.callHierarchy.onPrepare(
    guard(state, 'callHierarchy/prepare', [] as CallHierarchyItem[], (p) => {
      const c = state.context(p.textDocument.uri);
      if (!c) return [];
      return prepare(c.index, c.file, c.text, p.position.line, p.position.character, !state.partial).map((n) => toItem(state, n));
    }),
  );
  connection.languages.callHierarchy.onIncomingCalls(
    guard(state, 'callHierarchy/incomingCalls', [] as CallHierarchyIncomingCall[], (p) => {
      const id = idOf(p.item);
      if (!state.index || !id || state.partial) return [];
      const { calls, hidden } = incoming(state.index, id);
      const out = calls.map((c) => ({ from: toItem(state, c.node), fromRanges: c.spans.map(range) }));
      if (hidden) out.push({ from: hiddenItem(state, state.index, id, hidden, 'callers'), fromRanges: [] });
      return out;
    }),
  );
  connection.languages.callHierarchy.onOutgoingCalls(
    guard(state, 'callHierarchy/outgoingCalls', [] as CallHierarchyOutgoingCall[], (p) => {
      const id = idOf(p.item);
      if (!state.index || !id || state.partial) return [];
      const { calls, hidden } = outgoing(state.index, id);
      const out = calls.map((c) => ({ to: toItem(state, c.node), fromRanges: c.spans.map(range) }));
      if (hidden) out.push({ to: hiddenItem(state, state.index, id, hidden, 'callees'), fromRanges: [] });
      return out;
    }),
  );
}
