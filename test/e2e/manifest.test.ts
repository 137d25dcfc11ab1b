// The extension manifest against the code: the settings package.json contributes are the ones the
// server reads (server/protocol.ts), with the same defaults; every contributed command is
// registered by a feature and every registered command is contributed; the .vsix holds what the
// server needs at run time and nothing of the development tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { notesSettingsDefaults } from '../../server/notes/settings';
import { settingsDefaults as serverDefaults, settingsSection } from '../../server/protocol';
import { repo } from './harness';

interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    configuration: { properties: Record<string, { default: unknown }> };
    walkthroughs: { steps: { media: { markdown?: string } }[] }[];
    menus: Record<string, { command: string }[]>;
    keybindings: { command: string }[];
  };
}
// The server's settings and the notes' (read by the extension alone).
const settingsDefaults: Record<string, unknown> = { ...serverDefaults, ...notesSettingsDefaults };
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Manifest;

function sources(dir: string): string {
  return readdirSync(join(repo, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(repo, dir, f), 'utf8'))
    .join('\n');
}

test("the contributed settings are exactly the server's settings, with the same defaults", () => {
  const props = manifest.contributes.configuration.properties;
  const ours = Object.keys(props).filter((k) => k.startsWith(`${settingsSection}.`) && k !== 'kpath.trace.server');
  assert.deepEqual(
    ours.sort(),
    Object.keys(settingsDefaults)
      .map((k) => `${settingsSection}.${k}`)
      .sort(),
  );
  for (const [k, v] of Object.entries(settingsDefaults)) assert.deepEqual(props[`kpath.${k}`].default, v, `default of kpath.${k}`);
});

test('every contributed command is registered, and every registered command is contributed', () => {
  const code = sources('extension');
  const registered = new Set([...code.matchAll(/register(?:TextEditor)?Command\(\s*'([^']+)'/g)].map((m) => m[1]));
  const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
  assert.deepEqual([...registered].sort(), [...contributed].sort());
  for (const c of manifest.contributes.commands) assert.equal(c.category, 'kpath', `${c.command} shows as "kpath: ${c.title}"`);
  const referenced = [...Object.values(manifest.contributes.menus).flat(), ...manifest.contributes.keybindings].map((m) => m.command);
  for (const c of referenced) assert.ok(contributed.has(c), `${c} in menus/keybindings is a contributed command`);
  assert.ok(
    manifest.activationEvents.includes(`onWebviewPanel:${/viewType = '([^']+)'/.exec(code)![1]}`),
    'the panel serializer can activate the extension',
  );
});

test("the walkthrough's media exist", () => {
  for (const s of manifest.contributes.walkthroughs.flatMap((w) => w.steps)) {
    if (s.media.markdown) assert.ok(readFileSync(join(repo, s.media.markdown), 'utf8').length > 0, s.media.markdown);
  }
});

const built = 'node_modules/tree-sitter/build/Release/tree_sitter_runtime_binding.node';

test("the .vsix holds the bundles, the webview files and tree-sitter's linux-x64 prebuilds, and no sources", () => {
  const r = spawnSync(join(repo, 'node_modules', '.bin', 'vsce'), ['ls'], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const f of [
    'package.json',
    'dist/extension.js',
    'dist/webview.js',
    'media/styles.css',
    'node_modules/tree-sitter/index.js',
    'node_modules/tree-sitter/prebuilds/linux-x64/tree-sitter.node',
    'node_modules/tree-sitter-c/bindings/node/index.js',
    'node_modules/tree-sitter-c/prebuilds/linux-x64/tree-sitter-c.node',
    'node_modules/node-gyp-build/index.js',
    // Built by `npm ci` when the prebuild does not load (Debian 12's libstdc++ is too old for it).
    ...(existsSync(join(repo, built)) ? [built] : []),
  ]) {
    assert.ok(files.includes(f), `${f} is packaged`);
  }
  const stray = files.filter((f) =>
    /\.ts$|\.map$|^test\/|^server\/|^\.tools\/|^node_modules\/(?!tree-sitter\/|tree-sitter-c\/|node-gyp-build\/)|\/prebuilds\/(?!linux-x64\/)|\/build\/(?!Release\/[^/]+\.node$)/.test(
      f,
    ),
  );
  assert.deepEqual(stray, []);
});
