// One build file, one entry per bundle. Native modules (tree-sitter) stay external:
// they load from node_modules at run time. An entry whose source does not exist yet is skipped,
// so a partial checkout still builds what it has.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  outdir: 'dist',
  external: ['vscode', 'tree-sitter', 'tree-sitter-c', 'tsx/cjs'],
};

const bundles = [
  { ...node, entryPoints: { cli: 'server/cli.ts' }, banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { worker: 'server/parse/worker.ts' } },
  { ...node, entryPoints: { server: 'server/server.ts' } },
  { ...node, entryPoints: { bench: 'test/bench/bench.ts' } },
  { ...node, entryPoints: { extension: 'extension/extension.ts' } },
  { ...node, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { webview: 'media/main.ts' } },
];

// `node esbuild.mjs cli worker` builds only those bundles (handy while another one is half-written).
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const present = bundles.filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p))
  && (only.length === 0 || Object.keys(b.entryPoints).some((k) => only.includes(k))));
const results = await Promise.allSettled(present.map((b) => esbuild.build(b)));
if (results.some((r) => r.status === 'rejected')) process.exit(1);
