// Which files are lexed for #defines only (generated register headers) instead of parsed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDefineOnly } from '../../server/parse/preprocess';

test('a file of #defines and comments is define-only; one line of code is not', () => {
  const yes: Record<string, string> = {
    empty: '',
    'defines and comments':
      '/* SPDX */\n// generated\n#ifndef X_H\n#define X_H\n#define REG_A 0x10 /* a */\n#define REG_B(n) ((n) << 2) // b\n#endif\n',
    'continued directive': '#define M(a, b) \\\n  ((a) + \\\n   (b))\n',
    'comment across lines inside a directive': '#define A 1 /* one\n  still the comment */\n#define B 2\n',
    'comment before a directive on its line': '/* x */ #define C 3\n',
    'CRLF continuation': '#define D \\\r\n  4\r\n#define E 5\r\n',
    'blank lines and indentation': '\n\n   #  define F 6\n\t\n',
  };
  const no: Record<string, string> = {
    'a declaration': '#define A 1\nint x;\n',
    'code after a comment': '/* one\n two */ int y;\n',
    'a // comment ends a directive, backslash or not': '#define G 7 // note \\\nint z;\n',
    'code under an #if': '#if 0\nstatic int f(void) { return 0; }\n#endif\n',
    'unterminated comment': '#define H 8\n/* never closed\n',
    'a # that does not start its line': 'x # y\n',
  };
  for (const [name, text] of Object.entries(yes)) assert.equal(isDefineOnly(text), true, name);
  for (const [name, text] of Object.entries(no)) assert.equal(isDefineOnly(text), false, name);
});
