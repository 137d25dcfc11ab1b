// The model must run in the webview: bundled for the browser it may not pull in any Node
// built-in, and it runs in a bare JavaScript context (no require, no process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { buildSync } from 'esbuild';

test('server/model/index.ts bundles for the browser and runs a script without Node', () => {
  const out = buildSync({
    entryPoints: [path.join(__dirname, '..', '..', 'server', 'model', 'index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022', // as esbuild.mjs builds the webview (it lowers `using`)
    globalName: 'kpathModel',
    write: false,
    logLevel: 'silent',
  });
  const ctx: { result?: { matched: number; outbound: number; packets: number } } = {};
  vm.createContext(ctx);
  const script = [
    '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
    '+0 bind(3, ..., ...) = 0',
    '+0 listen(3, 1) = 0',
    '+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>',
    '+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>',
    '+0 < . 1:1(0) ack 1 win 257',
    '+0 accept(3, ..., ...) = 4',
    '+0 write(4, ..., 3000) = 3000',
    '+0 > P. 1:3001(3000) ack 1',
  ].join('\\n');
  vm.runInContext(
    `${out.outputFiles[0].text}
     const r = kpathModel.runScript(kpathModel.parseScript("${script}"));
     const pcap = kpathModel.buildPcap(r.packets);
     this.result = { matched: r.totals.matched, outbound: r.totals.outbound, packets: pcap.length };`,
    ctx,
  );
  assert.deepEqual({ matched: ctx.result?.matched, outbound: ctx.result?.outbound }, { matched: 2, outbound: 2 });
  assert.ok((ctx.result?.packets ?? 0) > 24 + 4 * 56);
});
