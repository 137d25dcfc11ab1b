// The rows of "kpath: Show Targets of Indirect Call" (extension/features/targetRows.ts) from the
// server's answer at `READ_ONCE(sock->ops)->sendmsg` in sock_sendmsg_nosec (positions from 6.12):
// the server's order is kept, the configuration's build state is on each row, and what it does not
// compile waits behind the last row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Built, Evidence, IndirectTargets } from '../../server/protocol';
import { storedAt, targetList } from '../../extension/features/targetRows';

const init = (file: string, line1: number): Evidence => ({ file, line: line1 - 1, col: 1, how: 'init', slot: 'proto_ops.sendmsg' });
const hintEv: Evidence = { file: 'net/socket.c', line: 711, col: 12, how: 'hint', slot: 'INDIRECT_CALL_INET' };

function target(
  name: string,
  file: string,
  line1: number,
  hint: boolean,
  evidence: Evidence[],
  built?: Built,
  module?: string,
  builtWhy?: string,
): IndirectTargets['targets'][number] {
  return {
    fn: {
      id: name,
      name,
      file,
      line: line1 - 1,
      col: 4,
      ...(built ? { built } : {}),
      ...(module ? { module } : {}),
      ...(builtWhy ? { builtWhy } : {}),
    },
    hint,
    evidence,
  };
}

/** As the server answers with Debian's amd64 config when `config` is set, else for every configuration. */
function answer(config: boolean): IndirectTargets {
  const b = <T>(x: T) => (config ? x : undefined);
  return {
    site: { file: 'net/socket.c', line: 711, col: 43, ...(config ? { built: 'y' as const } : {}) },
    slot: 'proto_ops.sendmsg',
    receiverType: 'struct proto_ops',
    targets: [
      target(
        'inet6_sendmsg',
        'net/ipv6/af_inet6.c',
        649,
        true,
        [hintEv, init('net/ipv6/af_inet6.c', 701), init('net/ipv6/af_inet6.c', 735)],
        b('y'),
      ),
      target('inet_sendmsg', 'net/ipv4/af_inet.c', 844, true, [hintEv, init('net/ipv4/af_inet.c', 1068)], b('y')),
      target(
        'rxrpc_sendmsg',
        'net/rxrpc/af_rxrpc.c',
        578,
        false,
        [init('net/rxrpc/af_rxrpc.c', 1006)],
        b('n'),
        undefined,
        b('net/Makefile: obj-$(CONFIG_AF_RXRPC) (not set)'),
      ),
      target('smc_sendmsg', 'net/smc/af_smc.c', 2807, false, [init('net/smc/af_smc.c', 3357)], b('m'), b('smc')),
    ],
  };
}

const names = (rows: ReturnType<typeof targetList>['rows']) =>
  rows.map((r) => (r.kind === 'target' ? r.target.fn.name : `[${r.kind}] ${r.label}`));

test("with a config: hints first in the server's order, the build state on each row, the rest behind the last row", () => {
  const list = targetList(answer(true), 'config.amd64_none_amd64', false);
  assert.equal(list.title, 'proto_ops.sendmsg — 3 of 4 targets in config.amd64_none_amd64');
  assert.deepEqual(names(list.rows), [
    'inet6_sendmsg',
    'inet_sendmsg',
    'smc_sendmsg',
    '[separator] ',
    '[more] $(eye) Show 1 more not compiled in config.amd64_none_amd64…',
  ]);
  const [inet6, , smc] = list.rows;
  assert.deepEqual(inet6, {
    ...inet6,
    label: '$(star-full) inet6_sendmsg',
    description: 'hint · y · net/ipv6/af_inet6.c:649',
    detail: 'init proto_ops.sendmsg at net/ipv6/af_inet6.c:701 (+1 more)',
  });
  assert.deepEqual(smc, {
    ...smc,
    label: '$(symbol-function) smc_sendmsg',
    description: 'm smc · net/smc/af_smc.c:2807',
    detail: 'init proto_ops.sendmsg at net/smc/af_smc.c:3357',
  });
  assert.equal(list.notCompiled, 1);
});

test('revealed, the targets the config does not compile come last, under a separator, with why', () => {
  const list = targetList(answer(true), 'config.amd64_none_amd64', true);
  assert.deepEqual(names(list.rows), [
    'inet6_sendmsg',
    'inet_sendmsg',
    'smc_sendmsg',
    '[separator] not compiled in config.amd64_none_amd64',
    'rxrpc_sendmsg',
  ]);
  const rx = list.rows[4];
  assert.equal(rx.kind === 'target' && rx.description, 'n · net/rxrpc/af_rxrpc.c:578');
  assert.equal(rx.kind === 'target' && rx.detail, 'not compiled: net/Makefile: obj-$(CONFIG_AF_RXRPC) (not set)');
});

test("without a config every target is listed in the server's order, with no build state", () => {
  const list = targetList(answer(false), undefined, false);
  assert.equal(list.title, 'proto_ops.sendmsg — 4 targets');
  assert.deepEqual(names(list.rows), ['inet6_sendmsg', 'inet_sendmsg', 'rxrpc_sendmsg', 'smc_sendmsg']);
  assert.equal(list.rows[2].kind === 'target' && list.rows[2].description, 'net/rxrpc/af_rxrpc.c:578');
});

test('a call the config does not compile says so in the placeholder', () => {
  const a = answer(true);
  a.site = { ...a.site, built: 'n', builtWhy: 'net/socket.c:700: #ifdef CONFIG_FOO' };
  assert.equal(targetList(a, 'cfg', false).placeholder, 'This call is not compiled in cfg: net/socket.c:700: #ifdef CONFIG_FOO');
});

test('where a target was stored: the first store that is not the hint, with the function it sits in', () => {
  const t = target('f', 'a.c', 1, true, [hintEv, { file: 'net/x.c', line: 9, col: 2, how: 'assign', slot: 'G:ops', in: 'x_init' }]);
  assert.equal(storedAt(t), 'assign G:ops at net/x.c:10 in x_init');
  assert.equal(storedAt(target('g', 'a.c', 1, true, [hintEv])), 'hint INDIRECT_CALL_INET at net/socket.c:712');
});
