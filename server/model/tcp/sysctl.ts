// The sysctls the model reads, with the kernel's built-in defaults. Scripts change them through
// their backtick preamble (see packetdrill/preamble.ts).

export interface Sysctls {
  tcp_rmem: [number, number, number];
  tcp_wmem: [number, number, number];
  tcp_timestamps: number;
  tcp_sack: number;
  tcp_dsack: number;
  tcp_window_scaling: number;
  tcp_congestion_control: string;
  tcp_slow_start_after_idle: number;
  tcp_tso_win_divisor: number;
  tcp_min_tso_segs: number;
  tcp_tso_rtt_log: number;
  tcp_pacing_ss_ratio: number;
  tcp_pacing_ca_ratio: number;
  tcp_autocorking: number;
  tcp_limit_output_bytes: number;
  tcp_fastopen: number;
  tcp_notsent_lowat: number;
  tcp_early_retrans: number;
  /** Merge small skbs into the one being retransmitted (tcp_retrans_try_collapse). */
  tcp_retrans_collapse: number;
  /** Initial tp->reordering: SACKed segments above a hole that make it a loss. */
  tcp_reordering: number;
  /** The most tp->reordering grows to when reordering is seen. */
  tcp_max_reordering: number;
  /** F-RTO (RFC 5682): after an RTO, send new data first to tell a spurious timeout. */
  tcp_frto: number;
  /** Bit 0: RACK loss detection (not read by the live 6.18: RACK always runs with SACK); bit 2
   * (TCP_RACK_NO_DUPTHRESH): no DUPACK threshold. */
  tcp_recovery: number;
  tcp_syncookies: number;
  /** SYN retransmissions before connect() gives up (TCP_SYNCNT overrides it per socket). */
  tcp_syn_retries: number;
  /** SYN-ACK retransmissions before a request is dropped (reqsk_timer_handler). */
  tcp_synack_retries: number;
  /** SYN retransmissions that keep the initial RTO before exponential backoff starts. */
  tcp_syn_linear_timeouts: number;
  tcp_ecn: number;
  /** SACK compression (__tcp_ack_snd_check): duplicate ACKs held at most this many, this long. */
  tcp_comp_sack_nr: number;
  tcp_comp_sack_delay_ns: number;
  tcp_comp_sack_slack_ns: number;
  /** 1/2^n of the receive buffer kept for the application (tcp_init_buffer_space). */
  tcp_app_win: number;
  /** Let __tcp_select_window shrink the window (not modelled: reported unsupported). */
  tcp_shrink_window: number;
  /** Receive-buffer autotuning: tcp_rcv_space_adjust may grow sk_rcvbuf (rcvspace.ts). */
  tcp_moderate_rcvbuf: number;
  /** The smallest MSS we send with, whatever the peer's (__tcp_mtu_to_mss). */
  tcp_min_snd_mss: number;
  /** Keep windows below 32768 for peers that read the field as signed (unscaled ones). */
  tcp_workaround_signed_windows: number;
  tcp_ecn_fallback: number;
  /** Keepalive defaults for sockets that set no TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT
   * (seconds, seconds, probes). */
  tcp_keepalive_time: number;
  tcp_keepalive_intvl: number;
  tcp_keepalive_probes: number;
  /** RTOs' worth of time (tcp_model_timeout) before an established connection gives up. */
  tcp_retries2: number;
  /** RTOs' worth of time after which tcp_write_timeout suspects a black hole (tcp_mtu_probing). */
  tcp_retries1: number;
  /** Path MTU probing (mtuprobe.ts): 0 off, 1 only after an RTO black hole, 2 always. */
  tcp_mtu_probing: number;
  /** The MSS probing starts its search from (search_low) and the black hole halving's ceiling. */
  tcp_base_mss: number;
  /** The smallest MSS the black hole halving goes down to. */
  tcp_mtu_probe_floor: number;
  /** Stop probing once the search range is narrower than this many bytes. */
  tcp_probe_threshold: number;
  /** Seconds after which a finished search starts again (tcp_mtu_check_reprobe). */
  tcp_probe_interval: number;
  /** An orphan's boundary for tcp_write_timeout; 0 means 8 (tcp_orphan_retries). */
  tcp_orphan_retries: number;
  /** A thin stream's RTO does not back off for its first 6 retransmissions. */
  tcp_thin_linear_timeouts: number;
  /** icsk_rto_min of new sockets (µs). */
  tcp_rto_min_us: number;
  /** Replies within ato of received data that make a session interactive (delayed ACKs). */
  tcp_pingpong_thresh: number;
  ip_default_ttl: number;
  /** Seconds an orphan waits in FIN_WAIT2 for the peer's FIN (tcp_fin_time). */
  tcp_fin_timeout: number;
  /** ms between two duplicate or challenge ACKs for out-of-window segments (tcp_oow_rate_limited). */
  tcp_invalid_ratelimit: number;
  /** Challenge ACKs per second per namespace; INT_MAX (the default since 6.0) is no limit. */
  tcp_challenge_ack_limit: number;
  /** RFC 1337: a TIME_WAIT socket ignores a RST instead of dying. */
  tcp_rfc1337: number;
  /** Reflect a passive open's SYN DSCP on the SYN-ACK and the child's packets. */
  tcp_reflect_tos: number;
  /** Timewait sockets a namespace may hold (inet_twsk_alloc); beyond them tcp_time_wait just closes. */
  tcp_max_tw_buckets: number;
  /** Any other key the script sets, kept so a report can show it. */
  other: Record<string, string>;
}

/** The values a fresh network namespace of the live kernel (6.18) starts with, where they differ
 * from 6.12's: tcp_rmem[2] is a fixed 32 MB (6.12 computes it from the machine's memory, 6 MB on
 * small hosts), which sets the SYN's window scale (10, not 7) in a script that does not set
 * tcp_rmem; tcp_limit_output_bytes is 4 MB (6.12: 1 MB). */
export function defaultSysctls(): Sysctls {
  return {
    tcp_rmem: [4096, 131072, 32 << 20],
    tcp_wmem: [4096, 16384, 4194304],
    tcp_timestamps: 1,
    tcp_sack: 1,
    tcp_dsack: 1,
    tcp_window_scaling: 1,
    tcp_congestion_control: 'cubic',
    tcp_slow_start_after_idle: 1,
    tcp_tso_win_divisor: 3,
    tcp_min_tso_segs: 2,
    tcp_tso_rtt_log: 9,
    tcp_pacing_ss_ratio: 200,
    tcp_pacing_ca_ratio: 120,
    tcp_autocorking: 1,
    tcp_limit_output_bytes: 4 << 20,
    tcp_fastopen: 0x1,
    tcp_notsent_lowat: 0xffffffff,
    tcp_comp_sack_nr: 44,
    tcp_comp_sack_delay_ns: 1_000_000,
    tcp_comp_sack_slack_ns: 100_000,
    tcp_early_retrans: 3,
    tcp_retrans_collapse: 1,
    tcp_reordering: 3,
    tcp_max_reordering: 300,
    tcp_frto: 2,
    tcp_recovery: 1,
    tcp_syncookies: 1,
    tcp_syn_retries: 6,
    tcp_synack_retries: 5,
    tcp_syn_linear_timeouts: 4,
    tcp_ecn: 2,
    tcp_app_win: 31,
    tcp_shrink_window: 0,
    tcp_moderate_rcvbuf: 1,
    tcp_min_snd_mss: 48,
    tcp_workaround_signed_windows: 0,
    tcp_ecn_fallback: 1,
    tcp_keepalive_time: 7200,
    tcp_keepalive_intvl: 75,
    tcp_keepalive_probes: 9,
    tcp_retries2: 15,
    tcp_retries1: 3,
    tcp_mtu_probing: 0,
    tcp_base_mss: 1024,
    tcp_mtu_probe_floor: 48,
    tcp_probe_threshold: 8,
    tcp_probe_interval: 600,
    tcp_orphan_retries: 0,
    tcp_thin_linear_timeouts: 0,
    tcp_rto_min_us: 200_000,
    tcp_pingpong_thresh: 1,
    ip_default_ttl: 64,
    tcp_fin_timeout: 60,
    tcp_invalid_ratelimit: 500,
    tcp_challenge_ack_limit: 0x7fffffff,
    tcp_rfc1337: 0,
    tcp_max_tw_buckets: 131072,
    tcp_reflect_tos: 0,
    other: {},
  };
}

type NumericKey = {
  [K in keyof Sysctls]: Sysctls[K] extends number ? K : never;
}[keyof Sysctls];

const NUMERIC: ReadonlySet<string> = new Set<NumericKey>([
  'tcp_timestamps',
  'tcp_sack',
  'tcp_dsack',
  'tcp_window_scaling',
  'tcp_slow_start_after_idle',
  'tcp_tso_win_divisor',
  'tcp_min_tso_segs',
  'tcp_tso_rtt_log',
  'tcp_pacing_ss_ratio',
  'tcp_pacing_ca_ratio',
  'tcp_autocorking',
  'tcp_limit_output_bytes',
  'tcp_fastopen',
  'tcp_notsent_lowat',
  'tcp_early_retrans',
  'tcp_retrans_collapse',
  'tcp_reordering',
  'tcp_max_reordering',
  'tcp_frto',
  'tcp_recovery',
  'tcp_syncookies',
  'tcp_syn_retries',
  'tcp_synack_retries',
  'tcp_syn_linear_timeouts',
  'tcp_ecn',
  'tcp_comp_sack_nr',
  'tcp_comp_sack_delay_ns',
  'tcp_comp_sack_slack_ns',
  'tcp_app_win',
  'tcp_shrink_window',
  'tcp_moderate_rcvbuf',
  'tcp_min_snd_mss',
  'tcp_workaround_signed_windows',
  'tcp_ecn_fallback',
  'tcp_keepalive_time',
  'tcp_keepalive_intvl',
  'tcp_keepalive_probes',
  'tcp_retries2',
  'tcp_retries1',
  'tcp_mtu_probing',
  'tcp_base_mss',
  'tcp_mtu_probe_floor',
  'tcp_probe_threshold',
  'tcp_probe_interval',
  'tcp_orphan_retries',
  'tcp_thin_linear_timeouts',
  'tcp_rto_min_us',
  'tcp_pingpong_thresh',
  'ip_default_ttl',
  'tcp_fin_timeout',
  'tcp_invalid_ratelimit',
  'tcp_challenge_ack_limit',
  'tcp_rfc1337',
  'tcp_max_tw_buckets',
  'tcp_reflect_tos',
]);

/** Sets `net.ipv4.<name>` (also accepts `net/ipv4/<name>` and `/proc/sys/net/ipv4/<name>`).
 * Returns the previous value as text, for set_sysctls.py's restore script. */
export function setSysctl(s: Sysctls, rawKey: string, value: string): string | undefined {
  const key = rawKey.replace(/^\/proc\/sys\//, '').replace(/\//g, '.');
  const name = key.replace(/^net\.ipv4\./, '');
  const v = value.trim();
  if (name === 'tcp_rmem' || name === 'tcp_wmem') {
    const prev = s[name].join(' ');
    const parts = v.split(/\s+/).map(Number);
    if (parts.length === 3 && parts.every(Number.isFinite)) s[name] = [parts[0], parts[1], parts[2]];
    return prev;
  }
  if (name === 'tcp_congestion_control') {
    const prev = s.tcp_congestion_control;
    s.tcp_congestion_control = v;
    return prev;
  }
  if (NUMERIC.has(name)) {
    const k = name as NumericKey;
    const prev = String(s[k]);
    s[k] = Number(v);
    return prev;
  }
  const prev = s.other[key];
  s.other[key] = v;
  return prev;
}

/** Sysctls the model does not read because no value of theirs changes what a packetdrill script
 * sees: the metrics cache (never consulted: like tcp_no_metrics_save=1), hash sizes, demux and
 * routing knobs, the choice lists of congestion control, and options retired in 6.12. */
const NO_EFFECT: ReadonlySet<string> = new Set([
  'net.ipv4.tcp_no_metrics_save',
  'net.ipv4.tcp_no_ssthresh_metrics_save',
  'net.ipv4.tcp_early_demux',
  'net.ipv4.tcp_fack',
  'net.ipv4.tcp_low_latency',
  'net.ipv4.tcp_backlog_ack_defer',
  'net.ipv4.tcp_fwmark_accept',
  'net.ipv4.tcp_l3mdev_accept',
  'net.ipv4.tcp_ehash_entries',
  'net.ipv4.tcp_child_ehash_entries',
  'net.ipv4.tcp_migrate_req',
  'net.ipv4.tcp_allowed_congestion_control',
  'net.ipv4.tcp_available_congestion_control',
  'net.ipv4.tcp_fastopen_key',
  // Both act on a listener's second pending connection: tcp_abort_on_overflow when a request's ACK
  // finds the accept queue full (tcp_check_req's listen_overflow), tcp_max_syn_backlog when the
  // request queue is 3/4 full without syncookies (tcp_conn_request). A script has one 4-tuple: a
  // SYN finding a full accept queue is dropped before any request exists, and a new request only
  // comes when the queue holds none (max_syn_backlog - 0 < max_syn_backlog / 4 never holds).
  'net.ipv4.tcp_abort_on_overflow',
  'net.ipv4.tcp_max_syn_backlog',
  // Whether connect() may take over a TIME_WAIT 4-tuple (tcp_twsk_unique). A socket bound to the
  // port takes it over whenever the peer sent timestamps, whatever the value (no twp there: checked
  // live with 0 and 1); an unbound one gets a fresh ephemeral port from __inet_hash_connect's
  // perturbed search, so no collision.
  'net.ipv4.tcp_tw_reuse',
  'net.ipv4.tcp_tw_reuse_delay',
  // Read by nothing in 6.12 (scaling_ratio replaced it).
  'net.ipv4.tcp_adv_win_scale',
  // How inbound urgent data is read: inbound URG is reported unsupported where it comes.
  'net.ipv4.tcp_stdurg',
  'net.ipv4.ip_local_port_range',
  'net.core.somaxconn',
  // MPTCP applies to IPPROTO_MPTCP sockets only (the selftests' defaults enable it).
  'net.mptcp.enabled',
]);

/** Values of sysctls the model does not read that it still follows: the live kernel's value (a
 * fresh namespace of 6.18), which the model assumes. */
const UNREAD_DEFAULTS: Readonly<Record<string, string>> = {
  'net.ipv4.tcp_fastopen_blackhole_timeout_sec': '0',
  'net.ipv4.tcp_min_rtt_wlen': '300',
  'net.ipv4.tcp_plb_enabled': '0',
};

/** Why a sysctl the script set is not modelled, or undefined when the model reads it or its
 * value cannot change the packets. `key` is the dotted name setSysctl stored. */
export function sysctlNotModelled(s: Sysctls, rawKey: string): string | undefined {
  const key = rawKey.replace(/^\/proc\/sys\//, '').replace(/\//g, '.');
  if (!(key in s.other) || NO_EFFECT.has(key)) return undefined;
  const v = s.other[key].trim().split(/\s+/).join(' ');
  if (UNREAD_DEFAULTS[key]?.split(' ').includes(v)) return undefined;
  return `sysctl ${key}=${v} (not modelled)`;
}
