// The shell commands of a script's backtick blocks that change TCP behaviour: the selftests'
// ./defaults.sh, `sysctl`, ./set_sysctls.py and its restore script, `tc qdisc`, `ip tcp_metrics`.
// Anything else is reported as a note: it cannot change what the model predicts... or can, and
// then the note says so.

import type { Host } from './tcp/host';
import { ipv4Bytes, ipv6Bytes, wireIsIpv6 } from './tcp/family';
import { setSysctl, sysctlNotModelled } from './tcp/sysctl';

/** The sysctl settings of tools/testing/selftests/net/packetdrill/defaults.sh (6.12), used when the
 * script's folder is not available. They are configuration values, listed here as data. */
export const SELFTEST_DEFAULTS = `
sysctl -q net.ipv4.tcp_rmem="4096 540000 15728640"
sysctl -q net.ipv4.tcp_wmem="4096 262144 4194304"
sysctl -q net.ipv4.tcp_timestamps=1
sysctl -q net.ipv4.tcp_sack=1
sysctl -q net.ipv4.tcp_congestion_control=cubic
sysctl -q net.ipv4.tcp_slow_start_after_idle=0
sysctl -q net.ipv4.tcp_early_retrans=4
sysctl -q net.ipv4.tcp_tso_win_divisor=3
sysctl -q net.ipv4.tcp_ecn=0
sysctl -q net.ipv4.tcp_pacing_ss_ratio=200
sysctl -q net.ipv4.tcp_pacing_ca_ratio=120
sysctl -q net.ipv4.tcp_notsent_lowat=4294967295
sysctl -q net.ipv4.tcp_fastopen=0x70403
sysctl -q net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4
sysctl -q net.ipv4.tcp_syncookies=1
tc qdisc add dev tun0 root pfifo
`;

export interface CommandContext {
  host: Host;
  /** Reads a file next to the script (e.g. defaults.sh); undefined when not available. */
  readSibling?: (name: string) => string | undefined;
  /** Values set_sysctls.py replaced, for /tmp/sysctl_restore_*.sh. */
  restore: Array<[string, string]>;
  note: (what: string) => void;
  /** A part the model cannot predict, `offset` lines below the block's first line. */
  unsupported: (what: string, offset: number) => void;
}

/** Sets a sysctl, remembering that the script picked its congestion control; one the model does
 * not read is reported (unless its value cannot change the packets). */
function sysctl(ctx: CommandContext, key: string, value: string, offset: number): string | undefined {
  if (key.endsWith('tcp_congestion_control')) ctx.host.caChosen = true;
  const prev = setSysctl(ctx.host.sysctl, key, value);
  const why = sysctlNotModelled(ctx.host.sysctl, key);
  if (why) ctx.unsupported(why, offset);
  return prev;
}

/** Runs a backtick block: one command per line, `\` continues a line, `;` separates commands.
 * `offset` is the line of the block a command sits on (0 for a block read from a file). */
export function runShell(ctx: CommandContext, text: string, depth = 0): void {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const start = k;
    let joined = lines[k];
    while (joined.endsWith('\\') && k + 1 < lines.length) joined = joined.slice(0, -1) + ' ' + lines[++k];
    for (const raw of joined.split(';')) {
      const line = raw
        .replace(/#.*$/, '')
        .replace(/\s*[0-9]?>\s*\/dev\/null|\s*2>&1/g, '')
        .trim();
      if (line) runOne(ctx, line, depth, depth ? 0 : start);
    }
  }
}

function runOne(ctx: CommandContext, line: string, depth: number, offset: number): void {
  const words = shellWords(line);
  const cmd = words[0];
  if (cmd === './defaults.sh' || cmd.endsWith('/defaults.sh')) {
    if (depth > 2) return;
    const text = ctx.readSibling?.('defaults.sh');
    if (text === undefined) ctx.note('defaults.sh not found next to the script: used the 6.12 selftest defaults built into the model');
    runShell(ctx, text ?? SELFTEST_DEFAULTS, depth + 1);
    return;
  }
  if (cmd === 'sysctl') {
    for (const w of words.slice(1)) {
      if (w.startsWith('-')) continue;
      const eq = w.indexOf('=');
      if (eq > 0) sysctl(ctx, w.slice(0, eq), evalArith(w.slice(eq + 1)), offset);
    }
    return;
  }
  // echo V > /proc/sys/net/ipv4/NAME: the older scripts' way to set a sysctl.
  const echo = /^echo\s+("[^"]*"|'[^']*'|\S+(?:\s+\S+)*?)\s*>\s*(\/proc\/sys\/\S+)$/.exec(line);
  if (echo) {
    sysctl(ctx, echo[2], evalArith(echo[1].replace(/["']/g, '')), offset);
    return;
  }
  if (cmd.endsWith('set_sysctls.py')) {
    for (const w of words.slice(1)) {
      const eq = w.indexOf('=');
      if (eq <= 0) continue;
      const prev = sysctl(ctx, w.slice(0, eq), evalArith(w.slice(eq + 1)), offset);
      if (prev !== undefined) ctx.restore.push([w.slice(0, eq), prev]);
    }
    return;
  }
  if (/^\/tmp\/sysctl_restore_/.test(cmd)) {
    for (const [k, v] of ctx.restore.reverse()) setSysctl(ctx.host.sysctl, k, v);
    ctx.restore.length = 0;
    return;
  }
  if (cmd === 'tc' && words[1] === 'qdisc') {
    const wasDroppingAll = ctx.host.qdiscDropsAll;
    ctx.host.qdiscDropsAll = false;
    if (words[2] === 'del' || words[2] === 'delete') {
      ctx.host.qdisc = 'pfifo'; // the device's default qdisc again
      return;
    }
    const kind = words[words.indexOf('root') + 1];
    // `replace`/`change` of the root pfifo by a pfifo without a limit: tc sends no TCA_OPTIONS
    // (iproute2's fifo_parse_opt adds them only for a limit), and qdisc_change calls ->change
    // only with options, so the existing qdisc keeps its limit (a `limit 0` keeps dropping).
    if ((words[2] === 'replace' || words[2] === 'change') && kind === 'pfifo' && ctx.host.qdisc === 'pfifo' && !words.includes('limit')) {
      ctx.host.qdiscDropsAll = wasDroppingAll;
      return;
    }
    if (kind === 'fq') ctx.host.qdisc = 'fq';
    else if (kind === 'pfifo' || kind === 'pfifo_fast') ctx.host.qdisc = 'pfifo';
    else ctx.note(`qdisc '${kind}' modelled as pfifo (no pacing)`);
    // `limit 0` holds nothing: every packet is dropped at the qdisc (see __dev_queue_xmit). A
    // pfifo with a limit of 1 or more may be bypassed (fifo_init sets TCQ_F_CAN_BYPASS when
    // limit >= 1): __dev_xmit_skb hands a packet straight to the device while the queue is
    // empty, and tun_net_xmit always answers NETDEV_TX_OK, so the queue never builds and nothing
    // is dropped at the qdisc. Other qdiscs with a limit: not modelled.
    const limit = words.indexOf('limit');
    const limitValue = limit > 0 ? Number(words[limit + 1]) : NaN;
    if (limit > 0 && limitValue === 0) ctx.host.qdiscDropsAll = true;
    else if (limit > 0 && !(kind === 'pfifo' && limitValue >= 1))
      ctx.unsupported(`qdisc limit ${words[limit + 1] ?? ''} (packets dropped at the qdisc)`, 0);
    return;
  }
  if (cmd === 'ip' && words[1] === 'route' && ['add', 'change', 'replace'].includes(words[2])) {
    // Without -6 the IPv4 table: not the route an IPv6 peer is reached by.
    if (wireIsIpv6(ctx.host)) ctx.note(`an IPv4 route, the peer is reached over IPv6: ${line}`);
    else ipRouteMetrics(ctx, words.slice(3), line);
    return;
  }
  if (cmd === 'ip' && words[1] === '-6' && words[2] === 'route' && ['add', 'change', 'replace'].includes(words[3])) {
    // The IPv6 table: the same metrics (tcp_init_cwnd, dst_metric_advmss over ip6_default_advmss,
    // ip6_mtu with rt6_do_update_pmtu returning early on a locked MTU), for an IPv6 peer only.
    if (wireIsIpv6(ctx.host)) ipRouteMetrics(ctx, words.slice(4), line);
    else ctx.note(`an IPv6 route, the peer is reached over IPv4: ${line}`);
    return;
  }
  if (cmd === 'ethtool' && (words[1] === '-K' || words[1] === '--offload')) {
    for (let k = 3; k + 1 < words.length; k += 2) {
      if (words[k] === 'tso' || words[k] === 'tcp-segmentation-offload') ctx.host.tso = words[k + 1] === 'on';
      else ctx.note(`ethtool offload '${words[k]}' not modelled`);
    }
    return;
  }
  const devMtu = deviceMtuCommand(words);
  if (devMtu) {
    dev_set_mtu(ctx, devMtu.dev, devMtu.mtu, line);
    return;
  }
  // ss -K (SOCK_DESTROY): tcp_abort resets and closes the matching sockets, not modelled.
  if (cmd === 'ss' && words.some((w) => w === '-K' || w === '--kill')) {
    ctx.unsupported(`socket destroyed by ss --kill (tcp_abort): ${line}`, 0);
    return;
  }
  if (cmd === 'ip' && words[1] === 'tcp_metrics') {
    ctx.host.tfoCookies.clear();
    return;
  }
  // A command that only reads or waits cannot change what TCP does; any other may (a firewall rule,
  // a link taken down, an offload switched), so the model's answer after it is not to be trusted.
  if (readsOnly(words)) ctx.note(`shell command without effect on TCP: ${line}`);
  else ctx.unsupported(`shell command not modelled (${line})`, offset);
}

const READ_ONLY_COMMANDS = new Set([
  'true',
  'false',
  ':',
  'echo',
  'printf',
  'sleep',
  'cat',
  'grep',
  'ls',
  'date',
  'wait',
  'pwd',
  'ss',
  'netstat',
  'nstat',
  'tcpdump',
]);

/** Whether a command only prints, reads or waits (`echo` without a redirection, `ip ... show`). */
function readsOnly(words: string[]): boolean {
  if (words.some((w) => w.startsWith('>'))) return false;
  if (READ_ONLY_COMMANDS.has(words[0])) return true;
  return ['ip', 'tc', 'ethtool'].includes(words[0]) && words.some((w) => ['show', 'list', 'ls', '-S', '-k', '-i'].includes(w));
}

/** The device and MTU of `ifconfig DEV mtu N` or `ip link set [dev] DEV mtu N`; undefined for any
 * other command. */
function deviceMtuCommand(words: string[]): { dev: string; mtu: number } | undefined {
  const k = words.indexOf('mtu');
  const mtu = Number(words[k + 1]);
  if (k < 0 || !Number.isInteger(mtu) || mtu <= 0) return undefined;
  if (words[0] === 'ifconfig' && k === 2) return { dev: words[1], mtu };
  if (words[0] === 'ip' && words[1] === 'link' && words[2] === 'set') {
    const dev = words[3] === 'dev' ? words[4] : words[3];
    if (dev) return { dev, mtu };
  }
  return undefined;
}

/** dev_set_mtu on the tun device: a route without an MTU of its own (no PMTU exception, no
 * `mtu` metric) follows the device (ipv4_mtu reads dst->dev->mtu), so the MSS of later
 * connections (ipv4_default_advmss, tcp_sync_mss) follows too; an exception below it stays, capped
 * by the new MTU. Another device carries nothing of the test. */
function dev_set_mtu(ctx: CommandContext, dev: string, mtu: number, line: string): void {
  if (dev !== 'tun0') {
    ctx.note(`MTU of a device other than tun0: ${line}`);
    return;
  }
  setDeviceMtu(ctx.host, mtu);
}

/** The tun device's MTU changes (dev_set_mtu; packetdrill's --mtu sets it before the script). */
export function setDeviceMtu(h: Host, mtu: number): void {
  h.pathMtu = h.pathMtu === h.mtu ? mtu : Math.min(h.pathMtu, mtu);
  h.mtu = mtu;
}

/** The metrics of `ip route add|change|replace DST ...` for the route to the peer (DST its address,
 * a prefix holding it, or default): initcwnd (tcp_init_cwnd), advmss (dst_metric_advmss) and
 * `mtu [lock] N` (the route MTU ipv4_mtu gives; locked, ICMP cannot lower it:
 * __ip_rt_update_pmtu returns early). A route to another destination changes nothing. */
function ipRouteMetrics(ctx: CommandContext, words: string[], line: string): void {
  const h = ctx.host;
  if (!routeCovers(words[0] ?? '', h.remoteIp)) {
    ctx.note(`route not to the peer ${h.remoteIp}: ${line}`);
    return;
  }
  const num = (k: number): number => {
    const n = Number(words[k]);
    return Number.isInteger(n) && n > 0 ? n : 0;
  };
  for (let k = 1; k < words.length; k++) {
    if (words[k] === 'initcwnd' && num(k + 1)) h.initCwnd = num(k + 1);
    else if (words[k] === 'advmss' && num(k + 1)) h.routeAdvmss = num(k + 1);
    else if (words[k] === 'mtu') {
      const locked = words[k + 1] === 'lock';
      const mtu = num(k + (locked ? 2 : 1));
      if (mtu) {
        // A socket's route (sk_dst_cache) keeps the old route's metrics: dst_mtu stays what it
        // was until its next transmission looks the route up again (__sk_dst_check).
        for (const s of h.socks)
          if (s.state !== 'LISTEN' && s.state !== 'CLOSE' && s.staleDstMtu === undefined && mtu !== h.pathMtu) s.staleDstMtu = h.pathMtu;
        h.pathMtu = mtu;
        h.pathMtuLocked = locked;
      }
    } else if (
      /^(rto_min|rtt|rttvar|ssthresh|cwnd|initrwnd|window|reordering|quickack|congctl|features|hoplimit|fastopen_no_cookie)$/.test(words[k])
    ) {
      ctx.unsupported(`route metric ${words[k]} (${line})`, 0);
    }
  }
}

/** Whether an `ip route` / `ip -6 route` destination (an address, a prefix, or `default`) holds
 * `ip`, both of one family. */
function routeCovers(dst: string, ip: string): boolean {
  if (dst === 'default') return true;
  const [net, bits] = dst.split('/');
  const a = addressBits(net);
  const b = addressBits(ip);
  if (!a || !b || a.width !== b.width) return false;
  const shift = BigInt(a.width - (bits === undefined ? a.width : Number(bits)));
  return a.value >> shift === b.value >> shift;
}

/** An IPv4 or IPv6 address (family.ts's parsers) as a number and its width in bits. */
function addressBits(addr: string): { value: bigint; width: number } | undefined {
  const bytes = ipv4Bytes(addr) ?? ipv6Bytes(addr);
  if (!bytes) return undefined;
  return { value: bytes.reduce((v, o) => (v << 8n) | BigInt(o), 0n), width: bytes.length * 8 };
}

/** Splits on spaces, keeping "quoted strings" together without their quotes. */
function shellWords(line: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"']+|"[^"]*"|'[^']*')+/g;
  for (const m of line.match(re) ?? []) out.push(m.replace(/["']/g, ''));
  return out;
}

/** Expands $((a*b)) arithmetic (the only shell expansion the selftests use in sysctl values). */
function evalArith(v: string): string {
  return v.replace(/\$\(\(([^)]*)\)\)/g, (_m, expr: string) => {
    if (!/^[\d\s*+\-/()]+$/.test(expr)) return expr;
    const tokens = expr.match(/\d+|[*+\-/()]/g) ?? [];
    let pos = 0;
    const prim = (): number => {
      const t = tokens[pos++];
      if (t === '(') {
        const v2 = sum();
        pos++;
        return v2;
      }
      return Number(t);
    };
    const prod = (): number => {
      let a = prim();
      while (tokens[pos] === '*' || tokens[pos] === '/') a = tokens[pos++] === '*' ? a * prim() : Math.floor(a / prim());
      return a;
    };
    const sum = (): number => {
      let a = prod();
      while (tokens[pos] === '+' || tokens[pos] === '-') a = tokens[pos++] === '+' ? a + prod() : a - prod();
      return a;
    };
    return String(sum());
  });
}
