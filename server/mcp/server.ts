// `kpath mcp <tree>`: a Model Context Protocol server over stdio (the official SDK), for AI
// assistants. This thread speaks the protocol and never holds the index: the tools (tools.ts) run
// in the index thread (loader.ts, indexWorker.ts), so the handshake, the tool list and a call made
// while the index loads are answered at once. A wrong input is a tool error of one line. stdout
// carries only the protocol; what kpath has to say goes to stderr.
import * as path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Scope } from '../cliArgs';
import { readConfig } from '../config/kconfig';
import { KPATH_VERSION } from '../version';
import { IndexLoader, type LoadOptions } from './loader';
import { TOOLS } from './tools';

const INSTRUCTIONS =
  'kpath indexes a Linux kernel tree and resolves calls through function pointers (sock->ops->sendmsg, ' +
  'INDIRECT_CALL_*, callbacks) to the functions they can reach, each with the file:line where it was stored into the pointer. ' +
  'Lines and columns are 1-based; files are relative to the kernel tree. Use symbols to find a name, targets for a call site, ' +
  'callers/callees/path to follow the call graph through pointers, send_path and recv_path for the whole send and receive paths.';

/** Serve until the client closes stdin, then exit. */
export async function serveMcp(tree: string, opts: LoadOptions, scope: Scope, err: (s: string) => void): Promise<never> {
  // A configuration that cannot be read is said now, not on every call.
  if (opts.config) readConfig(opts.config);
  const loader = new IndexLoader({ root: path.resolve(tree), opts, scope }, err);
  const server = new McpServer({ name: 'kpath', version: KPATH_VERSION }, { instructions: INSTRUCTIONS, capabilities: { logging: {} } });
  for (const t of TOOLS) {
    server.registerTool(
      t.name,
      { title: t.title, description: t.description, inputSchema: t.input, annotations: { readOnlyHint: true, openWorldHint: false } },
      async (args: Record<string, unknown>): Promise<CallToolResult> => {
        const a = await loader.call(t.name, args);
        return { content: [{ type: 'text', text: a.text }], ...(a.isError ? { isError: true } : {}) };
      },
    );
  }
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  // The index is built once the client is initialized; its end is a log message, the client's
  // readiness signal.
  server.server.oninitialized = () => {
    loader
      .start()
      .then((r) => server.sendLoggingMessage({ level: r.ok ? 'info' : 'error', logger: 'kpath', data: r.message }))
      .catch(() => {
        /* the client has gone */
      });
  };
  await server.connect(new StdioServerTransport());
  await closed;
  await server.close();
  // The index thread (and the parser threads of a build still running) would keep the process
  // alive after its client has gone; a cache being written is a temporary file the next build removes.
  process.exit(0);
}
