// A pcap file of the simulated wire: IPv4 + TCP headers with correct checksums (payload bytes are
// zeros). Pure: returns bytes, so the webview can offer it as a download too.

import type { TcpOption, WirePacket } from './tcp/types';

export type LinkType = 'raw' | 'ethernet';

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;

function ipBytes(ip: string): number[] {
  return ip.split('.').map((x) => Number(x) & 0xff);
}

/** The Internet checksum (RFC 1071) over `data`, starting from `initial` (for pseudo headers). */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < data.length; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function encodeOptions(opts: TcpOption[]): number[] {
  const out: number[] = [];
  const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
  const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  const hex = (s: string): number[] => (s.match(/../g) ?? []).map((b) => parseInt(b, 16));
  for (const o of opts) {
    switch (o.kind) {
      case 'eol':
        out.push(0);
        break;
      case 'nop':
        out.push(1);
        break;
      case 'mss':
        out.push(2, 4, ...u16(o.value));
        break;
      case 'wscale':
        out.push(3, 3, o.value);
        break;
      case 'sackOK':
        out.push(4, 2);
        break;
      case 'sack':
        out.push(5, 2 + 8 * o.blocks.length, ...o.blocks.flatMap(([l, r]) => [...u32(l), ...u32(r)]));
        break;
      case 'TS':
        out.push(8, 10, ...u32(o.val), ...u32(o.ecr));
        break;
      case 'FO': {
        const c = o.cookie ? hex(o.cookie) : [];
        out.push(34, 2 + c.length, ...c);
        break;
      }
      case 'md5': {
        const d = hex(o.hex.padEnd(32, '0')).slice(0, 16);
        out.push(19, 18, ...d);
        break;
      }
      case 'unknown':
        break;
    }
  }
  while (out.length % 4) out.push(0);
  return out;
}

/** One IPv4 datagram carrying the packet's TCP segment (payload bytes are zeros). */
export function ipv4Packet(p: WirePacket): Uint8Array {
  const hdr = ipTcpHeaders(p);
  const b = new Uint8Array(hdr.length + p.len);
  b.set(hdr);
  return b;
}

/** The IPv4 and TCP checksums as the packet carries them. */
export function packetChecksums(p: WirePacket): { ip: number; tcp: number } {
  const h = ipTcpHeaders(p);
  return { ip: (h[10] << 8) | h[11], tcp: (h[36] << 8) | h[37] };
}

/** IPv4 + TCP headers with both checksums. The payload is zeros, which add nothing to the
 * one's-complement sum, so the headers alone give the TCP checksum of the whole segment. */
export function ipTcpHeaders(p: WirePacket): Uint8Array {
  const opts = encodeOptions(p.options);
  const tcpLen = 20 + opts.length + p.len;
  const total = 20 + tcpLen;
  if (total > 0xffff) throw new Error(`packet ${p.id} is larger than an IPv4 datagram (${total} bytes)`);
  const b = new Uint8Array(40 + opts.length);
  const src = ipBytes(p.src.ip);
  const dst = ipBytes(p.dst.ip);
  // IPv4 header
  b[0] = 0x45;
  b[1] = p.tos;
  b[2] = total >> 8;
  b[3] = total & 0xff;
  b[4] = (p.ipId >> 8) & 0xff;
  b[5] = p.ipId & 0xff;
  b[6] = p.noDf ? 0 : 0x40; // DF
  b[8] = p.ttl;
  b[9] = 6;
  b.set(src, 12);
  b.set(dst, 16);
  const ipSum = internetChecksum(b.subarray(0, 20));
  b[10] = ipSum >> 8;
  b[11] = ipSum & 0xff;
  // TCP header
  const t = 20;
  b[t] = p.src.port >> 8;
  b[t + 1] = p.src.port & 0xff;
  b[t + 2] = p.dst.port >> 8;
  b[t + 3] = p.dst.port & 0xff;
  const seq = p.seq >>> 0;
  const ack = p.ack >>> 0;
  b.set([(seq >>> 24) & 0xff, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff], t + 4);
  b.set([(ack >>> 24) & 0xff, (ack >>> 16) & 0xff, (ack >>> 8) & 0xff, ack & 0xff], t + 8);
  b[t + 12] = ((20 + opts.length) / 4) << 4;
  b[t + 13] = p.flags & 0xff;
  b[t + 14] = (p.win >> 8) & 0xff;
  b[t + 15] = p.win & 0xff;
  b.set(opts, t + 20);
  // pseudo header: src, dst, zero, protocol, TCP length
  let pseudo = 0;
  for (let i = 0; i < 4; i += 2) pseudo += (src[i] << 8) + src[i + 1] + (dst[i] << 8) + dst[i + 1];
  pseudo += 6 + tcpLen;
  const tcpSum = internetChecksum(b.subarray(t), pseudo);
  b[t + 16] = tcpSum >> 8;
  b[t + 17] = tcpSum & 0xff;
  return b;
}

const LOCAL_MAC = [0x02, 0, 0, 0, 0, 0x01];
const REMOTE_MAC = [0x02, 0, 0, 0, 0, 0x02];

/** The whole capture: pcap global header, then one record per packet (microsecond stamps). */
export function buildPcap(packets: WirePacket[], link: LinkType = 'raw'): Uint8Array {
  const records = packets.map((p) => {
    const ip = ipv4Packet(p);
    if (link === 'raw') return { p, frame: ip };
    const frame = new Uint8Array(14 + ip.length);
    frame.set(p.direction === 'out' ? REMOTE_MAC : LOCAL_MAC, 0);
    frame.set(p.direction === 'out' ? LOCAL_MAC : REMOTE_MAC, 6);
    frame[12] = 0x08; // EtherType IPv4
    frame.set(ip, 14);
    return { p, frame };
  });
  const size = 24 + records.reduce((a, r) => a + 16 + r.frame.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true);
  dv.setUint32(20, link === 'raw' ? LINKTYPE_RAW : LINKTYPE_ETHERNET, true);
  let off = 24;
  for (const { p, frame } of records) {
    const us = Math.floor(p.timeNs / 1000);
    dv.setUint32(off, Math.floor(us / 1e6), true);
    dv.setUint32(off + 4, us % 1e6, true);
    dv.setUint32(off + 8, frame.length, true);
    dv.setUint32(off + 12, frame.length, true);
    out.set(frame, off + 16);
    off += 16 + frame.length;
  }
  return out;
}
