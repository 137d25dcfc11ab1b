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
  external: ['vscode', 'tree-sitter', 'tree-sitter-c'],
};

const bundles = [
  { ...node, entryPoints: { cli: 'server/cli.ts' }, banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { worker: 'server/parse/worker.ts' } },
  { ...node, entryPoints: { server: 'server/server.ts' } },
  { ...node, entryPoints: { bench: 'test/bench/bench.ts' } },
  { ...node, entryPoints: { extension: 'extension/extension.ts' } },
  { ...node, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { webview: 'media/main.ts' } },
];

const present = bundles.filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));
await Promise.all(present.map((b) => esbuild.build(b)));
