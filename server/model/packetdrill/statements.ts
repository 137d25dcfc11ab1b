// Splits a .pkt text into statements with their first line number. A statement ends at a newline
// unless it is inside brackets (multi-line syscalls), a backtick command or a %{ }% block.
// Comments (`//` to end of line, `/* */`) are dropped here so the parser never sees them.

import { PktSyntaxError } from './ast';
import { stringEnd } from './lexer';

export interface Statement {
  line: number; // 1-based line of the statement's first character
  text: string;
}

export function splitStatements(src: string): Statement[] {
  const out: Statement[] = [];
  let cur = '';
  let startLine = 0;
  let line = 1;
  let depth = 0;
  let i = 0;
  const flush = (): void => {
    const text = cur.trim();
    if (text) out.push({ line: startLine, text });
    cur = '';
    startLine = 0;
  };
  const begin = (): void => {
    if (!startLine) startLine = line;
  };
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new PktSyntaxError(line, 'unterminated /* comment');
      line += countNewlines(src, i, end);
      i = end + 2;
      continue;
    }
    if (c === '`') {
      begin();
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new PktSyntaxError(line, 'unterminated backtick command');
      cur += src.slice(i, end + 1);
      line += countNewlines(src, i, end);
      i = end + 1;
      continue;
    }
    if (c === '%' && next === '{') {
      begin();
      const end = src.indexOf('}%', i + 2);
      if (end < 0) throw new PktSyntaxError(line, 'unterminated %{ block');
      cur += src.slice(i, end + 2);
      line += countNewlines(src, i, end);
      i = end + 2;
      continue;
    }
    if (c === '"') {
      begin();
      // An unterminated string ends at the end of its line (the parser then names it).
      let j = stringEnd(src, i, true);
      if (j < 0) j = Math.max(i, src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i) - 1);
      cur += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '\n') {
      line++;
      if (depth > 0 || continuesStatement(src, i + 1)) cur += ' ';
      else flush();
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    if (!/\s/.test(c)) begin();
    cur += c;
    i++;
  }
  if (depth > 0) throw new PktSyntaxError(startLine || line, 'unbalanced brackets at end of file');
  flush();
  return out;
}

/** packetdrill's grammar, not its lexer, ends a statement: newlines are whitespace, so a packet's
 * `<mss 1460,...>` option list or its `ack`/`win`, or a call's `= result`, may sit on the next
 * line. Only those continue a statement here, so a stray line (`hello world`) is still named at
 * its own line. */
function continuesStatement(src: string, from: number): boolean {
  let j = from;
  while (src[j] === ' ' || src[j] === '\t' || src[j] === '\r') j++;
  return /^(?:[<=]|(?:ack|win|urg)[ \t])/.test(src.slice(j, j + 4));
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) if (s[k] === '\n') n++;
  return n;
}
