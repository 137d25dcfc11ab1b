// Real VS Code for the end-to-end tests: package the .vsix, install it into code-server (from
// .tools/, see scripts/e2e-setup.sh), start code-server on 127.0.0.1 at a free port with a fresh
// user-data dir, and drive Debian's chromium with playwright-core the way a person would: the
// command palette, Quick Open, Go to Line, the keyboard. Every wait is on a signal (a selector, a
// status-bar text, an HTTP answer), never a fixed sleep; code-server is always stopped at the end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';

export const repo = resolve(__dirname, '../..');
export const tools = join(repo, '.tools');
export const results = join(repo, 'test-results', 'e2e');
const node24Bin = join(tools, 'node24', 'node_modules', '.bin');
const codeServerBin = join(tools, 'code-server', 'node_modules', '.bin', 'code-server');
export const chromiumPath = process.env.KPATH_CHROMIUM ?? '/usr/bin/chromium';

/** Why the e2e tests cannot run here, or undefined when they can. CI sets CI=1 to turn a skip into a failure. */
export function missing(needsKernel = true): string | undefined {
  if (needsKernel && !process.env.KPATH_KERNEL) return 'KPATH_KERNEL is not set (scripts/fetch-kernel.sh prints the tree)';
  if (needsKernel && !existsSync(join(process.env.KPATH_KERNEL!, 'net', 'socket.c')))
    return `KPATH_KERNEL=${process.env.KPATH_KERNEL} has no net/socket.c`;
  if (!existsSync(codeServerBin) || !existsSync(join(node24Bin, 'node')))
    return 'code-server or node@24 missing in .tools/: run scripts/e2e-setup.sh';
  if (!existsSync(chromiumPath)) return `no chromium at ${chromiumPath}: apt-get install -y chromium`;
  return undefined;
}

/** A skip reason for node:test, except under CI where a missing piece must fail the run. Tests on a tree of their own pass `needsKernel = false`. */
export function skipReason(needsKernel = true): string | false {
  const why = missing(needsKernel);
  if (!why) return false;
  if (process.env.CI) throw new Error(`e2e prerequisites missing in CI: ${why}`);
  return why;
}

export const node24 = join(node24Bin, 'node');
export const envWithNode24 = () => ({ ...process.env, PATH: `${node24Bin}:${process.env.PATH ?? ''}` });

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? repo, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Build the bundles and package the .vsix exactly as a release would (offline). */
export function packageVsix(): string {
  mkdirSync(results, { recursive: true });
  const out = join(results, 'kpath.vsix');
  run(process.execPath, ['esbuild.mjs']);
  run(join(repo, 'node_modules', '.bin', 'vsce'), [
    'package',
    '--allow-missing-repository',
    '--skip-license',
    '--no-rewrite-relative-links',
    '-o',
    out,
  ]);
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/** Poll a condition (an HTTP answer, a file) until it holds; the interval is a poll, not a guess at a duration. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, died?: () => string | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    const d = died?.();
    if (d) throw new Error(`${what}: ${d}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface Workbench {
  page: Page;
  url: string;
  userDataDir: string;
  /** Where the .vsix was installed: <extensionsDir>/kpath.kpath-<version>/. */
  extensionsDir: string;
  /** Take a screenshot into test-results/e2e/<name>.png. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  folder: string;
  /** Open this .code-workspace (holding `folder`) instead of the folder alone: workspace settings then go to that file, not into the tree. */
  workspace?: string;
  vsix: string;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
}

/** Indexing the kernel tree the first time takes minutes; later steps are quick. */
export const INDEX_TIMEOUT = 15 * 60_000;

/**
 * The kernel tree (KPATH_KERNEL) in code-server for the tests of one file: started before them and
 * closed after (node:test hooks registered here), unless `skip`. `options` runs in the before hook
 * (a workspace file made there). `wb` is the running workbench.
 */
export function kernelWorkbench(skip: string | false, options: () => Partial<StartOptions> = () => ({})): { readonly wb: Workbench } {
  let wb: Workbench | undefined;
  before(async () => {
    if (!skip) wb = await startWorkbench({ folder: process.env.KPATH_KERNEL!, vsix: packageVsix(), ...options() });
  });
  after(async () => {
    await wb?.close();
  });
  return {
    get wb(): Workbench {
      if (!wb) throw new Error('the workbench is not running (skipped, or it failed to start)');
      return wb;
    },
  };
}

export async function startWorkbench(opts: StartOptions): Promise<Workbench> {
  mkdirSync(results, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'kpath-e2e-'));
  const userDataDir = join(tmp, 'user-data');
  const extensionsDir = join(tmp, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        // Without this the tree opens in Restricted Mode and extensions stay off.
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.enableExperiments': false,
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'git.enabled': false,
        'editor.gotoLocation.multipleDefinitions': 'peek',
        ...opts.settings,
      },
      null,
      2,
    ),
  );

  run(codeServerBin, ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', opts.vsix], {
    env: envWithNode24(),
  });

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(results, 'code-server.log'));
  const cs: ChildProcess = spawn(
    codeServerBin,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
    ],
    { env: { ...envWithNode24(), KPATH_E2E: '1' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cs.stdout?.pipe(log);
  cs.stderr?.pipe(log);
  // If this test process is killed, its `after` hooks do not run: take code-server's process
  // group down with it (code-server is detached so that the group can be signalled at all).
  const killGroup = () => {
    try {
      if (cs.pid) process.kill(-cs.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  const onSignal = () => {
    killGroup();
    process.exit(130);
  };
  process.once('exit', killGroup);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let exited: string | undefined;
  cs.once('exit', (code, sig) => {
    exited = `code-server exited (${code ?? sig}); see test-results/e2e/code-server.log`;
  });

  let browser: Browser | undefined;
  let lastPage: Page | undefined;
  const stop = async () => {
    // What the screen showed at the end: the first thing to look at when a step failed.
    await lastPage?.screenshot({ path: join(results, 'last.png') }).catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (cs.pid && cs.exitCode === null && cs.signalCode === null) {
      // The process group: code-server forks its own node processes (the extension host, our server).
      const gone = new Promise<void>((r) => cs.once('exit', () => r()));
      try {
        process.kill(-cs.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-cs.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await gone;
      clearTimeout(timer);
    }
    process.off('exit', killGroup);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Keep the logs (extension host, our output channel) next to the screenshots.
    try {
      cpSync(join(userDataDir, 'logs'), join(results, 'logs'), { recursive: true });
    } catch {
      /* no logs */
    }
    log.end();
    rmSync(tmp, { recursive: true, force: true });
  };

  try {
    await until(
      'code-server to answer',
      async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined),
      60_000,
      () => exited,
    );
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    lastPage = page;
    // Errors in the workbench and in our webview (its frames report here too), for diagnosis.
    const consoleLog = createWriteStream(join(results, 'browser-console.log'));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleLog.write(`[${m.type()}] ${m.text()}\n`);
    });
    page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.message}\n`));
    page.on('close', () => consoleLog.end());
    page.setDefaultTimeout(30_000);
    await page.goto(
      opts.workspace ? `${url}/?workspace=${encodeURIComponent(opts.workspace)}` : `${url}/?folder=${encodeURIComponent(opts.folder)}`,
    );
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    return {
      page,
      url,
      userDataDir,
      extensionsDir,
      shot: async (name) => {
        await page.screenshot({ path: join(results, `${name}.png`) });
      },
      close: stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

// ---- Acting like a person ----

/** F1, type the command's title, Enter. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  // Wait until the palette shows exactly this command, so Enter does not run another one.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

export interface PickRow {
  index: number;
  label: string;
  description: string;
  detail: string;
  /** The label of a separator just above this row ('' if none): VS Code draws it on the row itself. */
  separator: string;
}

/**
 * Every row of the open quick pick, in order. Its list draws only the rows in view, so scroll
 * through it as a person would, from the top, reading each row once; it is left at the bottom.
 */
export async function quickPickRows(page: Page): Promise<PickRow[]> {
  const list = page.locator('.quick-input-widget .quick-input-list');
  // Rows are reused as the list scrolls: a part the row does not use is hidden, not emptied.
  const read = () =>
    list.locator('.monaco-list-row').evaluateAll((els) =>
      els.map((e) => {
        // No named helper in here: tsx would wrap it in a `__name` call the page does not have.
        const names = e.querySelectorAll('.label-name');
        const [label, description, detail, separator] = [
          names[0],
          e.querySelector('.label-description'),
          names[1],
          e.querySelector('.quick-input-list-separator'),
        ].map((el) => (el && (el as HTMLElement).checkVisibility() ? (el.textContent?.trim() ?? '') : ''));
        return {
          index: Number(e.getAttribute('data-index')),
          size: Number(e.getAttribute('aria-setsize')),
          label,
          description,
          detail,
          separator,
        };
      }),
    );
  /** Scroll by `dy` and wait until the list has drawn other rows; false at the end. */
  const scroll = async (dy: number): Promise<boolean> => {
    const first = (await read())[0]?.index;
    await list.hover();
    await page.mouse.wheel(0, dy);
    return page
      .waitForFunction(
        (f) => Number(document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row')?.getAttribute('data-index')) !== f,
        first,
        { timeout: 2000 },
      )
      .then(
        () => true,
        () => false,
      );
  };
  await list.locator('.monaco-list-row').first().waitFor();
  while (!(await read()).some((r) => r.index === 0))
    if (!(await scroll(-2000))) throw new Error('the quick pick does not scroll back to its top');
  const rows = new Map<number, PickRow>();
  for (;;) {
    const seen = await read();
    for (const { size: _, ...r } of seen) rows.set(r.index, r);
    if (rows.size >= (seen[0]?.size ?? 0)) break;
    if (!(await scroll(300))) throw new Error(`the quick pick stopped scrolling after ${rows.size} of ${seen[0]?.size} rows`);
  }
  return [...rows.values()].sort((a, b) => a.index - b.index);
}

/** Ctrl+P, type a path of the tree, Enter; resolves when its editor is the active one. */
export async function openFile(page: Page, rel: string): Promise<void> {
  const name = rel.split('/').pop()!;
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(rel);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await activeTab(page, name);
}

export async function activeTab(page: Page, name: string): Promise<void> {
  await page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).waitFor();
}

/** Ctrl+G to a 1-based line and column; resolves when the status bar says the cursor is there. */
export async function goTo(page: Page, line1: number, col1: number): Promise<void> {
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line1}:${col1}`);
  await page.keyboard.press('Enter');
  await cursorAt(page, line1, col1);
}

/** The status bar's `Ln x, Col y`. */
export async function cursorAt(page: Page, line1: number, col1?: number): Promise<void> {
  const text = col1 === undefined ? `Ln ${line1},` : `Ln ${line1}, Col ${col1}`;
  await page.locator('#status\\.editor\\.selection', { hasText: text }).waitFor();
}

/** The frame of our webview: code-server nests the content in an iframe inside the webview's iframe. */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

// ---- Finding positions in the real tree by text, not by hard-coded line numbers ----

export function readTree(rel: string): string {
  return readFileSync(join(process.env.KPATH_KERNEL!, rel), 'utf8');
}

/** 1-based line and column of `needle` in a file, at `offset` characters into the match. */
export function positionOf(rel: string, needle: string, offset = 0, after?: string): { line: number; col: number } {
  const text = readTree(rel);
  const from = after ? text.indexOf(after) : 0;
  if (from < 0) throw new Error(`${after} not in ${rel}`);
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`${needle} not in ${rel}`);
  const before = text.slice(0, at + offset);
  const line = before.split('\n').length;
  const col = at + offset - before.lastIndexOf('\n');
  return { line, col };
}

/** 1-based line of a function's definition (not a prototype): the signature is followed by `{`, not `;`. */
export function definitionLine(rel: string, name: string): number {
  const lines = readTree(rel).split('\n');
  const start = new RegExp(`^[A-Za-z_].*\\b${name}\\(`);
  for (let i = 0; i < lines.length; i++) {
    if (!start.test(lines[i])) continue;
    for (let j = i; j < Math.min(lines.length, i + 12); j++) {
      const l = lines[j].trimEnd();
      if (l.endsWith(';')) break;
      if (l === '{' || l.endsWith('{')) return i + 1;
    }
  }
  throw new Error(`no definition of ${name} in ${rel}`);
}

/** The function each element of the panel names (`data-fn`): its boxes by default, or drivers, side calls. */
export function dataFns(frame: FrameLocator, selector = '.box'): Promise<string[]> {
  return frame.locator(selector).evaluateAll((els) => els.map((e) => e.getAttribute('data-fn') ?? ''));
}

/** That `order` are all among `names`, in that order (others may stand between them). */
export function inOrder(names: string[], order: string[]): void {
  const idx = order.map((n) => names.indexOf(n));
  assert.ok(
    idx.every((i) => i >= 0),
    `all of ${order.join(', ')} are boxes (got ${names.join(' → ')})`,
  );
  assert.deepEqual(
    [...idx].sort((a, b) => a - b),
    idx,
    `in this order: ${names.join(' → ')}`,
  );
}
