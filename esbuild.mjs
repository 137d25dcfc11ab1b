// One build file, one entry per bundle. Native modules (tree-sitter) stay external:
// they load from node_modules at run time. An entry whose source does not exist yet is skipped,
// so a partial checkout still builds what it has.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { buildNative } from './native/build.mjs';

// The fingerprints of what each cache depends on (server/index/sourceFingerprint.ts: the import
// closure of the modules that compute it), computed by that module itself, so that bundles and the
// sources agree (a unit test checks): saved facts and flows are trusted only by the code that wrote them.
async function cacheFingerprints() {
  const built = await esbuild.build({
    entryPoints: ['server/index/sourceFingerprint.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
  });
  const { fingerprintOf } = await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString('base64')}`);
  return { facts: fingerprintOf('.', 'facts'), flows: fingerprintOf('.', 'flows') };
}
const fingerprints = await cacheFingerprints();

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  outdir: 'dist',
  external: ['vscode', 'tree-sitter', 'tree-sitter-c', 'tsx/cjs'],
  define: { KPATH_FACTS_FINGERPRINT: JSON.stringify(fingerprints.facts), KPATH_FLOWS_FINGERPRINT: JSON.stringify(fingerprints.flows) },
};

const bundles = [
  // The MCP server (the SDK and zod, 1.5 MB) is a bundle of its own that cli.js requires only for
  // `kpath mcp`: inside cli.js it would be compiled at every start of every command.
  // `kpath` itself is a small entry that asks the tree's query daemon first (server/daemon/client.ts); the
  // CLI with the index and tree-sitter (cliMain.js) is loaded only when the command runs in this process.
  { ...node, entryPoints: { cli: 'server/cliEntry.ts' }, banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { cliMain: 'server/cli.ts' }, external: [...node.external, './mcp/server'], partOf: 'cli' },
  { ...node, entryPoints: { 'mcp/server': 'server/mcp/server.ts' } },
  { ...node, entryPoints: { worker: 'server/parse/worker.ts' } },
  { ...node, entryPoints: { mcpIndex: 'server/mcp/indexWorker.ts' } },
  { ...node, entryPoints: { server: 'server/server.ts' } },
  { ...node, entryPoints: { bench: 'test/bench/bench.ts' } },
  { ...node, entryPoints: { extension: 'extension/extension.ts' } },
  { ...node, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { webview: 'media/main.ts' } },
];

// `node esbuild.mjs cli worker` builds only those bundles (handy while another one is half-written);
// `native` names the native parser.
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const present = bundles.filter(
  (b) =>
    Object.values(b.entryPoints).every((p) => existsSync(p)) &&
    (only.length === 0 || Object.keys(b.entryPoints).some((k) => only.includes(k)) || only.includes(b.partOf)),
);
const results = await Promise.allSettled(present.map(({ partOf: _, ...b }) => esbuild.build(b)));
if (results.some((r) => r.status === 'rejected')) process.exit(1);

if (only.length === 0 || only.includes('native')) buildNative();
