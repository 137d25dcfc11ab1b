// Text kept on disk instead of in memory: a byte range of an open cache file. The unread parts of a
// file's facts (its calls, signatures and plain #defines: 517 MB of strings over the whole tree)
// stay in the cache file and are read when a query first needs them. The file is held open, so a
// newer cache renamed over it later does not change what these ranges read; the descriptor is
// closed once no slice refers to it any more.
import { closeSync, readSync } from 'node:fs';

const closer = new FinalizationRegistry<number>((fd) => { try { closeSync(fd); } catch { /* already closed */ } });

export class OpenFile {
  constructor(readonly fd: number) {
    closer.register(this, fd);
  }

  /** `length` bytes from `offset`; throws if the file ends first. */
  bytes(offset: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, offset + got);
      if (n === 0) throw new Error(`the index cache ended before byte ${offset + length} (was it truncated while in use?)`);
      got += n;
    }
    return buf;
  }

  read(offset: number, length: number): string {
    return this.bytes(offset, length).toString('utf8');
  }
}

export interface FileSlice { file: OpenFile; offset: number; length: number }

/** Text in memory, or where it is on disk. */
export type LazyText = string | FileSlice;

export function textOf(t: LazyText): string {
  return typeof t === 'string' ? t : t.file.read(t.offset, t.length);
}
