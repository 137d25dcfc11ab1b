// Rules of the transmit model, each checked against what the kernel function does, plus the
// runner on our own scripts (test/fixtures/pkt) and how it reports what it does not model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Host } from '../../server/model/tcp/host';
import { createSock } from '../../server/model/tcp/sock';
import { tcp_cwnd_test, tcp_nagle_check, tcp_tso_autosize, tcp_tso_should_defer } from '../../server/model/tcp/output';
import { tcp_xmit_size_goal } from '../../server/model/tcp/sendmsg';
import { icsk_ca_ops, cubictcp_cong_avoid, tcp_cwnd_restart, tcp_is_cwnd_limited, tcp_reno_cong_avoid } from '../../server/model/tcp/cong';
import { jiffiesTimerDelayUs, TCP_NAGLE_CORK, TCP_NAGLE_OFF } from '../../server/model/tcp/constants';
import { Skb, TcpSock, truesizeFor } from '../../server/model/tcp/types';
import { parseScript } from '../../server/model/packetdrill/parse';
import { runScript, type RunResult } from '../../server/model/runner';

const PKT = path.join(__dirname, '..', 'fixtures', 'pkt');

function established(h: Host): TcpSock {
  const sk = createSock(h, 4);
  sk.state = 'ESTABLISHED';
  sk.mssCache = 1000;
  sk.sndWnd = 64000;
  sk.maxWindow = 64000;
  sk.sndUna = sk.sndNxt = sk.writeSeq = 1;
  return sk;
}

function skb(seq: number, len: number, pcount = Math.ceil(len / 1000)): Skb {
  return { id: seq, seq, endSeq: seq + len, flags: 0x10, eor: false, zerocopy: false, frags: 1, truesize: truesizeFor(len), pcount };
}

test('tcp_cwnd_test allows at most half the cwnd per TSO packet', () => {
  const h = new Host();
  const sk = established(h);
  assert.equal(tcp_cwnd_test(sk), 5); // cwnd 10, nothing in flight
  sk.rtxQueue.push(skb(1, 8000));
  assert.equal(tcp_cwnd_test(sk), 2); // 8 in flight
  sk.rtxQueue.push(skb(8001, 2000));
  assert.equal(tcp_cwnd_test(sk), 0);
});

test('tcp_nagle_check: partial segments wait for cork, or for an unacked small segment', () => {
  const h = new Host();
  const sk = established(h);
  assert.equal(tcp_nagle_check(true, sk, TCP_NAGLE_CORK), true);
  assert.equal(tcp_nagle_check(false, sk, TCP_NAGLE_CORK), false);
  assert.equal(tcp_nagle_check(true, sk, 0), false); // nothing in flight
  sk.rtxQueue.push(skb(1, 100, 1));
  sk.sndNxt = 101;
  sk.sndSml = 101; // the segment in flight was small
  assert.equal(tcp_nagle_check(true, sk, 0), true);
  assert.equal(tcp_nagle_check(true, sk, TCP_NAGLE_OFF), false);
  sk.sndSml = 0; // only full-sized segments in flight: Minshall lets it go
  assert.equal(tcp_nagle_check(true, sk, 0), false);
});

test('tcp_tso_autosize follows the pacing rate, min RTT and tcp_min_tso_segs', () => {
  const h = new Host();
  const sk = established(h);
  assert.equal(tcp_tso_autosize(h, sk, 1000, 2), 65); // no pacing rate yet: the GSO limit
  sk.pacingRate = 200_000; // 195 bytes per ms
  sk.minRttUs = 100_000;
  assert.equal(tcp_tso_autosize(h, sk, 1000, 2), 2);
  assert.equal(tcp_tso_autosize(h, sk, 1000, 10), 10);
  sk.minRttUs = 600; // a close peer: 64 KB >> 1
  assert.equal(tcp_tso_autosize(h, sk, 1000, 2), 32);
});

test('tcp_tso_should_defer: sends after 1 ms idle, defers a small tail when an ACK is due', () => {
  const h = new Host();
  const sk = established(h);
  sk.srttUs = 8 * 100;
  const lim = { cwnd: false, rwnd: false };
  h.nowNs = 10e6;
  sk.wstampNs = 0; // last transmit long ago
  const tail = skb(5001, 3000);
  sk.writeQueue.push(tail);
  assert.equal(tcp_tso_should_defer(h, sk, tail, 65, lim), false);
  // just transmitted, 8 of 10 in flight, ACK due within srtt/2: wait for it
  sk.wstampNs = h.nowNs;
  const head = skb(1, 8000, 8);
  head.sentNs = h.nowNs - 50_000;
  sk.rtxQueue.push(head);
  h.sysctl.tcp_tso_win_divisor = 3;
  assert.equal(tcp_tso_should_defer(h, sk, tail, 65, lim), true);
  assert.equal(lim.cwnd, true);
  // ... unless tcp_tso_win_divisor says 2 segments are a big enough fraction
  h.sysctl.tcp_tso_win_divisor = 100;
  assert.equal(tcp_tso_should_defer(h, sk, tail, 65, { cwnd: false, rwnd: false }), false);
});

test('tcp_xmit_size_goal is half the largest peer window in whole MSS', () => {
  const h = new Host();
  const sk = established(h);
  sk.maxWindow = 32896;
  assert.equal(tcp_xmit_size_goal(h, sk, 1000, true), 16000);
  sk.maxWindow = 3000;
  assert.equal(tcp_xmit_size_goal(h, sk, 1000, true), 1000);
  assert.equal(tcp_xmit_size_goal(h, sk, 1000, false), 1000);
});

test('slow start grows only when cwnd-limited; Reno then adds one per cwnd acked', () => {
  const h = new Host();
  const sk = established(h);
  sk.maxPacketsOut = 5;
  assert.equal(tcp_is_cwnd_limited(sk), false);
  tcp_reno_cong_avoid(h, sk, 2);
  assert.equal(sk.cwnd, 10);
  sk.maxPacketsOut = 6;
  tcp_reno_cong_avoid(h, sk, 2);
  assert.equal(sk.cwnd, 12);
  sk.ssthresh = 12;
  sk.isCwndLimited = true;
  for (let k = 0; k < 11; k++) tcp_reno_cong_avoid(h, sk, 1);
  assert.equal(sk.cwnd, 12);
  tcp_reno_cong_avoid(h, sk, 1);
  assert.equal(sk.cwnd, 13);
});

test('CUBIC after a loss at 40: concave up to the old maximum, flat around K, then convex', () => {
  const h = new Host();
  const sk = established(h);
  sk.ssthresh = 20;
  sk.cwnd = 20;
  sk.isCwndLimited = true;
  sk.congestion.lastMaxCwnd = 40; // as after a loss at 40
  sk.congestion.delayMinUs = 100_000;
  const at: Record<number, number> = {};
  for (let ms = 0; ms <= 6000; ms += 10) {
    h.nowNs = ms * 1e6;
    cubictcp_cong_avoid(h, sk, 2);
    at[ms] = sk.cwnd;
  }
  // K = cbrt((40 - 20) / C) with C = 0.4: about 3.7 s to climb back to 40
  assert.ok(at[500] > 20 && at[500] < 35, `cwnd after 0.5 s: ${at[500]}`);
  assert.ok(at[500] - at[0] > at[2000] - at[1500], 'growth slows down while approaching the old maximum');
  assert.ok(at[3500] >= 39 && at[3500] <= 41, `near the old maximum at 3.5 s: ${at[3500]}`);
  // (on CUBIC's 250 Hz clock the curve reaches 44 at 6 s; the property is the regrowth)
  assert.ok(at[6000] >= at[3500] + 3, `past the plateau, cwnd grows again: ${at[3500]} at 3.5 s, ${at[6000]} at 6 s`);
});

test('HyStart: an ACK train longer than half the min RTT ends slow start', () => {
  const h = new Host();
  const sk = established(h);
  sk.cwnd = 20;
  sk.sndNxt = 20001;
  sk.congestion.delayMinUs = 10_000;
  for (let k = 0; k <= 6; k++) {
    h.nowNs = 1e9 + k * 1e6; // one ACK per ms
    sk.sndUna = 1 + 1000 * (k + 1);
    icsk_ca_ops(sk).pkts_acked?.(h, sk, 10_000); // cubictcp_acked
    if (k < 5) assert.equal(sk.congestion.found, false, `still in slow start after ${k} ms`);
  }
  assert.equal(sk.congestion.found, true);
  assert.equal(sk.ssthresh, 20);
});

test('HyStart: RTT samples clearly above the minimum end slow start; below low_window nothing', () => {
  const h = new Host();
  const sk = established(h);
  sk.cwnd = 20;
  sk.sndNxt = 20001;
  sk.congestion.delayMinUs = 10_000;
  for (let k = 0; k < 9; k++) {
    h.nowNs = 1e9 + k * 5e6; // spaced: no ACK train
    sk.sndUna = 1 + 1000 * (k + 1);
    icsk_ca_ops(sk).pkts_acked?.(h, sk, 30_000); // cubictcp_acked
  }
  assert.equal(sk.congestion.found, true);
  assert.equal(sk.ssthresh, 20);
  const small = established(new Host());
  small.congestion.delayMinUs = 10_000;
  for (let k = 0; k < 12; k++) icsk_ca_ops(small).pkts_acked?.(h, small, 30_000);
  assert.equal(small.congestion.found, false, 'cwnd 10 < hystart_low_window');
});

test('tcp_cwnd_restart halves cwnd per RTO of idleness, not below the initial window', () => {
  const h = new Host();
  const sk = established(h);
  sk.cwnd = 36;
  sk.rtoMs = 300;
  tcp_cwnd_restart(h, sk, 500); // more than one RTO, less than two: one halving
  assert.equal(sk.cwnd, 18);
  sk.cwnd = 36;
  tcp_cwnd_restart(h, sk, 3000);
  assert.equal(sk.cwnd, 10);
});

/** A passive open up to accept() (script lines 1-7), the SYN carrying `synOptions`. */
/** Each python assert of a run as [line, passed], in script order. */
function assertOutcomes(r: RunResult): [number, boolean][] {
  return r.asserts.map((a) => [a.line, a.ok]);
}

function accepted(synOptions: string): string[] {
  return [
    '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
    '+0 bind(3, ..., ...) = 0',
    '+0 listen(3, 1) = 0',
    `+0 < S 0:0(0) win 65535 <${synOptions}>`,
    '+0 > S. 0:0(0) ack 1 <...>',
    '+0 < . 1:1(0) ack 1 win 257',
    '+0 accept(3, ..., ...) = 4',
  ];
}

function run(name: string) {
  const file = path.join(PKT, name);
  return runScript(parseScript(fs.readFileSync(file, 'utf8')));
}

for (const name of fs.readdirSync(PKT).filter((n) => n.endsWith('.pkt'))) {
  test(`our script ${name}: every outbound packet and assert matches`, () => {
    const r = run(name);
    assert.ok(r.totals.outbound >= 3, 'script has outbound packets');
    const bad = r.outbound.filter((o) => !o.ok).map((o) => `line ${o.line} ${o.expected}: ${o.diffs.join('; ')}`);
    assert.deepEqual(bad, []);
    assert.deepEqual(
      r.asserts.filter((a) => !a.ok),
      [],
    );
    assert.deepEqual(
      r.syscalls.filter((c) => !c.ok),
      [],
    );
    assert.deepEqual(r.unsupported, []);
    assert.deepEqual(r.extra, [], 'no packet the script does not expect');
  });
}

test('a wrong expectation is reported with what the model sends instead', () => {
  const src = fs.readFileSync(path.join(PKT, 'nagle.pkt'), 'utf8').replace('> P. 101:301(200) ack 1', '> P. 101:201(100) ack 1');
  const r = runScript(parseScript(src));
  const failed = r.outbound.filter((o) => !o.ok);
  assert.equal(failed.length, 1);
  assert.match(failed[0].diffs.join(), /length 100 expected, model sends 200/);
});

test('Nagle hold and its release are explained in the step trace', () => {
  const r = run('nagle.pkt');
  const held = r.steps.find((s) => s.fn === 'tcp_nagle_test');
  assert.ok(held, 'a tcp_nagle_test step');
  assert.match(held.note, /held by Nagle/);
  const fns = new Set(r.steps.map((s) => s.fn));
  for (const fn of [
    'tcp_sendmsg_locked',
    'tcp_push',
    'tcp_write_xmit',
    '__tcp_transmit_skb',
    'ip_queue_xmit',
    'dev_hard_start_xmit',
    'tcp_ack',
  ])
    assert.ok(fns.has(fn), fn);
});

test('features the model lacks are reported as unsupported with their line', () => {
  const src = [
    '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
    '+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0',
    '+0 bind(3, ..., ...) = 0',
    '+0 listen(3, 1) = 0',
    '+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>',
    '+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>', // the live kernel's default tcp_rmem[2] (32 MB) gives wscale 10
    '+0 < . 1:1(0) ack 1 win 257',
    '+0 accept(3, ..., ...) = 4',
    '+0 getsockopt(4, SOL_TCP, TCP_INFO, ..., ...) = 0',
    '+0 %{ print(tcpi_rtt); import os }%',
    '+0 < icmp redirect [1:1(0)]',
    '+0 write(4, ..., 2000) = 2000',
    '+0 > P. 1:2001(2000) ack 1',
    '+.1 < . 1:1(0) ack 1 win 257 <sack 1001:2001,nop,nop>', // no SACK agreed: ignored, as tcp_parse_options does
    '+0 > icmp unreachable',
    '+0 < icmp unreachable [udp (10)]',
  ].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(
    r.unsupported.map((u) => `${u.what} at line ${u.line}`),
    [
      'getsockopt TCP_INFO at line 9',
      "python statement 'import os' at line 10",
      'ICMP redirect (do_redirect) at line 11',
      'outbound icmp unreachable packet at line 15',
      'inbound icmp unreachable packet at line 16',
    ],
  );
  assert.deepEqual(
    r.outbound.map((o) => o.ok),
    [true, true, false],
    'the outbound ICMP counts as not predicted',
  );
});

test('a sysctl the model does not read is reported with its line, unless its value changes nothing', () => {
  const src = [
    '`sysctl -q net.ipv4.tcp_min_rtt_wlen=0 net.ipv4.tcp_no_metrics_save=1',
    'sysctl -q net.ipv4.tcp_tw_reuse=2 # the live default',
    'echo 1 > /proc/sys/net/ipv4/tcp_plb_enabled',
    'sysctl -q net.ipv4.tcp_rto_min_us=50000; sysctl -q net.mptcp.enabled=1`',
    '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
  ].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(
    r.unsupported.map((u) => `${u.what} at line ${u.line}`),
    ['sysctl net.ipv4.tcp_min_rtt_wlen=0 (not modelled) at line 1', 'sysctl net.ipv4.tcp_plb_enabled=1 (not modelled) at line 3'],
  );
});

test('python blocks: integer operators, parentheses and the TCPI_OPT_* names, as packetdrill scripts write them', () => {
  const src = [
    ...accepted('mss 1000,sackOK,nop,nop,nop,wscale 7'),
    '+0 %{ assert (tcpi_options & TCPI_OPT_SACK) != 0, tcpi_options }%',
    '+0 %{ assert tcpi_options & (TCPI_OPT_SYN_DATA | TCPI_OPT_TIMESTAMPS) == 0 }%',
    '+0 %{ assert tcpi_options & TCPI_OPT_WSCALE }%',
    '+0 %{ assert (1 << 3) + 10 // 4 * -(~0) == 10 }%',
    '+0 %{ assert (tcpi_options & TCPI_OPT_SACK == 0 }%',
    `+0 %{ assert ${'('.repeat(5000)}1${')'.repeat(5000)} == 1 }%`,
  ].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(assertOutcomes(r), [
    [8, true],
    [9, true],
    [10, true],
    [11, true],
  ]);
  // An unclosed parenthesis is named, not guessed; 5,000 nested ones are refused, not recursed into.
  assert.deepEqual(r.unsupported, [
    { what: "python expression '(tcpi_options & TCPI_OPT_SACK'", line: 12 },
    { what: 'python expression nested deeper than 64 levels', line: 13 },
  ]);
});

test('python blocks: if/elif/else run the branch taken, by indentation', () => {
  const src = [
    ...accepted('mss 1000,sackOK,nop,nop,nop,wscale 7'),
    '+0 %{',
    'x = tcpi_snd_mss',
    'if x != 1000:',
    '    assert 0, "not taken"',
    'elif x == 1000:',
    '    assert x == 1000',
    '    if x > 2000: assert 0',
    'else:',
    '    assert 0',
    'assert x + 1 == 1001',
    '}%',
    '+0 %{',
    'else:',
    '    pass',
    '}%',
  ].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(
    r.asserts.map((a) => [a.text, a.ok]),
    [
      ['x == 1000', true],
      ['x + 1 == 1001', true],
    ],
  );
  assert.deepEqual(r.unsupported, [
    { what: "python statement 'if x > 2000: assert 0'", line: 8 },
    { what: "python 'else' without 'if'", line: 19 },
  ]);
});

test('header options that change the packets are unsupported with their line; harmless ones are notes', () => {
  const src = [
    '--tolerance_usecs=20000 --local_ip=192.168.0.1 --verbose',
    '--ip_version=ipv4-mapped-ipv6 --send_omit_free',
    ...accepted('mss 1000'),
  ].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(r.unsupported, [{ what: 'packetdrill option --send_omit_free', line: 2 }]);
  assert.deepEqual(
    r.notes.map((n) => n.what).filter((w) => w.startsWith('packetdrill option')),
    // --local_ip and --ip_version are modelled, so only --verbose is a note.
    ['packetdrill option --verbose not modelled'],
  );
});

test('--mtu=N is the tun device MTU: the SYN-ACK offers N - 40, before any preamble command runs', () => {
  const synackMss = (header: string): number | undefined => {
    const r = runScript(parseScript([header, ...accepted('mss 1460')].join('\n')));
    assert.deepEqual(r.unsupported, []);
    return r.packets.find((p) => p.direction === 'out')?.options.find((o) => o.kind === 'mss')?.value;
  };
  assert.equal(synackMss('--mtu=1400'), 1360);
  assert.equal(synackMss('--mtu=1500'), 1460);
});

test('a shell command that only reads is a note; one that may change TCP is unsupported with its line', () => {
  const src = [...accepted('mss 1000'), '+0 `echo hello; ip link show tun0`', '+0 `iptables -A OUTPUT -j DROP`'].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(r.unsupported, [{ what: 'shell command not modelled (iptables -A OUTPUT -j DROP)', line: 9 }]);
  assert.ok(r.notes.some((n) => n.what === 'shell command without effect on TCP: echo hello'));
});

test('--ip_version=ipv6: the 40-byte header lowers the MSS to 1440; an IPv4 --local_ip is unsupported', () => {
  const lines = ['--local_ip=192.168.0.1', ...accepted('mss 1460,nop,wscale 7'), '+0 %{ assert tcpi_snd_mss == 1440 }%'];
  const mssOf = (r: ReturnType<typeof runScript>): [number | undefined, boolean | undefined] => [
    r.packets.find((p) => p.direction === 'out')?.options.find((o) => o.kind === 'mss')?.value,
    r.asserts[0]?.ok,
  ];
  const v6 = runScript(parseScript(lines.join('\n')), { ipVersion: 'ipv6' });
  assert.deepEqual(v6.unsupported, [{ what: '--local_ip=192.168.0.1 (an IPv6 address, as --ip_version=ipv6 wants)', line: 1 }]);
  assert.deepEqual(mssOf(v6), [1440, true]);
  // A mapped socket sends IPv4: the MSS is IPv4's; the caller's (command-line) version wins over
  // the script's header line, as in packetdrill.
  const mapped = runScript(parseScript(['--ip_version=ipv6', ...lines].join('\n')), { ipVersion: 'ipv4-mapped-ipv6' });
  assert.deepEqual(mapped.unsupported, []);
  assert.deepEqual(mssOf(mapped), [1460, false]);
});

test('python blocks: `and`, `or`, `not` and chained comparisons are evaluated as Python does', () => {
  const src = [
    ...accepted('mss 1000,sackOK,nop,nop,nop,wscale 7'),
    '+0 %{ assert 500 < tcpi_snd_mss < 1500, tcpi_snd_mss }%',
    '+0 %{ assert 500 < tcpi_snd_mss < 900 }%',
    '+0 %{ assert tcpi_snd_wscale == 7 and tcpi_snd_mss == 1000 }%',
    '+0 %{ assert tcpi_unacked == 1 or not tcpi_state == TCP_LISTEN }%',
    '+0 %{ assert (tcpi_snd_mss == 1000) + (tcpi_snd_cwnd == 10) == 2 }%',
    '+0 %{ assert tcpi_snd_mss <= 1000 == 1 }%',
  ].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(assertOutcomes(r), [
    [8, true],
    [9, false],
    [10, true],
    [11, true],
    [12, true],
    // Python chains it: 1000 <= 1000 and 1000 == 1, which is false.
    [13, false],
  ]);
  assert.deepEqual(r.unsupported, []);
});

test('python blocks: variables persist across blocks, asserts compare tcp_info fields', () => {
  const src = [
    ...accepted('mss 1000,nop,wscale 7'),
    '+0 %{ cwnd = 8; cwnd += 2; assert tcpi_snd_cwnd == cwnd, tcpi_snd_cwnd }%',
    '+0 %{ assert tcpi_snd_mss >= 1000; assert tcpi_snd_cwnd != cwnd }%',
  ].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(assertOutcomes(r), [
    [8, true],
    [9, true],
    [9, false],
  ]);
  assert.deepEqual(r.unsupported, []);
});

test('blocking calls complete when the model gets there: read waits for data, accept for the handshake', () => {
  const src = [
    '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
    '+0 bind(3, ..., ...) = 0',
    '+0 listen(3, 1) = 0',
    '+0...0.100 accept(3, ..., ...) = 4',
    '+.1 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>',
    '+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>',
    '+0 < . 1:1(0) ack 1 win 257',
    '+0...0.100 read(4, ..., 2000) = 2000',
    '+.1 < P. 1:2001(2000) ack 1 win 257',
    '+0 > . 1:1(0) ack 2001',
  ].join('\n');
  const r = runScript(parseScript(src));
  assert.deepEqual(
    r.syscalls.filter((c) => c.call === 'accept' || c.call === 'read').map((c) => [c.call, c.got, c.ok]),
    [
      ['accept', '4', true],
      ['read', '2000', true],
    ],
  );
  assert.equal(r.totals.matched, 2);
  assert.deepEqual(r.unsupported, []);
});

test('TCP_LINGER2 above 60 s: the keepalive timer waits the excess, then a timewait socket waits the excess again', () => {
  // tcp_keepalive_timer hands the FIN_WAIT2 orphan to tcp_time_wait with tcp_fin_time - 60 s, so
  // 70 s makes 10 + 10 s, not 70 (checked live on 6.18: ACK at 19 s, RST at 20.5 s).
  const script = (at: string, reply: string) =>
    [
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
      '+0 setsockopt(3, SOL_TCP, TCP_CONGESTION, "cubic", 5) = 0',
      '+0 bind(3, ..., ...) = 0',
      '+0 listen(3, 1) = 0',
      '+0 < S 0:0(0) win 65535 <mss 1000,sackOK,nop,nop,nop,wscale 7>',
      '+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>',
      '+.1 < . 1:1(0) ack 1 win 257',
      '+0 accept(3, ..., ...) = 4',
      '+0 setsockopt(4, SOL_TCP, TCP_LINGER2, [70], 4) = 0',
      '+0 close(4) = 0',
      '+0 > F. 1:1(0) ack 1',
      '+.1 < . 1:1(0) ack 2 win 257',
      `+${at} < F. 1:1(0) ack 2 win 257`,
      `+0 > ${reply}`,
    ].join('\n');
  for (const [at, reply] of [
    ['19', '. 2:2(0) ack 2'],
    ['20.5', 'R 2:2(0)'],
  ]) {
    const r = runScript(parseScript(script(at, reply)));
    assert.deepEqual(r.unsupported, [], `FIN at +${at}`);
    // The SYN-ACK's window scale follows tcp_rmem, which this script leaves at the default.
    assert.deepEqual(
      r.outbound.slice(1).map((o) => o.ok),
      [true, true],
      `FIN at +${at}: ${reply}`,
    );
  }
});

test('timer wheel: a jiffies timer never runs early, and later the further out it is filed', () => {
  // At HZ 250 a tick is 4 ms. Armed at 1 ms past a tick: a 10-jiffy timer (level 0) runs one tick
  // after its expiry; a 100-jiffy one (level 1, 8-jiffy buckets) at the next multiple of 8 jiffies
  // past it; a 600-jiffy one (level 2, 64-jiffy buckets) at the next multiple of 64.
  const nowNs = 1e6;
  assert.equal(jiffiesTimerDelayUs(nowNs, 10), 11 * 4000 - 1000);
  assert.equal(jiffiesTimerDelayUs(nowNs, 100), 104 * 4000 - 1000);
  assert.equal(jiffiesTimerDelayUs(nowNs, 600), 640 * 4000 - 1000);
  for (const j of [1, 62, 63, 503, 504, 5000]) assert.ok(jiffiesTimerDelayUs(nowNs, j) >= j * 4000 - 1000, `${j} jiffies`);
});
