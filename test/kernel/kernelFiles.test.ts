// The model's table of kernel files (server/model/tcp/kernelFiles.ts) on the real tree: each file
// it names exists and defines the function listed under it, so the step links of `kpath simulate
// --tree` and of the panel's Run open the definition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { definitionLine } from '../../server/model/locate';
import { kernelFiles } from '../../server/model/tcp/kernelFiles';

const TREE = process.env.KPATH_KERNEL;

test(
  'each function of the table is defined in its file in the kernel tree',
  { skip: TREE ? false : 'KPATH_KERNEL is not set (scripts/fetch-kernel.sh prints the tree path)' },
  () => {
    const wrong: string[] = [];
    const texts = new Map<string, string | undefined>();
    for (const [fn, file] of kernelFiles) {
      if (!texts.has(file))
        texts.set(file, fs.existsSync(path.join(TREE!, file)) ? fs.readFileSync(path.join(TREE!, file), 'utf8') : undefined);
      const text = texts.get(file);
      if (text === undefined) wrong.push(`${fn}: ${file} is not in the tree`);
      else if (definitionLine(text, fn) === undefined) wrong.push(`${fn}: no definition in ${file}`);
    }
    assert.ok(kernelFiles.size > 50);
    assert.deepEqual(wrong, []);
  },
);
