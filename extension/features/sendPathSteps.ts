// The send() path as numbered steps, for the code lens "send path · step 7 of 26 · next: …".
// No `vscode` import, so that the unit tests can check the numbering.
import type { CallPath, FunctionRef } from '../../server/protocol';

export interface Step { fn: FunctionRef; step: number; of: number; next?: string }

/** The functions of a path in order, each with its step number and the next function. */
export function steps(path: CallPath): Step[] {
  if (path.hops.length === 0) return [];
  const fns = [path.hops[0].from, ...path.hops.map((h) => h.to)];
  return fns.map((fn, i) => ({ fn, step: i + 1, of: fns.length, next: fns[i + 1]?.name }));
}

export function lensTitle(s: Step): string {
  return `send path · step ${s.step} of ${s.of}${s.next ? ` · next: ${s.next}` : ' · then the drivers'}`;
}
