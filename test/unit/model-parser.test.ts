// The packetdrill parser: times, packets, options, multi-line system calls, and syntax errors
// that name their line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript } from '../../server/model/packetdrill/parse';
import { PktSyntaxError, PacketEvent, SyscallEvent } from '../../server/model/packetdrill/ast';

test('preamble commands, relative/absolute/ranged/blocking times', () => {
  const s = parseScript(
    [
      '`./defaults.sh',
      'sysctl -q net.ipv4.tcp_tso_win_divisor=100`',
      '// a comment',
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
      '+.1 listen(3, 1) = 0',
      '1.5 close(3) = 0',
      '+.3~+.310 > . 26000:26000(0) ack 1',
      '+0...0 connect(4, ..., ...) = 0',
      '* > S. 0:0(0) ack 1',
    ].join('\n'),
  );
  assert.equal(s.preamble.length, 1);
  assert.match(s.preamble[0].text, /tcp_tso_win_divisor=100/);
  assert.deepEqual(
    s.events.map((e) => e.time.start),
    [
      { kind: 'absolute', seconds: 0 },
      { kind: 'relative', seconds: 0.1 },
      { kind: 'absolute', seconds: 1.5 },
      { kind: 'relative', seconds: 0.3 },
      { kind: 'relative', seconds: 0 },
      { kind: 'any', seconds: 0 },
    ],
  );
  assert.deepEqual(s.events[3].time.rangeEnd, { kind: 'relative', seconds: 0.31 });
  assert.deepEqual(s.events[4].time.blockingEnd, { kind: 'absolute', seconds: 0 });
  assert.deepEqual(
    s.events.map((e) => e.line),
    [4, 5, 6, 7, 8, 9],
  );
});

test('packets: flags, ranges, ack, win and every option kind', () => {
  const s = parseScript(
    [
      '+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>',
      '+0 > P. 1:10001(10000) ack 1',
      '+0 < S. 123:123(0) ack 1 win 14600 <mss 940,TS val 2000 ecr 1000,sackOK,nop,wscale 6, FO abcd1234,nop,nop>',
      '+0 < . 1:1(0) ack 1 win 514 <md5 000102030405060708090a0b0c0d0e0f,nop,nop>',
      '+0 > F. 1:1(0) ack 1 <...>',
      '+0 < . 1:1(0) ack 1 win 257 <sack 1001:2001 3001:4001,foo 3>',
    ].join('\n'),
  );
  const [syn, data, synack, md5, fin, sack] = s.events as PacketEvent[];
  assert.equal(syn.direction, 'in');
  assert.equal(syn.flags, 'S');
  assert.equal(syn.ackFlag, false);
  assert.equal(syn.win, 32792);
  assert.deepEqual(syn.options, [
    { kind: 'mss', value: 1000 },
    { kind: 'sackOK' },
    { kind: 'nop' },
    { kind: 'nop' },
    { kind: 'nop' },
    { kind: 'wscale', value: 7 },
  ]);
  assert.equal(data.direction, 'out');
  assert.equal(data.flags, 'P');
  assert.equal(data.ackFlag, true);
  assert.deepEqual(data.seq, { start: 1, end: 10001, len: 10000 });
  assert.equal(data.ack, 1);
  assert.equal(data.options, undefined);
  assert.deepEqual(synack.options && synack.options !== 'any' ? synack.options.slice(1, 2) : [], [{ kind: 'TS', val: 2000, ecr: 1000 }]);
  assert.deepEqual(synack.options !== 'any' && synack.options?.[5], { kind: 'FO', cookie: 'abcd1234' });
  assert.deepEqual(md5.options !== 'any' && md5.options?.[0], { kind: 'md5', hex: '000102030405060708090a0b0c0d0e0f' });
  assert.equal(fin.options, 'any');
  assert.deepEqual(sack.options !== 'any' && sack.options?.[0], {
    kind: 'sack',
    blocks: [
      [1001, 2001],
      [3001, 4001],
    ],
  });
  assert.deepEqual(sack.options !== 'any' && sack.options?.[1], { kind: 'unknown', text: 'foo 3' });
});

test('system calls: flags, arrays, multi-line structs and errno results', () => {
  const s = parseScript(
    [
      '+0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [200000], 4) = 0',
      '+0 sendto(3, ..., 500, MSG_FASTOPEN|MSG_ZEROCOPY, ..., ...) = -1 EINPROGRESS (Operation now in progress)',
      '+0 sendmsg(4, {msg_name(...)=...,',
      '      msg_iov(2)=[{..., 1}, {..., 7}],',
      '      msg_flags=0}, MSG_ZEROCOPY) = 8',
      '+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)',
    ].join('\n'),
  );
  const [sso, sendto, sendmsg, fcntl] = s.events as SyscallEvent[];
  assert.deepEqual(sso.args[3], { t: 'array', items: [{ t: 'num', v: 200000 }] });
  assert.deepEqual(sendto.args[3], {
    t: 'or',
    items: [
      { t: 'id', v: 'MSG_FASTOPEN' },
      { t: 'id', v: 'MSG_ZEROCOPY' },
    ],
  });
  assert.equal(sendto.result, -1);
  assert.equal(sendto.errno, 'EINPROGRESS');
  assert.equal(sendmsg.line, 3);
  assert.equal(sendmsg.result, 8);
  const msg = sendmsg.args[1];
  assert.equal(msg.t, 'struct');
  const iov = msg.t === 'struct' ? msg.fields.find((f) => f.name === 'msg_iov(2)') : undefined;
  assert.equal(iov?.value.t === 'array' && iov.value.items.length, 2);
  assert.equal(fcntl.result, 2);
});

test('option lines, spaced blocking times, ECN marks and non-TCP packets', () => {
  const s = parseScript(
    [
      '--tolerance_usecs=20000',
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4',
      '+.002 ... 0.052 connect(4, ..., ...) = 0',
      '+.002 > [noecn] SEWA 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>',
      '+.002 > [ect0] P.6 1:101(100) ack 1 <ECN e1b 1 ceb 0 e0b 1,nop>',
      '+.1 < icmp unreachable CODE',
      '+0 < (tos 0x3) . 1:1(0) ack 101 win 100',
      '+0 > [ect01] . 101:201(100) ack 1',
      '+0 > [flowlabel 0x1] . 201:301(100) ack 1',
    ].join('\n'),
  );
  assert.deepEqual(s.options, { tolerance_usecs: '20000' });
  assert.deepEqual((s.events[5] as PacketEvent).tos, { check: 'tos', tos: 3 });
  assert.deepEqual((s.events[6] as PacketEvent).tos, { check: 'ect01' });
  assert.deepEqual((s.events[7] as PacketEvent).unsupported, ["IP header spec 'flowlabel 0x1'"]);
  assert.throws(() => parseScript('0 < [ect01] . 1:1(0) ack 1 win 100'), /ect01/);
  assert.deepEqual(s.events[1].time.blockingEnd, { kind: 'absolute', seconds: 0.052 });
  const syn = s.events[2] as PacketEvent;
  assert.equal(syn.flags, 'SEW');
  assert.deepEqual(syn.unsupported, ["AccECN flags 'SEWA'"]);
  assert.deepEqual(syn.tos, { check: 'ecn', ecn: 0 });
  const data = s.events[3] as PacketEvent;
  assert.equal(data.flags, 'P');
  assert.equal(data.ackFlag, true);
  assert.deepEqual(data.tos, { check: 'ecn', ecn: 2 });
  assert.deepEqual(s.events[4], {
    type: 'otherPacket',
    line: 6,
    time: { start: { kind: 'relative', seconds: 0.1 } },
    direction: 'in',
    what: 'icmp unreachable',
    // An unknown code name is code 0, as in packetdrill; no echoed header quotes seq 0.
    // Under --ip_version=ipv6 the names are ICMPv6 ones, where an unknown code is an error.
    icmp: { v4: { type: 3, code: 0 }, echoedSeq: 0 },
  });
  const frag = parseScript('0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]').events[0];
  assert.deepEqual(frag.type === 'otherPacket' && frag.icmp, { v4: { type: 3, code: 4 }, mtu: 1200, echoedSeq: 1 });
  const tooBig = parseScript('0 < icmp packet_too_big mtu 1280 [1:1441(1440)]').events[0];
  assert.deepEqual(tooBig.type === 'otherPacket' && tooBig.icmp, { v6: { type: 2, code: 0 }, mtu: 1280, echoedSeq: 1 });
});

test('python blocks and timed backtick commands are events', () => {
  const s = parseScript(
    [
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
      '+0 %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd }%',
      '+.07 `sysctl -q net.ipv4.tcp_timestamps=0`',
    ].join('\n'),
  );
  assert.equal(s.events[1].type, 'python');
  assert.equal(s.events[2].type, 'command');
  assert.equal(s.events[2].type === 'command' && s.events[2].text, 'sysctl -q net.ipv4.tcp_timestamps=0');
});

function syntaxError(src: string): PktSyntaxError {
  try {
    parseScript(src);
  } catch (e) {
    if (e instanceof PktSyntaxError) return e;
    throw e;
  }
  assert.fail('expected a syntax error');
}

test('syntax errors carry the script line', () => {
  assert.equal(syntaxError('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\n+0 > X 1:1(0)').line, 3);
  assert.equal(syntaxError('0 listen(3, 1) = 0\n+0 > P. 1:10(10) ack 1').line, 2); // 1:10 is 9 bytes
  assert.equal(syntaxError('0 listen(3, 1) = 0\n+0 write(4, ..., 10)').line, 2); // no result
  assert.equal(syntaxError('0 listen(3, 1) = 0\n\n`sysctl -q a=1').line, 3);
  assert.equal(syntaxError('0 listen(3, 1) = 0\nhello world').line, 2);
  assert.match(syntaxError('+0 < S 0:0(0) win 1 <mss 1000').message, /^line 1: unterminated TCP option list/);
});

test('hostile scripts: deep brackets and absolute times going backwards are errors with their line', () => {
  const deep = `0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, ${'['.repeat(5000)}1${']'.repeat(5000)}, 4) = 0`;
  assert.match(syntaxError(`0 listen(3, 1) = 0\n${deep}`).message, /^line 2: brackets nested 5000 deep in setsockopt\(\)/);
  const arr = (d: number): string => `${'['.repeat(d)}1${']'.repeat(d)}`;
  assert.equal(parseScript(`0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, ${arr(8)}, 4) = 0`).events.length, 1);
  // packetdrill compares an absolute time only with an absolute time before it.
  assert.match(
    syntaxError('0 listen(3, 1) = 0\n1 close(3) = 0\n0.5 close(4) = 0').message,
    /^line 3: time goes backward in script from 1 s \(line 2\) to 0.5 s/,
  );
  assert.equal(parseScript('0 listen(3, 1) = 0\n+1 close(3) = 0\n0.5 close(4) = 0').events.length, 3);
});

test("packetdrill's `-`: a segment with no flags", () => {
  const pkt = parseScript('+0 < - 1:11(10) win 100').events[0] as PacketEvent;
  assert.equal(pkt.flags, '');
  assert.equal(pkt.ackFlag, false);
  assert.equal(syntaxError('+0 < -S 1:11(10) win 100').line, 1);
});

test('strings are one token everywhere: `=`, `,` and brackets inside them are not syntax', () => {
  const s = parseScript(
    [
      '0 setsockopt(3, SOL_SOCKET, SO_X, {"a=b"}, 4) = 0',
      '+0 setsockopt(3, SOL_TCP, TCP_CONGESTION, "cu\\",bic)", 5) = 0',
      '+0 sendmsg(4, {msg_name("a,b=c")=..., msg_iov(1)=[{..., 10}]}, 0) = 10',
    ].join('\n'),
  );
  const args = s.events.map((e) => (e as SyscallEvent).args);
  assert.deepEqual(args[0][3], { t: 'struct', fields: [{ value: { t: 'str', v: 'a=b' } }] });
  assert.equal(args[1].length, 5, 'the escaped quote does not end the string');
  assert.deepEqual(args[1][3], { t: 'str', v: 'cu\\",bic)' });
  const msg = args[2][1];
  assert.ok(msg.t === 'struct');
  assert.deepEqual(
    msg.fields.map((f) => f.name),
    ['msg_name("a,b=c")', 'msg_iov(1)'],
  );
});

test('-D defines replace words outside commands and strings; FOEXP is the experimental Fast Open option', () => {
  const s = parseScript(
    [
      '--define=LEN=10',
      '0 `echo TFO_COOKIE`',
      '+0 < S 0:LEN(LEN) win 100 <mss 1460,FOEXP TFO_COOKIE>',
      '+0 setsockopt(3, SOL_TCP, TCP_CONGESTION, "TFO_COOKIE", 10) = 0',
    ].join('\n'),
    { TFO_COOKIE: '3021b9d889017eeb' },
  );
  assert.deepEqual(s.events[0].type === 'command' && s.events[0].text, 'echo TFO_COOKIE');
  const pkt = s.events[1] as PacketEvent;
  assert.deepEqual(pkt.seq, { start: 0, end: 10, len: 10 });
  assert.deepEqual(pkt.options, [
    { kind: 'mss', value: 1460 },
    { kind: 'FO', cookie: '3021b9d889017eeb', exp: true },
  ]);
  assert.deepEqual((s.events[2] as SyscallEvent).args[3], { t: 'str', v: 'TFO_COOKIE' });
  assert.deepEqual(s.options, {});
});

test('statements end by the grammar: option lists, ack/win and results may sit on the next line', () => {
  const s = parseScript(
    [
      '--tolerance_usecs=20000 --ip_version=ipv4',
      '--mtu=1500',
      '0 < S 0:0(0) win 65535',
      '     <mss 1000,sackOK>',
      '+0 > (ttl 64) S. 0:0(0)',
      '     ack 1 <mss 1460>',
      '+0 write(4, ..., 10)',
      '     = 10',
      '+0 > 8080>4000 P. 1:11(10) ack 1',
    ].join('\n'),
  );
  assert.deepEqual(s.options, { tolerance_usecs: '20000', ip_version: 'ipv4', mtu: '1500' });
  assert.deepEqual(s.optionLines, { tolerance_usecs: 1, ip_version: 1, mtu: 2 });
  assert.equal(s.events.length, 4);
  const syn = s.events[0] as PacketEvent;
  assert.deepEqual([syn.line, syn.win, syn.options], [3, 65535, [{ kind: 'mss', value: 1000 }, { kind: 'sackOK' }]]);
  const synack = s.events[1] as PacketEvent;
  assert.deepEqual([synack.line, synack.ack, synack.tos], [5, 1, { check: 'ttl', ttl: 64 }]);
  assert.deepEqual([s.events[2].line, (s.events[2] as SyscallEvent).result], [7, 10]);
  const ported = s.events[3] as PacketEvent;
  assert.deepEqual([ported.seq.len, ported.unsupported], [10, ['ports 8080>4000']]);
});

test("packetdrill's `+` is a token of its own: blanks may follow it in a relative time", () => {
  const s = parseScript(['0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3', '+ 0 listen(3, 1) = 0', '+ .1~+ .2 close(3) = 0'].join('\n'));
  assert.deepEqual(s.events[1].time.start, { kind: 'relative', seconds: 0 });
  assert.deepEqual(s.events[2].time.start, { kind: 'relative', seconds: 0.1 });
  assert.deepEqual(s.events[2].time.rangeEnd, { kind: 'relative', seconds: 0.2 });
});
