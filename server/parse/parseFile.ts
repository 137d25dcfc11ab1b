// Read, decode, parse and extract one file. Every failure becomes a note on the file's facts:
// a file that cannot be read or parsed is reported and skipped, never fatal to the index.
import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import type { FileFacts } from './facts';
import { emptyFacts } from './facts';
import { extractFacts } from './extract';
import { lightTree } from './lightTree';
import { blankAnnotations, isDefineOnly, lexDefines } from './preprocess';

/** Files larger than this are lexed for macros only (generated tables, firmware blobs). */
export const MAX_PARSE_BYTES = 5 * 1024 * 1024;
/** tree-sitter gives up on a file after this long (microseconds): pathological inputs stay bounded. */
const PARSE_TIMEOUT_US = 20_000_000;

let parser: Parser | undefined;
function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as unknown as Parser.Language);
    parser.setTimeoutMicros?.(PARSE_TIMEOUT_US);
  }
  return parser;
}

export interface ParsedFile { facts: FileFacts; hash: string; size: number; mtimeMs: number }

export function hashContent(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('hex');
}

/** Decode as UTF-8; a file that is not valid UTF-8 is read as Latin-1 so each byte keeps its column. */
export function decode(buf: Buffer): { text: string; utf8: boolean } {
  const text = buf.toString('utf8');
  if (!text.includes('\uFFFD')) return { text, utf8: true };
  return { text: buf.toString('latin1'), utf8: false };
}

/** Parse `rel` under `root`, or `contents` when given (an unsaved editor buffer). */
export function parseFile(root: string, rel: string, contents?: string): ParsedFile {
  const abs = path.join(root, rel);
  let buf: Buffer;
  let mtimeMs = 0;
  try {
    if (contents !== undefined) buf = Buffer.from(contents, 'utf8');
    else {
      const st = statSync(abs);
      mtimeMs = st.mtimeMs;
      buf = readFileSync(abs);
    }
  } catch (e) {
    const facts = emptyFacts(rel);
    facts.notes.push(`unreadable: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return { facts, hash: '', size: 0, mtimeMs };
  }
  const hash = hashContent(buf);
  return { facts: factsOf(rel, buf), hash, size: buf.length, mtimeMs };
}

function factsOf(rel: string, buf: Buffer): FileFacts {
  const { text, utf8 } = decode(buf);
  const notes: string[] = [];
  if (!utf8) notes.push('not valid UTF-8: read as Latin-1');
  if (buf.length > MAX_PARSE_BYTES || isDefineOnly(text)) {
    const facts = emptyFacts(rel);
    facts.lexOnly = true;
    facts.macros = lexDefines(text).map((d) => ({ name: d.name, line: d.line, fnLike: d.fnLike }));
    if (buf.length > MAX_PARSE_BYTES) notes.push(`${(buf.length / 1048576).toFixed(1)} MB: over the ${MAX_PARSE_BYTES / 1048576} MB parse limit, only its #defines were indexed`);
    facts.notes.push(...notes);
    return facts;
  }
  let tree: Parser.Tree | undefined;
  try {
    const source = blankAnnotations(text);
    tree = getParser().parse(source, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) });
    if (!tree) throw new Error('parse timed out');
    const facts = extractFacts(lightTree(tree, source), rel);
    facts.notes.unshift(...notes);
    return facts;
  } catch (e) {
    const facts = emptyFacts(rel);
    facts.notes.push(...notes, `not parsed: ${(e as Error).message}`);
    return facts;
  } finally {
    // Trees hold native memory; drop it now rather than when the GC gets to it.
    (tree as unknown as { delete?: () => void } | undefined)?.delete?.();
  }
}
