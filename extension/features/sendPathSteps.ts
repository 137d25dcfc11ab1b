// The send() path as numbered steps, for the code lens "send path · step 7 of 26 · next: …".
// No `vscode` import, so that the unit tests can check the numbering.
import type { CallPath, FunctionRef } from '../../server/protocol';

export interface Step {
  fn: FunctionRef;
  step: number;
  of: number;
  /** The next function; absent at the last step. */
  next?: string;
  /** At the last step: what follows it (the drivers, or a break in the path). */
  end?: string;
}

/** The functions of a path in order, each with its step number and the next function. */
export function steps(path: CallPath): Step[] {
  if (path.hops.length === 0) return [];
  const fns = [path.hops[0].from, ...path.hops.map((h) => h.to)];
  const end = path.broken
    ? 'the path breaks here'
    : path.drivers?.length
      ? `then ${path.drivers.length} driver${path.drivers.length === 1 ? '' : 's'}`
      : 'end of the path';
  return fns.map((fn, i) =>
    i + 1 < fns.length ? { fn, step: i + 1, of: fns.length, next: fns[i + 1].name } : { fn, step: i + 1, of: fns.length, end },
  );
}

export function lensTitle(s: Step): string {
  return `send path · step ${s.step} of ${s.of} · ${s.next ? `next: ${s.next}` : (s.end ?? 'end of the path')}`;
}
