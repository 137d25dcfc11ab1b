// The language server's connection, with two guards vscode-languageserver does not have.
//
// Framing (stdio, --socket, --pipe): vscode-jsonrpc reports a broken frame (`Content-Length: abc`, a length that runs
// into the next message, bytes that are no header at all) as an error and reads on from wherever it
// stopped: the connection answers nothing more, buffers what comes for ever, and never exits, so no
// client restarts it. Here every frame is checked before the reader sees it, and a broken one ends
// the process with a one-line reason on stderr and a non-zero status (the VS Code client restarts
// the server and says so, extension/client.ts; other editors do the same on exit). A frame whose body
// is not JSON is still the reader's: it is reported and skipped, and the next frame is read.
//
// Shutdown (every transport): after `shutdown`, requests are refused with InvalidRequest and
// notifications other than `exit` dropped, as LSP asks, whatever the handlers would do.
import * as net from 'node:net';
import { Transform } from 'node:stream';
import { inspect } from 'node:util';
import {
  createConnection,
  ErrorCodes,
  IPCMessageReader,
  IPCMessageWriter,
  Message,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  type Connection,
  type DataCallback,
  type Disposable,
  type MessageReader,
  type MessageWriter,
  type ResponseMessage,
} from 'vscode-languageserver/node';

export interface FrameLimits {
  /** A header block (all of `Name: value\r\n…\r\n`) longer than this is not a header. */
  maxHeaderBytes: number;
  /** The largest Content-Length taken (a message is decoded as one string). */
  maxBodyBytes: number;
  /** A frame left half-sent this long is broken (a client writes each message at once). */
  stallMs: number;
}

export const frameLimits: FrameLimits = {
  maxHeaderBytes: 8 * 1024,
  maxBodyBytes: 256 * 1024 * 1024,
  // The tests shorten it, so that a frame whose length runs past the input is seen in time.
  stallMs: Number(process.env.KPATH_LSP_STALL_MS) > 0 ? Number(process.env.KPATH_LSP_STALL_MS) : 10_000,
};

const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;

/** Why a header block (without its final blank line) is not one, or the body length it announces. */
export function headerLength(block: string, limits: FrameLimits): number | string {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const m = HEADER_LINE.exec(line);
    if (!m) return `header line ${JSON.stringify(line.slice(0, 60))} is not "Name: value"`;
    if (m[1].toLowerCase() !== 'content-length') continue;
    if (!/^\d{1,12}$/.test(m[2])) return `Content-Length ${JSON.stringify(m[2].slice(0, 30))} is not a number`;
    length = Number(m[2]);
    if (length > limits.maxBodyBytes) return `Content-Length ${length} is over the ${limits.maxBodyBytes}-byte limit`;
  }
  return length ?? 'a header without Content-Length';
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Passes an LSP byte stream through unchanged, frame by frame, and calls `broken` once when it stops
 * being frames: a header that is not one (see headerLength), or a frame left half-sent for
 * `limits.stallMs`. Only the frames are checked, not their bodies.
 */
export function checkFrames(limits: FrameLimits, broken: (why: string) => void): Transform {
  let head = Buffer.alloc(0);
  let bodyLeft = 0;
  let chunks = 0;
  let failed = false;
  let timer: NodeJS.Timeout | undefined;
  const fail = (why: string): void => {
    if (failed) return;
    failed = true;
    clearTimeout(timer);
    broken(why);
  };
  const stalled = (): void => {
    // The thread may have been busy past the timeout with bytes waiting: let them be read first.
    const seen = chunks;
    setImmediate(() => {
      if (chunks === seen && (head.length > 0 || bodyLeft > 0)) fail(`a frame was left half-sent for ${limits.stallMs / 1000} s`);
    });
  };
  const scan = (chunk: Buffer): void => {
    for (let i = 0; i < chunk.length && !failed;) {
      if (bodyLeft > 0) {
        const n = Math.min(bodyLeft, chunk.length - i);
        bodyLeft -= n;
        i += n;
        continue;
      }
      const rest = chunk.subarray(i);
      const joined = head.length ? Buffer.concat([head, rest]) : rest;
      const end = joined.indexOf(HEADER_END);
      if (end < 0 || end > limits.maxHeaderBytes) {
        if (end > limits.maxHeaderBytes || joined.length > limits.maxHeaderBytes + HEADER_END.length) {
          fail(
            `no end of header in ${limits.maxHeaderBytes} bytes (starts ${JSON.stringify(joined.toString('latin1', 0, 32).replace(/[^\x20-\x7e]/g, '.'))})`,
          );
          return;
        }
        head = Buffer.from(joined);
        return;
      }
      const length = headerLength(joined.toString('latin1', 0, end), limits);
      if (typeof length === 'string') {
        fail(length);
        return;
      }
      i += end + HEADER_END.length - head.length;
      head = Buffer.alloc(0);
      bodyLeft = length;
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done): void {
      chunks++;
      scan(chunk);
      clearTimeout(timer);
      if (!failed && (head.length > 0 || bodyLeft > 0)) timer = setTimeout(stalled, limits.stallMs).unref();
      done(null, chunk);
    },
  });
}

/** A reader that, once `shutdown` has come, answers requests with InvalidRequest and drops notifications but `exit`. */
export class ShutdownGate implements MessageReader {
  shutdownRequested = false;

  constructor(
    private readonly inner: MessageReader,
    private readonly writer: MessageWriter,
  ) {}

  get onError(): MessageReader['onError'] {
    return this.inner.onError;
  }
  get onClose(): MessageReader['onClose'] {
    return this.inner.onClose;
  }
  get onPartialMessage(): MessageReader['onPartialMessage'] {
    return this.inner.onPartialMessage;
  }
  dispose(): void {
    this.inner.dispose();
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((m) => {
      if (this.shutdownRequested && Message.isRequest(m)) {
        const refusal: ResponseMessage = {
          jsonrpc: '2.0',
          id: m.id,
          error: { code: ErrorCodes.InvalidRequest, message: `${m.method}: the server is shutting down; only exit is accepted` },
        };
        this.writer.write(refusal).catch(() => undefined);
        return;
      }
      if (this.shutdownRequested && Message.isNotification(m) && m.method !== 'exit') return;
      if (Message.isRequest(m) && m.method === 'shutdown') this.shutdownRequested = true;
      callback(m);
    });
  }
}

/** Over stdio, console output would corrupt the stream: it goes to the client's log instead. */
function consoleToClient(connection: Connection): void {
  const text = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
  console.log = console.info = console.debug = (...args: unknown[]): void => connection.console.log(text(args));
  console.warn = (...args: unknown[]): void => connection.console.warn(text(args));
  console.error = (...args: unknown[]): void => connection.console.error(text(args));
}

/** The connection the command line asks for: stdio, a socket or a pipe with frames checked; node-ipc gated; anything else as vscode-languageserver makes it. */
export function createServerConnection(argv: string[] = process.argv): Connection {
  if (argv.includes('--stdio')) {
    const connection = framedConnection(process.stdin, process.stdout);
    // Over stdio, console output would corrupt the stream.
    consoleToClient(connection);
    return connection;
  }
  // `--socket=PORT` and `--pipe=NAME`: the client listens, the server connects (as vscode-languageserver does).
  const port = transportArg(argv, 'socket');
  const pipe = transportArg(argv, 'pipe');
  if (port !== undefined || pipe !== undefined) {
    const socket = port !== undefined ? net.createConnection(Number(port), '127.0.0.1') : net.createConnection(pipe!);
    socket.on('error', (e) => {
      process.stderr.write(`kpath: the LSP connection (${port !== undefined ? `port ${port}` : pipe}) failed: ${e.message}\n`);
      process.exit(1);
    });
    return framedConnection(socket, socket);
  }
  if (argv.includes('--node-ipc')) {
    const writer = new IPCMessageWriter(process);
    return createConnection(ProposedFeatures.all, new ShutdownGate(new IPCMessageReader(process), writer), writer);
  }
  return createConnection(ProposedFeatures.all);
}

function transportArg(argv: string[], name: string): string | undefined {
  const at = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at < 0) return undefined;
  return argv[at].includes('=') ? argv[at].slice(name.length + 3) : argv[at + 1];
}

/** A connection over a byte stream, every frame checked before the reader sees it; the end of the input is the client gone. */
function framedConnection(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const frames = checkFrames(frameLimits, (why) => {
    process.stderr.write(`kpath: broken LSP input (${why}); exiting so that the client restarts the server\n`);
    process.exit(2);
  });
  input.pipe(frames);
  const writer = new StreamMessageWriter(output);
  const gate = new ShutdownGate(new StreamMessageReader(frames), writer);
  // As vscode-languageserver does for its own streams: exit 0 after shutdown, else 1.
  const gone = (): never => process.exit(gate.shutdownRequested ? 0 : 1);
  input.on('end', gone);
  input.on('close', gone);
  return createConnection(ProposedFeatures.all, gate, writer);
}
