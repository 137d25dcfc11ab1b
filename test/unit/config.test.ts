// A kernel configuration read as distributions ship it, and `#if` evaluated under it: the options,
// the arms a file's text holds, which of them a configuration compiles, and what the
// INDIRECT_CALL_* family macros then really test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, parseConfig, readConfig } from '../../server/config/kconfig';
import { evalCondition } from '../../server/config/cpp';
import { ARM_STRIDE, armAt, scanConditionals } from '../../server/parse/conditionals';
import { BuildView, type BuiltState } from '../../server/config/built';
import { testedHints } from '../../server/config/indirectHints';
import { emptyFacts, type FileFacts } from '../../server/parse/facts';

// Written for these tests: the shapes of a real `.config`, not a copy of one.
const CONFIG = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.12.0 Kernel Configuration
#
CONFIG_X86=y
CONFIG_64BIT=y
CONFIG_NET=y
CONFIG_INET=y
CONFIG_IPV6=m
CONFIG_HZ=250
CONFIG_DEFAULT_TCP_CONG="cubic"
# CONFIG_SMC is not set
CONFIG_COMPAT=n
`;
const cfg = parseConfig(CONFIG, '/tmp/x/.config');
const y = { config: cfg, module: false };
const m = { config: cfg, module: true };

test('a config: set options, unset ones, the architecture and a label', () => {
  assert.equal(cfg.values.get('CONFIG_NET'), 'y');
  assert.equal(cfg.values.get('CONFIG_IPV6'), 'm');
  assert.equal(cfg.values.get('CONFIG_HZ'), '250');
  assert.equal(cfg.values.has('CONFIG_SMC'), false);
  assert.equal(cfg.values.has('CONFIG_COMPAT'), false, '=n is not set');
  assert.equal(cfg.arch, 'x86');
  assert.equal(cfg.label, '.config');
});

test('a config read as shipped: plain, .gz and .xz; broken ones are refused with a reason', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpath-config-'));
  const plain = path.join(dir, 'config.plain');
  writeFileSync(plain, CONFIG);
  assert.equal(readConfig(plain).values.get('CONFIG_INET'), 'y');
  const gz = path.join(dir, 'config.amd64.gz');
  writeFileSync(gz, gzipSync(CONFIG));
  assert.equal(readConfig(gz).values.get('CONFIG_IPV6'), 'm');
  assert.equal(readConfig(gz).label, 'config.amd64');
  writeFileSync(path.join(dir, 'cut.gz'), gzipSync(CONFIG).subarray(0, 40));
  assert.throws(
    () => readConfig(path.join(dir, 'cut.gz')),
    (e: Error) => e instanceof ConfigError && /damaged or cut short/.test(e.message),
  );
  const xz = spawnSync('xz', ['-c'], { input: CONFIG });
  if (xz.status === 0) {
    writeFileSync(path.join(dir, 'config.xz'), xz.stdout);
    assert.equal(readConfig(path.join(dir, 'config.xz')).values.get('CONFIG_HZ'), '250');
    // A truncated .xz still yields the options before the cut; they would read as "not set".
    writeFileSync(path.join(dir, 'cut.xz'), xz.stdout.subarray(0, xz.stdout.length - 30));
    assert.throws(
      () => readConfig(path.join(dir, 'cut.xz')),
      (e: Error) => e instanceof ConfigError && /xz data is damaged or cut short/.test(e.message),
    );
  }
  writeFileSync(path.join(dir, 'notes.txt'), 'this is not a config\n');
  assert.throws(() => readConfig(path.join(dir, 'notes.txt')), /not a kernel configuration/);
  assert.throws(() => readConfig(path.join(dir, 'missing')), /no such file/);
  assert.throws(() => readConfig(dir), /not a regular file/);
  // A FIFO would block a reader for good: refused without opening it.
  if (spawnSync('mkfifo', [path.join(dir, 'fifo')]).status === 0)
    assert.throws(() => readConfig(path.join(dir, 'fifo')), /not a regular file/);
});

test('#if under a config: autoconf.h semantics, three values', () => {
  assert.equal(evalCondition('defined(CONFIG_NET)', y), true);
  assert.equal(evalCondition('defined(CONFIG_IPV6)', y), false, 'm defines CONFIG_IPV6_MODULE, not CONFIG_IPV6');
  assert.equal(evalCondition('defined(CONFIG_IPV6_MODULE)', y), true);
  assert.equal(evalCondition('IS_ENABLED(CONFIG_IPV6)', y), true);
  assert.equal(evalCondition('IS_BUILTIN(CONFIG_IPV6)', y), false);
  assert.equal(evalCondition('IS_MODULE(CONFIG_IPV6)', y), true);
  assert.equal(evalCondition('IS_REACHABLE(CONFIG_IPV6)', y), false, 'from built-in code a module is not reachable');
  assert.equal(evalCondition('IS_REACHABLE(CONFIG_IPV6)', m), true);
  assert.equal(evalCondition('IS_REACHABLE(CONFIG_IPV6)', { config: cfg, module: undefined }), undefined);
  assert.equal(evalCondition('CONFIG_HZ >= 250 && CONFIG_HZ < 1000', y), true);
  assert.equal(evalCondition('!defined(CONFIG_SMC) || defined(CONFIG_FOO)', y), true);
  assert.equal(evalCondition('defined(CONFIG_SMC) && defined(SOME_HEADER_MACRO)', y), false, 'false && unknown is false');
  assert.equal(evalCondition('defined(CONFIG_NET) && defined(SOME_HEADER_MACRO)', y), undefined, 'true && unknown is unknown');
  assert.equal(evalCondition('defined(SOME_HEADER_MACRO) || CONFIG_NET', y), true);
  assert.equal(evalCondition('LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)', y), undefined);
  assert.equal(evalCondition('defined(MODULE)', m), true);
  assert.equal(evalCondition('defined(MODULE)', y), false);
  assert.equal(evalCondition('defined(__KERNEL__) && !defined(__ASSEMBLY__)', y), true);
  assert.equal(evalCondition('BITS_PER_LONG == 32', y), false);
  assert.equal(evalCondition('0', y), false);
  assert.equal(evalCondition('1 ? CONFIG_HZ : 0', y), true);
  assert.equal(evalCondition('CONFIG_DEFAULT_TCP_CONG', y), undefined, 'a string in #if is an error: say nothing');
  assert.equal(evalCondition('defined(', y), undefined, 'what cannot be read is unknown');
});

// Written here: the directive shapes of kernel sources (a guard, #ifdef in an initializer, #elif chains, continuations, comments).
const SOURCE = `#ifndef _NET_DEMO_H
#define _NET_DEMO_H
#include "helpers.c"
/* #ifdef CONFIG_IN_A_COMMENT
#endif */
static const struct ops demo_ops = {
	.send = demo_send,
#ifdef CONFIG_SMC
	.smc = demo_smc,
#endif
};
#if IS_BUILTIN(CONFIG_IPV6)
int six_builtin(void) { return 1; }
#elif IS_ENABLED(CONFIG_IPV6) && \\
      defined(CONFIG_INET)
int six_module(void) { return 2; }
#else
int six_none(void) { return 3; }
#endif
#endif /* _NET_DEMO_H */
`;

test('the arms of a file, read line by line', () => {
  const { conds, includes } = scanConditionals(SOURCE);
  const arms = [];
  for (let i = 0; i < conds.length; i += ARM_STRIDE) arms.push(conds.slice(i, i + ARM_STRIDE));
  assert.deepEqual(arms, [
    [0, 19, -1, -1, '1'], // the include guard: always taken
    [7, 9, 0, -1, 'defined(CONFIG_SMC)'],
    [11, 13, 0, -1, 'IS_BUILTIN(CONFIG_IPV6)'],
    [13, 16, 0, 2, 'IS_ENABLED(CONFIG_IPV6) && defined(CONFIG_INET)'],
    [16, 18, 0, 3, '1'],
  ]);
  assert.deepEqual(includes, [{ path: 'helpers.c', line: 2 }]);
  assert.equal(armAt(conds, 8), 1);
  assert.equal(armAt(conds, 15), 3);
  assert.equal(armAt(conds, 6), 0);
  assert.equal(armAt(conds, 21), -1);
});

function view(files: Record<string, { facts?: Partial<FileFacts>; state: BuiltState; text?: string }>): BuildView {
  const facts = new Map<string, FileFacts>(Object.entries(files).map(([rel, f]) => [rel, { ...emptyFacts(rel), ...f.facts }]));
  const kbuild = { file: (rel: string): BuiltState => files[rel]?.state ?? { built: 'unknown', why: `no Makefile names ${rel}` } };
  return new BuildView(cfg, kbuild, facts, (rel) => files[rel]?.text);
}

test('a line is compiled when its file is and every arm around it is taken, with the deciding line as the reason', () => {
  const { conds, includes } = scanConditionals(SOURCE);
  const v = view({
    'net/demo/demo.c': { facts: { conds, cIncludes: includes }, state: { built: 'y', why: 'net/demo/Makefile:1: obj-y += demo.o' } },
    'net/demo/helpers.c': { state: { built: 'unknown', why: 'no Makefile in net/demo names helpers.o' } },
    'net/off/off.c': { state: { built: 'n', why: 'net/Makefile:3: obj-$(CONFIG_OFF) += off/; CONFIG_OFF is not set' } },
    'arch/arm64/kernel/x.c': { state: { built: 'y', why: 'would be wrong' } },
  });
  assert.equal(v.at('net/demo/demo.c', 6).built, 'y');
  const smc = v.at('net/demo/demo.c', 8);
  assert.equal(smc.built, 'n');
  assert.match(smc.why, /^net\/demo\/demo\.c:8: #if defined\(CONFIG_SMC\) is false \(CONFIG_SMC is not set\)$/);
  assert.equal(v.at('net/demo/demo.c', 12).built, 'n', 'IPv6 is a module, not built in');
  assert.equal(v.at('net/demo/demo.c', 15).built, 'y', 'the #elif arm is the one taken');
  const none = v.at('net/demo/demo.c', 17);
  assert.equal(none.built, 'n');
  assert.match(none.why, /an earlier arm is taken: #if IS_ENABLED\(CONFIG_IPV6\)/);
  // A .c file no Makefile names, #include'd by a compiled one, is compiled with it.
  const inc = v.file('net/demo/helpers.c');
  assert.equal(inc.built, 'y');
  assert.match(inc.why, /#include'd by net\/demo\/demo\.c:3/);
  assert.equal(v.at('net/off/off.c', 0).built, 'n');
  const arm = v.file('arch/arm64/kernel/x.c');
  assert.equal(arm.built, 'n');
  assert.match(arm.why, /arch\/arm64 is not this configuration's architecture \(x86\)/);
  assert.equal(v.file('include/net/demo.h').built, 'y', 'a header under include/');
});

test('an arm the config cannot decide makes its lines unknown, never n', () => {
  const { conds } = scanConditionals('#ifdef SOME_HEADER_MACRO\nint maybe(void);\n#else\nint other(void);\n#endif\n');
  const v = view({ 'net/a.c': { facts: { conds }, state: { built: 'm', why: 'obj-m', module: 'a' } } });
  const s = v.at('net/a.c', 1);
  assert.equal(s.built, 'unknown');
  assert.match(s.why, /depends on SOME_HEADER_MACRO/);
  assert.equal(v.at('net/a.c', 3).built, 'unknown');
});

// Written here: a wrapper header like the kernel's, and a file that defines its own family macro.
const WRAPPER = `#define INDIRECT_CALL_1(f, f1, ...) f1(__VA_ARGS__)
#define INDIRECT_CALL_2(f, f2, f1, ...) f2(__VA_ARGS__)
#if IS_BUILTIN(CONFIG_IPV6)
#define INDIRECT_CALL_INET(f, f2, f1, ...) \\
	INDIRECT_CALL_2(f, f2, f1, __VA_ARGS__)
#elif IS_ENABLED(CONFIG_INET)
#define INDIRECT_CALL_INET(f, f2, f1, ...) INDIRECT_CALL_1(f, f1, __VA_ARGS__)
#else
#define INDIRECT_CALL_INET(f, f2, f1, ...) f(__VA_ARGS__)
#endif
`;
const OWN = `#if IS_BUILTIN(CONFIG_IPV6)
#define INDIRECT_CALL_L4(f, f2, f1, ...) INDIRECT_CALL_2(f, f2, f1, __VA_ARGS__)
#else
#define INDIRECT_CALL_L4(f, f2, f1, ...) INDIRECT_CALL_1(f, f2, __VA_ARGS__)
#endif
`;

test("INDIRECT_CALL_* hints are what the configuration's macro tests, in its order", () => {
  const hdr = 'include/linux/indirect_call_wrapper.h';
  const files = {
    [hdr]: { facts: { conds: scanConditionals(WRAPPER).conds }, state: { built: 'y' as const, why: 'header' }, text: WRAPPER },
    'net/x.c': { facts: { conds: scanConditionals(OWN).conds }, state: { built: 'y' as const, why: 'obj-y' }, text: OWN },
  };
  const v = view(files);
  const ctx = {
    text: (rel: string) => files[rel as keyof typeof files]?.text,
    built: (rel: string, line: number) => v.at(rel, line).built,
  };
  // IPv6 is a module here: INDIRECT_CALL_INET tests f1 alone.
  assert.deepEqual(testedHints('net/socket.c', 'INDIRECT_CALL_INET', ['inet6_sendmsg', 'inet_sendmsg'], ctx), ['inet_sendmsg']);
  assert.deepEqual(testedHints('net/socket.c', 'INDIRECT_CALL_2', ['tcp_sendmsg', 'udp_sendmsg'], ctx), ['tcp_sendmsg', 'udp_sendmsg']);
  assert.deepEqual(testedHints('net/x.c', 'INDIRECT_CALL_L4', ['tcp6_gro', 'tcp4_gro'], ctx), ['tcp6_gro']);
  // With IPv6 built in, both, f2 first.
  const built = parseConfig(CONFIG.replace('CONFIG_IPV6=m', 'CONFIG_IPV6=y'));
  const v2 = new BuildView(
    built,
    { file: (rel) => files[rel as keyof typeof files]?.state ?? { built: 'unknown', why: '' } },
    new Map(Object.entries(files).map(([rel, f]) => [rel, { ...emptyFacts(rel), ...f.facts }])),
    (rel) => files[rel as keyof typeof files]?.text,
  );
  assert.deepEqual(v2.hintsOf('net/socket.c', 'INDIRECT_CALL_INET', ['inet6_sendmsg', 'inet_sendmsg']), ['inet6_sendmsg', 'inet_sendmsg']);
  // A macro kpath cannot find keeps the hints as written.
  assert.deepEqual(testedHints('net/y.c', 'INDIRECT_CALL_XYZ', ['a', 'b'], ctx), ['a', 'b']);
});
