// A real LSP client for the tests: spawns the bundled server (dist/server.js) over stdio or IPC
// and speaks JSON-RPC to it with vscode-jsonrpc, answering the server's own requests (progress
// tokens, configuration) like an editor would. Also: fixture markers and text anchors.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { InitializeParams, WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport } from 'vscode-languageserver-protocol';

interface ProgressParams<T> {
  token: string | number;
  value: T;
}
import { Methods, type IndexStatus, type KpathSettings } from '../../server/protocol';

export const repo = path.resolve(__dirname, '..', '..');
export const serverJs = path.join(repo, 'dist', 'server.js');
export const fixtureTree = path.join(repo, 'test', 'fixtures', 'lsp');

/** Build dist/server.js and dist/worker.js if they are not there (npm test builds them first). */
export function ensureBuilt(): void {
  if (!existsSync(serverJs) || !existsSync(path.join(repo, 'dist', 'worker.js')))
    execFileSync(process.execPath, ['esbuild.mjs', 'server', 'worker'], { cwd: repo });
}

export interface Server {
  conn: MessageConnection;
  proc: ChildProcess;
  root: string;
  stderr: string[];
  logs: string[];
  statuses: IndexStatus[];
  progress: (WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd)[];
  /** Methods the server registered dynamically (client/registerCapability). */
  registered: string[];
  uri(rel: string): string;
  /** Resolves with the first `ready` status (rejects on `error` or after the timeout). */
  ready(timeoutMs: number): Promise<IndexStatus>;
  open(rel: string, text?: string): Promise<string>;
  alive(): boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  root: string;
  settings?: Partial<KpathSettings>;
  transport?: 'stdio' | 'ipc';
  progress?: boolean;
  /** Offer dynamic registration of file watchers (as VS Code does). */
  watch?: boolean;
  /** Extra environment for the server process. */
  env?: NodeJS.ProcessEnv;
}

export async function startServer(o: StartOptions): Promise<Server> {
  const transport = o.transport ?? 'stdio';
  const proc =
    transport === 'stdio'
      ? spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...o.env } })
      : fork(serverJs, ['--node-ipc'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...o.env } });
  const conn =
    transport === 'stdio'
      ? createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!))
      : createMessageConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc));
  const stderr: string[] = [];
  proc.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  if (transport === 'ipc') proc.stdout?.on('data', () => undefined);
  let exited = false;
  proc.on('exit', () => {
    exited = true;
  });

  const logs: string[] = [];
  const statuses: IndexStatus[] = [];
  const progress: Server['progress'] = [];
  const waiters: ((s: IndexStatus) => void)[] = [];
  conn.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  conn.onNotification(Methods.statusChanged, (s: IndexStatus) => {
    statuses.push(s);
    waiters.forEach((w) => w(s));
  });
  conn.onNotification('$/progress', (p: ProgressParams<WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd>) =>
    progress.push(p.value),
  );
  conn.onRequest('window/workDoneProgress/create', () => null);
  const registered: string[] = [];
  conn.onRequest('client/registerCapability', (p: { registrations: { method: string }[] }) => {
    registered.push(...p.registrations.map((r) => r.method));
    return null;
  });
  conn.onRequest('workspace/configuration', () => [o.settings ?? {}]);
  conn.listen();

  const rootUri = pathToFileURL(o.root).toString();
  const init: InitializeParams = {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: path.basename(o.root) }],
    capabilities: {
      window: { workDoneProgress: o.progress ?? true },
      workspace: { configuration: false, didChangeWatchedFiles: { dynamicRegistration: o.watch ?? false } },
      textDocument: { callHierarchy: { dynamicRegistration: false }, hover: { contentFormat: ['markdown'] } },
    },
    initializationOptions: o.settings,
  };
  await conn.sendRequest('initialize', init);
  await conn.sendNotification('initialized', {});

  const server: Server = {
    conn,
    proc,
    root: o.root,
    stderr,
    logs,
    statuses,
    progress,
    registered,
    uri: (rel) => pathToFileURL(path.join(o.root, rel)).toString(),
    ready: (timeoutMs) =>
      new Promise<IndexStatus>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`index not ready after ${timeoutMs} ms; last status ${JSON.stringify(statuses.at(-1))}\n${logs.join('\n')}`)),
          timeoutMs,
        );
        const check = (s: IndexStatus): void => {
          if (s.state === 'ready') {
            clearTimeout(timer);
            resolve(s);
          }
          if (s.state === 'error') {
            clearTimeout(timer);
            reject(new Error(`indexing failed: ${s.message}`));
          }
        };
        waiters.push(check);
        // The ready notification may have come before this call.
        void conn.sendRequest<IndexStatus>(Methods.status).then(check, () => undefined);
      }),
    open: async (rel, text) => {
      const uri = server.uri(rel);
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'c', version: 1, text: text ?? readFileSync(path.join(o.root, rel), 'utf8') },
      });
      return uri;
    },
    alive: () => !exited,
    stop: async () => {
      if (!exited) {
        try {
          await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
          await conn.sendNotification('exit');
        } catch {
          /* already gone */
        }
      }
      await new Promise<void>((resolve) => {
        if (exited) {
          resolve();
          return;
        }
        const t = setTimeout(() => {
          proc.kill();
          resolve();
        }, 3000);
        proc.on('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
      conn.dispose();
    },
  };
  return server;
}

export interface Marker {
  line: number;
  character: number;
}

/**
 * Markers in a fixture: a comment line `//   ^ name` names the column of `^` on the closest line
 * above it that is not a marker line.
 */
export function markers(root: string, rel: string): Map<string, Marker> {
  const lines = readFileSync(path.join(root, rel), 'utf8').split('\n');
  const out = new Map<string, Marker>();
  let target = -1;
  lines.forEach((l, i) => {
    const m = /^\s*\/\/(\s*)\^\s*(\S+)/.exec(l);
    if (!m) {
      target = i;
      return;
    }
    const character = l.indexOf('^');
    if (target < 0 || !/\w/.test(lines[target][character] ?? ''))
      throw new Error(`${rel}:${i + 1}: marker ${m[2]} does not point at an identifier`);
    out.set(m[2], { line: target, character });
  });
  return out;
}

/** The position of `needle` (plus `offset` characters) in a file, for anchors on the real tree. */
export function positionOf(text: string, needle: string, offset = 0): Marker {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`text not found: ${needle}`);
  const before = text.slice(0, at + offset);
  const line = before.split('\n').length - 1;
  return { line, character: at + offset - (before.lastIndexOf('\n') + 1) };
}
