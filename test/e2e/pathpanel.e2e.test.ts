// The path panel in real VS Code (code-server) on the real 6.12 tree, as a person uses it: the send
// path through the device's queue (the qdisc box), a branch switched in the panel (no queue,
// netfilter hooks drawn as side calls), a UDP hop in the UDP lane, the receive path's two legs in
// their lanes, Run lighting a receive box and clearing it when closed, the receive-path code lens,
// and the panel after a window reload drawing the path by itself once the index is ready. Screenshots go to test-results/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import {
  definitionLine,
  goTo,
  openFile,
  runCommand,
  skipReason,
  kernelWorkbench,
  INDEX_TIMEOUT,
  webviewFrame,
  dataFns,
  inOrder,
} from './harness';

const skip = skipReason();
const kernel = kernelWorkbench(skip);
const indexTimeout = INDEX_TIMEOUT;

/** The text of the lane heading above a box: the column the person reads it under. */
async function laneAbove(frame: FrameLocator, fn: string): Promise<string> {
  return frame
    .locator(`.box[data-fn="${fn}"]`)
    .first()
    .evaluate((box) => {
      const r = box.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const head = Array.from(document.querySelectorAll<HTMLElement>('.lane-head')).find((h) => {
        const hr = h.getBoundingClientRect();
        return hr.left <= x && x < hr.right;
      });
      return head?.textContent ?? '';
    });
}

/** Wait until the panel is drawn and not loading (the status line is empty). */
async function settled(frame: FrameLocator): Promise<void> {
  await frame.locator('body:not(.loading)').waitFor();
  await frame.locator('#status:empty').waitFor({ state: 'attached' });
}

test(
  'the path panel: branches, lanes by protocol, the receive path, Run, a reload',
  { skip, timeout: indexTimeout + 10 * 60_000 },
  async (t) => {
    const page = kernel.wb.page;
    const frame = webviewFrame(page);
    const ready = page.locator('.statusbar-item[id$="kpath.status"][aria-label^="kpath ready"]');

    await t.test('the index gets ready', async () => {
      await ready.waitFor({ timeout: indexTimeout });
      // The panel gets the window's width, as a person reading a diagram of 15 lanes would give it.
      await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
      await page.locator('.part.sidebar').waitFor({ state: 'hidden' });
    });

    await t.test('the send path goes through the device queue: a qdisc box between __dev_xmit_skb and the driver', async () => {
      await runCommand(page, 'kpath: Show send() Path');
      await frame.locator('.box[data-fn="sch_direct_xmit"]').waitFor({ timeout: 120_000 });
      await settled(frame);
      await frame.locator('.box[data-fn="sch_direct_xmit"]').scrollIntoViewIfNeeded();
      await kernel.wb.shot('panel-01-send-qdisc');
      inOrder(await dataFns(frame), ['__dev_queue_xmit', '__dev_xmit_skb', 'sch_direct_xmit', 'dev_hard_start_xmit']);
      assert.equal(await frame.locator('.box[data-fn="sch_direct_xmit"]').getAttribute('data-layer'), 'qdisc');
      assert.equal(await laneAbove(frame, 'sch_direct_xmit'), 'qdisc');
      // The branch is a control, showing the option taken.
      assert.equal(await frame.locator('select[data-branch="qdisc"]').inputValue(), 'queue');
    });

    await t.test('switching the device to "no queue" redraws the path straight to the driver', async () => {
      await frame.locator('select[data-branch="qdisc"]').selectOption('noqueue');
      await frame.locator('.box[data-fn="sch_direct_xmit"]').waitFor({ state: 'detached', timeout: 120_000 });
      await settled(frame);
      await kernel.wb.shot('panel-02-send-noqueue');
      const names = await dataFns(frame);
      inOrder(names, ['__dev_queue_xmit', 'dev_hard_start_xmit']);
      assert.ok(!names.includes('__dev_xmit_skb'), names.join(' → '));
      assert.equal(await frame.locator('select[data-branch="qdisc"]').inputValue(), 'noqueue');
      await frame.locator('select[data-branch="qdisc"]').selectOption('queue');
      await frame.locator('.box[data-fn="sch_direct_xmit"]').waitFor({ timeout: 120_000 });
      await settled(frame);
    });

    await t.test('netfilter hooks on: the hooks NF_HOOK runs hang off the path as side calls', async () => {
      assert.equal(await frame.locator('.side-call').count(), 0);
      await frame.locator('select[data-branch="netfilter"]').selectOption('hooks');
      await frame.locator('.side-call').first().waitFor({ state: 'attached', timeout: 120_000 });
      await settled(frame);
      await frame.locator('.side-call').first().scrollIntoViewIfNeeded();
      await kernel.wb.shot('panel-03-send-hooks');
      const side = await frame.locator('.side-call .side-fn').evaluateAll((els) => els.map((e) => e.getAttribute('data-fn')));
      assert.ok(side.includes('nf_hook_slow'), side.join(' '));
      // Side calls are not boxes of the path: the path itself is the same.
      assert.ok(!(await dataFns(frame)).includes('nf_hook_slow'));
      await frame.locator('select[data-branch="netfilter"]').selectOption('none');
      await frame.locator('.side-call').first().waitFor({ state: 'detached', timeout: 120_000 });
      await settled(frame);
    });

    await t.test('after switching proto.sendmsg to udp_sendmsg, udp_sendmsg is drawn in the UDP lane', async () => {
      const sel = frame.locator('select.alternatives', { has: frame.locator('option[value="udp_sendmsg"]') }).first();
      await sel.selectOption('udp_sendmsg');
      await frame.locator('.box[data-fn="udp_sendmsg"]').waitFor({ timeout: 120_000 });
      await settled(frame);
      await frame.locator('.box[data-fn="udp_sendmsg"]').scrollIntoViewIfNeeded();
      await kernel.wb.shot('panel-04-udp-lane');
      assert.equal(await frame.locator('.box[data-fn="udp_sendmsg"]').getAttribute('data-layer'), 'udp');
      assert.equal(await laneAbove(frame, 'udp_sendmsg'), 'UDP');
      assert.ok(!(await dataFns(frame)).includes('tcp_sendmsg'));
    });

    await t.test('Receive draws the two receive legs in the receive layers', async () => {
      await frame.locator('button[data-direction="recv"]').click();
      await frame.locator('.box[data-fn="tcp_v4_rcv"]').waitFor({ timeout: 120_000 });
      await settled(frame);
      await frame.locator('#diagram').evaluate((d) => d.scrollTo(0, 0));
      await kernel.wb.shot('panel-05-receive');
      assert.equal(await frame.locator('button[data-direction="recv"]').getAttribute('aria-pressed'), 'true');
      const legs = await frame.locator('.leg-title').allInnerTexts();
      assert.equal(legs.length, 2, legs.join(' | '));
      const deliver = await dataFns(frame, '.box[data-leg="0"]');
      const read = await dataFns(frame, '.box[data-leg="1"]');
      inOrder(deliver, ['__netif_receive_skb_core', 'ip_rcv', 'ip_rcv_finish', 'ip_local_deliver', 'tcp_v4_rcv', 'tcp_rcv_established']);
      inOrder(read, ['__sys_recvfrom', 'sock_recvmsg', 'inet_recvmsg', 'tcp_recvmsg', 'tcp_recvmsg_locked']);
      const lanes = await Promise.all(['__netif_receive_skb_core', 'ip_rcv', 'NF_HOOK', 'tcp_v4_rcv'].map((f) => laneAbove(frame, f)));
      assert.deepEqual(lanes, ['device', 'IP', 'netfilter', 'TCP']);
      assert.equal(await laneAbove(frame, 'sock_recvmsg'), 'socket');
      // The packet leg ends at the socket's wakeup: sk_data_ready's targets are listed.
      assert.ok((await frame.locator('.edge[data-slot="sock.sk_data_ready"]').count()) === 1);
    });

    await t.test('Run lights a receive box as the model takes an ACK in; closing Run clears it', async () => {
      await frame.locator('#simulate').click();
      // Step the default scenario (writes, and a peer that ACKs them) until the ACK comes in.
      const litIn = frame.locator('.box.sim-active[data-leg="0"]');
      for (let i = 0; i < 400 && (await litIn.count()) === 0; i++) await frame.locator('.sim-step').click();
      await kernel.wb.shot('panel-06-run-receive');
      assert.equal(await litIn.count(), 1, 'a box of the packet leg lit up as the model took a packet in');
      const lit = await frame.locator('.box.sim-active').getAttribute('data-fn');
      assert.ok(lit, 'a box is lit');
      await frame.locator('#simulate').click();
      await frame.locator('#simulation').waitFor({ state: 'hidden' });
      await kernel.wb.shot('panel-07-run-closed');
      assert.equal(await frame.locator('.sim-active').count(), 0, `nothing stays lit after closing Run (${lit} was)`);
    });

    await t.test('after a window reload the panel draws the path by itself once the index is ready', async () => {
      await page.reload();
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      // Right after the reload: the saved path, or a word that the index is not ready; never an empty broken path.
      await frame.locator('#summary').waitFor({ timeout: 120_000 });
      await kernel.wb.shot('panel-09-after-reload');
      const seen = new Set<string>();
      const deadline = Date.now() + 5 * 60_000;
      // The direction restored is the one VS Code saved last (it saves webview state lazily, so it
      // may be the view before the last switch); either way its own boxes must come by themselves.
      const settled = async (): Promise<boolean> => {
        const recv = (await frame.locator('button[data-direction="recv"]').getAttribute('aria-pressed')) === 'true';
        return (await frame.locator(`.box[data-fn="${recv ? 'tcp_v4_rcv' : '__sys_sendto'}"]`).count()) > 0;
      };
      for (;;) {
        const summary = await frame
          .locator('#summary')
          .innerText()
          .catch(() => '');
        const status = await frame
          .locator('#status')
          .innerText()
          .catch(() => '');
        seen.add(`${summary} | ${status}`);
        if ((await settled()) && (await ready.count()) > 0 && status === '') break;
        assert.ok(Date.now() < deadline, `the panel never settled: ${[...seen].join(' / ')}`);
        await page.waitForTimeout(250);
      }
      await kernel.wb.shot('panel-10-after-reload-ready');
      for (const s of seen) assert.doesNotMatch(s, /^0 hops|no way found from {2}to/, [...seen].join(' / '));
      // The panel asked again by itself (no Refresh), and no warning that no tree is open was shown.
      assert.equal(await page.locator('.notifications-toasts', { hasText: 'Open a kernel tree' }).count(), 0);
    });

    await t.test('a receive-path code lens on tcp_v4_rcv opens the receive path at that box', async () => {
      await frame.locator('button[data-direction="send"]').click();
      await frame.locator('.box[data-fn="__sys_sendto"]').waitFor({ timeout: 120_000 });
      await openFile(page, 'net/ipv4/tcp_ipv4.c');
      await goTo(page, definitionLine('net/ipv4/tcp_ipv4.c', 'tcp_v4_rcv'), 1);
      const lens = page.locator('.codelens-decoration a', { hasText: /^receive path · step \d+ of \d+ · next: tcp_v4_do_rcv$/ });
      await lens.waitFor({ timeout: 120_000 });
      await kernel.wb.shot('panel-08-receive-lens');
      await lens.click();
      await frame.locator('.box[data-fn="tcp_v4_rcv"][tabindex="0"]').waitFor({ timeout: 120_000 });
      assert.equal(await frame.locator('button[data-direction="recv"]').getAttribute('aria-pressed'), 'true');
    });
  },
);
