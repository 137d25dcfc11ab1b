// The send() and receive paths as numbered steps, for the code lenses "send path · step 7 of 26 ·
// next: …" and "receive path · step 3 of 27 · next: …". No `vscode` import, so that the unit tests
// can check the numbering.
import type { CallPath, FunctionRef, RecvPath } from '../../server/protocol';

export type Direction = 'send' | 'recv';

export interface Step {
  fn: FunctionRef;
  step: number;
  of: number;
  /** Which path it is a step of (the lens says so, and opens that path). */
  direction: Direction;
  /** The next function; absent at the last step of a leg. */
  next?: string;
  /** At the last step of a leg: what follows it (the drivers, the wakeup, or a break in the path). */
  end?: string;
}

function legSteps(path: CallPath, direction: Direction, first: number, of: number): Step[] {
  if (path.hops.length === 0) return [];
  const fns = [path.hops[0].from, ...path.hops.map((h) => h.to)];
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  const end = path.broken
    ? 'the path breaks here'
    : path.drivers?.length
      ? `then ${n(path.drivers.length, 'driver')}`
      : path.endsAt?.targets.length
        ? `then ${path.endsAt.slot} (${n(path.endsAt.targets.length, 'target')})`
        : 'end of the path';
  return fns.map((fn, i) => ({
    fn,
    step: first + i + 1,
    of,
    direction,
    ...(i + 1 < fns.length ? { next: fns[i + 1].name } : { end }),
  }));
}

const count = (p: CallPath) => (p.hops.length ? p.hops.length + 1 : 0);

/** The functions of the send path in order, each with its step number and the next function. */
export function steps(path: CallPath): Step[] {
  return legSteps(path, 'send', 0, count(path));
}

/** The receive path's two legs numbered on from one to the other, as the panel draws them. */
export function recvSteps(path: RecvPath): Step[] {
  const of = count(path.deliver) + count(path.read);
  return [...legSteps(path.deliver, 'recv', 0, of), ...legSteps(path.read, 'recv', count(path.deliver), of)];
}

export function lensTitle(s: Step): string {
  const label = s.direction === 'recv' ? 'receive path' : 'send path';
  return `${label} · step ${s.step} of ${s.of} · ${s.next ? `next: ${s.next}` : (s.end ?? 'end of the path')}`;
}
