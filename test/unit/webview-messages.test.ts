// What the panel's webview posts is data from another process: a message is taken only when its
// whole shape is right, and an `open` names a file of the tree or nothing (the host logs and drops
// the rest), so that a message cannot open any file on disk or throw in a promise no one awaits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFromWebview, whyNotFromWebview } from '../../media/messages';
import { fileInTree, insideTree } from '../../server/treePath';
import { fn } from './webview-fixture';

const evidence = { file: 'net/ipv4/tcp_ipv4.c', line: 3505, col: 2, how: 'init', slot: 'proto.sendmsg' };

test('every well-formed message is taken, with the extra fields a FunctionRef or Evidence carries', () => {
  for (const m of [
    { type: 'ready' },
    { type: 'listScripts' },
    { type: 'open', location: fn('tcp_sendmsg', 'net/ipv4/tcp.c', 1353) },
    { type: 'open', location: evidence },
    { type: 'switch', hop: 3, through: 'udp_sendmsg' },
    { type: 'switch', hop: 4, through: 'udp_recvmsg', leg: 1 },
    { type: 'query', query: { kind: 'recv', params: { family: 'ipv6', branches: { netfilter: 'hooks' } } } },
    { type: 'query', query: { kind: 'send', params: { branches: { qdisc: 'noqueue', netfilter: 'none' } } } },
    { type: 'query', query: { kind: 'send', params: {} } },
    { type: 'query', query: { kind: 'send', params: { family: 'ipv6', through: ['inet6_sendmsg'] } } },
    { type: 'query', query: { kind: 'call', params: { from: '__sys_sendto', to: 'dev_queue_xmit', via: ['tcp_sendmsg'] } } },
    { type: 'readScript', name: 'tcp_slow_start_slow-start-ack-per-1pkt.pkt' },
    { type: 'openStep', fn: '__tcp_transmit_skb' },
  ])
    assert.equal(whyNotFromWebview(m), undefined, JSON.stringify(m));
});

test('a message is checked whole, not by its type alone', () => {
  const bad: [unknown, RegExp][] = [
    [{ type: 'open' }, /no location/],
    [{ type: 'openStep' }, /needs a function name/],
    [{ type: 'openStep', fn: 'net/ipv4/tcp.c' }, /needs a function name/],
    [{ type: 'openStep', fn: 'a(b' }, /needs a function name/],
    [{ type: 'open', location: null }, /no location/],
    [{ type: 'open', location: { line: 1, col: 0 } }, /no file/],
    [{ type: 'open', location: { file: 42, line: 1, col: 0 } }, /no file/],
    [{ type: 'open', location: { file: 'net/x.c', line: -1, col: 0 } }, /whole numbers/],
    [{ type: 'open', location: { file: 'net/x.c', line: 1.5, col: 0 } }, /whole numbers/],
    [{ type: 'open', location: { file: 'net/x.c', line: 1, col: '0' } }, /whole numbers/],
    [{ type: 'open', location: { file: 'net/x.c', line: 1, col: 0, name: {} } }, /name must be a string/],
    [{ type: 'switch', hop: '3', through: 'x' }, /hop number/],
    [{ type: 'switch', hop: 3 }, /function name/],
    [{ type: 'query' }, /no query/],
    [{ type: 'query', query: { kind: 'exec', params: {} } }, /kind must be send, recv or call/],
    [{ type: 'query', query: { kind: 'recv', params: { family: 'ipv5' } } }, /family/],
    [{ type: 'query', query: { kind: 'send', params: { branches: ['qdisc'] } } }, /branches must map/],
    [{ type: 'query', query: { kind: 'recv', params: { branches: { netfilter: 1 } } } }, /branches must map/],
    [{ type: 'query', query: { kind: 'send', params: { branches: { '': 'hooks' } } } }, /branches must map/],
    [{ type: 'switch', hop: 1, through: 'udp_sendmsg', leg: 2 }, /leg must be 0 or 1/],
    [{ type: 'switch', hop: 1, through: 'udp_sendmsg', leg: '1' }, /leg must be 0 or 1/],
    [{ type: 'query', query: { kind: 'send', params: { family: 'ipv5' } } }, /family/],
    [{ type: 'query', query: { kind: 'send', params: { through: 'tcp_sendmsg' } } }, /through must be a list/],
    [{ type: 'query', query: { kind: 'call', params: { from: 'a' } } }, /needs from and to/],
    [{ type: 'readScript' }, /needs a name/],
    [{ type: 'exec', command: 'rm -rf /' }, /unknown type "exec"/],
    [['ready'], /not an object/],
    [null, /not an object/],
    ['ready', /not an object/],
  ];
  for (const [m, why] of bad) {
    assert.equal(isFromWebview(m), false, JSON.stringify(m));
    assert.match(whyNotFromWebview(m)!, why, JSON.stringify(m));
  }
});

test('an open names a file of the tree: relative without .., or absolute inside the root; nothing else', () => {
  const root = '/src/linux';
  assert.equal(fileInTree(root, 'net/ipv4/tcp.c'), 'net/ipv4/tcp.c');
  assert.equal(fileInTree(root, './net//ipv4/tcp.c'), 'net/ipv4/tcp.c');
  assert.equal(fileInTree(root, '/src/linux/net/ipv4/tcp.c'), 'net/ipv4/tcp.c');
  for (const outside of [
    '../../etc/passwd',
    'net/../../x.c',
    '/etc/passwd',
    '/src/linux-other/x.c',
    '/src/linux/../x.c',
    '/src/linux',
    'javascript:alert(1)',
    'command:workbench.action.terminal.new',
    'file:///etc/passwd',
    'http://evil.example/x',
    'C:/x.c',
    'net\\x.c',
    'net/x\u0000.c',
    '/src/linux/x\u0000.c',
    '',
  ]) {
    assert.equal(fileInTree(root, outside), undefined, outside);
  }
  assert.equal(insideTree(root, '/src/linux/..foo/x.c'), '..foo/x.c', 'a name starting with two dots is still inside');
});
