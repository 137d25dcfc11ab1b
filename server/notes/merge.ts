// Merging two versions of the notes against the version both started from (three-way, by id), so
// that two windows on the same tree keep each other's notes: what one added stays, what one deleted
// goes (unless the other changed it since), and where both changed the same note the later change
// of each part wins; replies are merged one by one the same way.
import type { Note, NoteComment } from './types';

interface Dated { id: string; updated: string }

function threeWay<T extends Dated>(base: readonly T[], ours: readonly T[], theirs: readonly T[], both: (o: T, t: T) => T): T[] {
  const b = new Map(base.map((x) => [x.id, x]));
  const o = new Map(ours.map((x) => [x.id, x]));
  const t = new Map(theirs.map((x) => [x.id, x]));
  const out: T[] = [];
  for (const id of new Set([...o.keys(), ...t.keys()])) {
    const mine = o.get(id), other = t.get(id), was = b.get(id);
    if (mine && other) out.push(both(mine, other));
    // Present on one side only: either added there, or deleted on the other side. A deletion wins
    // unless the survivor was changed after the common version.
    else if (mine) { if (!was || mine.updated > was.updated) out.push(mine); }
    else if (other) { if (!was || other.updated > was.updated) out.push(other); }
  }
  return out;
}

const later = <T extends Dated>(a: T, b: T): T => (b.updated > a.updated ? b : a);

function mergeNote(base: Note | undefined, ours: Note, theirs: Note): Note {
  const head = later(ours, theirs);
  const comments: NoteComment[] = threeWay(base?.comments ?? [], ours.comments, theirs.comments, later)
    .sort((x, y) => (x.created === y.created ? (x.id < y.id ? -1 : 1) : x.created < y.created ? -1 : 1));
  const updated = ours.updated > theirs.updated ? ours.updated : theirs.updated;
  return { ...head, comments, updated };
}

export function mergeNotes(base: readonly Note[], ours: readonly Note[], theirs: readonly Note[]): Note[] {
  const b = new Map(base.map((n) => [n.id, n]));
  return threeWay(base, ours, theirs, (o, t) => mergeNote(b.get(o.id), o, t)).filter((n) => n.comments.length > 0);
}
