// The notes' light scan of a file (server/notes/symbols.ts, no parse) against the index's
// tree-sitter functions on the real tree: inside every function body of a few busy networking
// files, both name the same enclosing function, so a note's "line k of tcp_write_xmit" means what
// the rest of kpath means by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { enclosingSymbol, findSymbols } from '../../server/notes/symbols';
import { KERNEL, SKIP, kernelIndex } from './kernelTree';

const FILES = ['net/socket.c', 'net/ipv4/tcp.c', 'net/ipv4/tcp_output.c', 'net/ipv4/af_inet.c', 'net/core/dev.c', 'net/ipv4/ip_output.c'];

test('the light scan and the index agree on the enclosing function of every body line', { skip: SKIP, timeout: 15 * 60_000 }, async (t) => {
  const { index } = await kernelIndex();
  for (const file of FILES) {
    const text = readFileSync(path.join(KERNEL!, file), 'utf8');
    const syms = findSymbols(text);
    let lines = 0;
    const wrong: string[] = [];
    for (let line = 0; line < text.split('\n').length; line++) {
      const fn = index.functionAt(file, line);
      // Body lines only: the header's first line differs by design (the scan starts at the name).
      if (!fn || line <= fn.def.nameLine) continue;
      lines++;
      const mine = enclosingSymbol(syms, line);
      const want = fn.name.replace(/^__se_sys_|^__do_sys_/, 'sys_');
      if (mine?.name !== want && mine?.name !== fn.name) wrong.push(`${file}:${line + 1} ${fn.name} ≠ ${mine?.name ?? '(none)'}`);
    }
    t.diagnostic(`${file}: ${lines - wrong.length}/${lines} body lines agree${wrong.length ? `; first: ${wrong[0]}` : ''}`);
    assert.ok(lines > 100, `${file}: ${lines} body lines`);
    assert.deepEqual(wrong.slice(0, 20), [], `${file}: ${wrong.length} of ${lines} lines disagree`);
  }
});
