// The kernel function behind each step and traced frame of the model, and the file of the 6.12 tree
// that defines it. One table for both uses: test/unit/model-kernelFiles.test.ts checks that every
// function the model traces is here, test/kernel/kernelFiles.test.ts that each file defines its
// function, and the source links (`kpath simulate --tree`, the panel's Run log) read the file from
// here and look for the line in that one file.

export const byFile: Readonly<Record<string, readonly string[]>> = {
  'drivers/net/tun.c': ['tun_net_xmit'],
  'include/net/gso.h': ['skb_gso_segment'],
  'include/linux/tcp.h': ['fastopen_queue_tune'],
  'include/net/tcp.h': ['tcp_reset_xmit_timer'],
  'net/core/dev.c': ['__dev_queue_xmit', 'dev_hard_start_xmit'],
  'net/core/request_sock.c': ['reqsk_fastopen_remove'],
  'net/core/stream.c': ['sk_stream_wait_memory', 'sk_stream_write_space'],
  'net/ipv4/af_inet.c': ['inet_create'],
  'net/ipv4/inet_connection_sock.c': ['inet_csk_accept', 'inet_csk_listen_start', 'inet_csk_listen_stop'],
  'net/ipv4/ip_output.c': ['ip_finish_output2', 'ip_queue_xmit'],
  'net/ipv4/tcp.c': [
    '__tcp_sock_set_cork',
    '__tcp_sock_set_nodelay',
    'tcp_cleanup_rbuf',
    'tcp_inbound_hash',
    'tcp_close',
    'tcp_push',
    'tcp_recvmsg',
    'tcp_sendmsg_locked',
    'tcp_should_autocork',
    'tcp_splice_eof',
    'tcp_xmit_size_goal',
  ],
  'net/ipv4/tcp_cong.c': ['tcp_reno_cong_avoid', 'tcp_set_ca_state', 'tcp_slow_start'],
  'net/ipv4/tcp_cubic.c': ['cubictcp_cong_avoid', 'hystart_update'],
  'net/ipv4/tcp_fastopen.c': [
    'tcp_fastopen_add_skb',
    'tcp_fastopen_cookie_gen',
    'tcp_fastopen_cookie_gen_check',
    'tcp_fastopen_create_child',
    'tcp_fastopen_defer_connect',
    'tcp_fastopen_queue_check',
    'tcp_try_fastopen',
  ],
  'net/ipv4/tcp_input.c': [
    '__tcp_ack_snd_check',
    'tcp_ack',
    'tcp_ack_probe',
    'tcp_ack_update_window',
    'tcp_add_reno_sack',
    'tcp_check_reno_reordering',
    'tcp_conn_request',
    'tcp_cwnd_reduction',
    'tcp_data_queue',
    'tcp_fin',
    'tcp_finish_connect',
    'tcp_process_loss',
    'tcp_rcv_fastopen_synack',
    'tcp_rcv_state_process',
    'tcp_rcv_synsent_state_process',
    'tcp_reset',
    'tcp_rtt_estimator',
    'tcp_sacktag_write_queue',
    'tcp_sndbuf_expand',
    'tcp_try_undo_recovery',
    'tcp_update_pacing_rate',
  ],
  'net/ipv4/tcp_ipv4.c': ['tcp_v4_rcv', 'tcp_v4_send_reset', 'tcp_v4_send_synack'],
  'net/ipv4/tcp_metrics.c': ['tcp_fastopen_cache_set'],
  'net/ipv4/tcp_output.c': [
    '__tcp_push_pending_frames',
    '__tcp_transmit_skb',
    'tcp_connect',
    'tcp_cwnd_restart',
    'tcp_cwnd_test',
    'tcp_cwnd_validate',
    'tcp_grow_skb',
    'tcp_nagle_test',
    'tcp_retransmit_skb',
    'tcp_send_active_reset',
    'tcp_send_ack',
    'tcp_send_delayed_ack',
    'tcp_send_fin',
    'tcp_send_loss_probe',
    'tcp_small_queue_check',
    'tcp_snd_wnd_test',
    'tcp_tso_segs',
    'tcp_tso_should_defer',
    'tcp_tsq_handler',
    'tcp_update_skb_after_send',
    'tcp_write_wakeup',
    'tcp_write_xmit',
    'tcp_xmit_probe_skb',
    'tso_fragment',
  ],
  'net/ipv4/tcp_recovery.c': ['tcp_newreno_mark_lost', 'tcp_rack_detect_loss', 'tcp_rack_mark_lost', 'tcp_rack_reo_timeout'],
  'net/ipv4/tcp_timer.c': ['tcp_delack_timer', 'tcp_retransmit_timer', 'tcp_write_timeout'],
  'net/sched/sch_fifo.c': ['pfifo_enqueue'],
  'net/sched/sch_fq.c': ['fq_enqueue'],
};

/** Model function (kernel function name) → the tree-relative file that defines it. */
export const kernelFiles: ReadonlyMap<string, string> = new Map(
  Object.entries(byFile).flatMap(([file, fns]) => fns.map((fn) => [fn, file] as const)),
);

/** The file that defines `fn`, when the model traces it. */
export function kernelFileOf(fn: string): string | undefined {
  return kernelFiles.get(fn);
}
