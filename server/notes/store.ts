// One notes file per tree on disk. Every save re-reads the file, merges (merge.ts) against the
// version this store last read, and replaces the file atomically (write a temporary file beside it,
// then rename), under a short-lived lock file so that two windows saving at the same moment take
// turns. A file that does not parse is never written over: the store reports why, copies it to a
// backup beside it once, and refuses to save until the file is fixed (or moved away).
// Waiting for another window's lock is asynchronous (the extension host's thread must not sleep);
// once the lock is held, reading, merging and writing are synchronous, so that two saves of one
// window never interleave: the file is small.
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { readRegular } from '../index/fileSlice';
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
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly backup: string | undefined,
  ) {
    super(
      `${file} cannot be read: ${reason}. It was left as it is${backup ? `; a copy is in ${backup}` : ''}. Fix or move the file; until then notes are not saved.`,
    );
  }
}

const LOCK_STALE_MS = 10_000;
/** A notes file is a few hundred KB; a larger one is refused rather than read into the extension host. */
const MAX_NOTES_BYTES = 32 * 1024 * 1024;
const LOCK_WAIT_MS = 5_000;
const LOCK_RETRY_MS = 25;

export class NotesStore {
  /** The notes as last read from or written to disk: the common version for the next merge. */
  private base: Note[] = [];
  /** What the last read shortened to keep the file within its limits (format.ts), to tell the person. */
  warnings: string[] = [];

  constructor(readonly file: string) {}

  /** Read the file (no file: no notes). Throws NotesFileBroken for a file that does not parse. */
  load(): Note[] {
    this.base = this.readDisk();
    return structuredClone(this.base);
  }

  /** The notes as last read or saved: what this window has on disk. */
  saved(): Note[] {
    return structuredClone(this.base);
  }

  /**
   * Save `ours` (this window's full set of notes, or a function giving them once the lock is held,
   * so that changes made while waiting are saved too): merged with whatever another window wrote
   * since the last load or save. Resolves to the merged notes, which this window should adopt;
   * `adopt` gets them before anything else can run, so that no change falls between.
   */
  async save(ours: readonly Note[] | (() => readonly Note[]), adopt?: (merged: Note[]) => void): Promise<Note[]> {
    const unlock = await this.lock();
    try {
      const theirs = this.readDisk();
      const merged = sortNotes(mergeNotes(this.base, typeof ours === 'function' ? ours() : ours, theirs));
      const text = serialize(merged);
      if (!existsSync(this.file) || this.readText() !== text) this.writeAtomic(text);
      this.base = merged;
      adopt?.(structuredClone(merged));
      return structuredClone(merged);
    } finally {
      unlock();
    }
  }

  /** The notes file as text; a FIFO or device in its place, or a file over the cap, is refused unread (FileRefused). */
  private readText(): string {
    return readRegular(this.file, MAX_NOTES_BYTES).bytes.toString('utf8');
  }

  private readDisk(): Note[] {
    let text: string;
    try {
      text = this.readText();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    if (text.trim() === '') return [];
    const warnings: string[] = [];
    try {
      return parse(text, (m) => warnings.push(m));
    } catch (e) {
      if (!(e instanceof NotesFormatError)) throw e;
      throw new NotesFileBroken(this.file, e.message, this.backup(text));
    } finally {
      this.warnings = warnings;
    }
  }

  /** A copy of a broken file, named by its content so that repeated reads make one copy, not many. */
  private backup(text: string): string | undefined {
    const hash = createHash('sha1').update(text).digest('hex').slice(0, 8);
    const dest = `${this.file}.broken-${hash}.bak`;
    try {
      if (!existsSync(dest)) copyFileSync(this.file, dest);
      return dest;
    } catch {
      return undefined;
    }
  }

  private writeAtomic(text: string): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /**
   * Take `<file>.lock` (created exclusively), retrying every 25 ms without blocking the thread; a
   * lock older than 10 s is a crashed writer's and is taken over. Resolves to the function that
   * releases it.
   */
  private async lock(): Promise<() => void> {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const lock = `${this.file}.lock`;
    const end = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx'));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let age = 0;
        try {
          age = Date.now() - statSync(lock).mtimeMs;
        } catch {
          continue;
        }
        if (age > LOCK_STALE_MS) {
          rmSync(lock, { force: true });
          continue;
        }
        if (Date.now() > end) throw new Error(`${lock} is held by another window; try again`);
        await sleep(LOCK_RETRY_MS);
      }
    }
    return () => rmSync(lock, { force: true });
  }
}
