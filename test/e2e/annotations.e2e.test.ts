// Automatic annotations in real VS Code (code-server), on a copy of the minikernel fixture (small,
// indexed in seconds): a function of the send() path carries the lens "send path · step k of n ·
// next: …" whose click opens the path panel at that function; an indirect call site is underlined;
// a function reached only through a pointer says so at the end of its header line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openFile, packageVsix, repo, skipReason, startWorkbench, webviewFrame, type Workbench } from './harness';

// Needs code-server and chromium, not the kernel tree: the test writes a tree of its own.
const skip = skipReason(false);
let wb: Workbench | undefined;
let root = '';

before(async () => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), 'kpath-annotations-tree-'));
  cpSync(join(repo, 'test', 'fixtures', 'minikernel'), root, { recursive: true });
  wb = await startWorkbench({
    folder: root,
    vsix: packageVsix(),
    settings: { 'kpath.include': ['net/**', 'include/**', 'drivers/net/**', 'fs/**'] },
  });
});
after(async () => {
  await wb?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Texts of the editor's inline elements drawn with a dotted underline (our indirect-call decoration). */
async function dottedTexts(page: Page): Promise<string[]> {
  return page.locator('.monaco-editor .view-lines span').evaluateAll((els) =>
    els
      .filter((e) => {
        const s = getComputedStyle(e);
        return s.textDecorationLine.includes('underline') && s.textDecorationStyle === 'dotted';
      })
      .map((e) => e.textContent ?? ''),
  );
}

test('send-path lens, indirect-call underline and indirect-only mark on the minikernel', { skip, timeout: 240_000 }, async () => {
  const page = wb!.page;
  try {
    await page.locator('.statusbar-item[id$="kpath.status"][aria-label^="kpath ready"]').waitFor({ timeout: 120_000 });
    await openFile(page, 'net/ipv4/af_inet.c');
    const lens = page.locator('.codelens-decoration a', { hasText: /^send path · step \d+ of \d+ · next: tcp_sendmsg$/ });
    await lens.waitFor({ timeout: 60_000 });
    // The server's own lens on the indirect call is there too, and the call is underlined.
    await page.locator('.codelens-decoration a', { hasText: /targets?:.*tcp_sendmsg/ }).waitFor();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.monaco-editor .view-lines span')].some((e) => getComputedStyle(e).textDecorationStyle === 'dotted'),
    );
    const dotted = (await dottedTexts(page)).join('|');
    assert.match(dotted, /sendmsg/, `the indirect call is underlined (${dotted})`);
    // inet_sendmsg has no direct caller: its header line says through which pointer it is reached.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.monaco-editor .view-lines span')].some((e) =>
        /only via proto_ops\.sendmsg/.test(`${e.textContent ?? ''} ${getComputedStyle(e, '::after').content}`),
      ),
    );
    await wb!.shot('annotations-01-lenses');

    await lens.click();
    const frame = webviewFrame(page);
    await frame.locator('.box[data-fn="inet_sendmsg"][tabindex="0"]').waitFor({ timeout: 60_000 });
    await wb!.shot('annotations-02-panel-at-step');
  } catch (e) {
    await wb!.shot('annotations-failure');
    throw e;
  }
});
