// The fingerprints that key the facts cache and the saved flows: each covers the import closure of
// the code that computes it (type-only imports too), bundles carry the ones their sources give,
// and an edit changes exactly the fingerprints of the caches whose code it touches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CACHE_SOURCES, fingerprintOf, importClosure } from '../../server/index/sourceFingerprint';
import { resolverFingerprint } from '../../server/index/flowCache';
import { factsFingerprint } from '../../server/index/cache';

const repo = path.join(__dirname, '..', '..');

test('the closures reach what the issue found missing: kernelMacros.ts for both, the Evidence type for the flows', () => {
  const facts = importClosure(repo, CACHE_SOURCES.facts.roots);
  const flows = importClosure(repo, CACHE_SOURCES.flows.roots);
  assert.ok(facts.modules.includes('server/parse/kernelMacros.ts'));
  assert.ok(facts.modules.includes('server/parse/extract.ts'));
  assert.ok(facts.packages.includes('tree-sitter-c'), 'the grammar version decides the trees');
  assert.ok(flows.modules.includes('server/parse/kernelMacros.ts'));
  assert.ok(flows.modules.includes('server/protocol.ts'), 'Evidence, imported as a type only');
  assert.ok(flows.modules.includes('server/resolve/slot.ts'));
  assert.ok(!flows.modules.includes('server/features/hover.ts'));
});

test('from the sources and in the bundles, the same fingerprints', () => {
  assert.equal(resolverFingerprint(), fingerprintOf(repo, 'flows'));
  assert.equal(factsFingerprint(), fingerprintOf(repo, 'facts'));
  const bundle = readFileSync(path.join(repo, 'dist', 'cliMain.js'), 'utf8');
  for (const kind of ['facts', 'flows'] as const)
    assert.ok(
      bundle.includes(JSON.stringify(fingerprintOf(repo, kind))),
      `dist/cliMain.js was built from other ${kind} sources (run node esbuild.mjs)`,
    );
});

test('an edit changes the fingerprint of each cache whose code it touches, and only those', () => {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'kpath-fp-'));
  try {
    cpSync(path.join(repo, 'server'), path.join(copy, 'server'), { recursive: true });
    cpSync(path.join(repo, 'native'), path.join(copy, 'native'), { recursive: true });
    symlinkSync(path.join(repo, 'node_modules'), path.join(copy, 'node_modules'));
    const now = (): [string, string] => [fingerprintOf(copy, 'facts'), fingerprintOf(copy, 'flows')];
    assert.deepEqual(now(), [fingerprintOf(repo, 'facts'), fingerprintOf(repo, 'flows')], 'a copy has the same fingerprints');
    const append = (rel: string): void =>
      writeFileSync(path.join(copy, rel), readFileSync(path.join(copy, rel), 'utf8') + '\n// a change\n');
    const cases: [string, boolean, boolean][] = [
      ['server/features/hover.ts', false, false],
      ['server/protocol.ts', false, true],
      ['server/parse/extract.ts', true, false],
      ['server/parse/kernelMacros.ts', true, true],
      ['native/flatTree.c', true, false],
    ];
    for (const [rel, facts, flows] of cases) {
      const [f0, w0] = now();
      append(rel);
      const [f1, w1] = now();
      assert.equal(f1 !== f0, facts, `${rel} ${facts ? 'changes' : 'keeps'} the facts fingerprint`);
      assert.equal(w1 !== w0, flows, `${rel} ${flows ? 'changes' : 'keeps'} the flows fingerprint`);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
