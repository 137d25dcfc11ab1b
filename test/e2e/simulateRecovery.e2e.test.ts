// The panel's Run on loss recovery in real VS Code (code-server), on a small tree written here (the
// path kernel fixture plus one packetdrill script of ours, so nothing waits for the real tree's
// index): play test/fixtures/pkt/live/sack-fast-retransmit.pkt and read, in the log, each recovery
// decision as a sentence beside its kernel function, marked as a decision like the send ones.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageVsix, repo, runCommand, skipReason, startWorkbench, webviewFrame, type Workbench } from './harness';

const skip = skipReason(false);
const script = 'sack-fast-retransmit.pkt';
let wb: Workbench | undefined;
let root = '';

before(async () => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), 'kpath-recovery-tree-'));
  cpSync(join(repo, 'test', 'fixtures', 'pathkernel'), root, { recursive: true });
  const dir = join(root, 'tools', 'testing', 'selftests', 'net', 'packetdrill');
  mkdirSync(dir, { recursive: true });
  for (const f of [script, 'defaults.sh']) cpSync(join(repo, 'test', 'fixtures', 'pkt', 'live', f), join(dir, f));
  wb = await startWorkbench({ folder: root, vsix: packageVsix() });
});
after(async () => {
  await wb?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('Run of a SACK loss says each recovery decision in words', { skip, timeout: 5 * 60_000 }, async () => {
  const page = wb!.page;
  const frame = webviewFrame(page);
  await page.locator('.statusbar-item[id$="kpath.status"][aria-label^="kpath ready"]').waitFor({ timeout: 120_000 });
  await runCommand(page, 'kpath: Show send() Path');
  await frame.locator('#simulate').click();
  await frame.locator(`#sim-source option[value="${script}"]`).waitFor({ state: 'attached' });
  await frame.locator('#sim-source').selectOption(script);
  await frame.locator('.sim-speed').selectOption('0');
  await frame.locator('.sim-run').click();
  const status = frame.locator('.sim-status', { hasText: 'done' });
  await status.waitFor();
  assert.match((await status.textContent()) ?? '', /3\/3 outbound lines matched/);

  const entries = await frame
    .locator('.sim-entry.decision')
    .evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-fn') ?? '', li.querySelector('.sim-note')?.textContent ?? '']));
  const said = (fn: string, words: RegExp) =>
    assert.ok(
      entries.some(([f, n]) => f === fn && words.test(n)),
      `a decision of ${fn} reading ${words}; the log's decisions:\n${entries.map((e) => e.join(': ')).join('\n')}`,
    );
  said('tcp_sacktag_write_queue', /^SACK 1001:4001: 3 segments newly SACKed$/);
  said('tcp_rack_detect_loss', /sent before a delivered one are lost/);
  said('tcp_set_ca_state', /^Open → Recovery: lost segments detected; ssthresh 7/);
  said('tcp_cwnd_reduction', /^PRR: .* cwnd 10 → 7$/);
  said('tcp_retransmit_skb', /^fast retransmit of a lost segment: resend 1:1001/);
  said('tcp_set_ca_state', /^Recovery → Open: recovery done/);
  // Each names its kernel function as a link the host opens from the model's table.
  assert.equal(await frame.locator('.sim-entry[data-fn="tcp_retransmit_skb"] a.sim-fn').count(), 1);
  await frame.locator('.sim-entry[data-fn="tcp_retransmit_skb"]').scrollIntoViewIfNeeded();
  await wb!.shot('simulate-recovery');
});
