// The packaged extension in real VS Code (code-server) on the real tree: it installs, activates on
// the kernel folder, shows its status-bar item, and its commands are in the command palette.
// This part does not depend on what the server answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { packageVsix, runCommand, skipReason, startWorkbench, webviewFrame, type Workbench } from './harness';

const skip = skipReason();
let wb: Workbench | undefined;

before(async () => {
  if (skip) return;
  wb = await startWorkbench({ folder: process.env.KPATH_KERNEL!, vsix: packageVsix() });
});
after(async () => { await wb?.close(); });

test('kpath activates on the kernel tree and offers its commands', { skip, timeout: 240_000 }, async () => {
  const page = wb!.page;
  // Activation on workspaceContains:net/socket.c shows the status-bar item without opening a file.
  const item = page.locator('.statusbar-item[id$="kpath.status"]');
  await item.waitFor();
  await wb!.shot('activation-statusbar');
  assert.match((await item.getAttribute('aria-label')) ?? '', /^kpath/);

  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input.input').fill('>kpath: ');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.filter({ hasText: 'kpath: Re-index Tree' }).waitFor();
  const titles = await rows.allTextContents();
  await wb!.shot('activation-commands');
  for (const t of ['kpath: Show send() Path', 'kpath: Show Call Path…', 'kpath: Re-index Tree']) {
    assert.ok(titles.some((x) => x.includes(t)), `${t} is in the palette (${titles.join(' | ')})`);
  }
  await page.keyboard.press('Escape');

  // The panel opens and its script runs under the CSP: it replaces the page's placeholder title.
  await runCommand(page, 'kpath: Show send() Path');
  const frame = webviewFrame(page);
  await frame.locator('#title', { hasText: 'send() path (IPv4)' }).waitFor();
  await wb!.shot('activation-panel');
});
