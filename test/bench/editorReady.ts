// The language server's time to ready as an editor starts it: dist/server.js spawned over stdio with
// the flags extension/client.ts gives it, initialized with the settings the extension sends, a C file
// opened and asked for its symbols and code lenses as soon as the editor shows it, and timed until
// kpath/statusChanged says the index is ready. The bench sets it beside `kpath index` on the same cache,
// in wall time and in CPU time (on a busy machine the wall time says more about the neighbours).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { serverExecArgv } from '../../server/nodeFlags';
import { settingsDefaults, type IndexStatus } from '../../server/protocol';
import { statusChangedNotification } from '../../server/protocolTypes';

export interface ReadyRun {
  seconds: number;
  /** CPU time of the server process, its threads included (user + system). */
  cpuSeconds: number;
  /** The server's own account of the build (its "indexed … [scan …, resolve …]" log line). */
  log: string;
}

const CLOCK_TICKS = 100;

function cpuSeconds(pid: number): number {
  // /proc/<pid>/stat: the fields after the command's closing parenthesis; utime and stime are 14 and 15.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return NaN; // gone, or not Linux
  }
}

/** `kpath index` on the net scope with `cache`, timed; its CPU time is read every 50 ms while it runs. */
export async function cliIndex(cliJs: string, tree: string, cacheDir: string): Promise<{ seconds: number; cpuSeconds: number }> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [cliJs, 'index', tree, '--scope', 'net', '--cache', cacheDir, '--quiet'], { stdio: 'ignore' });
  let cpu = 0;
  const poll = setInterval(() => {
    const c = cpuSeconds(proc.pid!);
    if (!Number.isNaN(c)) cpu = c;
  }, 50);
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`kpath index exited with ${code}`);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpu };
}

export async function editorReady(serverJs: string, tree: string, cacheDir: string, open: string, timeoutMs = 600_000): Promise<ReadyRun> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...serverExecArgv(os.totalmem()), serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const stderr: string[] = [];
  proc.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
  let log = '';
  let settle: (s: IndexStatus) => void = () => undefined;
  const ready = new Promise<IndexStatus>((resolve) => (settle = resolve));
  conn.onNotification('window/logMessage', (p: { message: string }) => {
    if (p.message.startsWith('indexed ')) log = p.message;
  });
  conn.onNotification(statusChangedNotification, (s) => {
    if (s.state === 'ready' || s.state === 'error') settle(s);
  });
  conn.onRequest('workspace/configuration', () => [{}]);
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  try {
    const rootUri = pathToFileURL(tree).toString();
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: path.basename(tree) }],
      // As the kpath extension says: configuration pulled, code lenses refreshed, no work-done progress.
      capabilities: { workspace: { configuration: true, codeLens: { refreshSupport: true } } },
      initializationOptions: { ...settingsDefaults, treeRoot: tree, cacheDir },
    });
    await conn.sendNotification('initialized', {});
    const uri = pathToFileURL(path.join(tree, open)).toString();
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(path.join(tree, open), 'utf8') },
    });
    for (const method of ['textDocument/documentSymbol', 'textDocument/codeLens'])
      void conn.sendRequest(method, { textDocument: { uri } }).catch(() => undefined);
    const timer = setTimeout(() => settle({ state: 'error', message: `not ready after ${timeoutMs} ms` } as IndexStatus), timeoutMs);
    const st = await ready;
    clearTimeout(timer);
    const seconds = (performance.now() - t0) / 1000;
    if (st.state !== 'ready') throw new Error(`the server did not get ready: ${st.message ?? ''}\n${stderr.join('').slice(-500)}`);
    return { seconds, cpuSeconds: cpuSeconds(proc.pid!), log };
  } finally {
    await Promise.race([
      conn.sendRequest('shutdown').then(() => conn.sendNotification('exit')),
      new Promise((r) => setTimeout(r, 5000)),
    ]).catch(() => undefined);
    if (proc.exitCode === null) proc.kill();
    conn.dispose();
  }
}
