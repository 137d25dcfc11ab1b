// kpath in real VS Code (code-server) on the real 6.12 tree, used the way a person would: open
// net/socket.c, go to the definition of `sendmsg` in sock_sendmsg_nosec and see inet_sendmsg and
// inet6_sendmsg in the peek; open the call hierarchy of tcp_sendmsg; show the send() path and find
// its hops in the panel; click tcp_write_xmit and land on its definition. A screenshot per step goes
// to test-results/e2e/. Positions are found by text in the tree, so another version works too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  activeTab, cursorAt, definitionLine, goTo, openFile, packageVsix, positionOf, runCommand, skipReason, startWorkbench, webviewFrame, type Workbench,
} from './harness';

const skip = skipReason();
let wb: Workbench | undefined;
// Indexing the whole tree the first time takes minutes; later steps are quick.
const indexTimeout = 15 * 60_000;

before(async () => {
  if (skip) return;
  wb = await startWorkbench({ folder: process.env.KPATH_KERNEL!, vsix: packageVsix() });
});
after(async () => { await wb?.close(); });

/** All rows of the peek's reference tree, with every file group expanded (the list is virtual, so walk it by keyboard). */
async function peekRows(page: Page): Promise<string[]> {
  const tree = page.locator('.peekview-widget .ref-tree');
  // The selected row is the one scrolled into view; clicking it puts the keyboard in the tree.
  await tree.locator('.monaco-list-row.selected').first().click();
  await page.keyboard.press('Home');
  await tree.locator('.monaco-list-row.focused[data-index="0"]').waitFor();
  const rows: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const row = tree.locator('.monaco-list-row.focused');
    if ((await row.getAttribute('aria-expanded')) === 'false') await page.keyboard.press('ArrowRight');
    rows.push(await row.innerText());
    const index = await row.getAttribute('data-index');
    await page.keyboard.press('ArrowDown');
    if ((await tree.locator('.monaco-list-row.focused').getAttribute('data-index')) === index) break;
  }
  return rows;
}

test('the send() path of a 6.12 tree, as a person finds it', { skip, timeout: indexTimeout + 5 * 60_000 }, async (t) => {
  const page = wb!.page;
  const status = page.locator('.statusbar-item[id$="kpath.status"]');

  await t.test('the index gets ready', async () => {
    await status.waitFor();
    await page.locator('.statusbar-item[id$="kpath.status"][aria-label^="kpath ready"]').waitFor({ timeout: indexTimeout });
    await wb!.shot('01-index-ready');
  });

  await t.test('F12 on sendmsg in sock_sendmsg_nosec peeks inet_sendmsg and inet6_sendmsg', async () => {
    await openFile(page, 'net/socket.c');
    const at = positionOf('net/socket.c', 'READ_ONCE(sock->ops)->sendmsg', 'READ_ONCE(sock->ops)->'.length + 2, 'sock_sendmsg_nosec(struct socket *sock');
    await goTo(page, at.line, at.col);
    await wb!.shot('02-socket-c-cursor');
    await page.keyboard.press('F12');
    await page.locator('.peekview-widget .ref-tree .monaco-list-row').first().waitFor();
    await wb!.shot('03-peek-definition');
    const rows = (await peekRows(page)).join('\n');
    assert.match(rows, /\binet_sendmsg\(/, 'inet_sendmsg is among the definitions');
    assert.match(rows, /\binet6_sendmsg\(/, 'inet6_sendmsg is among the definitions');
    await wb!.shot('04-peek-expanded');
    await page.keyboard.press('Escape');
  });

  await t.test('the call hierarchy of tcp_sendmsg lists its callers through proto.sendmsg', async () => {
    await openFile(page, 'net/ipv4/tcp.c');
    const def = definitionLine('net/ipv4/tcp.c', 'tcp_sendmsg');
    const at = positionOf('net/ipv4/tcp.c', 'tcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)\n{', 2);
    assert.equal(at.line, def);
    await goTo(page, at.line, at.col);
    await page.keyboard.press('Shift+Alt+H');
    const tree = page.locator('[id="workbench.view.extension.references-view"] .monaco-list-row');
    await tree.filter({ hasText: 'inet_sendmsg' }).first().waitFor();
    await wb!.shot('05-call-hierarchy');
    const callers = await tree.allInnerTexts();
    assert.ok(callers.some((r) => r.includes('tcp_sendmsg')), 'the root is tcp_sendmsg');
    assert.ok(callers.some((r) => r.includes('inet_sendmsg')), `inet_sendmsg calls it (rows: ${callers.join(' | ')})`);
  });

  const frame = webviewFrame(page);
  await t.test('Show send() Path draws __sys_sendto → tcp_sendmsg → ip_queue_xmit → dev_queue_xmit → drivers', async () => {
    await runCommand(page, 'kpath: Show send() Path');
    await frame.locator('.box[data-fn="__sys_sendto"]').waitFor({ timeout: 120_000 });
    await wb!.shot('06-send-path');
    const names = await frame.locator('.box').evaluateAll((els) => els.map((e) => e.getAttribute('data-fn') ?? ''));
    const order = ['__sys_sendto', 'tcp_sendmsg', 'tcp_write_xmit', 'ip_queue_xmit', 'dev_queue_xmit'];
    const idx = order.map((n) => names.indexOf(n));
    assert.ok(idx.every((i) => i >= 0), `all of ${order.join(', ')} are boxes (got ${names.join(' → ')})`);
    assert.deepEqual([...idx].sort((a, b) => a - b), idx, 'in this order');
    // The indirect hop into the INET layer is labelled with its slot.
    const labels = await frame.locator('.edge .edge-label').allInnerTexts();
    assert.ok(labels.some((l) => /proto_ops\.sendmsg/.test(l)), `an edge goes through proto_ops.sendmsg (${labels.join(' | ')})`);
    // The path ends at ndo_start_xmit's targets, the drivers.
    const drivers = await frame.locator('.driver-list .chip').evaluateAll((els) => els.map((e) => e.getAttribute('data-fn') ?? ''));
    assert.ok(drivers.length >= 10, `many ndo_start_xmit targets (${drivers.length})`);
    await frame.locator('.driver-filter').fill('loopback');
    await frame.locator('.chip[data-fn="loopback_xmit"]').waitFor();
    await wb!.shot('07-send-path-drivers');
    await frame.locator('.driver-filter').fill('');
  });

  await t.test('clicking tcp_write_xmit opens its definition', async () => {
    await frame.locator('.box[data-fn="tcp_write_xmit"]').click();
    await activeTab(page, 'tcp_output.c');
    await cursorAt(page, definitionLine('net/ipv4/tcp_output.c', 'tcp_write_xmit'));
    await wb!.shot('08-tcp-write-xmit');
  });
});
