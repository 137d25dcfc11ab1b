// Resolution on a small tree written to mimic kernel patterns: every `@targets:` marker in the
// fixture names functions that must (and must not) be targets of the indirect call on its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildIndex } from '../../server/index/indexer';
import { KernelIndex } from '../../server/index/kernelIndex';
import { callPath } from '../../server/graph/paths';
import { unresolvedRows } from '../../server/queries';
import { noCallMarkers, targetMarkers } from '../helpers/markers';
import { TypeEnv } from '../../server/resolve/typeEnv';
import { emptyFacts } from '../../server/parse/facts';

const ROOT = path.join(__dirname, '..', 'fixtures', 'minikernel');

async function index() {
  return (await buildIndex(ROOT, { noCache: true, threads: 1 })).index;
}

test('every @targets marker in the fixture tree resolves as written', async () => {
  const ix = await index();
  const markers = targetMarkers(ROOT);
  assert.ok(markers.length >= 12, `expected many markers, found ${markers.length}`);
  for (const m of markers) {
    const sites = ix.sitesIn(m.file).filter((s) => s.site.line === m.line || s.site.nameLine === m.line);
    assert.ok(sites.length > 0, `${m.file}:${m.line + 1}: no indirect call site found`);
    const names = new Set(sites.flatMap((s) => ix.targetsOf(s).map((t) => t.fn.name)));
    for (const want of m.must)
      assert.ok(
        names.has(want),
        `${m.file}:${m.line + 1}: ${want} missing from [${[...names].join(', ')}] (slot ${sites.map((s) => s.slot ?? s.unresolved).join(', ')})`,
      );
    for (const bad of m.mustNot) assert.ok(!names.has(bad), `${m.file}:${m.line + 1}: ${bad} must not be a target`);
  }
});

test('lines marked @no-call (inline asm, a macro shadowed by a local, a statement cut by #if) hold no indirect call', async () => {
  const ix = await index();
  const markers = noCallMarkers(ROOT);
  assert.ok(markers.length >= 5, `expected @no-call markers, found ${markers.length}`);
  for (const m of markers) {
    const sites = ix.sitesIn(m.file).filter((s) => s.site.line === m.line || s.site.nameLine === m.line);
    assert.deepEqual(
      sites.map((s) => s.slot ?? s.unresolved),
      [],
      `${m.file}:${m.line + 1}: not an indirect call`,
    );
  }
  // The call after the loop macro and the one in the #if arm are direct calls.
  const calls = ix.files
    .get('arch/x86/kernel/not_calls.c')!
    .calls.filter((c) => c.from === 'show')
    .map((c) => `${c.callee}:${c.line + 1}`);
  for (const c of ['seq_printf:40', 'port_enable:45']) assert.ok(calls.includes(c), `${c} in ${calls.join(' ')}`);
});

test('static calls: a key is a slot of its own, filled by DEFINE_STATIC_CALL, static_call_update and x-macro lists', async () => {
  const ix = await index();
  const site = ix.sitesIn('arch/x86/kvm/x86.c').find((s) => s.fromId === 'vcpu_enter_guest')!;
  assert.equal(site.slot, 'G:__SCK__kvm_x86_vcpu_run');
  const vmx = ix.targetsOf(site).find((t) => t.fn.name === 'vmx_vcpu_run')!;
  // Stored into kvm_x86_ops.vcpu_run by vt_x86_ops, copied into the key by static_call_update in kvm_ops_update.
  assert.deepEqual(
    vmx.evidence.map((e) => [e.file, e.how, e.slot]),
    [
      ['arch/x86/kvm/vmx/main.c', 'init', 'kvm_x86_ops.vcpu_run'],
      ['arch/x86/kvm/x86.c', 'copy', 'G:__SCK__kvm_x86_vcpu_run'],
    ],
  );
  assert.equal(vmx.evidence[1].in, 'kvm_ops_update@arch/x86/kvm/x86.c');
  const clock = ix.sitesIn('kernel/sched/clock.c').find((s) => s.fromId === 'sched_clock')!;
  assert.deepEqual(
    ix.targetsOf(clock).map((t) => [t.fn.name, t.evidence[0].how]),
    [
      ['kvm_sched_clock', 'assign'],
      ['native_sched_clock', 'init'],
    ],
  );
});

test('macros that define functions and variables: the definitions join the index at the use', async () => {
  const ix = await index();
  const [open] = ix.functionsNamed('sockstat_open');
  assert.ok(open, 'DEFINE_SHOW_ATTRIBUTE(sockstat) defines sockstat_open');
  assert.equal(open.file, 'net/core/stats.c');
  assert.equal(open.def.viaMacro, 'DEFINE_SHOW_ATTRIBUTE');
  assert.equal(open.def.nameLine, 4);
  // What the generated body passes on: single_open(file, sockstat_show, …).
  assert.ok(ix.storesOf(ix.functionsNamed('sockstat_show')[0].id).some((e) => e.slot === 'single_open#1' && e.file === 'net/core/stats.c'));
  const flavour = ix.sitesIn('kernel/rcu/tasks.c').find((s) => s.fromId === 'synchronize_rcu_tasks')!;
  assert.equal(flavour.receiverType, 'struct rcu_flavor', 'DEFINE_RCU_FLAVOR(rcu_tasks, …) declares rcu_tasks');
});

test('an edit that drops a macro use drops what it defined; one that keeps it keeps it', async () => {
  const { parseFile } = await import('../../server/parse/parseFile');
  const { readFileSync } = await import('node:fs');
  const ix = await index();
  const file = 'net/core/stats.c';
  const original = readFileSync(path.join(ROOT, file), 'utf8');
  const opens = (): string[] => ix.functionsNamed('sockstat_open').map((f) => `${f.file}:${f.def.nameLine + 1}`);
  assert.deepEqual(opens(), ['net/core/stats.c:5']);
  ix.setFile(parseFile(ROOT, file, `\n${original}`).facts);
  assert.deepEqual(opens(), ['net/core/stats.c:6'], 'moved with its use');
  ix.setFile(parseFile(ROOT, file, original.replace('DEFINE_SHOW_ATTRIBUTE(sockstat);', '')).facts);
  assert.deepEqual(opens(), []);
  const open = ix.sitesIn('fs/read_write.c').find((s) => s.fromId === 'do_dentry_open')!;
  assert.deepEqual(
    ix.targetsOf(open).map((t) => t.fn.name),
    [],
  );
  ix.setFile(parseFile(ROOT, file, original).facts);
  assert.deepEqual(
    ix.targetsOf(ix.sitesIn('fs/read_write.c').find((s) => s.fromId === 'do_dentry_open')!).map((t) => t.fn.name),
    ['sockstat_open'],
  );
});

test('targets carry evidence: the file and line where the function was stored', async () => {
  const ix = await index();
  const site = ix.sitesIn('include/linux/net.h').find((s) => s.fromId === 'sock_sendmsg_nosec')!;
  assert.equal(site.slot, 'proto_ops.sendmsg');
  const targets = ix.targetsOf(site);
  // INDIRECT_CALL hints first, in the order the macro tests them: INDIRECT_CALL_INET(f, f2, f1) tests f2 first.
  assert.deepEqual(
    targets.slice(0, 2).map((t) => [t.fn.name, t.hint]),
    [
      ['inet6_sendmsg', true],
      ['inet_sendmsg', true],
    ],
  );
  const unix = targets.find((t) => t.fn.name === 'unix_stream_sendmsg')!;
  assert.equal(unix.evidence[0].file, 'net/ipv4/unix.c');
  assert.equal(unix.evidence[0].how, 'init');
  const inet6 = targets.find((t) => t.fn.name === 'inet6_sendmsg')!;
  assert.ok(
    inet6.evidence.some((e) => e.file === 'net/ipv4/unix.c' && e.how === 'init'),
    'compound literal store is evidence',
  );
});

test('copies between fields keep the chain of evidence', async () => {
  const ix = await index();
  const site = ix.sitesIn('net/sched/sch_generic.c').find((s) => s.fromId === 'dev_qdisc_enqueue')!;
  assert.equal(site.slot, 'Qdisc.enqueue');
  const fq = ix.targetsOf(site).find((t) => t.fn.name === 'fq_enqueue')!;
  assert.deepEqual(
    fq.evidence.map((e) => e.how),
    ['init', 'copy'],
  );
});

test('SYSCALL_DEFINE defines sys_send, and static inline header functions are hops', async () => {
  const ix = await index();
  const sys = ix.functionsNamed('sys_send');
  assert.equal(sys.length, 1);
  assert.equal(sys[0].def.viaMacro, 'SYSCALL_DEFINE4');
  assert.deepEqual(
    ix.fullDef(sys[0]).params.map((p) => p.name),
    ['fd', 'buff', 'len', 'flags'],
  );
  const p = callPath(ix, 'send', 'tcp_sendmsg');
  assert.equal(p.broken, undefined, p.broken?.reason);
  assert.deepEqual(
    p.hops.map((h) => h.to.name),
    ['__sys_sendto', 'sock_sendmsg_nosec', 'inet_sendmsg', 'tcp_sendmsg'],
  );
  assert.equal(p.hops[2].kind, 'hint');
  assert.equal(p.hops[2].via, 'proto_ops.sendmsg');
  assert.ok(p.hops[2].alternatives.some((a) => a.name === 'unix_stream_sendmsg'));
});

test('callers include indirect callers, marked with the slot', async () => {
  const ix = await index();
  const callers = ix.callers('tcp_sendmsg');
  const inet = callers.find((c) => c.from === 'inet_sendmsg');
  assert.ok(inet, 'inet_sendmsg calls tcp_sendmsg through proto.sendmsg');
  assert.equal(inet.via, 'proto.sendmsg');
  assert.equal(ix.callers('e100_stop').length, 0, 'ndo_stop is never called in the fixture');
});

test('an okfn parameter gets what callers pass, and a path through it stays with its caller', async () => {
  const ix = await index();
  const p = callPath(ix, 'ip_output', 'arp_finish');
  assert.ok(p.broken, 'ip_output cannot reach arp_finish through NF_HOOK: arp_xmit passes that one');
  const q = callPath(ix, 'ip_output', 'ip_finish_output');
  assert.equal(q.broken, undefined);
  assert.deepEqual(
    q.hops.map((h) => [h.to.name, h.kind]),
    [
      ['NF_HOOK', 'direct'],
      ['ip_finish_output', 'param'],
    ],
  );
});

test('unresolved sites say why', async () => {
  const ix = await index();
  ix.setFile({
    ...ix.files.get('fs/read_write.c')!,
    icalls: [
      {
        from: 'vfs_read',
        callee: { k: 'field', e: { k: 'name', n: 'mystery' }, f: 'read' },
        line: 0,
        col: 0,
        nameLine: 0,
        nameCol: 0,
        endCol: 1,
      },
    ],
  });
  const s = ix.sitesIn('fs/read_write.c')[0];
  assert.match(ix.unresolvedReason(s, ix.targetsOf(s)) ?? '', /unknown/);
});

test('a store of a function defined outside the scope is kept: the reason names its declaration, and `unresolved` the folder of its body', async () => {
  const ix = (await buildIndex(ROOT, { noCache: true, threads: 1, include: ['drivers/net', 'include'] })).index;
  const [site] = ix.sitesIn('drivers/net/hyperv/netvsc.c');
  assert.equal(site.slot, 'mini_vmbus_channel.request_addr_callback');
  assert.deepEqual(ix.targetsOf(site), []);
  assert.match(
    ix.unresolvedReason(site, []) ?? '',
    /^stored outside the scope: `mini_vmbus_request_addr` \(declared `include\/linux\/vmbus\.h:9`\)/,
  );
  const row = unresolvedRows(ix, ['drivers/net/hyperv/netvsc.c'], { bodies: true }).rows[0];
  assert.match(row.reason, /add `drivers\/hv` to --scope to resolve it$/);
  // Without the walk (the MCP tool, the editor) the reason stops at the declaration.
  assert.doesNotMatch(unresolvedRows(ix, ['drivers/net/hyperv/netvsc.c']).rows[0].reason, /--scope/);
});

test('an ops table swallowed by an earlier parse error is recovered with its stores', async () => {
  const ix = await index();
  const facts = ix.files.get('net/ipv6/mcast.c')!;
  assert.ok(
    facts.notes.some((n) => /1 initialized table\(s\) recovered/.test(n)),
    facts.notes.join('; '),
  );
  const [site] = ix.sitesIn('net/ipv6/mcast.c');
  assert.deepEqual(
    ix.targetsOf(site).map((t) => `${t.fn.name} ${t.evidence[0].file}:${t.evidence[0].line + 1}`),
    ['mini_mc_seq_next net/ipv6/mcast.c:32'],
  );
});

test('editing a function body re-resolves in place: a new store appears, a removed one goes', async () => {
  const { parseFile } = await import('../../server/parse/parseFile');
  const { readFileSync } = await import('node:fs');
  const ix = await index();
  const site = () => ix.sitesIn('fs/read_write.c').find((s) => s.fromId === 'vfs_read')!;
  assert.deepEqual(
    ix.targetsOf(site()).map((t) => t.fn.name),
    ['pipe_read'],
  );
  // Callers before the edits, so that the edits below update the call graph rather than build it.
  const readers = (): string[] =>
    ix
      .callers('sk_psock_data_ready@net/ipv4/udp.c')
      .filter((e) => e.via === 'sock.sk_data_ready')
      .map((e) => e.from);
  assert.deepEqual(readers(), ['sk_wake']);
  const file = 'net/ipv4/udp.c';
  const original = readFileSync(path.join(ROOT, file), 'utf8');
  // Same functions, one more store in a body: the incremental path (no type change).
  const edited = original.replace(
    'WRITE_ONCE(sk->sk_backlog.drain, udp_drain);',
    'WRITE_ONCE(sk->sk_backlog.drain, udp_drain);\n\tsk->sk_data_ready = sk_psock_data_ready;\n\t((struct file *)0)->f_op = 0;',
  );
  ix.setFile(parseFile(ROOT, file, edited).facts);
  const wake = ix.sitesIn(file).find((s) => s.fromId === 'sk_wake' && s.slot === 'sock.sk_data_ready')!;
  assert.ok(
    ix.targetsOf(wake).some((t) => t.evidence.some((e) => e.line === 15)),
    'the new store is evidence',
  );
  ix.setFile(
    parseFile(
      ROOT,
      file,
      original.replace('sk->sk_data_ready = psock ? sk_psock_data_ready : sock_def_readable;', 'sk->sk_data_ready = sock_def_readable;'),
    ).facts,
  );
  const names = ix
    .targetsOf(ix.sitesIn(file).find((s) => s.fromId === 'sk_wake' && s.slot === 'sock.sk_data_ready')!)
    .map((t) => t.fn.name);
  assert.deepEqual(names, ['sock_def_readable'], 'the removed arm of ?: is no longer a target');
  assert.deepEqual(readers(), [], 'nothing stores sk_psock_data_ready any more: it has no indirect callers');
  assert.deepEqual(
    ix.targetsOf(site()).map((t) => t.fn.name),
    ['pipe_read'],
    'other files are untouched',
  );
});

test('a name defined in two files means the same whatever order the files were indexed in', () => {
  const a = emptyFacts('drivers/net/a/hw.h');
  const b = emptyFacts('drivers/net/b/hw.h');
  for (const [f, ops] of [
    [a, 'a_ops'],
    [b, 'b_ops'],
  ] as const) {
    f.structs.push({
      name: 'struct hw',
      fields: [{ name: 'ops', type: { base: `struct ${ops}`, ptr: 1 }, line: 1, col: 0 }],
      line: 0,
      col: 0,
      endLine: 2,
    });
    f.typedefs.push({ name: 'hw_t', type: { base: `struct ${ops}`, ptr: 0 }, line: 3 });
    f.macros.push({ name: 'hw_of', line: 4, fnLike: true, returns: { base: `struct ${ops}`, ptr: 1 } });
    f.decls.push({ name: 'hw_get', line: 5, col: 0, ret: { base: `struct ${ops}`, ptr: 1 }, isStatic: false });
  }
  const seen = [
    [a, b],
    [b, a],
  ].map((order) => {
    const env = new TypeEnv();
    for (const f of order) env.add(f);
    return [
      env.field('struct hw', 'ops')?.type.base,
      env.typedefs.get('hw_t')?.base,
      env.returnType('hw_of')?.base,
      env.returnType('hw_get')?.base,
    ];
  });
  assert.deepEqual(seen[0], seen[1]);
  assert.deepEqual(seen[0], ['struct a_ops', 'struct a_ops', 'struct a_ops', 'struct a_ops']);
  // Taking the winning file out hands every name to the other definition.
  const env = new TypeEnv();
  env.add(a);
  env.add(b);
  env.remove(a);
  assert.deepEqual(
    [
      env.field('struct hw', 'ops')?.type.base,
      env.typedefs.get('hw_t')?.base,
      env.returnType('hw_of')?.base,
      env.returnType('hw_get')?.base,
    ],
    ['struct b_ops', 'struct b_ops', 'struct b_ops', 'struct b_ops'],
  );
});

test('answers do not depend on the order files arrive in (parser threads finish in any order)', async () => {
  const answers = (ix: KernelIndex): string[] =>
    [...ix.files.keys()].sort().flatMap((rel) =>
      ix.sitesIn(rel).map((s) => {
        const targets = ix.targetsOf(s).map((t) => `${t.fn.name} <- ${t.evidence.map((e) => `${e.file}:${e.line}:${e.how}`).join(' ')}`);
        return `${rel}:${s.site.line} ${s.slot ?? s.unresolved} => ${targets.join(' | ')}`;
      }),
    );
  // shared_run is stored into ev_ops.run from four files, none nearer to it than another: the order
  // of its evidence is the order of the files.
  const root = path.join(__dirname, '..', 'fixtures', 'evidenceorder');
  const inOrder = (await buildIndex(root, { noCache: true, threads: 1 })).index;
  const facts = (await buildIndex(root, { noCache: true, threads: 1 })).index.files;
  const reversed = new KernelIndex(root);
  for (const rel of [...facts.keys()].sort().reverse()) reversed.setFile(facts.get(rel)!);
  const a = answers(inOrder);
  assert.match(a.join('\n'), /shared_run <- (drivers\/ev\/\w+\.c:\d+:init ){3}drivers\/ev\/\w+\.c:\d+:init/, 'four stores as evidence');
  assert.deepEqual(answers(reversed), a);
});
