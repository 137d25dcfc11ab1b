// Scoring kpath's `built` answers against a Debian build's symbol tables, on a hand-made build:
// which rows agree, which disagree and why, and which cannot be told apart by name alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { makeDebianBuild, moduleName, readDebianBuild } from '../kernel/debianBuild';
import { agreement, type BuiltRow } from '../kernel/builtAgreement';

// Invented names, shaped like the real tables: a built-in function, module functions, a module
// whose file name has '-', and a static name defined in two files (one built-in, one modular).
function tinyBuild() {
  const symbols = new Map<string, Set<string>>([
    ['core_send', new Set(['vmlinux'])],
    ['drv_xmit', new Set(['drv'])],
    ['fast_helper', new Set(['fast_crypto'])],
    ['shared_init', new Set(['vmlinux', 'drv'])],
    ['both_ways', new Set(['fast_crypto'])],
  ]);
  const modulePaths = new Map([
    ['drv', 'drivers/net/drv.ko'],
    ['fast_crypto', 'crypto/fast-crypto.ko'],
  ]);
  return makeDebianBuild({ dir: '/nowhere', configFile: '/nowhere/config', flavour: 'test', symbols, modulePaths });
}
const unique = (name: string): boolean => name !== 'shared_init' && name !== 'twice_absent';

test('unique names: y, m and n agree with the symbol tables', () => {
  const rows: BuiltRow[] = [
    { name: 'core_send', file: 'net/core.c', built: 'y' },
    { name: 'drv_xmit', file: 'drivers/net/drv.c', built: 'm', module: 'drv' },
    // kpath may give the .ko file's form of the name: '-' and '_' are the same module.
    { name: 'fast_helper', file: 'crypto/fast.c', built: 'm', module: 'fast-crypto' },
    { name: 'never_built', file: 'drivers/other.c', built: 'n' },
    { name: 'drv_xmit', file: 'drivers/net/drv.c', built: 'm' }, // no module named: any will do
  ];
  const r = agreement(rows, tinyBuild(), unique);
  assert.deepEqual(
    { total: r.total, agree: r.agree, disagree: r.disagree.length, unknown: r.unknown, ambiguous: r.ambiguous },
    { total: 5, agree: 5, disagree: 0, unknown: 0, ambiguous: 0 },
  );
});

test('unique names: wrong answers are listed with the truth and the kind of mistake', () => {
  const rows: BuiltRow[] = [
    { name: 'core_send', file: 'net/core.c', built: 'n' },
    { name: 'drv_xmit', file: 'drivers/net/drv.c', built: 'y' },
    { name: 'core_send', file: 'net/core.c', built: 'm', module: 'core' },
    { name: 'drv_xmit', file: 'drivers/net/drv.c', built: 'm', module: 'other' },
    { name: 'gone', file: 'drivers/gone.c', built: 'y' },
    { name: 'gone', file: 'drivers/gone.c', built: 'm', module: 'drv' },
  ];
  const r = agreement(rows, tinyBuild(), unique);
  assert.equal(r.agree, 0);
  assert.deepEqual(
    r.disagree.map((d) => [d.row.built, d.kind, d.truth]),
    [
      ['n', 'present', ['vmlinux']],
      ['y', 'placement', ['drv']],
      ['m', 'placement', ['vmlinux']],
      ['m', 'placement', ['drv']],
      ['y', 'absent', []],
      ['m', 'absent', []],
    ],
  );
  assert.match(r.disagree[0].why, /not built, but it is in vmlinux/);
  assert.match(r.disagree[1].why, /System\.map lacks it; it is in drv/);
  assert.match(r.disagree[4].why, /no symbol .*inlined/);
});

test('shared names: only the place kpath names is checked; n is ambiguous when a copy exists', () => {
  const rows: BuiltRow[] = [
    { name: 'shared_init', file: 'net/a.c', built: 'y' },
    { name: 'shared_init', file: 'drivers/net/b.c', built: 'm', module: 'drv' },
    { name: 'shared_init', file: 'drivers/net/c.c', built: 'm', module: 'fast_crypto' },
    { name: 'shared_init', file: 'drivers/other/d.c', built: 'n' },
    { name: 'twice_absent', file: 'drivers/other/e.c', built: 'n' },
    { name: 'shared_init', file: 'drivers/other/f.c', built: 'unknown' },
  ];
  const r = agreement(rows, tinyBuild(), unique);
  assert.deepEqual(
    { total: r.total, agree: r.agree, unknown: r.unknown, ambiguous: r.ambiguous },
    { total: 6, agree: 3, unknown: 1, ambiguous: 1 },
  );
  // The copies in vmlinux and drv may be the other definitions': this one is simply not there.
  assert.deepEqual(
    r.disagree.map((d) => [d.row.file, d.kind]),
    [['drivers/net/c.c', 'absent']],
  );
});

test("the loader reads the script's files and names modules with '_'", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpath-debian-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'symbols.tsv'), 'core_send\tvmlinux\nfast_helper\tfast-crypto\nshared_init\tdrv\nshared_init\tvmlinux\n');
  writeFileSync(path.join(dir, 'modules.tsv'), 'drv\tdrivers/net/drv.ko\nfast-crypto\tcrypto/fast-crypto.ko\n');
  writeFileSync(path.join(dir, 'config'), 'CONFIG_NET=y\n');
  const b = readDebianBuild(dir, 'test');
  assert.equal(b.configFile, path.join(dir, 'config'));
  assert.deepEqual(b.where('fast_helper'), ['fast_crypto']);
  assert.deepEqual(b.where('shared_init'), ['drv', 'vmlinux']);
  assert.deepEqual(b.where('missing'), []);
  assert.equal(b.compiled('core_send'), true);
  assert.equal(b.compiled('missing'), false);
  assert.equal(b.modulePaths.get('fast_crypto'), 'crypto/fast-crypto.ko');
  assert.equal(moduleName('intel-uncore'), 'intel_uncore');
});
