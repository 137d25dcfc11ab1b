// A kernel config in real VS Code (code-server) on the real 6.12 tree, as a person uses it: choose
// Debian's cloud-amd64 config with kpath: Choose Kernel Config…, see it in the status bar, then list
// the targets of `READ_ONCE(sock->ops)->sendmsg` in sock_sendmsg_nosec. The pick must list the
// INDIRECT_CALL hints first, in the order the macro tests them, and then exactly what the config
// compiles, in the server's order; what it does not compile is one row away. The expected answer
// comes from the CLI on the same tree and config, not from a list written here.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { configCandidates } from '../../server/config/candidates';
import {
  activeTab,
  cursorAt,
  definitionLine,
  goTo,
  openFile,
  positionOf,
  quickPickRows,
  repo,
  results,
  runCommand,
  skipReason,
  kernelWorkbench,
  type PickRow,
} from './harness';

const CONFIG = 'config.amd64_none_cloud-amd64.xz';
const LABEL = 'config.amd64_none_cloud-amd64';
const kernel = process.env.KPATH_KERNEL ?? '';
const configFile = kernel ? configCandidates(kernel).find((c) => basename(c.file) === CONFIG)?.file : undefined;

function why(): string | false {
  const s = skipReason();
  if (s || configFile) return s;
  const reason = `Debian's ${CONFIG} is not installed (apt-get install linux-config-6.12)`;
  if (process.env.CI) throw new Error(`e2e prerequisites missing in CI: ${reason}`);
  return reason;
}
const skip = why();

let tmp = '';
let workspaceFile = '';
const workbench = kernelWorkbench(skip, () => {
  // A workspace file of its own, so that the chosen config is written there and not into the tree.
  tmp = mkdtempSync(join(tmpdir(), 'kpath-config-e2e-'));
  workspaceFile = join(tmp, 'kernel.code-workspace');
  writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: kernel }], settings: {} }, null, 2));
  return { workspace: workspaceFile };
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface CliTarget {
  name: string;
  hint: boolean;
  built?: string;
}

/** What the CLI says of the indirect call on that line with the same config (the cache is shared, so it is warm). */
function cliTargets(line1: number): CliTarget[] {
  const r = spawnSync(
    process.execPath,
    [join(repo, 'dist', 'cli.js'), 'targets', kernel, `net/socket.c:${line1}`, '--config', configFile!, '--json'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  assert.equal(r.status, 0, r.stderr);
  const sites = JSON.parse(r.stdout) as { slot: string; targets: CliTarget[] }[];
  const site = sites.find((s) => s.slot === 'proto_ops.sendmsg');
  assert.ok(site, `the CLI finds proto_ops.sendmsg on net/socket.c:${line1} (${sites.map((s) => s.slot).join(', ')})`);
  assert.ok(
    site.targets.every((t) => t.built !== undefined),
    'the CLI answers with build states for the config',
  );
  return site.targets;
}

const targetRows = (rows: PickRow[]) => rows.filter((r) => /:\d+$/.test(r.description));

test(
  'a kernel config chosen from the palette: the targets of sock->ops->sendmsg are what it compiles, hints first',
  { skip, timeout: 20 * 60_000 },
  async (t) => {
    const page = workbench.wb.page;
    const timings: string[] = [];
    const timed = async (name: string, step: () => Promise<void>) => {
      const t0 = Date.now();
      await t.test(name, step);
      timings.push(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    };
    const at = positionOf(
      'net/socket.c',
      'READ_ONCE(sock->ops)->sendmsg',
      'READ_ONCE(sock->ops)->'.length + 2,
      'sock_sendmsg_nosec(struct socket *sock',
    );
    const title = page.locator('.quick-input-widget .quick-input-title');

    await timed('the index gets ready, answering for every configuration', async () => {
      await page.locator('.statusbar-item[id$="kpath.status"][aria-label^="kpath ready"]').waitFor({ timeout: 15 * 60_000 });
      await page.locator('.statusbar-item[id$="kpath.config"][aria-label="kpath config: all configs"]').waitFor();
    });

    await timed(`kpath: Choose Kernel Config… offers Debian's configs; picking ${CONFIG} shows it in the status bar`, async () => {
      await runCommand(page, 'kpath: Choose Kernel Config…');
      const rows = page.locator('.quick-input-list .monaco-list-row');
      await rows.filter({ hasText: 'None (every configuration)' }).waitFor();
      const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      assert.ok(
        labels.some((l) => l.startsWith('config.amd64_none_amd64.xz, ')),
        `both Debian configs are offered (${labels.join(' | ')})`,
      );
      await rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${CONFIG.replace(/\./g, '\\.')}$`) }) }).click();
      const item = page.locator(`.statusbar-item[id$="kpath.config"][aria-label="kpath config: ${LABEL}"]`);
      await item.waitFor({ timeout: 5 * 60_000 });
      assert.match(await item.innerText(), new RegExp(`${LABEL}$`));
      // The choice is the workspace's setting, as an absolute path.
      assert.equal(
        (JSON.parse(readFileSync(workspaceFile, 'utf8')) as { settings: Record<string, unknown> }).settings['kpath.config'],
        configFile,
      );
      await item.screenshot({ path: join(results, 'config-01-statusbar.png') });
    });

    const expected = cliTargets(at.line);
    const hints = expected.filter((x) => x.hint).map((x) => x.name);
    const compiled = expected.filter((x) => x.built !== 'n').map((x) => x.name);
    const notCompiled = expected.filter((x) => x.built === 'n').map((x) => x.name);

    await timed('kpath: Show Targets of Indirect Call lists the hints first, then exactly what the config compiles', async () => {
      assert.deepEqual(
        hints.slice(0, 2),
        ['inet6_sendmsg', 'inet_sendmsg'],
        'INDIRECT_CALL_INET tests inet6_sendmsg first when IPv6 is built in',
      );
      assert.ok(notCompiled.length > 0, 'the config leaves some targets out (else this test would show nothing)');
      await openFile(page, 'net/socket.c');
      await goTo(page, at.line, at.col);
      await runCommand(page, 'kpath: Show Targets of Indirect Call');
      await title
        .filter({ hasText: `proto_ops.sendmsg — ${compiled.length} of ${expected.length} targets in ${LABEL}` })
        .waitFor({ timeout: 60_000 });
      await page.locator('.quick-input-widget').screenshot({ path: join(results, 'config-02-targets.png') });
      const rows = await quickPickRows(page);
      const names = targetRows(rows).map((r) => r.label);
      assert.deepEqual(names.slice(0, hints.length), hints, 'the hints first, in the order the macro tests them');
      assert.ok(names.slice(0, 2).includes('inet_sendmsg'));
      assert.deepEqual(names, compiled, "every compiled target, in the server's order, and nothing else");
      for (const n of notCompiled) assert.ok(!names.includes(n), `${n} is not compiled in ${LABEL} and not listed`);
      assert.match(targetRows(rows)[0].description, /^hint · [ym?]/);
      assert.match(targetRows(rows)[0].detail, /^init proto_ops\.sendmsg at net\/ipv6\/af_inet6\.c:\d+/);
      assert.equal(rows.at(-1)?.label, `Show ${notCompiled.length} more not compiled in ${LABEL}…`);
      assert.equal(rows.at(-1)?.detail, '');
    });

    await timed(`Show ${notCompiled.length} more… reveals the targets it does not compile, each saying why`, async () => {
      // The last row, in view: reading the rows left the list at its bottom.
      // Labels start with their icon's space: ` Show 28 more…`.
      await page.locator('.quick-input-list .monaco-list-row .label-name', { hasText: /^\s*Show \d+ more not compiled/ }).click();
      await title.filter({ hasText: `${compiled.length} of ${expected.length}` }).waitFor();
      await page
        .locator('.quick-input-list .monaco-list-row .label-description', { hasText: /^\s*n · / })
        .first()
        .waitFor();
      const rows = await quickPickRows(page);
      assert.deepEqual(
        targetRows(rows).map((r) => r.label),
        [...compiled, ...notCompiled],
      );
      const revealed = targetRows(rows).slice(compiled.length);
      for (const r of revealed) assert.match(`${r.description} | ${r.detail}`, /^n · .* \| not compiled: ./, r.label);
      assert.equal(revealed[0].separator, `not compiled in ${LABEL}`, 'under a separator that says so');
    });

    await timed('picking inet_sendmsg opens its definition', async () => {
      const input = page.locator('.quick-input-widget input.input');
      await input.fill('inet_sendmsg');
      await page.locator('.quick-input-list .monaco-list-row .label-name', { hasText: /^\s*inet_sendmsg$/ }).click();
      await activeTab(page, 'af_inet.c');
      await cursorAt(page, definitionLine('net/ipv4/af_inet.c', 'inet_sendmsg'));
    });

    t.diagnostic(timings.join('; '));
  },
);
