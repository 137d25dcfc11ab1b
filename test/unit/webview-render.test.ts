// The path panel in a real browser: the page the host serves (same HTML, same strict CSP, the
// bundled script built from media/main.ts now), driven through the same messages the extension
// sends, with acquireVsCodeApi stubbed to record what the webview posts and keeps.
// Needs Debian's chromium (/usr/bin/chromium, or KPATH_CHROMIUM); skipped without it unless CI is set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openPanelPage, shots, skip, startPanelServer, type PanelServer } from '../helpers/webviewPage';
import type { FromWebview, ToWebview, WebviewState } from '../../media/messages';
import type { CallPath } from '../../server/protocol';
import { brokenPath, cloudSendPath, fn, recvPath, sendPath } from './webview-fixture';

let panel: PanelServer;

before(async () => {
  if (!skip) panel = await startPanelServer();
});

after(async () => {
  await panel?.close();
});

interface Recorded {
  posted: FromWebview[];
  state: WebviewState | undefined;
  violations: string[];
}
declare global {
  interface Window {
    __kpath: Recorded;
  }
}

/** Open the panel page with a stubbed VS Code API (and an optional saved state, as after a reload). */
async function openPanel(saved?: WebviewState, width = 1500): Promise<{ page: Page; errors: string[] }> {
  return openPanelPage(
    panel,
    `(() => {
    const rec = { posted: [], state: ${JSON.stringify(saved ?? null)} ?? undefined, violations: [] };
    window.__kpath = rec;
    document.addEventListener('securitypolicyviolation', (e) => rec.violations.push(e.violatedDirective + ' ' + e.blockedURI));
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => rec.posted.push(m),
      getState: () => rec.state,
      setState: (s) => { rec.state = s; },
    });
  })();`,
    "window.__kpath.posted.some((m) => m.type === 'ready')",
    { width, height: 1100 },
  );
}

async function send(page: Page, m: ToWebview): Promise<void> {
  await page.evaluate((msg) => window.postMessage(msg, '*'), m);
}

const recorded = (page: Page) => page.evaluate(() => window.__kpath);
const sendQuery = { kind: 'send', params: { family: 'ipv4' } } as const;

async function showSendPath(page: Page, path: CallPath = sendPath()): Promise<void> {
  await send(page, { type: 'path', query: sendQuery, title: 'send() path (IPv4)', path });
  await page.waitForSelector('.box[data-fn="__netdev_start_xmit"]');
}

test('the panel says ready, draws the whole send path in lanes, with labelled edges and the drivers', { skip }, async () => {
  const { page, errors } = await openPanel();
  await showSendPath(page);
  const path = sendPath();
  const names = await page.$$eval('.box', (els) => els.map((e) => e.getAttribute('data-fn')));
  assert.deepEqual(names, [path.hops[0].from.name, ...path.hops.map((h) => h.to.name)]);

  // Each box sits under its lane's header.
  for (const [name, lane] of [
    ['__sys_sendto', 'syscall'],
    ['inet_sendmsg', 'inet'],
    ['tcp_write_xmit', 'tcp'],
    ['ip_queue_xmit', 'ip'],
    ['NF_HOOK_COND', 'netfilter'],
    ['neigh_hh_output', 'neighbour'],
    ['__qdisc_run', 'qdisc'],
    ['__dev_queue_xmit', 'device'],
  ]) {
    const box = (await page.locator(`.box[data-fn="${name}"]`).boundingBox())!;
    const head = (await page.locator(`.lane-head[data-lane="${lane}"]`).boundingBox())!;
    const mid = box.x + box.width / 2;
    assert.ok(mid > head.x && mid < head.x + head.width, `${name} is in the ${lane} lane`);
  }

  const labels = await page.$$eval('.edge .edge-label', (els) => els.map((e) => e.textContent));
  assert.ok(labels.includes('INDIRECT_CALL hint (proto_ops.sendmsg)'));
  assert.ok(labels.includes('through inet_connection_sock_af_ops.queue_xmit'));
  assert.ok(labels.includes('passed as argument (NF_HOOK_COND#6)'));
  assert.equal(labels.filter((l) => l === 'direct').length, path.hops.filter((h) => h.kind === 'direct').length);
  assert.deepEqual(await page.$$eval('.driver-list .chip', (els) => els.map((e) => e.textContent).sort()), [
    'e1000_xmit_frame',
    'loopback_xmit',
    'start_xmit',
    'veth_xmit',
  ]);
  assert.equal(
    await page.textContent('#summary'),
    `${path.hops.length} hops · ${path.hops.filter((h) => h.kind !== 'direct').length} indirect · 4 drivers`,
  );
  // Without a configuration there is nothing to filter: no toggle, no build states.
  assert.equal(await page.isVisible('#targets-filter'), false);
  assert.equal(await page.locator('.built').count(), 0);
  await page.screenshot({ path: join(shots, 'send-path.png') });
  await page.locator('.chip[data-fn="veth_xmit"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'send-path-end.png') });

  const rec = await recorded(page);
  assert.deepEqual(rec.violations, [], 'nothing is blocked by the CSP (no inline styles or scripts)');
  assert.deepEqual(errors, []);
  assert.equal(rec.state?.path?.hops.length, path.hops.length, 'the path is kept in the webview state');
  await page.close();
});

test('clicking a box, a driver or an edge asks the host to open that place', { skip }, async () => {
  const { page } = await openPanel();
  await showSendPath(page);
  await page.click('.box[data-fn="tcp_write_xmit"]');
  await page.click('.chip[data-fn="loopback_xmit"]');
  await page.click('.edge[data-hop="2"] .edge-label');
  const opens = (await recorded(page)).posted.filter((m) => m.type === 'open');
  assert.deepEqual(
    opens.map((m) => m.type === 'open' && m.location),
    [
      { id: 'tcp_write_xmit@net/ipv4/tcp_output.c', name: 'tcp_write_xmit', file: 'net/ipv4/tcp_output.c', line: 2752, col: 0 },
      { id: 'loopback_xmit@drivers/net/loopback.c', name: 'loopback_xmit', file: 'drivers/net/loopback.c', line: 68, col: 0 },
      { file: 'net/socket.c', line: 711, col: 1 },
    ],
  );
  await page.close();
});

test('the keyboard moves between boxes, opens one, and reaches the alternatives of a hop', { skip }, async () => {
  const { page } = await openPanel();
  await showSendPath(page);
  await page.focus('.box[data-fn="__sys_sendto"]');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-fn')), 'inet_sendmsg');
  // Only the focused box is in the tab order (roving tabindex).
  assert.deepEqual(await page.$$eval('.box[tabindex="0"]', (els) => els.map((e) => e.getAttribute('data-fn'))), ['inet_sendmsg']);
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-fn')), '__netdev_start_xmit');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('a');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SELECT');
  const options = await page.$$eval('select:focus option', (els) => els.map((e) => (e as HTMLOptionElement).value));
  assert.deepEqual(options, ['inet_sendmsg', 'inet6_sendmsg', 'unix_stream_sendmsg']);
  const posted = (await recorded(page)).posted;
  assert.deepEqual(
    posted.find((m) => m.type === 'open'),
    { type: 'open', location: sendPath().hops[2].to },
  );
  const state = (await recorded(page)).state;
  assert.equal(state?.focused, 3, 'the focused box is kept for a reload');
  await page.close();
});

test('picking another target at an indirect hop asks for the path through it', { skip }, async () => {
  const { page } = await openPanel();
  await showSendPath(page);
  const hop = sendPath().hops.findIndex((h) => h.to.name === 'tcp_sendmsg');
  await page.selectOption(`select.alternatives[data-hop="${hop}"]`, 'udp_sendmsg');
  assert.deepEqual(
    (await recorded(page)).posted.filter((m) => m.type === 'switch'),
    [{ type: 'switch', hop, through: 'udp_sendmsg', leg: 0 }],
  );
  assert.equal(await page.getAttribute('#status', 'class'), 'loading');
  // The IPv6 toggle asks for the IPv6 path.
  await page.click('button[data-family="ipv6"]');
  assert.deepEqual((await recorded(page)).posted.at(-1), { type: 'query', query: { kind: 'send', params: { family: 'ipv6' } } });
  await page.close();
});

test('hovering a box shows its file:line and the evidence for the hop that reached it', { skip }, async () => {
  const { page } = await openPanel();
  await showSendPath(page);
  await page.hover('.box[data-fn="tcp_sendmsg"]');
  const text = await page.textContent('#inspector');
  assert.match(text ?? '', /tcp_sendmsg net\/ipv4\/tcp\.c:1353/);
  assert.match(text ?? '', /INDIRECT_CALL hint \(proto\.sendmsg\) from inet_sendmsg, call at net\/ipv4\/af_inet\.c:851/);
  assert.match(text ?? '', /init into proto\.sendmsg at net\/ipv4\/tcp_ipv4\.c:3340/);
  assert.match((await page.getAttribute('.box[data-fn="tcp_sendmsg"]', 'title')) ?? '', /^tcp_sendmsg — net\/ipv4\/tcp\.c:1353\n/);
  await page.screenshot({ path: join(shots, 'hover.png') });
  await page.close();
});

test('a broken path shows what was found and marks the break between the right boxes', { skip }, async () => {
  const { page, errors } = await openPanel();
  await showSendPath(page, brokenPath());
  const br = page.locator('.break');
  assert.equal(await br.count(), 1);
  assert.match(
    (await br.textContent()) ?? '',
    /path broken: no way found from __tcp_transmit_skb to dev_queue_xmit — no target found for icsk_af_ops->queue_xmit/,
  );
  const y = async (sel: string) => (await page.locator(sel).boundingBox())!.y;
  assert.ok((await y('.box[data-fn="__tcp_transmit_skb"]')) < (await y('.break')));
  assert.ok((await y('.break')) < (await y('.box[data-fn="dev_queue_xmit"]')));
  assert.equal(await page.locator('.box[data-fn="ip_queue_xmit"]').count(), 0);
  assert.match((await page.textContent('#summary')) ?? '', /broken/);
  await page.screenshot({ path: join(shots, 'broken.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('after a reload the saved state is drawn at once, before the host answers', { skip }, async () => {
  const saved: WebviewState = { query: sendQuery, title: 'send() path (IPv4)', path: sendPath(), focused: 5 };
  const { page } = await openPanel(saved);
  assert.equal(await page.locator('.box').count(), sendPath().hops.length + 1);
  assert.equal(await page.getAttribute('.box[data-fn="tcp_sendmsg_locked"]', 'tabindex'), '0');
  assert.equal(await page.textContent('#title'), 'send() path (IPv4)');
  await page.close();
});

test('names from the tree are text, never markup', { skip }, async () => {
  const { page } = await openPanel();
  const evil = fn('<img src=x onerror="window.__pwned=1">', 'net/<b>x</b>.c', 1);
  const path: CallPath = {
    hops: [
      {
        from: fn('__sys_sendto', 'net/socket.c', 2161),
        to: evil,
        kind: 'field',
        via: '<i>ops</i>.x',
        site: { file: 'net/socket.c', line: 1, col: 1 },
        evidence: [],
        alternatives: [evil],
      },
    ],
  };
  await send(page, { type: 'path', query: sendQuery, title: '<script>alert(1)</script>', path });
  await page.waitForSelector('.box >> nth=1');
  assert.equal(await page.locator('#diagram img, #diagram b, #diagram i, #title script').count(), 0);
  assert.equal(await page.textContent('#title'), '<script>alert(1)</script>');
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  await page.close();
});

test('an error from the server is shown without losing the page', { skip }, async () => {
  const { page } = await openPanel();
  await showSendPath(page);
  await send(page, { type: 'error', query: sendQuery, title: 'send() path (IPv4)', message: 'index not ready' });
  await page.waitForSelector('#status.error');
  assert.equal(await page.textContent('#status'), 'index not ready');
  assert.equal(await page.locator('.box').count(), sendPath().hops.length + 1);
  await page.close();
});

test('in a narrow panel the lanes become one column with a heading per layer change', { skip }, async () => {
  const { page } = await openPanel(undefined, 700);
  await showSendPath(page);
  assert.equal(await page.locator('.lane-head').first().isVisible(), false);
  const headings = await page.locator('.layer-change').allInnerTexts();
  assert.deepEqual(headings, ['syscall', 'socket', 'INET', 'TCP', 'IP', 'netfilter', 'IP', 'neighbour', 'device', 'qdisc', 'device']);
  // One column: every box starts at the same x, and the page does not scroll sideways.
  const xs = new Set(await page.locator('.box').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().x))));
  assert.equal(xs.size, 1);
  assert.ok(
    await page.evaluate(() => document.getElementById('diagram')!.scrollWidth <= document.getElementById('diagram')!.clientWidth + 1),
  );
  await page.screenshot({ path: join(shots, 'narrow.png') });
  await page.close();
});

test(
  'with a kernel config, alternatives and drivers list what it compiles by folder, and the toggle shows the rest',
  { skip },
  async () => {
    const { page, errors } = await openPanel();
    const path = cloudSendPath();
    await showSendPath(page, path);
    const nosec = path.hops.findIndex((h) => h.via === 'proto_ops.sendmsg');
    const groups = () =>
      page.$$eval('.driver-group', (els) =>
        els.map((g) => [g.getAttribute('data-folder'), ...Array.from(g.querySelectorAll('.chip'), (c) => c.getAttribute('data-fn'))]),
      );
    const options = () =>
      page.$$eval(`select.alternatives[data-hop="${nosec}"] option`, (els) =>
        els.map((o) => [o.parentElement?.getAttribute('label') ?? '', o.getAttribute('value'), o.textContent]),
      );

    assert.equal(await page.isVisible('#targets-filter'), true);
    assert.equal(await page.getAttribute('button[data-targets="compiled"]', 'aria-pressed'), 'true');
    assert.match((await page.textContent('#summary')) ?? '', / · 5 of 8 drivers compiled$/);
    assert.equal(await page.textContent('.driver-counts'), '5 compiled · 3 more not in this config');
    // Compiled only: by folder in the server's order, by name inside a folder, each with its state.
    assert.deepEqual(await groups(), [
      ['drivers/net/', 'ifb_xmit', 'loopback_xmit', 'start_xmit', 'veth_xmit'],
      ['drivers/net/ethernet/amazon/ena/', 'ena_start_xmit'],
    ]);
    assert.equal(await page.textContent('.chip[data-fn="veth_xmit"] .built'), 'm veth');
    assert.equal(await page.textContent('.chip[data-fn="loopback_xmit"] .built'), 'y');
    assert.match((await page.getAttribute('.chip[data-fn="ena_start_xmit"]', 'title')) ?? '', /built as a module \(ena\.ko\)/);
    assert.deepEqual(await options(), [
      ['net/ipv4/', 'inet_sendmsg', 'inet_sendmsg [y] (shown)'],
      ['net/ipv6/', 'inet6_sendmsg', 'inet6_sendmsg [y] — af_inet6.c'],
      ['net/unix/', 'unix_stream_sendmsg', 'unix_stream_sendmsg [y] — af_unix.c'],
      ['net/smc/', 'smc_sendmsg', 'smc_sendmsg [m smc] — af_smc.c'],
      ['', '', '+1 not in this config ("all targets" lists them)'],
    ]);
    assert.match(
      (await page.getAttribute(`select.alternatives[data-hop="${nosec}"]`, 'aria-label')) ?? '',
      /\(4 compiled · 1 more not in this config\)$/,
    );

    await page.click('button[data-targets="all"]');
    await page.waitForSelector('.chip[data-fn="e1000_xmit_frame"]');
    assert.equal(await page.getAttribute('button[data-targets="all"]', 'aria-pressed'), 'true');
    assert.deepEqual(await groups(), [
      ['drivers/net/', 'ifb_xmit', 'loopback_xmit', 'start_xmit', 'veth_xmit'],
      ['drivers/net/ethernet/amazon/ena/', 'ena_start_xmit'],
      ['drivers/net/ethernet/intel/e1000/', 'e1000_xmit_frame'],
      ['drivers/net/ethernet/intel/igb/', 'igb_xmit_frame'],
      ['drivers/net/ethernet/realtek/', 'rtl8169_start_xmit'],
    ]);
    assert.equal(await page.getAttribute('.chip[data-fn="igb_xmit_frame"]', 'class'), 'chip driver not-built');
    assert.match(
      (await page.getAttribute('.chip[data-fn="igb_xmit_frame"]', 'title')) ?? '',
      /not compiled in this config \(CONFIG_IGB is not set\)/,
    );
    assert.deepEqual(
      (await options()).map((o) => o[1]),
      ['inet_sendmsg', 'inet6_sendmsg', 'unix_stream_sendmsg', 'rxrpc_sendmsg', 'smc_sendmsg'],
    );
    assert.equal((await recorded(page)).state?.allTargets, true, 'the choice is kept for a reload');
    await page.locator('.drivers').screenshot({ path: join(shots, 'drivers-all-targets.png') });

    // Back to what the config compiles; the hop's own target and the focused box are where they were.
    await page.focus('.box[data-fn="tcp_sendmsg"]');
    await page.click('button[data-targets="compiled"]');
    await page.waitForSelector('.chip[data-fn="e1000_xmit_frame"]', { state: 'detached' });
    assert.equal(await page.getAttribute('.box[data-fn="tcp_sendmsg"]', 'tabindex'), '0');
    assert.equal((await recorded(page)).state?.allTargets, false);
    assert.deepEqual(errors, []);
    assert.deepEqual((await recorded(page)).violations, []);
    await page.close();
  },
);

test('Receive draws the two receive legs under their headings, in the lanes the server gives', { skip }, async () => {
  const { page, errors } = await openPanel();
  await showSendPath(page);
  await page.click('button[data-direction="recv"]');
  assert.deepEqual((await recorded(page)).posted.at(-1), { type: 'query', query: { kind: 'recv', params: { family: 'ipv4' } } });
  const { deliver, read } = recvPath();
  const recvQuery = { kind: 'recv', params: { family: 'ipv4' } } as const;
  await send(page, { type: 'path', query: recvQuery, title: 'receive path (IPv4)', path: deliver, read });
  await page.waitForSelector('.box[data-fn="tcp_v4_rcv"]');
  assert.deepEqual(await page.$$eval('.leg-title', (els) => els.map((e) => e.textContent)), [
    'packet in: from the device up to the socket’s wakeup',
    'recvfrom(): from the socket down to the copy to user memory',
  ]);
  const legNames = (leg: number) => page.$$eval(`.box[data-leg="${leg}"]`, (els) => els.map((e) => e.getAttribute('data-fn')));
  assert.deepEqual(await legNames(0), [deliver.hops[0].from.name, ...deliver.hops.map((h) => h.to.name)]);
  assert.deepEqual(await legNames(1), [read.hops[0].from.name, ...read.hops.map((h) => h.to.name)]);
  for (const [name, lane] of [
    ['__netif_receive_skb_core', 'device'],
    ['ip_rcv', 'ip'],
    ['ip_local_deliver_finish', 'ip'],
    ['tcp_rcv_established', 'tcp'],
    ['sock_recvmsg', 'socket'],
    ['inet_recvmsg', 'inet'],
    ['skb_copy_datagram_iter', 'core'],
  ]) {
    const box = (await page.locator(`.box[data-fn="${name}"]`).boundingBox())!;
    const head = (await page.locator(`.lane-head[data-lane="${lane}"]`).boundingBox())!;
    const mid = box.x + box.width / 2;
    assert.ok(mid > head.x && mid < head.x + head.width, `${name} is in the ${lane} lane`);
  }
  // The packet leg ends at the socket's wakeup, with its targets.
  assert.equal(await page.textContent('.edge[data-slot="sock.sk_data_ready"] .edge-label'), 'sock.sk_data_ready targets (1)');
  assert.deepEqual(await page.$$eval('.driver-list .chip', (els) => els.map((e) => e.getAttribute('data-fn'))), ['sock_def_readable']);
  assert.equal(await page.getAttribute('button[data-direction="recv"]', 'aria-pressed'), 'true');
  assert.equal(await page.textContent('#summary'), `${deliver.hops.length + read.hops.length} hops · 7 indirect`);
  // The netfilter branch of the packet leg is a control; the read leg has none.
  assert.deepEqual(await page.$$eval('#branches select', (els) => els.map((e) => e.getAttribute('data-branch'))), ['netfilter']);
  await page.screenshot({ path: join(shots, 'recv-path.png') });

  // A switch on the read leg names its leg; the host keeps the packet leg's switches.
  const hop = read.hops.findIndex((h) => h.to.name === 'tcp_recvmsg');
  await page.selectOption(`select.alternatives[data-hop="${hop}"][data-leg="1"]`, 'udp_recvmsg');
  assert.deepEqual((await recorded(page)).posted.at(-1), { type: 'switch', hop, through: 'udp_recvmsg', leg: 1 });
  // Both legs are kept for a reload.
  const st = (await recorded(page)).state!;
  assert.deepEqual([st.query.kind, st.path?.hops.length, st.read?.hops.length], ['recv', deliver.hops.length, read.hops.length]);
  assert.deepEqual(errors, []);
  assert.deepEqual((await recorded(page)).violations, []);
  await page.close();
});

test('a branch of the path is a select: choosing an option asks again with it; side calls are drawn apart', { skip }, async () => {
  const { page } = await openPanel();
  const path = sendPath();
  const at = path.hops.findIndex((h) => h.to.name === 'NF_HOOK_COND') + 1;
  const nfHook = fn('nf_hook', 'include/linux/netfilter.h', 223, true);
  const slow = fn('nf_hook_slow', 'net/netfilter/core.c', 616);
  const site = { file: 'include/linux/netfilter.h', line: 250, col: 2 };
  const withBranches: CallPath = {
    ...path,
    branches: [
      {
        id: 'qdisc',
        label: 'device queue',
        default: 'queue',
        chosen: 'queue',
        options: [
          { id: 'queue', label: 'device with a queue (a NIC: pfifo_fast, fq_codel, mq): through traffic control' },
          { id: 'noqueue', label: 'no queue (loopback, tunnels, virtual devices): straight to the driver' },
        ],
      },
      {
        id: 'netfilter',
        label: 'netfilter hooks',
        default: 'none',
        chosen: 'hooks',
        options: [
          { id: 'none', label: 'no hooks registered: NF_HOOK calls okfn directly' },
          { id: 'hooks', label: 'hooks registered (iptables/nftables, conntrack): NF_HOOK runs them, then calls okfn' },
        ],
      },
    ],
    sideCalls: [
      {
        at,
        branch: 'netfilter',
        hops: [
          {
            from: path.hops[at - 1].to,
            to: { ...nfHook, lane: 'netfilter' },
            kind: 'direct',
            via: '',
            site,
            evidence: [],
            alternatives: [],
          },
          { from: nfHook, to: { ...slow, lane: 'netfilter' }, kind: 'direct', via: '', site, evidence: [], alternatives: [] },
        ],
      },
    ],
  };
  const query = { kind: 'send', params: { family: 'ipv4', branches: { netfilter: 'hooks' } } } as const;
  await send(page, { type: 'path', query, title: 'send() path (IPv4)', path: withBranches });
  await page.waitForSelector('.side-call');
  assert.deepEqual(
    await page.$$eval('#branches select', (els) => els.map((e) => [e.getAttribute('data-branch'), (e as HTMLSelectElement).value])),
    [
      ['qdisc', 'queue'],
      ['netfilter', 'hooks'],
    ],
  );
  // The side calls follow NF_HOOK_COND's box, as chips, not as boxes of the path.
  assert.deepEqual(await page.$$eval('.side-call .side-fn', (els) => els.map((e) => e.getAttribute('data-fn'))), [
    'nf_hook',
    'nf_hook_slow',
  ]);
  assert.equal(await page.getAttribute('.side-call', 'data-from'), 'NF_HOOK_COND');
  assert.equal(await page.locator('.box[data-fn="nf_hook_slow"]').count(), 0);
  const box = (await page.locator('.box[data-fn="NF_HOOK_COND"]').boundingBox())!;
  const side = (await page.locator('.side-call').boundingBox())!;
  const next = (await page.locator('.box[data-fn="ip_finish_output"]').boundingBox())!;
  assert.ok(box.y < side.y && side.y < next.y, 'drawn between the box that makes the calls and the next box');
  await page.locator('.side-call').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'send-path-side-calls.png') });
  await page.click('.side-fn[data-fn="nf_hook_slow"]');
  const open = (await recorded(page)).posted.at(-1);
  assert.deepEqual(open?.type === 'open' && [open.location.file, open.location.line], ['net/netfilter/core.c', 615]);

  await page.selectOption('select[data-branch="qdisc"]', 'noqueue');
  assert.deepEqual((await recorded(page)).posted.at(-1), {
    type: 'query',
    query: { kind: 'send', params: { family: 'ipv4', branches: { netfilter: 'hooks', qdisc: 'noqueue' } } },
  });
  assert.equal(await page.getAttribute('#status', 'class'), 'loading');
  await page.close();
});

test('while the index is being built the panel says so, not "0 hops · broken"', { skip }, async () => {
  const { page } = await openPanel();
  await send(page, {
    type: 'loading',
    query: sendQuery,
    title: 'send() path (IPv4)',
    message: 'Waiting for the index: the index is still being built…',
  });
  assert.equal(await page.textContent('#status'), 'Waiting for the index: the index is still being built…');
  assert.equal(await page.textContent('#summary'), '');
  assert.equal(await page.locator('.break').count(), 0);
  await page.close();
});
