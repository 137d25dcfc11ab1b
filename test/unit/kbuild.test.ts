// What the Makefiles build for a configuration: the make reader (config/make/) on its own, then the
// kbuild rules (config/kbuild/) on a tiny tree written for these tests (test/fixtures/kbuild) that
// mimics the kernel's patterns: a top Kbuild and Makefile, arch/x86/Makefile, folders gated by
// options, composites, ifdef/ifeq blocks, lib-y, module folders, a Kbuild file beside a
// Makefile, constructs kpath cannot evaluate, and an older tree whose top Makefile lists folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseConfig } from '../../server/config/kconfig';
import { evaluateKbuild, type KbuildState } from '../../server/config/kbuild/evaluate';
import { readKbuild } from '../../server/config/kbuild/tree';
import { MakeEval, type EvalHost } from '../../server/config/make/eval';
import { parseMakefile, type Makefile } from '../../server/config/make/parse';
import { HOLE, splitWords, wordTag, wordText } from '../../server/config/make/words';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'kbuild');

// ---------------------------------------------------------------------------------------------
// The make reader

function run(
  text: string,
  opts: { vars?: Record<string, string>; files?: Record<string, string>; unknownNames?: string[] } = {},
): MakeEval {
  const files = new Map<string, Makefile>();
  for (const [f, t] of Object.entries(opts.files ?? {})) files.set(f, parseMakefile(t, f));
  const host: EvalHost = {
    include: (rel) => files.get(rel) ?? 'missing',
    wildcard: (p) => (p.includes('*') ? ['d/a.c', 'd/b.c'] : undefined),
    undefinedIsUnknown: (n) => (opts.unknownNames ?? []).includes(n),
    logName: (n) => n.includes('-'),
  };
  const ev = new MakeEval(host);
  for (const [k, v] of Object.entries(opts.vars ?? {})) ev.set(k, v);
  ev.run(parseMakefile(text, 'Makefile'));
  return ev;
}

/** A value's words as text, an unknown word shown as `?word` (`?` alone for a hole). */
function shown(ev: MakeEval, name: string): string[] {
  return splitWords(ev.get(name)).map((w) => (wordTag(w) >= 0 ? `?${wordText(w).replace(HOLE, '')}` : w));
}

test('make: continuations, comments, flavours of assignment and prefixes', () => {
  const ev = run(
    [
      'a := one \\',
      '     two   # comment',
      'b = $(c)',
      'c := late',
      'd := $(c)',
      'd += more',
      'e ?= first',
      'e ?= second',
      'override f := over',
      'export g := exported',
      'h := $${literal} \\# not a comment',
    ].join('\n'),
  );
  assert.deepEqual(shown(ev, 'a'), ['one', 'two']);
  assert.equal(ev.get('b'), 'late', 'recursive: expanded at use');
  assert.equal(ev.get('d'), 'late more');
  assert.equal(ev.get('e'), 'first');
  assert.equal(ev.get('f'), 'over');
  assert.equal(ev.get('g'), 'exported');
  assert.ok(ev.exported.has('g'));
  assert.equal(ev.get('h'), '${literal} # not a comment');
});

test('make: conditionals, else-if chains, define and recipes', () => {
  const ev = run(
    [
      'ifdef CONFIG_A',
      'r1 := a',
      'else ifeq ($(CONFIG_B),y)',
      'r1 := b',
      'else',
      'r1 := none',
      'endif',
      'ifneq "$(CONFIG_A)" ""',
      'r2 := set',
      'endif',
      'ifndef CONFIG_A',
      '  r3 := unset',
      'endif',
      'define body',
      'x.o',
      'y.o',
      'endef',
      'target: dep',
      '\tr4 := recipe',
      '',
      '\tr5 := also-recipe',
    ].join('\n'),
    { vars: { CONFIG_B: 'y' } },
  );
  assert.equal(ev.get('r1'), 'b');
  assert.equal(ev.get('r2'), '');
  assert.equal(ev.get('r3'), 'unset');
  assert.deepEqual(splitWords(ev.get('body')), ['x.o', 'y.o']);
  assert.equal(ev.defined('r4'), false, 'a recipe line is not make');
  assert.equal(ev.defined('r5'), false);
});

test('make: the functions object lists use', () => {
  const ev = run(
    [
      'l := a.o b.o c.c d/',
      'f1 := $(filter %.o,$(l))',
      'f2 := $(filter-out %.o,$(l))',
      'f3 := $(patsubst %.c,%.o,$(l))',
      'f4 := $(addprefix p/,x y) $(addsuffix .o,x y)',
      'f5 := $(subst m,y,m) $(strip   a   b  ) $(sort c b a b)',
      'f6 := $(foreach v,1 2,n$(v).o)',
      'f7 := $(if $(CONFIG_NO),yes,no) $(or ,second) $(and a,b)',
      'f8 := $(firstword x y) $(lastword x y) $(word 2,x y z) $(words x y z) $(wordlist 2,3,a b c d)',
      'f9 := $(notdir d/a.o) $(dir d/a.o) $(basename a.o) $(suffix a.o)',
      'fn = $(1)-$(2)',
      'f10 := $(call fn,a,b)',
      'f11 := $(l:.o=.c) $(l:%.c=%.s)',
      'f12 := ${l}',
      'f13 := $(wildcard d/*.c)',
      'f14 := $(findstring b,abc)',
      '$(eval f15 := from-eval)',
    ].join('\n'),
  );
  assert.equal(ev.get('f1'), 'a.o b.o');
  assert.equal(ev.get('f2'), 'c.c d/');
  assert.equal(ev.get('f3'), 'a.o b.o c.o d/');
  assert.equal(ev.get('f4'), 'p/x p/y x.o y.o');
  assert.equal(ev.get('f5'), 'y a b a b c');
  assert.equal(ev.get('f6'), 'n1.o n2.o');
  assert.equal(ev.get('f7'), 'no second b');
  assert.equal(ev.get('f8'), 'x y y 3 b c');
  assert.equal(ev.get('f9'), 'a.o d/ a .o');
  assert.equal(ev.get('f10'), 'a-b');
  assert.equal(ev.get('f11'), 'a.c b.c c.c d/ a.o b.o c.s d/');
  assert.equal(ev.get('f12'), 'a.o b.o c.c d/');
  assert.equal(ev.get('f13'), 'd/a.c d/b.c');
  assert.equal(ev.get('f14'), 'b');
  assert.equal(ev.get('f15'), 'from-eval');
});

test('make: what cannot be evaluated is unknown, never empty', () => {
  const ev = run(
    [
      'a := $(shell uname -m)',
      'b := $(call cc-option,-mfoo)',
      'c := $(cc-option -mfoo)',
      'd := x_$(shell uname).o plain.o',
      'e := $(CC)',
      'f := $(UNSET_LOCAL)',
      'ifeq ($(shell true),y)',
      'g := maybe.o',
      'else',
      'g := other.o',
      'endif',
      'h := $(if $(shell x),then.o,else.o)',
      'obj-$(shell echo y) += named.o',
      'i := $(wildcard $(shell pwd)/*.c)',
    ].join('\n'),
    { unknownNames: ['CC'] },
  );
  assert.deepEqual(shown(ev, 'a'), ['?']);
  assert.deepEqual(shown(ev, 'b'), ['?']);
  assert.deepEqual(shown(ev, 'c'), ['?']);
  assert.deepEqual(shown(ev, 'd'), ['?x_.o', 'plain.o']);
  assert.deepEqual(shown(ev, 'e'), ['?'], 'a variable kbuild sets elsewhere');
  assert.equal(ev.get('f'), '', 'a variable no one sets is empty, as in make');
  assert.deepEqual(shown(ev, 'g'), ['?maybe.o', '?other.o'], 'both branches, undecided');
  assert.deepEqual(shown(ev, 'h'), ['?then.o', '?else.o']);
  assert.equal(ev.defined('obj-y'), false, 'without a kbuild hook the name stays unknown');
  assert.ok(ev.problems.some((p) => p.includes('obj-$(shell echo y)')));
  assert.deepEqual(shown(ev, 'i'), ['?']);
  const reason = ev.reason(wordTag(splitWords(ev.get('a'))[0]));
  assert.match(reason, /\$\(shell uname -m\) is not run by kpath/);
});

test('make: includes relative to the tree, missing ones noted, optional ones silent', () => {
  const ev = run(['include $(srctree)/sub/extra.mk', '-include sub/none.mk', 'include sub/gone.mk'].join('\n'), {
    vars: { srctree: '.' },
    files: { 'sub/extra.mk': 'from-include := yes' },
  });
  assert.equal(ev.get('from-include'), 'yes');
  assert.equal(ev.problems.filter((p) => p.includes('none.mk')).length, 0);
  assert.ok(ev.problems.some((p) => p.includes('gone.mk')));
});

test('make: a weird Makefile never throws', () => {
  const texts = [
    'ifeq (',
    'endif\nelse\nendef',
    '$(',
    'a := $(call',
    'define x\nno end',
    'ifdef\nendif',
    '\t\t',
    'x := $(foreach ,,)',
    'y = $(y)\nz := $(y)',
    'a:=$(word 0,a)',
  ];
  for (const t of texts) {
    const ev = run(t);
    for (const n of ['a', 'x', 'y', 'z']) ev.get(n);
  }
});

// ---------------------------------------------------------------------------------------------
// kbuild on the fixture tree

const CONFIG = `# Linux/x86 1.2.0 Kernel Configuration
CONFIG_X86=y
CONFIG_64BIT=y
CONFIG_NET=y
CONFIG_INET=y
CONFIG_SMC=m
CONFIG_VETH=m
CONFIG_BIG=m
CONFIG_PCI=y
CONFIG_MODULES=y
CONFIG_DEBUG=y
CONFIG_HZ=250
CONFIG_HYPERV=m
CONFIG_SMP=y
CONFIG_TLS=y
CONFIG_GPU=y
CONFIG_TCP_CUBIC=m
# CONFIG_DUMMY is not set
`;
const tree = readKbuild(FIXTURE);
const result = evaluateKbuild(tree, parseConfig(CONFIG, 'test.config'));

function expect(rel: string, built: KbuildState['built'], why: RegExp | string, module?: string): void {
  const s = result.file(rel);
  assert.equal(s.built, built, `${rel}: ${s.why}`);
  if (typeof why === 'string') assert.equal(s.why, why, rel);
  else assert.match(s.why, why, rel);
  assert.equal(s.module, module, `${rel}: module`);
}

test('kbuild: obj-y, obj-$(CONFIG_X) set, unset and =m, with the line and option', () => {
  expect('init/main.c', 'y', 'init/Makefile:1: obj-y := main.o');
  expect('net/ipv4/tcp.c', 'y', 'net/ipv4/Makefile:1: obj-y := tcp.o udp.o');
  expect('drivers/net/veth.c', 'm', 'drivers/net/Makefile:1: obj-$(CONFIG_VETH) += veth.o; CONFIG_VETH=m', 'veth');
  expect('drivers/net/dummy.c', 'n', 'drivers/net/Makefile:2: obj-$(CONFIG_DUMMY) += dummy.o; CONFIG_DUMMY is not set');
  expect('arch/x86/kernel/smp.c', 'y', 'arch/x86/kernel/Makefile:2: obj-$(CONFIG_SMP) += smp.o; CONFIG_SMP=y');
  // Listed as y and m: built in.
  expect('net/ipv4/tcp_cubic.c', 'm', /obj-\$\(CONFIG_TCP_CUBIC\) \+= tcp_cubic\.o; CONFIG_TCP_CUBIC=m/, 'tcp_cubic');
  expect('kernel/hv.c', 'y', /obj-\$\(subst m,y,\$\(CONFIG_HYPERV\)\) \+= hv\.o; CONFIG_HYPERV=m/);
});

test('kbuild: the top Kbuild, the top Makefile read leniently and arch/x86/Makefile', () => {
  expect('arch/x86/kernel/setup.c', 'y', /setup\.o/);
  // BITS comes from arch/x86/Makefile, exported to every folder.
  expect('arch/x86/kernel/head_64.S', 'y', /head_\$\(BITS\)\.o/);
  expect('arch/x86/kernel/head_32.S', 'unknown', 'no Makefile in arch/x86/kernel names head_32.o');
  expect('arch/x86/lib/memcpy_64.S', 'y', /memcpy_\$\(BITS\)/);
  // ARCH_DRIVERS: the arch Makefile's own line is the reason.
  expect('arch/x86/pci/pci.c', 'y', 'arch/x86/pci/Makefile:1: obj-y := pci.o');
  expect(
    'arch/x86/math-emu/fpu.c',
    'n',
    'arch/x86/Makefile:12: drivers-$(CONFIG_MATH_EMULATION) += arch/x86/math-emu/; CONFIG_MATH_EMULATION is not set',
  );
  // core-y under a compiler probe: unknown, with the probe as the reason.
  expect(
    'arch/x86/fancy/fancy.c',
    'unknown',
    /ifneq \(\$\(call cc-option,-mfancy\),\) cannot be decided: \$\(call cc-option,-mfancy\) cannot be evaluated/,
  );
  expect('arch/x86/boot/main.c', 'n', /arch\/x86\/Kbuild:4: subdir- \+= boot \(a list kbuild only cleans\)/);
  assert.equal(result.arch, 'x86');
});

test('kbuild: folders gated by options; the line that excluded the folder decides', () => {
  expect('net/socket.c', 'y', 'net/Makefile:1: obj-y := socket.o');
  expect('net/netlabel/netlabel.c', 'n', 'net/Makefile:5: obj-$(CONFIG_NETLABEL) += netlabel/; CONFIG_NETLABEL is not set');
  expect('net/tools/gen.c', 'n', 'net/Makefile:6: subdir-$(CONFIG_NET_TOOLS) += tools; CONFIG_NET_TOOLS is not set');
  expect('lib/crc/none.c', 'n', 'lib/Makefile:3: obj-$(CONFIG_CRC) += crc/; CONFIG_CRC is not set');
});

test('kbuild: ifdef / ifeq / else / ifndef blocks', () => {
  expect(
    'kernel/trace.c',
    'n',
    'kernel/Makefile:6: ifdef CONFIG_TRACING; CONFIG_TRACING is not set (so line 7, obj-y += trace.o, is not read)',
  );
  expect('kernel/debug.c', 'y', 'kernel/Makefile:11: obj-y += debug.o');
  expect('kernel/nodebug.c', 'n', /^kernel\/Makefile:10: else of ifeq \(\$\(CONFIG_DEBUG\),y\); CONFIG_DEBUG=y/);
  expect('kernel/hz_other.c', 'n', /^kernel\/Makefile:16: ifneq "\$\(CONFIG_HZ\)" "250"; CONFIG_HZ=250/);
  expect('kernel/hz250.c', 'y', 'kernel/Makefile:19: obj-y += hz250.o');
  expect('kernel/up.c', 'n', /^kernel\/Makefile:43: ifndef CONFIG_SMP; CONFIG_SMP=y/);
  // An undefined variable no one sets is empty, as in make: obj- is not built.
  expect('kernel/future.c', 'n', 'kernel/Makefile:47: obj-$(CONFIG_ACPI_FUTURE) += future.o; CONFIG_ACPI_FUTURE is not set');
});

test('kbuild: objects made by make functions, continuations and define', () => {
  for (const f of ['fork', 'exit', 'sched', 'signal', 'alpha', 'beta', 'one_64', 'two_64', 'smpboot', 'ovr', 'extra']) {
    assert.equal(result.file(`kernel/${f}.c`).built, 'y', f);
  }
  assert.match(result.file('kernel/exit.c').why, /^kernel\/Makefile:2: obj-y = fork\.o exit\.o$/);
  // A recipe line is not an assignment.
  expect('kernel/recipe_not_make.c', 'unknown', 'no Makefile in kernel names recipe_not_make.o');
  expect('kernel/module/main.c', 'y', 'kernel/module/Makefile:1: obj-y += main.o');
});

test('kbuild: composites: foo-y, foo-objs, foo-$(CONFIG), parts in subfolders, nested, host programs', () => {
  const part =
    /big-y := core\.o hw\/regs\.o fw\.o; part of big\.o: drivers\/net\/big\/Makefile:2: obj-\$\(CONFIG_BIG\) \+= big\.o; CONFIG_BIG=m/;
  expect('drivers/net/big/core.c', 'm', part, 'big');
  expect('drivers/net/big/hw/regs.c', 'm', part, 'big');
  expect('drivers/net/big/fw_a.c', 'm', /fw-y := fw_a\.o fw_b\.o; part of fw\.o/, 'big');
  expect(
    'drivers/net/big/extra.c',
    'n',
    'drivers/net/big/Makefile:4: big-$(CONFIG_BIG_EXTRA) += extra.o; CONFIG_BIG_EXTRA is not set (a part of big.o)',
  );
  expect('drivers/net/big/big.c', 'n', /big\.o is linked from the parts listed in big-y/);
  expect('drivers/net/big/mkfw_main.c', 'n', /a program for the build machine/);
  expect(
    'net/smc/af_smc.c',
    'm',
    /smc-y := af_smc\.o smc_core\.o; part of smc\.o: net\/smc\/Makefile:2: obj-\$\(CONFIG_SMC\) \+= smc\.o; CONFIG_SMC=m/,
    'smc',
  );
  expect('net/smc/smc_diag.c', 'n', /smc-\$\(CONFIG_SMC_DIAG\) \+= smc_diag\.o; CONFIG_SMC_DIAG is not set/);
  // Parts listed by an included file; foo-objs in a Kbuild file.
  expect('drivers/gpu/gpu_main.c', 'y', /^drivers\/gpu\/gpu\.mk:1: gpu-y := gpu_main\.o; part of gpu\.o/);
  expect('drivers/gpu/gpu_debug.c', 'n', /gpu\.mk:2: gpu-\$\(CONFIG_GPU_DEBUG\) \+= gpu_debug\.o; CONFIG_GPU_DEBUG is not set/);
  expect('net/tls/tls_main.c', 'y', /net\/tls\/Kbuild:3: tls-objs := tls_main\.o; part of tls\.o/);
});

test('kbuild: a Kbuild file wins over the Makefile beside it', () => {
  expect('net/tls/tls_wrong.c', 'unknown', 'no Makefile in net/tls names tls_wrong.o');
});

test('kbuild: lib-y is a lib.a member linked into vmlinux; an object in obj-y and lib-y is built in', () => {
  expect('lib/string.c', 'y', /lib-y := string\.o bitmap\.o \(a member of lib\/lib\.a, linked whole into vmlinux\)/);
  expect('arch/x86/lib/delay.c', 'y', /lib\.a/);
  expect('lib/bitmap.c', 'y', 'lib/Makefile:2: obj-y += bitmap.o');
});

test('kbuild: module folders: modules inside, orphans, folders named both y and m', () => {
  expect('net/smc/sub/smc_sub.c', 'm', 'net/smc/sub/Makefile:1: obj-$(CONFIG_SMC) += smc_sub.o; CONFIG_SMC=m', 'smc_sub');
  // Makefiles.rst: obj-y in a folder reached only as a module folder is linked nowhere.
  expect('net/smc/smc_orphan.c', 'n', /reached only as a module folder \(net\/Makefile:3: obj-\$\(CONFIG_SMC\) \+= smc\/; CONFIG_SMC=m\)/);
  expect('drivers/dual/dual_y.c', 'y', 'drivers/dual/Makefile:1: obj-y += dual_y.o');
  expect('drivers/dual/dual_m.c', 'm', 'drivers/dual/Makefile:2: obj-m += dual_m.o', 'dual_m');
  const mods = result.modules();
  assert.deepEqual([...mods.values()].map((m) => m.name).sort(), ['big', 'dual_m', 'smc', 'smc_sub', 'tcp_cubic', 'veth']);
  assert.deepEqual(mods.get('net/smc/smc.o')?.parts, ['net/smc/af_smc.o', 'net/smc/smc_core.o']);
});

test('kbuild: what kpath cannot evaluate is unknown, with the construct', () => {
  expect('drivers/odd/shelly.c', 'unknown', /obj-\$\(shell echo y\) \+= shelly\.o; \$\(shell echo y\) is not run by kpath/);
  expect('drivers/odd/maybe.c', 'unknown', /ifeq \(\$\(shell test -e \/x && echo y\),y\) cannot be decided/);
  // A call that may name any object makes the folder's unnamed and not-built objects unknown.
  expect('drivers/odd/known_off.c', 'unknown', /lists objects kpath cannot evaluate .*cc-disable-warning/);
  expect('drivers/odd/probe_x86_64.c', 'unknown', /lists objects kpath cannot evaluate/);
  expect('drivers/odd/plain.c', 'y', 'drivers/odd/Makefile:9: obj-y += plain.o');
  // A line that is not make: what the folder does not build is unknown, what it builds stays.
  expect('drivers/weird/on.c', 'y', 'drivers/weird/Makefile:2: obj-y += on.o');
  expect('drivers/weird/off.c', 'unknown', /CONFIG_OFF is not set; but .*kpath cannot read "this line is not make"/);
  expect('drivers/weird/inside.c', 'unknown', /ifeq bogus cannot be decided/);
  expect('drivers/unreadable/u.c', 'unknown', 'drivers/unreadable/Makefile cannot be read');
  expect('drivers/nomake/nomake.c', 'unknown', 'drivers/nomake/ has no Kbuild or Makefile');
  for (const p of ['drivers/unreadable/Makefile cannot be read', 'this line is not make', 'ifeq bogus']) {
    assert.ok(
      result.problems.some((x) => x.includes(p)),
      p,
    );
  }
});

test('kbuild: files and folders no Makefile names are unknown, not n', () => {
  expect('net/socket_helpers.c', 'unknown', 'no Makefile in net names socket_helpers.o');
  expect('drivers/unnamed/unnamed.c', 'unknown', 'no Makefile names drivers/unnamed/ (drivers/Makefile does not list it)');
  expect('include/linux/x.h', 'unknown', /not compiled by itself/);
});

test('kbuild: other architectures, tools, scripts, samples and Documentation are n', () => {
  expect('arch/arm64/kernel/setup.c', 'n', "arch/arm64 is not this config's architecture (x86)");
  expect('tools/tool.c', 'n', 'tools/ is not part of the kernel build');
  expect('scripts/helper.c', 'n', 'scripts/ is not part of the kernel build');
  expect('Documentation/doc.c', 'n', 'Documentation/ is not part of the kernel build');
  expect('samples/sample.c', 'n', /samples\/ is not part of the kernel build/);
});

test('kbuild: another configuration of the same parsed tree', () => {
  const parsed = tree.parsedCount;
  const other = evaluateKbuild(
    tree,
    parseConfig(
      [
        '# Linux/x86 1.2.0 Kernel Configuration',
        'CONFIG_X86=y',
        'CONFIG_X86_32=y',
        'CONFIG_NET=y',
        'CONFIG_NET_TOOLS=y',
        'CONFIG_SMC=y',
        'CONFIG_DUMMY=y',
        'CONFIG_TRACING=y',
      ].join('\n'),
      'other.config',
    ),
  );
  assert.equal(tree.parsedCount >= parsed, true);
  assert.equal(other.file('arch/x86/kernel/head_32.S').built, 'y');
  assert.equal(other.file('arch/x86/kernel/head_64.S').built, 'unknown');
  assert.equal(other.file('drivers/net/dummy.c').built, 'y');
  assert.equal(other.file('kernel/trace.c').built, 'y');
  assert.equal(other.file('net/smc/smc_orphan.c').built, 'y', 'the folder is built in now');
  assert.equal(other.file('net/smc/af_smc.c').built, 'y');
  assert.equal(other.file('net/ipv4/tcp.c').built, 'n');
  const gen = other.file('net/tools/gen.c');
  assert.equal(gen.built, 'n');
  assert.match(gen.why, /visited only by subdir-y/);
  // Not CONFIG_MODULES: a lib.a member is linked only when referred to.
  assert.equal(other.file('lib/string.c').built, 'unknown');
  const arm = evaluateKbuild(tree, parseConfig('CONFIG_ARM64=y\nCONFIG_NET=y\n', 'arm.config'));
  assert.equal(arm.arch, 'arm64');
  assert.equal(arm.file('arch/x86/kernel/setup.c').why, "arch/x86 is not this config's architecture (arm64)");
  assert.ok(
    arm.problems.some((p) => p.includes('arch/arm64/Makefile')),
    'the missing arch Makefile is noted',
  );
});

test('kbuild: an older tree whose top Makefile lists the folders', () => {
  const old = evaluateKbuild(readKbuild(path.join(FIXTURE, 'old-layout')), parseConfig('CONFIG_X86=y\nCONFIG_MODULES=y\n', 'old.config'));
  assert.equal(old.file('kernel/fork.c').built, 'y');
  assert.equal(old.file('init/main.c').built, 'y');
  assert.equal(old.file('arch/x86/kernel/setup.c').built, 'y');
  assert.deepEqual(old.file('drivers/drv.c'), { built: 'm', why: 'drivers/Makefile:1: obj-m := drv.o', module: 'drv' });
  assert.equal(old.file('lib/sort.c').built, 'y');
  assert.deepEqual(old.file('block/bio.c'), { built: 'n', why: 'Makefile:14: core-$(CONFIG_BLOCK) += block/; CONFIG_BLOCK is not set' });
});

test('kbuild: a folder that is not a tree answers unknown and notes it', () => {
  const none = evaluateKbuild(readKbuild(path.join(FIXTURE, 'does-not-exist')), parseConfig('CONFIG_X86=y\n', 'c'));
  assert.equal(none.file('kernel/fork.c').built, 'unknown');
  assert.ok(none.problems.length > 0);
});
