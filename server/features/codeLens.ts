// A code lens above each indirect call site: "3 targets: inet_sendmsg, inet6_sendmsg, …". Its
// command is the extension's `kpath.showTargets` with the site as argument (TargetsParams), which
// peeks the targets; an editor without that command shows the title only.
import type { CodeLens, Connection } from 'vscode-languageserver/node';
import type { KernelIndex } from '../index/kernelIndex';
import type { TargetsParams } from '../protocol';
import { guard, range, type ServerState } from './state';

export const SHOW_TARGETS_COMMAND = 'kpath.showTargets';
const NAMES = 3;

export interface Lens {
  line: number;
  col: number;
  endCol: number;
  title: string;
  slot: string;
  /** Targets the configuration compiles (all without one), and those it does not. */
  targets: number;
  notBuilt: number;
  site: TargetsParams;
}

export function provideCodeLenses(index: KernelIndex, file: string): Lens[] {
  const out: Lens[] = [];
  for (const s of index.sitesIn(file)) {
    if (s.kind === 'direct') continue;
    const all = index.targetsOf(s);
    if (all.length === 0) continue;
    // With a configuration the count and names are of what it compiles; the rest is counted.
    const targets = index.build ? all.filter((t) => t.fn.built !== 'n') : all;
    const names = targets
      .slice(0, NAMES)
      .map((t) => t.fn.name)
      .join(', ');
    const count = `${targets.length} target${targets.length === 1 ? '' : 's'}`;
    const rest = all.length - targets.length;
    const title = `${count}${names ? `: ${names}${targets.length > NAMES ? ', …' : ''}` : ''}${rest ? ` (+${rest} not in this config)` : ''}`;
    out.push({
      line: s.site.nameLine,
      col: s.site.nameCol,
      endCol: s.site.endCol,
      title,
      slot: s.slot ?? '',
      targets: targets.length,
      notBuilt: rest,
      site: { file, line: s.site.nameLine, col: s.site.nameCol },
    });
  }
  return out;
}

export function register(connection: Connection, state: ServerState): void {
  connection.onCodeLens(
    guard(state, 'codeLens', [] as CodeLens[], (p) => {
      const file = state.relOf(p.textDocument.uri);
      if (!state.index || file === undefined || state.partial) return [];
      return provideCodeLenses(state.index, file).map((l) => ({
        range: range(l),
        command: { title: l.title, command: SHOW_TARGETS_COMMAND, arguments: [{ ...l.site, uri: p.textDocument.uri }] },
      }));
    }),
  );
}
