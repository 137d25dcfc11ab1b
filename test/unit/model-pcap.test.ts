// The pcap writer: checksums by hand on a known header, then whole captures of our scripts
// opened by tshark with IPv4 and TCP checksum validation on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPcap, internetChecksum, ipv4Packet } from '../../server/model/pcap';
import { parseScript } from '../../server/model/packetdrill/parse';
import { runScript } from '../../server/model/runner';
import type { WirePacket } from '../../server/model/tcp/types';

const PKT = path.join(__dirname, '..', 'fixtures', 'pkt');

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('internetChecksum: the RFC 1071 example and a known IPv4 header', () => {
  // RFC 1071 section 3 example words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d
  assert.equal(internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])), 0x220d);
  // The classic example header (Wikipedia "IPv4 header checksum"): checksum b861
  const hdr = Uint8Array.from([
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
  ]);
  assert.equal(internetChecksum(hdr), 0xb861);
});

test('ipv4Packet lays out header fields and a checksum that verifies to zero', () => {
  const p: WirePacket = {
    id: 1,
    timeNs: 0,
    direction: 'out',
    sock: 1,
    src: { ip: '192.168.0.1', port: 8080 },
    dst: { ip: '192.0.2.1', port: 40000 },
    flags: 0x18,
    seq: 1,
    ack: 1,
    win: 255,
    len: 100,
    options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'TS', val: 5, ecr: 7 }],
    tos: 0,
    ipId: 0x1234,
    ttl: 64,
    gsoSegs: 1,
  };
  const b = ipv4Packet(p);
  assert.equal(b.length, 20 + 32 + 100);
  assert.equal((b[2] << 8) | b[3], 152);
  assert.equal((b[4] << 8) | b[5], 0x1234);
  assert.equal(b[6], 0x40); // DF
  assert.equal(b[32], 8 << 4); // data offset: 32-byte TCP header
  assert.equal(internetChecksum(b.subarray(0, 20)), 0);
});

test('the ip_queue_xmit step reports the checksums the capture carries', () => {
  const r = runScript(parseScript(fs.readFileSync(path.join(PKT, 'mss-option.pkt'), 'utf8')));
  const steps = r.steps.filter((s) => s.fn === 'ip_queue_xmit');
  const out = r.packets.filter((p) => p.direction === 'out');
  assert.equal(steps.length, out.length);
  steps.forEach((s, k) => {
    const b = ipv4Packet(out[k]);
    assert.equal(s.data?.ipChecksum, (b[10] << 8) | b[11]);
    assert.equal(s.data?.tcpChecksum, (b[36] << 8) | b[37]);
  });
});

test(
  'captures of our scripts open in tshark with correct IPv4 and TCP checksums',
  { skip: hasTshark() ? false : 'tshark is not installed (apt-get install tshark)' },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-pcap-'));
    for (const name of ['nagle.pkt', 'small-rwnd.pkt', 'mss-option.pkt']) {
      const r = runScript(parseScript(fs.readFileSync(path.join(PKT, name), 'utf8')));
      for (const link of ['raw', 'ethernet'] as const) {
        const file = path.join(dir, `${name}.${link}.pcap`);
        fs.writeFileSync(file, buildPcap(r.packets, link));
        const out = execFileSync(
          'tshark',
          [
            '-r',
            file,
            '-o',
            'tcp.check_checksum:TRUE',
            '-o',
            'ip.check_checksum:TRUE',
            '-T',
            'fields',
            '-e',
            'ip.checksum.status',
            '-e',
            'tcp.checksum.status',
            '-e',
            'tcp.len',
            '-e',
            'tcp.flags.syn',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        );
        const rows = out
          .trim()
          .split('\n')
          .map((l) => l.split('\t'));
        assert.equal(rows.length, r.packets.length, `${name} (${link}): one row per packet`);
        for (const [ipStatus, tcpStatus] of rows) {
          assert.equal(ipStatus, '1', `${name} (${link}): IPv4 checksum status ${ipStatus} (1 = good)`);
          assert.equal(tcpStatus, '1', `${name} (${link}): TCP checksum status ${tcpStatus} (1 = good)`);
        }
        const lens = rows.map((row) => Number(row[2]));
        assert.deepEqual(
          lens,
          r.packets.map((p) => p.len),
          `${name} (${link}): payload lengths`,
        );
        assert.equal(rows[0][3], '1', 'first packet is the SYN');
      }
    }
  },
);
