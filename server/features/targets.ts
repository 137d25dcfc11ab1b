// kpath/targets: the targets of the indirect call at a position, with evidence. The cursor may be
// on the callee's name, anywhere in the call on that line, or on a function-pointer field (its
// declaration or an initializer's designator: then every function stored into it).
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Connection } from 'vscode-languageserver/node';
import type { KernelIndex, SiteInfo } from '../index/kernelIndex';
import { Methods, type IndirectTargets, type TargetsParams } from '../protocol';
import { targetsRequest } from '../protocolTypes';
import { guard, type ServerState } from './state';
import { symbolAt } from './symbolAt';
import { slotImplementations } from './implementation';

export function siteTargets(index: KernelIndex, s: SiteInfo): IndirectTargets {
  const targets = index.targetsOf(s);
  const built = index.builtAt(s.file, s.site.line);
  const out: IndirectTargets = {
    site: { file: s.file, line: s.site.nameLine, col: s.site.nameCol, ...(built ? { built: built.built, builtWhy: built.why } : {}) },
    slot: s.slot ?? '',
    receiverType: s.receiverType ?? '',
    targets: targets.map((t) => ({ fn: t.fn, hint: t.hint, evidence: t.evidence })),
  };
  const why = index.unresolvedReason(s, targets);
  if (why) out.unresolved = why;
  return out;
}

export function provideTargets(
  index: KernelIndex,
  file: string,
  text: string | undefined,
  line: number,
  col: number,
): IndirectTargets | null {
  const at = text !== undefined ? symbolAt(index, file, text, line, col) : undefined;
  if (at?.kind === 'site') return siteTargets(index, at.site);
  if (at?.kind === 'field') {
    return {
      site: { file, line: at.word.line, col: at.word.start },
      slot: at.slot,
      receiverType: at.owner,
      targets: slotImplementations(index, at.slot).map((i) => ({ fn: i.fn, hint: false, evidence: i.evidence })),
    };
  }
  const s = index.siteAt(file, line, col) ?? index.siteAt(file, line);
  return s && s.kind !== 'direct' ? siteTargets(index, s) : null;
}

export function register(connection: Connection, state: ServerState): void {
  connection.onRequest(
    targetsRequest,
    guard(state, Methods.targets, 'error', (p: TargetsParams) => {
      if (state.partial)
        throw new ResponseError(
          LSPErrorCodes.RequestFailed,
          `still indexing (${state.status.filesDone}/${state.status.filesTotal} files): indirect calls are resolved when it is done`,
        );
      if (!state.index || !p || typeof p.line !== 'number' || typeof p.col !== 'number') return null;
      if (typeof p.uri !== 'string' && typeof p.file !== 'string') return null;
      // The document's URI when it is in the tree, else `file`: either way a path inside the tree.
      const file =
        (typeof p.uri === 'string' ? state.relOf(p.uri) : undefined) ?? (typeof p.file === 'string' ? state.relPath(p.file) : undefined);
      if (file === undefined)
        throw new ResponseError(ErrorCodes.InvalidParams, `${JSON.stringify(p.file ?? p.uri)} is not a file inside the tree ${state.root}`);
      return provideTargets(state.index, file, state.textOf(file), p.line, p.col);
    }),
  );
}
