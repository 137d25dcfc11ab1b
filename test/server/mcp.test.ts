// The MCP server on the real kernel tree (KPATH_KERNEL, the net scope), spoken to with the SDK's
// own client over stdio, as an assistant would: the tool list, a call made while the index loads,
// targets and callers with file:line and evidence, a path, and errors as one-line tool errors.
// The index's end is the server's log message: the test waits for it, never for a fixed time.
// Positions are found by text (`READ_ONCE(sock->ops)->sendmsg`), so another kernel version works.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { defaultCacheDir } from '../../server/index/cache';
import { cliJs, ensureCli } from '../helpers/cli';

const tree = process.env.KPATH_KERNEL;
const skip = !tree
  ? 'KPATH_KERNEL is not set (scripts/fetch-kernel.sh prints it): skipping the MCP server tests on the real tree'
  : !existsSync(path.join(tree, 'net', 'socket.c'))
    ? `KPATH_KERNEL=${tree} has no net/socket.c: skipping the MCP server tests`
    : false;
// The CLI's default cache for this tree: .ci/run warms it once with `kpath index` for every test.
const cacheDir = process.env.KPATH_TEST_CACHE ?? (tree ? defaultCacheDir(tree) : '');

const lines = (rel: string): string[] => readFileSync(path.join(tree!, rel), 'utf8').split('\n');
/** 1-based line of the first line of `rel` that contains `needle`. */
const lineOf = (rel: string, needle: string | RegExp): number =>
  lines(rel).findIndex((l) => (typeof needle === 'string' ? l.includes(needle) : needle.test(l))) + 1;

describe('MCP server on the real kernel tree (net scope)', { skip }, () => {
  let client: Client;
  let transport: StdioClientTransport;
  let ready: Promise<string>;
  const stderr: string[] = [];

  const call = async (name: string, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }> => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    return { text, isError: r.isError === true };
  };

  before(async () => {
    ensureCli();
    transport = new StdioClientTransport({ command: process.execPath, args: [cliJs, 'mcp', tree!, '--cache', cacheDir], stderr: 'pipe' });
    transport.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
    client = new Client({ name: 'kpath-test', version: '0' });
    // Set before connecting: the readiness message may come at any time after the handshake.
    ready = new Promise((resolve) =>
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        if (String(n.params.data).includes('index ready') || n.params.level === 'error') resolve(String(n.params.data));
      }),
    );
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    if (stderr.length) console.log(`# server stderr: ${stderr.join('').trim().split('\n').slice(-3).join(' | ')}`);
  });

  test('a call while the index loads says so at once, and the tool list does not wait', async () => {
    const t0 = performance.now();
    const { tools } = await client.listTools();
    const r = await call('symbols', { query: 'inet_sendmsg' });
    const ms = performance.now() - t0;
    console.log(`# during loading (${ms.toFixed(0)} ms): ${r.text}`);
    assert.ok(tools.length >= 7);
    assert.equal(r.isError, true);
    assert.match(r.text, /^index is being built \(/);
    assert.ok(!r.text.includes('\n'));
    // Asked again as the build goes on, the answer counts files (parsed, or read from the cache).
    let done = false;
    void ready.then(() => {
      done = true;
    });
    const seen = new Set<string>();
    while (!done && ![...seen].some((t) => /\(\d[\d,]*\/\d[\d,]* files, /.test(t))) {
      const again = await call('symbols', { query: 'inet_sendmsg' });
      if (!again.isError) break;
      seen.add(again.text);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.log(`# while loading: ${[...seen].join(' / ')}`);
    assert.ok(done || [...seen].some((t) => /^index is being built \(\d[\d,]*\/\d[\d,]* files, /.test(t)), [...seen].join(' / '));
  });

  test('the tools, each with a JSON schema', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['targets', 'callers', 'callees', 'path', 'send_path', 'recv_path', 'unresolved', 'symbols'])
      assert.ok(names.includes(n), `${n} missing from ${names.join(', ')}`);
    const targets = tools.find((t) => t.name === 'targets')!;
    assert.equal(targets.inputSchema.type, 'object');
    assert.deepEqual(Object.keys(targets.inputSchema.properties ?? {}).sort(), ['all', 'col', 'file', 'line']);
    assert.deepEqual([...(targets.inputSchema.required ?? [])].sort(), ['file', 'line']);
    assert.ok(tools.every((t) => t.description && t.annotations?.readOnlyHint === true));
  });

  test('the index gets ready (a log message says so)', async () => {
    const t0 = performance.now();
    const message = await ready;
    console.log(`# ${message} (waited ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    assert.match(message, /index ready/);
  });

  test('targets of READ_ONCE(sock->ops)->sendmsg: inet_sendmsg with its file:line and where it was stored', async () => {
    const line = lineOf('net/socket.c', 'READ_ONCE(sock->ops)->sendmsg');
    const r = await call('targets', { file: 'net/socket.c', line });
    assert.equal(r.isError, false, r.text);
    const def = lineOf('net/ipv4/af_inet.c', /^int inet_sendmsg\(/);
    const store = lineOf('net/ipv4/af_inet.c', /\.sendmsg\s*=\s*inet_sendmsg\b/);
    assert.match(r.text, new RegExp(`^net/socket\\.c:${line}:\\d+ in sock_sendmsg_nosec\\S*: calls through proto_ops\\.sendmsg`));
    assert.ok(
      r.text.includes(`inet_sendmsg  net/ipv4/af_inet.c:${def}  stored: init proto_ops.sendmsg at net/ipv4/af_inet.c:${store}:`),
      r.text.split('\n').slice(0, 4).join('\n'),
    );
  });

  test('callers of inet_sendmsg: sock_sendmsg_nosec, through proto_ops.sendmsg at its call site', async () => {
    const r = await call('callers', { function: 'inet_sendmsg' });
    assert.equal(r.isError, false, r.text);
    const line = lineOf('net/socket.c', 'READ_ONCE(sock->ops)->sendmsg');
    assert.match(
      r.text,
      new RegExp(
        `sock_sendmsg_nosec  net/socket\\.c:\\d+  INDIRECT_CALL hint via proto_ops\\.sendmsg at net/socket\\.c:${line}:\\d+; stored: init`,
      ),
    );
  });

  test('a path through a function pointer names the pointer and the evidence', async () => {
    const r = await call('path', { from: '__sys_sendto', to: 'tcp_sendmsg' });
    assert.equal(r.isError, false, r.text);
    assert.match(
      r.text,
      /→ tcp_sendmsg {2}net\/ipv4\/tcp\.c:\d+ {2}INDIRECT_CALL hint via proto\.sendmsg at \S+; stored: init proto\.sendmsg at net\/ipv4\/tcp_ipv4\.c:\d+/,
    );
  });

  test("the receive path ends at the reader's wakeup, its branches listed", async () => {
    const r = await call('recv_path', {});
    assert.equal(r.isError, false, r.text);
    assert.match(r.text, /ends at sock\.sk_data_ready: \d+ targets, e\.g\. .*sock_def_readable \(net\/core\/sock\.c:\d+\)/);
    assert.match(r.text, /→ inet_recvmsg {2}net\/ipv4\/af_inet\.c:\d+ {2}INDIRECT_CALL hint via proto_ops\.recvmsg/);
    assert.match(r.text, /branch netfilter \(/);
  });

  test('errors are tool errors of one line', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['callers', { function: 'no_such_function_kpath' }, /^no function named no_such_function_kpath in the index/],
      ['callees', { function: 'tcp_sendmsgg' }, /^no function named tcp_sendmsgg in the index \(closest: .*\btcp_sendmsg\b/],
      ['targets', { file: '/etc/passwd', line: 1 }, /is outside the tree/],
      ['targets', { file: 'sound/core/init.c', line: 1 }, /outside the indexed scope/],
      ['targets', { file: 'net/socket.c', line: 0 }, /line/],
    ];
    for (const [name, args, want] of cases) {
      const r = await call(name, args);
      assert.equal(r.isError, true, `${name} ${JSON.stringify(args)}: ${r.text}`);
      assert.match(r.text, want);
      assert.ok(!r.text.includes('\n'), r.text);
    }
  });
});
