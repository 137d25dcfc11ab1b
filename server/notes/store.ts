// One notes file per tree on disk. Every save re-reads the file, merges (merge.ts) against the
// version this store last read, and replaces the file atomically (write a temporary file beside it,
// then rename), under a short-lived lock file so that two windows saving at the same moment take
// turns. A file that does not parse is never written over: the store reports why, copies it to a
// backup beside it once, and refuses to save until the file is fixed (or moved away).
// Synchronous on purpose: the file is small, and a save must not interleave with another save.
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { NotesFormatError, parse, serialize, sortNotes } from './format';
import { mergeNotes } from './merge';
import type { Note } from './types';

export const DEFAULT_NOTES_FILE = '.kpath/notes.json';

/** The notes file for a tree: the setting if given (relative to the tree root, or absolute), else `<tree>/.kpath/notes.json`. */
export function notesFilePath(treeRoot: string, setting: string | undefined): string {
  const s = (setting ?? '').trim();
  return s ? path.resolve(treeRoot, s) : path.join(treeRoot, DEFAULT_NOTES_FILE);
}

export class NotesFileBroken extends Error {
  constructor(readonly file: string, readonly reason: string, readonly backup: string | undefined) {
    super(`${file} cannot be read: ${reason}. It was left as it is${backup ? `; a copy is in ${backup}` : ''}. Fix or move the file; until then notes are not saved.`);
  }
}

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class NotesStore {
  /** The notes as last read from or written to disk: the common version for the next merge. */
  private base: Note[] = [];

  constructor(readonly file: string) {}

  /** Read the file (no file: no notes). Throws NotesFileBroken for a file that does not parse. */
  load(): Note[] {
    this.base = this.readDisk();
    return structuredClone(this.base);
  }

  /**
   * Save `ours` (this window's full set of notes): merged with whatever another window wrote since
   * the last load or save. Returns the merged notes, which this window should adopt.
   */
  save(ours: readonly Note[]): Note[] {
    return this.locked(() => {
      const theirs = this.readDisk();
      const merged = sortNotes(mergeNotes(this.base, ours, theirs));
      const text = serialize(merged);
      if (!existsSync(this.file) || readFileSync(this.file, 'utf8') !== text) this.writeAtomic(text);
      this.base = merged;
      return structuredClone(merged);
    });
  }

  private readDisk(): Note[] {
    let text: string;
    try { text = readFileSync(this.file, 'utf8'); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    if (text.trim() === '') return [];
    try {
      return parse(text);
    } catch (e) {
      if (!(e instanceof NotesFormatError)) throw e;
      throw new NotesFileBroken(this.file, e.message, this.backup(text));
    }
  }

  /** A copy of a broken file, named by its content so that repeated reads make one copy, not many. */
  private backup(text: string): string | undefined {
    const hash = createHash('sha1').update(text).digest('hex').slice(0, 8);
    const dest = `${this.file}.broken-${hash}.bak`;
    try { if (!existsSync(dest)) copyFileSync(this.file, dest); return dest; } catch { return undefined; }
  }

  private writeAtomic(text: string): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      const fd = openSync(tmp, 'w');
      try { writeSync(fd, text); } finally { closeSync(fd); }
      renameSync(tmp, this.file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** Run `f` holding `<file>.lock` (created exclusively); a lock older than 10 s is a crashed writer's and is taken over. */
  private locked<T>(f: () => T): T {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const lock = `${this.file}.lock`;
    const end = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try { closeSync(openSync(lock, 'wx')); break; } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let age = 0;
        try { age = Date.now() - statSync(lock).mtimeMs; } catch { continue; }
        if (age > LOCK_STALE_MS) { rmSync(lock, { force: true }); continue; }
        if (Date.now() > end) throw new Error(`${lock} is held by another window; try again`);
        sleepSync(25);
      }
    }
    try { return f(); } finally { rmSync(lock, { force: true }); }
  }
}

