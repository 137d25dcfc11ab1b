// The Makefiles of the real 6.12 tree under Debian's cloud-amd64 configuration, checked against
// what Debian's build of that configuration produced (test/kernel/debianBuild.ts): its modules,
// and the functions of the files config/kbuild/ says are not built. Spot checks need only the config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { KERNEL, SKIP } from './kernelTree';
import { debianBuildMissing, loadDebianBuild, moduleName, type DebianBuild } from './debianBuild';
import { readConfig, type KernelConfig } from '../../server/config/kconfig';
import { evaluateKbuild, type KbuildResult } from '../../server/config/kbuild/evaluate';
import { readKbuild, type KbuildTree } from '../../server/config/kbuild/tree';

const FLAVOUR = 'cloud-amd64';
const SHIPPED = '/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz';
const build: DebianBuild | undefined = SKIP ? undefined : loadDebianBuild(FLAVOUR);
const configFile = build?.configFile ?? (existsSync(SHIPPED) ? SHIPPED : undefined);
const NO_CONFIG = SKIP || (!configFile && `neither a Debian ${FLAVOUR} build nor ${SHIPPED}`);
// The cloud flavour is the one asked for; the full amd64 one (4,000 modules) is checked too when built.
const FLAVOURS = ['cloud-amd64', 'amd64'];

const trees = new Map<string, KbuildTree>();
const results = new Map<string, { config: KernelConfig; result: KbuildResult }>();
/** The tree parsed once, evaluated for a config file. */
function evaluatedFor(file: string): { config: KernelConfig; result: KbuildResult } {
  let r = results.get(file);
  if (!r) {
    let tree = trees.get(KERNEL!);
    if (!tree) {
      tree = readKbuild(KERNEL!);
      trees.set(KERNEL!, tree);
    }
    const config = readConfig(file);
    r = { config, result: evaluateKbuild(tree, config) };
    results.set(file, r);
  }
  return r;
}
const evaluated = (): { config: KernelConfig; result: KbuildResult } => evaluatedFor(configFile!);

/** Every file of the tree (outside what is never built) whose name matches. */
function sources(root: string, re: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!/^(\.git|tools|Documentation|scripts|samples)$/.test(rel)) walk(rel);
      } else if (re.test(e.name)) out.push(rel);
    }
  };
  walk('');
  return out;
}

// How long these take is measured by `npm run bench` (config switch row); here only that Makefiles
// are parsed once per tree, whatever is evaluated after, and the times as a diagnostic.
test('every Makefile is parsed once per tree, however many configurations are evaluated', { skip: NO_CONFIG }, (t) => {
  const list = sources(KERNEL!, /^(Makefile|Kbuild)$|\.mk$/);
  const tree = readKbuild(KERNEL!);
  const t0 = performance.now();
  for (const f of list) tree.makefile(f);
  const parse = performance.now() - t0;
  const config = readConfig(configFile!);
  const t1 = performance.now();
  const r = evaluateKbuild(tree, config);
  const evalMs = performance.now() - t1;
  const parsedByOne = tree.parsedCount;
  const t2 = performance.now();
  evaluateKbuild(tree, config);
  const again = performance.now() - t2;
  const parsedByTwo = tree.parsedCount;
  const t3 = performance.now();
  r.file('drivers/gpu/drm/amd/display/dc/core/dc.c');
  const deadMs = performance.now() - t3;
  t.diagnostic(
    `${list.length} Makefiles parsed in ${parse.toFixed(0)} ms; evaluation ${evalMs.toFixed(0)} ms (again ${again.toFixed(0)} ms), folders not built read on first need in ${deadMs.toFixed(0)} ms`,
  );
  assert.ok(list.length > 2000);
  assert.ok(tree.parsedCount >= list.length && parsedByOne === parsedByTwo, 'a second evaluation parses nothing again');
  assert.ok(tree.parsedCount < list.length * 1.1, `${tree.parsedCount} parses of ${list.length} Makefiles: each once`);
});

test('spot checks under the cloud-amd64 configuration', { skip: NO_CONFIG }, () => {
  const { result: r, config } = evaluated();
  assert.equal(r.arch, 'x86');
  const tcp = r.file('net/ipv4/tcp.c');
  assert.equal(tcp.built, 'y', tcp.why);
  assert.match(tcp.why, /^net\/ipv4\/Makefile:\d+: obj-y :=/);
  assert.deepEqual({ built: r.file('net/smc/af_smc.c').built, module: r.file('net/smc/af_smc.c').module }, { built: 'm', module: 'smc' });
  const veth = r.file('drivers/net/veth.c');
  const want = config.values.get('CONFIG_VETH') ?? 'n';
  assert.equal(veth.built, want, veth.why);
  assert.match(veth.why, /^drivers\/net\/Makefile:\d+: obj-\$\(CONFIG_VETH\) \+= veth\.o; CONFIG_VETH/);
  if (want === 'm') assert.equal(veth.module, 'veth');
  for (const f of ['arch/arm64/kernel/setup.c', 'arch/arm64/kvm/arm.c', 'arch/arm64/mm/fault.c']) {
    assert.deepEqual(r.file(f), { built: 'n', why: "arch/arm64 is not this config's architecture (x86)" });
  }
  // A desktop NIC the cloud image leaves out.
  assert.equal(config.values.get('CONFIG_E1000E'), undefined);
  const e1000e = r.file('drivers/net/ethernet/intel/e1000e/netdev.c');
  assert.equal(e1000e.built, 'n');
  assert.match(e1000e.why, /obj-\$\(CONFIG_E1000E\) \+= e1000e\/; CONFIG_E1000E is not set/);
  assert.equal(r.file('tools/perf/builtin-top.c').built, 'n');
  assert.equal(r.file('lib/string.c').built, 'y');
  assert.deepEqual(r.problems, [], 'every Makefile of the tree is read');
});

for (const flavour of FLAVOURS) {
  const truth = SKIP ? undefined : loadDebianBuild(flavour);
  test(
    `(a) ${flavour}: every module of the real build is an m object of kbuild, with its parts`,
    { skip: SKIP || debianBuildMissing(flavour) },
    (t) => {
      const build = truth!;
      const { result: r } = evaluatedFor(build.configFile);
      const mods = r.modules();
      const byPath = new Map([...mods.values()].map((m) => [m.object.replace(/\.o$/, '.ko'), m]));
      let found = 0;
      const missing: string[] = [];
      const wrongParts: string[] = [];
      for (const [name, ko] of build.modulePaths) {
        const m = byPath.get(ko);
        if (!m) {
          missing.push(`${name} (${ko})`);
          continue;
        }
        found++;
        // Every source kbuild puts in the module says so.
        for (const part of m.parts) {
          const src = ['.c', '.S', '.rs'].map((x) => part.replace(/\.o$/, x)).find((f) => existsSync(path.join(KERNEL!, f)));
          if (!src) continue;
          const s = r.file(src);
          if (s.built !== 'm' || moduleName(s.module ?? '') !== name)
            wrongParts.push(`${src}: ${s.built} ${s.module ?? ''} (want m ${name})`);
        }
      }
      // And kbuild names no module the build does not have.
      const strange: string[] = [];
      for (const m of mods.values()) if (!build.modulePaths.has(moduleName(m.name))) strange.push(m.object);
      t.diagnostic(
        `modules found ${found} / ${build.modulePaths.size}; kbuild modules ${mods.size}; parts disagreeing ${wrongParts.length}; kbuild modules not in the build ${strange.length}`,
      );
      assert.deepEqual(missing, []);
      assert.deepEqual(wrongParts, []);
      assert.deepEqual(strange, []);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// (b): a crude reader of C function definitions, enough to name what a file defines.

interface Def {
  name: string;
  isStatic: boolean;
}
const NOT_NAMES = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'typeof', '__attribute__', 'defined']);

function definitions(text: string): Def[] {
  const out: Def[] = [];
  const re = /^([A-Za-z_][\w \t*]*?[ \t*])?([A-Za-z_]\w*)[ \t]*\(/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (NOT_NAMES.has(m[2])) continue;
    let i = m.index + m[0].length;
    let depth = 1;
    for (; i < text.length && depth > 0; i++) {
      const c = text[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === ';' || c === '{' || c === '}') break;
    }
    if (depth !== 0) continue;
    // Attributes and comments between the parameters and the body.
    const rest = /^(\s+|\/\*[\s\S]*?\*\/|__\w+(\([^)]*\))?)*/.exec(text.slice(i, i + 300));
    if (text[i + (rest?.[0].length ?? 0)] !== '{') continue;
    const prevLine = text.slice(text.lastIndexOf('\n', m.index - 2) + 1, m.index);
    out.push({ name: m[2], isStatic: /\bstatic\b/.test(m[1] ?? '') || (!m[1] && /\bstatic\b/.test(prevLine)) });
  }
  return out;
}

/** Assembly's functions: SYM_FUNC_START(x), ENTRY(x), and labels at the start of a line. */
function asmDefinitions(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:SYM_\w*START\w*|ENTRY|GLOBAL|SYM_FUNC_ALIAS\w*)\(\s*(\w+)|^(\w+):/gm)) out.push(m[1] ?? m[2]);
  return out;
}

/** What every .c, .h and .S file of the tree defines, read once for all flavours. */
interface Scan {
  files: string[];
  definers: Map<string, string[]>;
  defs: Map<string, Def[]>;
}
let scan: Scan | undefined;
function scanTree(): Scan {
  if (scan) return scan;
  const root = KERNEL!;
  const files = sources(root, /\.(c|h|S)$/);
  const definers = new Map<string, string[]>();
  const defs = new Map<string, Def[]>();
  const add = (name: string, file: string): void => {
    const l = definers.get(name);
    if (!l) definers.set(name, [file]);
    else if (l[l.length - 1] !== file) l.push(file);
  };
  for (const f of files) {
    const text = readFileSync(path.join(root, f), 'latin1');
    if (f.endsWith('.S')) {
      for (const n of asmDefinitions(text)) add(n, f);
      continue;
    }
    const d = definitions(text);
    for (const x of d) add(x.name, f);
    if (f.endsWith('.c')) defs.set(f, d);
  }
  scan = { files, definers, defs };
  return scan;
}

for (const flavour of FLAVOURS) {
  const truth = SKIP ? undefined : loadDebianBuild(flavour);
  test(
    `(b) ${flavour}: functions of the files kbuild says are not built are not in the build`,
    { skip: SKIP || debianBuildMissing(flavour) },
    (t) => {
      const build = truth!;
      const { result: r } = evaluatedFor(build.configFile);
      const { files, definers, defs } = scanTree();
      const nDefs: { file: string; def: Def; why: string }[] = [];
      for (const [f, d] of defs) {
        const s = r.file(f);
        if (s.built === 'n') for (const x of d) if (!x.isStatic) nDefs.push({ file: f, def: x, why: s.why });
      }
      // A name defined in one file only: when the build has it, that file was built.
      const unique = nDefs.filter((x) => definers.get(x.def.name)!.length === 1);
      const present = unique.filter((x) => build.compiled(x.def.name));
      // What remains is explained when another file kbuild does not rule out defines the name in a way
      // the reader above misses (`void __attribute__((weak)) f(`, a macro): a line at column 0 naming it;
      // or when such a file #includes the .c file (built.ts follows those, not kbuild/).
      const explainedBy = new Map<string, string>();
      const includedBy = new Map<string, string>();
      const wanted = new Set(present.map((x) => x.def.name));
      if (wanted.size) {
        const defRe = new RegExp(`^[^\\s#/*][^;\\n]*\\b(${[...wanted].join('|')})\\s*\\((?!.*;\\s*$)`, 'gm');
        for (const f of files) {
          if (f.endsWith('.c') && r.file(f).built === 'n') continue;
          if (/^arch\/(?!x86\/)/.test(f)) continue;
          const text = readFileSync(path.join(KERNEL!, f), 'latin1');
          for (const m of text.matchAll(defRe)) if (!explainedBy.has(m[1])) explainedBy.set(m[1], f);
          // By name only: the including Makefile may add the folder to the include path (-I).
          for (const m of text.matchAll(/^#\s*include\s+"([^"]+\.c)"/gm)) includedBy.set(path.posix.basename(m[1]), f);
        }
      }
      const explained: string[] = [];
      const unexplained: string[] = [];
      for (const x of present) {
        const by = explainedBy.get(x.def.name);
        const inc = includedBy.get(path.posix.basename(x.file));
        const line = `${x.file}: ${x.def.name} is in ${build.where(x.def.name).join(', ')}; kbuild: ${x.why}`;
        if (by && by !== x.file) explained.push(`${line} (also defined in ${by})`);
        else if (inc) explained.push(`${line} (#included by ${inc})`);
        else unexplained.push(line);
      }
      t.diagnostic(
        `non-static functions of n files: ${nDefs.length}; with a name unique in the tree: ${unique.length}; in the build anyway: ${present.length} (explained by another definition: ${explained.length}, unexplained: ${unexplained.length})`,
      );
      for (const e of explained) t.diagnostic(`explained: ${e}`);
      assert.deepEqual(unexplained, []);
    },
  );
}
