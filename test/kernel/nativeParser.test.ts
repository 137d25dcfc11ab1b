// The native parser against the binding's tree copy on real kernel files: every file of net/ipv4
// and a few busy drivers gives the same nodes, fields, positions and error marks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { lightTree } from '../../server/parse/lightTree';
import { nativeParser, nativeParserProblem } from '../../server/parse/nativeParser';
import { blankAnnotations } from '../../server/parse/preprocess';
import { decode } from '../../server/parse/parseFile';
import { treeDifference } from '../unit/sameTree';
import { KERNEL, SKIP } from './kernelTree';

const DIRS = ['net/ipv4', 'drivers/net/ethernet/intel/e1000e', 'drivers/net/wireless/ath/ath9k'];

test('the native parser and the binding give the same tree on real kernel files', { skip: SKIP }, (t) => {
  const native = nativeParser();
  assert.ok(native, `the native parser is not available: ${nativeParserProblem()}`);
  const binding = new Parser();
  binding.setLanguage(C as unknown as Parser.Language);
  let files = 0;
  let withErrors = 0;
  for (const dir of DIRS) {
    for (const name of readdirSync(path.join(KERNEL!, dir))
      .filter((n) => /\.[ch]$/.test(n))
      .sort()) {
      const rel = `${dir}/${name}`;
      // What the indexer parses: decoded, with annotation macros blanked.
      const text = blankAnnotations(decode(readFileSync(path.join(KERNEL!, rel))).text);
      const mine = native.parse(text, 20_000);
      assert.ok(mine, `${rel}: timed out`);
      const theirs = lightTree(binding.parse(text, undefined, { bufferSize: text.length * 2 + 1024 }), text);
      assert.equal(treeDifference(theirs, mine), null, rel);
      files++;
      if (mine.hasError) withErrors++;
    }
  }
  t.diagnostic(`${files} files identical, ${withErrors} of them with parse errors`);
  assert.ok(files > 150 && withErrors > 10, `${files} files, ${withErrors} with errors: too few to mean much`);
});
