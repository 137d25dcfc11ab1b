// Hostile input over stdio, to the real bundled server: FIFOs in the tree, paths that leave it,
// requests after shutdown, broken LSP frames, and a seeded fuzz of the framing. The server answers
// each in bounded time or, for a broken frame, exits non-zero with the reason; it never hangs.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ResponseError, StreamMessageReader, type Message, type ResponseMessage } from 'vscode-jsonrpc/node';
import type { SymbolInformation } from 'vscode-languageserver-protocol';
import { Methods } from '../../server/protocol';
import { ensureBuilt, fixtureTree, serverJs, startServer, type Server } from './lspClient';
import { letGoAfter, mkfifo } from '../helpers/fifo';
import { seededRandom } from '../helpers/random';

/** A server blocked on a FIFO is let go after this; answers must come well before (far apart, so that a loaded machine is not taken for a hang). */
const LET_GO_MS = 30_000;
const PROMPT_MS = 10_000;
/** The servers spawned here give up on a half-sent frame after this (10 s by default). */
const STALL_MS = 300;

async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

const rejectsWith = async (p: Promise<unknown>, code: number, message: RegExp): Promise<void> => {
  await assert.rejects(p, (e: unknown) => e instanceof ResponseError && e.code === code && message.test(e.message));
};

/** A server spoken to in raw bytes: its answers by id, its exit, its stderr. */
interface Raw {
  proc: ChildProcess;
  answers: Map<unknown, ResponseMessage>;
  stderr: string[];
  exit: { code: number | null } | undefined;
  write(b: Buffer | string): void;
  /** Whether the request `id` was answered, or the server exited, within `ms`. */
  waitFor(id: number, ms: number): Promise<'answered' | 'exited' | 'neither'>;
}

function rawServer(): Raw {
  const proc = spawn(process.execPath, [serverJs, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, KPATH_LSP_STALL_MS: String(STALL_MS) },
  });
  const raw: Raw = {
    proc,
    answers: new Map(),
    stderr: [],
    exit: undefined,
    write: (b) => {
      if (!raw.exit) proc.stdin!.write(b);
    },
    waitFor: (id, ms) =>
      new Promise((resolve) => {
        const deadline = Date.now() + ms;
        const check = (): void => {
          if (raw.answers.has(id)) resolve('answered');
          else if (raw.exit) resolve('exited');
          else if (Date.now() > deadline) resolve('neither');
          else setTimeout(check, 5);
        };
        check();
      }),
  };
  // Bytes written to a server that just exited: not this test's failure.
  proc.stdin!.on('error', () => undefined);
  proc.stderr!.on('data', (d: Buffer) => raw.stderr.push(d.toString()));
  proc.on('exit', (code) => {
    raw.exit = { code };
  });
  new StreamMessageReader(proc.stdout!).listen((m: Message) => {
    const r = m as ResponseMessage;
    if ('id' in r) raw.answers.set(r.id, r);
  });
  return raw;
}

const frame = (body: string | Buffer, header?: string): Buffer => {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`${header ?? `Content-Length: ${b.length}`}\r\n\r\n`), b]);
};
const request = (id: number, method: string, params?: unknown): Buffer => frame(JSON.stringify({ jsonrpc: '2.0', id, method, params }));

before(() => ensureBuilt());

describe('FIFOs and paths outside the tree', () => {
  let s: Server;
  let copy: string;
  let fifo: string;
  let releaser: ChildProcess | undefined;
  before(async () => {
    copy = mkdtempSync(path.join(os.tmpdir(), 'kpath-lsp-hostile-'));
    cpSync(fixtureTree, copy, { recursive: true });
    fifo = path.join(copy, 'net/x.c');
    s = await startServer({ root: copy, settings: { include: [], exclude: [], cacheDir: path.join(copy, '.cache') }, watch: true });
    await s.ready(60_000);
  });
  after(async () => {
    releaser?.kill();
    await s?.stop();
    rmSync(copy, { recursive: true, force: true });
  });

  it('a FIFO named x.c: appearing on disk, opened and closed, asked for targets, all answered at once', async (t) => {
    if (!mkfifo(fifo)) {
      t.skip('no mkfifo');
      return;
    }
    // A server that blocked on the FIFO would be let go late: the answers below then come too late.
    releaser = letGoAfter(fifo, LET_GO_MS);
    const uri = s.uri('net/x.c');
    const hover = (): Promise<unknown> =>
      within(
        PROMPT_MS,
        'hover',
        s.conn.sendRequest('textDocument/hover', { textDocument: { uri: s.uri('net/socket.c') }, position: { line: 0, character: 0 } }),
      );
    await s.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 1 }] });
    await hover(); // a query applies the pending change first
    assert.ok(
      s.logs.some((l) => /re-read 1 file\(s\) changed on disk/.test(l)),
      s.logs.join('\n'),
    );

    await s.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'c', version: 1, text: 'int fifo_fn(void) { return 0; }\n' },
    });
    await s.conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
    await hover();
    const symbols = async (): Promise<string[]> =>
      (await within(PROMPT_MS, 'workspace/symbol', s.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'fifo_fn' }))).map(
        (x) => x.name,
      );
    assert.deepEqual(await symbols(), ['fifo_fn'], 'the buffer is indexed');
    assert.equal(await within(PROMPT_MS, 'kpath/targets', s.conn.sendRequest(Methods.targets, { file: 'net/x.c', line: 0, col: 4 })), null);
    await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await hover();
    assert.deepEqual(await symbols(), [], 'closed: the disk has no source there');
    // Not opened for the text of a request either.
    assert.equal(await within(PROMPT_MS, 'kpath/targets', s.conn.sendRequest(Methods.targets, { file: 'net/x.c', line: 0, col: 4 })), null);
    assert.equal(releaser.exitCode, null, 'the FIFO was never waited on');
    assert.ok(s.alive());
  });

  it('kpath/targets with a file outside the tree: an InvalidParams error, nothing read', async () => {
    for (const file of ['../../../../etc/passwd', '/etc/passwd', 'net/../../outside.c', '..']) {
      await rejectsWith(s.conn.sendRequest(Methods.targets, { file, line: 0, col: 0 }), -32602, /is not a file inside the tree/);
    }
    await rejectsWith(
      s.conn.sendRequest(Methods.targets, { uri: 'file:///etc/passwd', file: '../x.c', line: 0, col: 0 }),
      -32602,
      /is not a file inside the tree/,
    );
    // Inside, however written: answered.
    for (const file of ['net/socket.c', './net/socket.c', path.join(copy, 'net/socket.c')]) {
      const r = await s.conn.sendRequest(Methods.targets, { file, line: 0, col: 0 });
      assert.ok(r === null || typeof r === 'object');
    }
  });
});

describe('shutdown', () => {
  it('after shutdown, requests get InvalidRequest; exit then ends the server with status 0', async () => {
    const s = await startServer({
      root: fixtureTree,
      settings: { include: [], exclude: [], cacheDir: mkdtempSync(path.join(os.tmpdir(), 'kpath-lsp-shutdown-')) },
    });
    try {
      assert.equal(await s.conn.sendRequest('shutdown'), null);
      await rejectsWith(s.conn.sendRequest(Methods.status), -32600, /shutting down/);
      await rejectsWith(
        s.conn.sendRequest('textDocument/hover', { textDocument: { uri: s.uri('net/socket.c') }, position: { line: 0, character: 0 } }),
        -32600,
        /shutting down/,
      );
      const code = new Promise<number | null>((r) => s.proc.on('exit', (c) => r(c)));
      await s.conn.sendNotification('exit');
      assert.equal(await within(PROMPT_MS, 'exit', code), 0);
    } finally {
      await s.stop();
    }
  });
});

describe('broken LSP frames end the server, with the reason', () => {
  const statusBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: Methods.status });
  const cases: [string, Buffer, RegExp][] = [
    ['Content-Length: abc', frame('{}', 'Content-Length: abc'), /Content-Length "abc" is not a number/],
    ['no Content-Length', frame('{}', 'Content-Type: application/json'), /without Content-Length/],
    [
      'a length one byte short',
      frame(statusBody, `Content-Length: ${statusBody.length - 1}`),
      /header line "}Content-Length: \d+" is not "Name: value"/,
    ],
    ['a length past the input', frame(statusBody, 'Content-Length: 4000'), /half-sent/],
    ['random bytes', Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919 + 13) % 256)), /no end of header|is not "Name: value"/],
    ['a huge length', frame('{}', 'Content-Length: 9999999999'), /over the/],
  ];
  for (const [name, bytes, why] of cases) {
    it(name, async () => {
      const r = rawServer();
      try {
        r.write(bytes);
        r.write(request(42, Methods.status));
        assert.equal(await r.waitFor(-1, STALL_MS + 5000), 'exited', `${name}: still running`);
        assert.notEqual(r.exit!.code, 0);
        assert.match(
          r.stderr.join(''),
          new RegExp(`kpath: broken LSP input \\(.*(${why.source}).*\\); exiting so that the client restarts the server`),
        );
      } finally {
        r.proc.kill();
      }
    });
  }
});

describe('over a socket or a pipe (--socket=PORT, --pipe=NAME) the frames are checked the same way', () => {
  const transports: [string, (server: net.Server) => string][] = [
    ['--socket', (server) => `--socket=${(server.address() as net.AddressInfo).port}`],
    ['--pipe', () => `--pipe=${path.join(mkdtempSync(path.join(os.tmpdir(), 'kpath-pipe-')), 'lsp.sock')}`],
  ];
  for (const [name, argOf] of transports) {
    it(`${name}: a request is answered, then a broken frame ends the server with the reason`, async () => {
      // As an editor does: the client listens, the server connects.
      const server = net.createServer();
      let arg = '';
      if (name === '--socket') await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      arg = argOf(server);
      if (name === '--pipe') await new Promise<void>((r) => server.listen(arg.slice('--pipe='.length), r));
      const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
      const proc = spawn(process.execPath, [serverJs, arg], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, KPATH_LSP_STALL_MS: String(STALL_MS) },
      });
      const stderr: string[] = [];
      proc.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
      const exited = new Promise<number | null>((r) => proc.on('exit', r));
      try {
        const socket = await within(PROMPT_MS * 3, 'the server connecting', accepted);
        const answers = new Map<unknown, ResponseMessage>();
        new StreamMessageReader(socket).listen((m: Message) => {
          if ('id' in m) answers.set((m as ResponseMessage).id, m as ResponseMessage);
        });
        socket.on('error', () => undefined);
        socket.write(request(7, 'shutdown'));
        const deadline = Date.now() + PROMPT_MS;
        while (!answers.has(7) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        assert.ok(answers.has(7), 'shutdown answered');
        socket.write(frame('{}', 'Content-Length: abc'));
        assert.notEqual(await within(STALL_MS + 5000, 'the exit', exited), 0);
        assert.match(stderr.join(''), /kpath: broken LSP input \(Content-Length "abc" is not a number\); exiting/);
      } finally {
        proc.kill();
        server.close();
      }
    });
  }
});

describe('fuzz: LSP framing', () => {
  it(
    '200 seeded random frames: each followed by a request that is answered, or the server exits; never a hang',
    { timeout: 240_000 },
    async () => {
      const SEED = 0x6b706174;
      const COUNT = 200;
      const rnd = seededRandom(SEED);
      const int = (n: number): number => Math.floor(rnd() * n);
      const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
      const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
      const methods = [
        'kpath/status',
        'kpath/targets',
        'kpath/callPath',
        'kpath/sendPath',
        'textDocument/hover',
        'workspace/symbol',
        'textDocument/didOpen',
        '$/cancelRequest',
        'no/such',
        'shutdown',
      ];
      const json = (): string =>
        JSON.stringify(
          pick([
            {
              jsonrpc: '2.0',
              id: int(1000),
              method: pick(methods),
              params: pick([null, {}, [1, 2], { file: '../x', line: -1, col: 'a' }, { textDocument: { uri: 'file:///x.c' } }]),
            },
            { jsonrpc: '2.0', method: pick(methods), params: { x: int(9) } },
            [],
            {},
            'x',
            1,
            { jsonrpc: '2.0', id: null },
          ]),
        );
      const kinds: Record<string, () => Buffer> = {
        'valid message': () => frame(json()),
        'valid, Content-Type too': () => {
          const b = json();
          return frame(b, `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(b)}`);
        },
        'not JSON, right length': () => frame(bytes(1 + int(200))),
        'length short': () => {
          const b = Buffer.from(json());
          return frame(b, `Content-Length: ${Math.max(0, b.length - 1 - int(b.length))}`);
        },
        'length long': () => {
          const b = Buffer.from(json());
          return frame(b, `Content-Length: ${b.length + 1 + int(5000)}`);
        },
        'length not a number': () => frame(json(), `Content-Length: ${pick(['abc', '-5', '1e3', '', ' 12 x', '0x10', '١٢'])}`),
        'no length': () => frame(json(), pick(['Content-Type: x', 'X: 1', 'Content-Lenght: 5'])),
        'random bytes': () => bytes(1 + int(20_000)),
        'junk header line': () => frame(json(), `Content-Length: 5\r\n${bytes(1 + int(30)).toString('latin1')}`),
        'huge length': () => frame('{}', `Content-Length: ${1e9 + int(1e9)}`),
      };
      const names = Object.keys(kinds);
      let server: Raw | undefined;
      const seen: Record<string, { answered: number; exited: number }> = {};
      try {
        for (let i = 0; i < COUNT; i++) {
          if (!server || server.exit) server = rawServer();
          const kind = pick(names);
          const input = kinds[kind]();
          // Sent whole or in pieces, as a pipe may deliver it.
          const cut = int(input.length + 1);
          server.write(input.subarray(0, cut));
          server.write(input.subarray(cut));
          const id = 1_000_000 + i;
          server.write(request(id, Methods.status));
          const outcome = await server.waitFor(id, STALL_MS + 5000);
          assert.notEqual(
            outcome,
            'neither',
            `seed ${SEED.toString(16)}, frame ${i} (${kind}): neither answered nor exited\n${input.subarray(0, 200).toString('latin1')}\n${server.stderr.join('')}`,
          );
          seen[kind] ??= { answered: 0, exited: 0 };
          seen[kind][outcome as 'answered' | 'exited']++;
          if (outcome === 'exited') assert.notEqual(server.exit!.code, 0, `frame ${i} (${kind}): exited with 0`);
          // After a random `shutdown`, every request is refused: start afresh.
          if (outcome === 'answered' && server.answers.get(id)?.error?.code === -32600) {
            server.proc.kill();
            server = undefined;
          }
        }
      } finally {
        server?.proc.kill();
      }
      // The broken kinds always end the server; well-formed frames never do.
      for (const k of ['length not a number', 'no length', 'huge length'])
        assert.equal(seen[k]?.answered ?? 0, 0, `${k}: ${JSON.stringify(seen[k])}`);
      for (const k of ['valid message', 'not JSON, right length'])
        assert.equal(seen[k]?.exited ?? 0, 0, `${k}: ${JSON.stringify(seen[k])}`);
      console.log(`# ${JSON.stringify(seen)}`);
    },
  );
});
