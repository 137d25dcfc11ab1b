// Slot keys read back as the slots that wrote them, whatever the file names of static functions
// and anonymous structs hold ('.', ':', '@'), and are described for a person by what they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSlot, parseSlot, slotKey, type Slot } from '../../server/resolve/slot';

const slots: Slot[] = [
  { kind: 'field', struct: 'proto_ops', members: ['sendmsg'] },
  { kind: 'field', struct: 'packet_offload', members: ['callbacks', 'gro_receive'] },
  { kind: 'field', struct: '<anon:drivers/net/x.c:12:0>', members: ['cb'] },
  { kind: 'field', struct: 'outer::inner', members: ['f'] },
  { kind: 'param', fn: 'NF_HOOK', index: 6 },
  { kind: 'param', fn: 'ip_rcv_finish@net/ipv4/ip_input.c', index: 2 },
  { kind: 'local', fn: 'run@net/x.c', name: 'fn' },
  { kind: 'local', fn: 'run', name: 'fn' },
  { kind: 'global', id: 'ops@drivers/net/a.b.c' },
  { kind: 'global', id: '__SCK__kvm_x86_vcpu_run' },
  { kind: 'arg', of: { kind: 'field', struct: 'dsa_switch_ops', members: ['port_fdb_dump'] }, index: 2 },
  { kind: 'arg', of: { kind: 'local', fn: 'run@net/x.c', name: 'fn' }, index: 0 },
  { kind: 'arg', of: { kind: 'param', fn: 'walk@fs/a.c', index: 1 }, index: 3 },
  { kind: 'extern', name: 'vmbus_request_addr' },
];

test('every kind of slot reads back from its key', () => {
  for (const s of slots) assert.deepEqual(parseSlot(slotKey(s)), s, slotKey(s));
});

test('what no slot is reads back as nothing', () => {
  for (const key of ['', 'sendmsg', 'a.b c', '#1']) assert.equal(parseSlot(key), undefined, key);
});

test('a slot is described by what it is, with file names left out', () => {
  assert.equal(describeSlot('run@net/x.c:fn'), 'local `fn` of `run`');
  assert.equal(describeSlot('ip_rcv_finish@net/ipv4/ip_input.c#2'), 'parameter 3 of `ip_rcv_finish`');
  assert.equal(describeSlot('G:ops@drivers/net/a.b.c'), 'global `ops`');
  assert.equal(describeSlot('dsa_switch_ops.port_fdb_dump#2'), 'argument 3 of the calls through `dsa_switch_ops.port_fdb_dump`');
  assert.equal(describeSlot('<anon:drivers/net/x.c:12:0>.cb'), '`<anon:drivers/net/x.c:12:0>.cb`');
});
