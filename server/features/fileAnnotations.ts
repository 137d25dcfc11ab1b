// kpath/fileAnnotations: what the editor marks in a file, in one answer: its indirect call sites
// (underlined, with the code lens's title as hover) and its functions that have callers but no
// direct one (reached only through a function pointer). The client used to scrape both from VS
// Code's own code lens and call hierarchy commands, through every provider installed.
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import type { KernelIndex } from '../index/kernelIndex';
import { Methods, type FileAnnotations, type FileAnnotationsParams, type IndirectOnlyFunction } from '../protocol';
import { fileAnnotationsRequest } from '../protocolTypes';
import { incoming } from './callHierarchy';
import { provideCodeLenses } from './codeLens';
import { guard, type ServerState } from './state';

/** The functions of `file` whose callers, as the call hierarchy lists them, are all indirect. */
function indirectOnly(index: KernelIndex, file: string): IndirectOnlyFunction[] {
  const facts = index.files.get(file);
  if (!facts) return [];
  const out: IndirectOnlyFunction[] = [];
  for (const def of facts.functions) {
    const fn = index.functionsNamed(def.name).find((e) => e.file === file && e.def === def);
    if (!fn) continue;
    const { calls } = incoming(index, fn.id);
    if (calls.length === 0 || calls.some((c) => c.kind === 'direct')) continue;
    out.push({
      name: fn.name,
      line: def.nameLine,
      slots: [...new Set(calls.map((c) => c.via).filter((v) => v !== ''))],
      callers: calls.length,
    });
  }
  return out;
}

export function provideFileAnnotations(index: KernelIndex, file: string): FileAnnotations {
  return {
    sites: provideCodeLenses(index, file).map((l) => ({
      line: l.line,
      col: l.col,
      endCol: l.endCol,
      slot: l.slot,
      targets: l.targets,
      notBuilt: l.notBuilt,
      title: l.title,
    })),
    indirectOnly: indirectOnly(index, file),
  };
}

export function register(connection: Connection, state: ServerState): void {
  connection.onRequest(
    fileAnnotationsRequest,
    guard(state, Methods.fileAnnotations, 'error', (p: FileAnnotationsParams) => {
      if (typeof p?.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, `${Methods.fileAnnotations} needs { uri: string }`);
      const c = state.context(p.uri);
      // Until the index is resolved a function's callers are not all known: nothing rather than wrong marks.
      if (!c || state.partial) return { sites: [], indirectOnly: [] };
      return provideFileAnnotations(c.index, c.file);
    }),
  );
}
