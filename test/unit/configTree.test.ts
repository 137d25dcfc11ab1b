// A tree written to look like a kernel's (Kbuild, Makefiles, ops tables, #ifdef in an initializer,
// the INDIRECT_CALL_INET wrapper) indexed and answered for two configurations: the targets each
// compiles, in kpath's order, with the reasons; switching needs no parsing; the CLI filters and counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { buildIndex } from '../../server/index/indexer';
import { applyConfig } from '../../server/config/choose';
import type { KernelIndex } from '../../server/index/kernelIndex';
import { main } from '../../server/cli';

const ROOT = path.join(__dirname, '..', 'fixtures', 'configtree');
const text = (rel: string): string | undefined => {
  try {
    return readFileSync(path.join(ROOT, rel), 'utf8');
  } catch {
    return undefined;
  }
};

let ix: KernelIndex | undefined;
async function index(): Promise<KernelIndex> {
  ix ??= (await buildIndex(ROOT, { noCache: true, threads: 1, include: [] })).index;
  return ix;
}

/** The site whose line carries `@site: <name>` in the fixture. */
function site(ix: KernelIndex, file: string, name: string) {
  const line = text(file)!
    .split('\n')
    .findIndex((l) => l.includes(`@site: ${name}`));
  const s = ix.sitesIn(file).find((x) => x.site.line === line || x.site.nameLine === line);
  assert.ok(s, `${file}: no site marked ${name}`);
  return s;
}

test('without a configuration: every target, hints first as written, no build state', async () => {
  const ix = await index();
  applyConfig(ix, undefined, text);
  const t = ix.targetsOf(site(ix, 'net/socket.c', 'nosec'));
  assert.deepEqual(
    t.map((x) => x.fn.name),
    ['inet6_sendmsg', 'inet_sendmsg', 'rare_sendmsg', 'smc_sendmsg'],
  );
  assert.ok(t.every((x) => x.fn.built === undefined));
});

test('with a configuration: what it compiles, why, and the hints its macros really test', async () => {
  const ix = await index();
  applyConfig(ix, path.join(ROOT, 'cloud.config'), text);
  const t = ix.targetsOf(site(ix, 'net/socket.c', 'nosec'));
  const by = new Map(t.map((x) => [x.fn.name, x.fn]));
  // IPv6 is a module: INDIRECT_CALL_INET tests inet_sendmsg alone, so inet6_sendmsg is no hint.
  assert.deepEqual(
    t.filter((x) => x.hint).map((x) => x.fn.name),
    ['inet_sendmsg'],
  );
  assert.equal(t[0].fn.name, 'inet_sendmsg');
  assert.equal(by.get('inet_sendmsg')?.built, 'y');
  assert.equal(by.get('inet6_sendmsg')?.built, 'm');
  assert.equal(by.get('inet6_sendmsg')?.module, 'af_inet6');
  assert.equal(by.get('smc_sendmsg')?.built, 'm');
  assert.equal(by.get('smc_sendmsg')?.module, 'smc', 'a composite object: smc-y := af_smc.o');
  assert.equal(by.get('rare_sendmsg')?.built, 'n');
  assert.match(by.get('rare_sendmsg')!.builtWhy!, /net\/Makefile:4: obj-\$\(CONFIG_RARE\) \+= rare\/; CONFIG_RARE is not set/);
  // The store under #ifdef CONFIG_COMPAT is not compiled, and says which line decides.
  const compat = ix.storesOf('inet_compat_ioctl@net/ipv4/af_inet.c');
  assert.equal(compat.length, 1);
  assert.equal(ix.builtAt(compat[0].file, compat[0].line)?.built, 'n');
  assert.match(ix.builtAt(compat[0].file, compat[0].line)!.why, /af_inet\.c:8: #if defined\(CONFIG_COMPAT\) is false/);
  // Another architecture's code is never compiled for this one.
  const arm = ix.functionsNamed('arm64_jit_xmit')[0];
  assert.equal(ix.ref(arm).built, 'n');
  const drivers = ix.targetsOf(site(ix, 'net/socket.c', 'xmit'));
  assert.deepEqual(
    drivers.map((d) => [d.fn.name, d.fn.built]),
    [
      ['dummy_xmit', 'm'],
      ['loopback_xmit', 'y'],
    ],
  );
});

test('switching configuration re-evaluates without re-parsing', async () => {
  const ix = await index();
  const files = ix.files;
  applyConfig(ix, path.join(ROOT, 'full.config'), text);
  assert.equal(ix.files, files);
  const t = ix.targetsOf(site(ix, 'net/socket.c', 'nosec'));
  assert.deepEqual(
    t.filter((x) => x.hint).map((x) => x.fn.name),
    ['inet6_sendmsg', 'inet_sendmsg'],
    'IPv6 built in: f2 is tested first',
  );
  assert.equal(t.find((x) => x.fn.name === 'smc_sendmsg')?.fn.built, 'n');
  assert.equal(t.find((x) => x.fn.name === 'inet6_sendmsg')?.fn.built, 'y');
  const compat = ix.storesOf('inet_compat_ioctl@net/ipv4/af_inet.c')[0];
  assert.equal(ix.builtAt(compat.file, compat.line)?.built, 'y');
});

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main([...args, '--no-cache', '--quiet'], (s) => lines.push(s));
  return { code, out: lines.join('\n') };
}

test('the CLI: compiled targets and a count of the rest; --all and --json give everything with the state', async () => {
  const line =
    text('net/socket.c')!
      .split('\n')
      .findIndex((l) => l.includes('@site: nosec')) + 1;
  const config = path.join(ROOT, 'cloud.config');
  const plain = await cli(['targets', ROOT, `net/socket.c:${line}`, '--scope', 'all', '--config', config]);
  assert.equal(plain.code, 0);
  assert.match(plain.out, /→ 4 target\(s\), 3 compiled in cloud/);
  assert.doesNotMatch(plain.out, /rare_sendmsg/);
  assert.match(plain.out, /\+1 not in this config/);
  const all = await cli(['targets', ROOT, `net/socket.c:${line}`, '--scope', 'all', '--config', config, '--all']);
  assert.match(all.out, /rare_sendmsg .*\[n\] net\/Makefile:4/);
  const json = await cli(['targets', ROOT, `net/socket.c:${line}`, '--scope', 'all', '--config', config, '--json']);
  const [r] = JSON.parse(json.out) as { targets: { name: string; built: string; builtWhy: string }[]; site: { built: string } }[];
  assert.equal(r.site.built, 'y');
  // inet_sendmsg (the hint tested), then by folder: net/ipv4 (inet6_sendmsg), net/rare, net/smc.
  assert.deepEqual(
    r.targets.map((t) => [t.name, t.built]),
    [
      ['inet_sendmsg', 'y'],
      ['inet6_sendmsg', 'm'],
      ['rare_sendmsg', 'n'],
      ['smc_sendmsg', 'm'],
    ],
  );
  assert.ok(r.targets.every((t) => t.builtWhy.length > 0));
  const none = await cli(['targets', ROOT, `net/socket.c:${line}`, '--scope', 'all']);
  assert.match(none.out, /--config FILE/, 'without a config: a one-line hint');
  const bad = await cli(['targets', ROOT, `net/socket.c:${line}`, '--scope', 'all', '--config', path.join(ROOT, 'Kbuild')]);
  assert.equal(bad.code, 2, 'a file that is not a config is refused with exit 2');
});
