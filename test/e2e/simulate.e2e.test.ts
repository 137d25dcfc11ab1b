// The panel's Run in real VS Code (code-server) on the real 6.12 tree, as a person uses it: show the
// send() path, open Run, play two 100-byte writes with Nagle on and watch the second wait for the
// ACK, open tcp_write_xmit from the decision log, then play one of the tree's own packetdrill
// scripts, read by the extension host from tools/testing/selftests/net/packetdrill/.
// Screenshots go to test-results/e2e/simulate-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { activeTab, cursorAt, definitionLine, runCommand, skipReason, kernelWorkbench, INDEX_TIMEOUT, webviewFrame } from './harness';

const skip = skipReason();
const kernel = kernelWorkbench(skip);
const indexTimeout = INDEX_TIMEOUT;
const slowStart = 'tcp_slow_start_slow-start-ack-per-1pkt.pkt';

test('Run plays a send() through the path in the panel', { skip, timeout: indexTimeout + 5 * 60_000 }, async (t) => {
  const page = kernel.wb.page;
  const frame = webviewFrame(page);
  const rows = () =>
    frame
      .locator('.sim-timeline tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));

  await t.test('the index gets ready and the send() path is drawn', async () => {
    await page.locator('.statusbar-item[id$="kpath.status"][aria-label^="kpath ready"]').waitFor({ timeout: indexTimeout });
    await runCommand(page, 'kpath: Show send() Path');
    await frame.locator('.box[data-fn="tcp_write_xmit"]').waitFor({ timeout: 120_000 });
  });

  await t.test('Nagle on: the second write waits for the ACK, and the log says why', async () => {
    await frame.locator('#simulate').click();
    await frame.locator('#simulation').waitFor();
    await frame.locator('input[data-field="writes"]').fill('2');
    await frame.locator('input[data-field="bytesPerWrite"]').fill('100');
    await frame.locator('input[data-field="nagle"]').setChecked(true);
    await frame.locator('.sim-speed').selectOption('0');
    await frame.locator('.sim-run').click();
    await frame.locator('.sim-status', { hasText: 'done' }).waitFor();
    const data = (await rows()).filter((r) => r[2] === '→ out' && !r[4].endsWith('(0)')).map((r) => [r[1], r[3], r[4]]);
    assert.deepEqual(data, [
      ['10.000', 'P.', '1:101(100)'],
      ['20.000', 'P.', '101:201(100)'],
    ]);
    const held = frame.locator('.sim-entry[data-fn="tcp_nagle_test"]');
    assert.match((await held.textContent()) ?? '', /held by Nagle: .*100 bytes \(< mss 1460\) queued/);
    await held.scrollIntoViewIfNeeded();
    await kernel.wb.shot('simulate-nagle');
  });

  await t.test('Step lights the box of the step; a step on the path opens its function', async () => {
    await frame.locator('.sim-speed').selectOption('10');
    await frame.locator('.sim-run').click();
    await frame.locator('.sim-pause').click();
    for (let i = 0; i < 200 && (await frame.locator('.sim-entry.current[data-fn="tcp_nagle_test"]').count()) === 0; i++) {
      await frame.locator('.sim-step').click();
    }
    await frame.locator('.box.sim-active[data-fn="tcp_write_xmit"]').waitFor();
    await kernel.wb.shot('simulate-step');
    await frame.locator('.sim-entry[data-fn="tcp_write_xmit"] a.sim-fn').first().click();
    await activeTab(page, 'tcp_output.c');
    await cursorAt(page, definitionLine('net/ipv4/tcp_output.c', 'tcp_write_xmit'));
    await kernel.wb.shot('simulate-opened');
  });

  await t.test('back on the panel, the run is where it was', async () => {
    // The editor opened in the panel's group and hid it; VS Code reloads a webview when it is shown again.
    await page.locator('.tabs-container .tab', { hasText: 'send() path' }).click();
    await frame.locator('.sim-entry.current[data-fn="tcp_nagle_test"]').waitFor();
    await frame.locator('.box.sim-active[data-fn="tcp_write_xmit"]').waitFor();
  });

  await t.test(
    `the tree's ${slowStart} is read by the host and played`,
    {
      skip:
        !existsSync(join(process.env.KPATH_KERNEL ?? '', 'tools/testing/selftests/net/packetdrill', slowStart)) &&
        'no packetdrill selftests in this tree',
    },
    async () => {
      await frame.locator(`#sim-source option[value="${slowStart}"]`).waitFor({ state: 'attached' });
      await frame.locator('#sim-source').selectOption(slowStart);
      await frame.locator('.sim-speed').selectOption('0');
      await frame.locator('.sim-run').click();
      const status = frame.locator('.sim-status', { hasText: 'done' });
      await status.waitFor();
      const m = /(\d+)\/(\d+) outbound lines matched/.exec((await status.textContent()) ?? '');
      assert.ok(m && Number(m[2]) > 0 && m[1] === m[2], `every outbound line of ${slowStart} matched (${await status.textContent()})`);
      assert.ok((await rows()).filter((r) => r[2] === '→ out').length >= 10);
      await kernel.wb.shot('simulate-script');
    },
  );
});
