// Merging two versions of the notes against the version both started from (three-way, by id), so
// that two windows on the same tree keep each other's notes: what one added stays, what one deleted
// goes (unless the other changed it since), and where both changed the same note the later change
// of each part wins; replies are merged one by one the same way.
import type { Note, NoteComment } from './types';

interface Dated {
  id: string;
  updated: string;
}

function threeWay<T extends Dated>(
  base: readonly T[],
  ours: readonly T[],
  theirs: readonly T[],
  both: (o: T, t: T, was: T | undefined) => T,
): T[] {
  const b = new Map(base.map((x) => [x.id, x]));
  const o = new Map(ours.map((x) => [x.id, x]));
  const t = new Map(theirs.map((x) => [x.id, x]));
  const out: T[] = [];
  for (const id of new Set([...o.keys(), ...t.keys()])) {
    const mine = o.get(id),
      other = t.get(id),
      was = b.get(id);
    if (mine && other) out.push(both(mine, other, was));
    // Present on one side only: either added there, or deleted on the other side. A deletion wins
    // unless the survivor was changed after the common version.
    else if (mine) {
      if (!was || mine.updated > was.updated) out.push(mine);
    } else if (other) {
      if (!was || other.updated > was.updated) out.push(other);
    }
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Of two versions of one thing: the one that changed since the common version, else the later. */
function pick<T extends Dated>(o: T, t: T, was: T | undefined): T {
  if (was && same(o, was)) return t;
  if (was && same(t, was)) return o;
  return t.updated > o.updated ? t : o;
}

function mergeNote(ours: Note, theirs: Note, base: Note | undefined): Note {
  // The note's own fields (anchor, resolved) and its replies are merged apart.
  const bare = (n: Note): Note => ({ ...n, comments: [] });
  const head = pick(bare(ours), bare(theirs), base && bare(base));
  const comments: NoteComment[] = threeWay(base?.comments ?? [], ours.comments, theirs.comments, pick).sort((x, y) =>
    x.created === y.created ? (x.id < y.id ? -1 : 1) : x.created < y.created ? -1 : 1,
  );
  const updated = ours.updated > theirs.updated ? ours.updated : theirs.updated;
  return { ...head, comments, updated };
}

export function mergeNotes(base: readonly Note[], ours: readonly Note[], theirs: readonly Note[]): Note[] {
  return threeWay(base, ours, theirs, mergeNote).filter((n) => n.comments.length > 0);
}
