// The panel's Run in a real browser: the page the host serves (same HTML, strict CSP, the bundle
// built from media/main.ts now) with the send path drawn, then the simulation driven as a person
// would: open it, fill the form, Run / Step / Pause, click a decision. acquireVsCodeApi is stubbed
// to record what the webview posts and to answer the script requests as the host would.
// Needs Debian's chromium (/usr/bin/chromium, or KPATH_CHROMIUM); skipped without it unless CI is set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openPanelPage, shots, skip, startPanelServer, type PanelServer } from '../helpers/webviewPage';
import type { FromWebview, ToWebview, WebviewState } from '../../media/messages';
import { DEFAULT_SCENARIO } from '../../server/model/index';
import { sendPath } from './webview-fixture';

/** A script as the host would send it for tools/testing/selftests/net/packetdrill/nagle.pkt. */
const nagleScript = [
  '`./defaults.sh`',
  '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
  '+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0',
  '+0 bind(3, ..., ...) = 0',
  '+0 listen(3, 1) = 0',
  '+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>',
  '+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>',
  '+.1 < . 1:1(0) ack 1 win 257',
  '+0 accept(3, ..., ...) = 4',
  '+0 write(4, ..., 100) = 100',
  '+0 > P. 1:101(100) ack 1',
  '+0 write(4, ..., 100) = 100',
  '+.1 < . 1:1(0) ack 101 win 257',
  '+0 > P. 101:201(100) ack 1',
].join('\n');
/** What the script's preamble runs: the part of the selftests' defaults.sh that matters here. */
const defaultsSh =
  'sysctl -q net.ipv4.tcp_timestamps=1\nsysctl -q net.ipv4.tcp_sack=1\nsysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"\n';

let panel: PanelServer;

before(async () => {
  if (!skip) panel = await startPanelServer();
});

after(async () => {
  await panel?.close();
});

interface SimRecorded {
  posted: FromWebview[];
  violations: string[];
}
declare global {
  interface Window {
    __kpathSim: SimRecorded;
  }
}

/** The panel with the send path drawn; the stub answers listScripts/readScript like the host. */
async function openPanel(saved?: WebviewState, width = 1500): Promise<{ page: Page; errors: string[] }> {
  const answers: Record<string, ToWebview> = {
    listScripts: {
      type: 'scripts',
      dir: 'tools/testing/selftests/net/packetdrill',
      names: ['nagle.pkt', 'tcp_slow_start_slow-start-ack-per-1pkt.pkt'],
    },
    readScript: { type: 'script', name: 'nagle.pkt', text: nagleScript, siblings: { 'defaults.sh': defaultsSh } },
  };
  const { page, errors } = await openPanelPage(
    panel,
    `(() => {
    const rec = { posted: [], violations: [] };
    const answers = ${JSON.stringify(answers)};
    window.__kpathSim = rec;
    document.addEventListener('securitypolicyviolation', (e) => rec.violations.push(e.violatedDirective + ' ' + e.blockedURI));
    let state = ${JSON.stringify(saved ?? null)} ?? undefined;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => { rec.posted.push(m); const a = answers[m.type]; if (a) setTimeout(() => window.postMessage(a, '*'), 0); },
      getState: () => state,
      setState: (s) => { state = s; },
    });
  })();`,
    "window.__kpathSim.posted.some((m) => m.type === 'ready')",
    { width, height: 1200 },
  );
  const m: ToWebview = { type: 'path', query: { kind: 'send', params: { family: 'ipv4' } }, title: 'send() path (IPv4)', path: sendPath() };
  await page.evaluate((msg) => window.postMessage(msg, '*'), m);
  await page.waitForSelector('.box[data-fn="tcp_write_xmit"]');
  return { page, errors };
}

async function fillScenario(page: Page, values: { writes: number; bytes: number; nagle: boolean }): Promise<void> {
  await page.fill('input[data-field="writes"]', String(values.writes));
  await page.fill('input[data-field="bytesPerWrite"]', String(values.bytes));
  await page.setChecked('input[data-field="nagle"]', values.nagle);
}

const rows = (page: Page) =>
  page.$$eval('.sim-timeline tbody tr', (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '').slice(1, 7)),
  );
const dataRows = async (page: Page) => (await rows(page)).filter((r) => r[1] === '→ out' && !r[3].endsWith('(0)'));

test('Nagle on: Run fills the timeline, the second write is held until the ACK, and says why', { skip }, async () => {
  const { page, errors } = await openPanel();
  await page.click('#simulate');
  assert.equal(await page.getAttribute('#simulate', 'aria-expanded'), 'true');
  assert.ok(await page.isVisible('#simulation'));
  await fillScenario(page, { writes: 2, bytes: 100, nagle: true });
  await page.selectOption('.sim-speed', '0');
  await page.click('.sim-run');
  await page.waitForSelector('.sim-status:has-text("done")');

  assert.deepEqual(await dataRows(page), [
    ['10.000', '→ out', 'P.', '1:101(100)', '1', '1050'],
    ['20.000', '→ out', 'P.', '101:201(100)', '1', '1050'],
  ]);
  const all = await rows(page);
  const ackIdx = all.findIndex((r) => r[1] === '← in' && r[4] === '101');
  assert.ok(ackIdx > 0 && all[ackIdx][0] === '20.000', 'the ACK of the first write arrives one RTT later');
  assert.ok(all.findIndex((r) => r[3] === '101:201(100)') > ackIdx, 'the held write leaves after that ACK');

  const held = page.locator('.sim-entry[data-fn="tcp_nagle_test"]');
  assert.equal(await held.count(), 1);
  assert.match(
    (await held.textContent()) ?? '',
    /10\.000 ms tcp_nagle_test in tcp_write_xmit held by Nagle: unacked small segment in flight and only 100 bytes \(< mss 1460\) queued/,
  );
  assert.ok(await held.evaluate((e) => e.classList.contains('decision')));
  await page.locator('.simulation').screenshot({ path: join(shots, 'simulate-nagle.png') });

  const rec = await page.evaluate(() => window.__kpathSim);
  assert.deepEqual(rec.violations, [], 'nothing is blocked by the CSP');
  assert.deepEqual(errors, []);
  assert.ok(
    rec.posted.some((m) => m.type === 'listScripts'),
    "opening Run asks the host for the tree's scripts",
  );
  await page.close();
});

test('Nagle off: both writes go at once and nothing is held (in a narrow panel)', { skip }, async () => {
  const { page } = await openPanel(undefined, 700);
  await page.click('#simulate');
  await fillScenario(page, { writes: 2, bytes: 100, nagle: false });
  await page.selectOption('.sim-speed', '0');
  await page.click('.sim-run');
  await page.waitForSelector('.sim-status:has-text("done")');
  assert.deepEqual(
    (await dataRows(page)).map((r) => [r[0], r[3]]),
    [
      ['10.000', '1:101(100)'],
      ['10.000', '101:201(100)'],
    ],
  );
  assert.equal(await page.locator('.sim-entry', { hasText: 'held by Nagle' }).count(), 0);
  assert.equal(await page.locator('.sim-entry[data-fn="__tcp_sock_set_nodelay"]').count(), 1);
  assert.ok(
    await page.evaluate(() => document.getElementById('simulation')!.scrollWidth <= document.getElementById('simulation')!.clientWidth + 1),
    'no sideways scrolling',
  );
  await page.screenshot({ path: join(shots, 'simulate-narrow.png') });
  await page.close();
});

test('Step lights the box of each step on the path; a step links to its function and to its place on the path', { skip }, async () => {
  const { page } = await openPanel();
  await page.click('#simulate');
  await fillScenario(page, { writes: 2, bytes: 100, nagle: true });
  // Step until the Nagle test: it runs inside tcp_write_xmit, whose box is lit.
  for (let i = 0; i < 200; i++) {
    await page.click('.sim-step');
    if (await page.locator('.sim-entry.current[data-fn="tcp_nagle_test"]').count()) break;
  }
  assert.deepEqual(await page.$$eval('.sim-active', (els) => els.map((e) => e.getAttribute('data-fn'))), ['tcp_write_xmit']);
  assert.equal(await page.getAttribute('.box[data-fn="tcp_write_xmit"]', 'aria-current'), 'step');
  assert.match((await page.textContent('.sim-status')) ?? '', /^step \d+ of \d+ · 10\.000 ms · tcp_nagle_test$/);
  assert.equal((await dataRows(page)).length, 1, 'only the first write is on the wire so far');
  await page.screenshot({ path: join(shots, 'simulate-step.png') });

  // One more step: tcp_v4_rcv of the ACK is not on the send path: nothing is lit.
  await page.click('.sim-step');
  assert.equal(await page.locator('.sim-active').count(), 0);

  // Each step names its kernel function for the host to open (file from the model's table); an
  // off-path step also links the path function it runs in, at the path's own location.
  await page.click('.sim-entry[data-fn="tcp_push"] a.sim-fn >> nth=0');
  await page.click('.sim-entry[data-fn="tcp_nagle_test"] a.sim-fn >> nth=0');
  await page.click('.sim-entry[data-fn="tcp_nagle_test"] .sim-in a');
  const opens = (await page.evaluate(() => window.__kpathSim.posted)).filter((m) => m.type === 'open' || m.type === 'openStep');
  assert.deepEqual(
    opens.map((m) => (m.type === 'open' ? [m.location.file, m.location.line] : m.type === 'openStep' ? m.fn : undefined)),
    ['tcp_push', 'tcp_nagle_test', ['net/ipv4/tcp_output.c', 2752]],
  );
  await page.close();
});

test('Run plays at the chosen speed; Pause stops, Go on finishes; the keyboard reaches everything', { skip }, async () => {
  const { page } = await openPanel();
  await page.click('#simulate');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'sim-run', 'opening Run puts the focus on its Run button');
  await page.selectOption('.sim-speed', '25');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.sim-entry >> nth=5');
  await page.click('.sim-pause');
  assert.equal(await page.textContent('.sim-pause'), 'Go on');
  const n = await page.locator('.sim-entry').count();
  await page.waitForTimeout(200); // paused: nothing moves (this waits to see that nothing happens)
  assert.equal(await page.locator('.sim-entry').count(), n);
  await page.selectOption('.sim-speed', '0');
  await page.focus('.sim-pause');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.sim-status:has-text("done")');
  assert.ok((await page.locator('.sim-timeline tbody tr').count()) > 10, 'the default scenario: ten writes of 1000 bytes');
  // R runs again from the start (outside the form's fields).
  await page.focus('.sim-pause');
  await page.keyboard.press('r');
  await page.waitForSelector('.sim-status:has-text("done")');
  await page.close();
});

test('a .pkt script from the tree is read through the host, played and checked line by line', { skip }, async () => {
  const { page, errors } = await openPanel();
  await page.click('#simulate');
  await page.waitForSelector('#sim-source option[value="nagle.pkt"]', { state: 'attached' });
  await page.selectOption('#sim-source', 'nagle.pkt');
  assert.ok(await page.isHidden('.sim-scenario'), 'the form is for scenarios only');
  await page.selectOption('.sim-speed', '0');
  await page.click('.sim-run');
  await page.waitForSelector('.sim-status:has-text("done")');
  assert.match((await page.textContent('.sim-status')) ?? '', /3\/3 outbound lines matched/);
  const out = (await rows(page)).filter((r) => r[1] === '→ out');
  assert.deepEqual(
    out.map((r) => r[3]),
    ['0:0(0)', '1:101(100)', '101:201(100)'],
  );
  assert.deepEqual(await page.$$eval('.sim-timeline .ok', (els) => els.map((e) => e.textContent)), ['✓ line 7', '✓ line 11', '✓ line 14']);
  const posted = await page.evaluate(() => window.__kpathSim.posted);
  assert.deepEqual(
    posted.filter((m) => m.type === 'readScript'),
    [{ type: 'readScript', name: 'nagle.pkt' }],
  );
  await page.locator('.simulation').screenshot({ path: join(shots, 'simulate-script.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a reload (VS Code reloads a hidden panel when it is shown again) comes back at the same step', { skip }, async () => {
  const { page } = await openPanel();
  await page.click('#simulate');
  await fillScenario(page, { writes: 2, bytes: 100, nagle: true });
  for (let i = 0; i < 200 && (await page.locator('.sim-entry.current[data-fn="tcp_nagle_test"]').count()) === 0; i++)
    await page.click('.sim-step');
  // What the webview kept, given to a new page as VS Code does after a reload.
  const kept = (await page.evaluate(() =>
    (window as unknown as { acquireVsCodeApi: () => { getState(): unknown } }).acquireVsCodeApi().getState(),
  )) as WebviewState;
  assert.deepEqual(
    { ...kept.simulation, played: kept.simulation!.played > 0 },
    {
      open: true,
      source: '',
      form: { ...DEFAULT_SCENARIO, writes: 2, bytesPerWrite: 100, nagle: true },
      speed: 10,
      played: true,
    },
  );
  await page.close();

  const again = (await openPanel(kept)).page;
  assert.ok(await again.isVisible('#simulation'));
  assert.equal(await again.getAttribute('#simulate', 'aria-expanded'), 'true');
  assert.equal(await again.inputValue('input[data-field="writes"]'), '2');
  assert.equal(await again.locator('.sim-entry.current[data-fn="tcp_nagle_test"]').count(), 1);
  assert.equal(await again.locator('.sim-entry').count(), kept.simulation!.played);
  assert.deepEqual(await again.$$eval('.sim-active', (els) => els.map((e) => e.getAttribute('data-fn'))), ['tcp_write_xmit']);
  await again.close();
});

test('closing Run clears the lit box, and one lit after closing (a script read late) is not drawn', { skip }, async () => {
  const { page } = await openPanel();
  await page.click('#simulate');
  await fillScenario(page, { writes: 2, bytes: 100, nagle: true });
  for (let i = 0; i < 200 && (await page.locator('.box.sim-active').count()) === 0; i++) await page.click('.sim-step');
  assert.equal(await page.locator('.box.sim-active').count(), 1);
  await page.click('#simulate');
  assert.equal(await page.isVisible('#simulation'), false);
  assert.equal(await page.locator('.sim-active').count(), 0, 'nothing stays lit');
  // Choose a script, ask to run it and close before the host answers: its steps light nothing.
  await page.click('#simulate');
  await page.selectOption('#sim-source', 'nagle.pkt');
  await page.click('.sim-run');
  await page.click('#simulate');
  await page.waitForTimeout(50);
  assert.equal(await page.locator('.sim-active').count(), 0);
  await page.close();
});

test("Run's unsupported warnings stay in view beside the log as it scrolls", { skip }, async () => {
  const { page } = await openPanel();
  await page.click('#simulate');
  await page.selectOption('.sim-speed', '0');
  // A script with what the model does not handle (an inbound packet without a window), and enough steps to scroll the log.
  const text = `${nagleScript}\n+.1 < . 1:1(0) ack 201\n`;
  await page.evaluate(() => window.postMessage({ type: 'scripts', dir: 'd', names: ['x.pkt'] }, '*'));
  await page.selectOption('#sim-source', 'x.pkt');
  await page.evaluate((t) => window.postMessage({ type: 'script', name: 'x.pkt', text: t, siblings: {} }, '*'), text);
  await page.click('.sim-run');
  await page.waitForSelector('.sim-unsupported');
  const log = page.locator('.sim-log');
  await log.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  const warn = (await page.locator('.sim-unsupported').first().boundingBox())!;
  const pane = (await page.locator('.sim-decisions').boundingBox())!;
  assert.ok(warn.y >= pane.y && warn.y + warn.height <= pane.y + pane.height, 'the warning is inside the visible pane');
  const scrolled = await log.evaluate((el) => el.scrollTop);
  assert.ok(scrolled > 0, 'the log itself scrolls');
  await page.locator('.sim-decisions').screenshot({ path: join(shots, 'simulate-warnings.png') });
  await page.close();
});
