// What the status-bar items say (extension/features/statusText.ts): the kpath item as before, with
// the configuration in its tooltip, and the config item for a config in use, none, or one that failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IndexStatus } from '../../server/protocol';
import { describe, describeConfig } from '../../extension/features/statusText';

const ready: IndexStatus = {
  state: 'ready',
  filesDone: 18920,
  filesTotal: 18920,
  functions: 267124,
  indirectSites: 19792,
  resolvedSites: 17428,
};
const cloud = { file: '/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz', label: 'config.amd64_none_cloud-amd64', ms: 830 };

test('the kpath item keeps its text and label, and its tooltip says which config answers are for', () => {
  const d = describe({ ...ready, config: cloud });
  assert.equal(d.text, '$(type-hierarchy) kpath 267,124');
  assert.equal(d.label, 'kpath ready: 267,124 functions · 17,428/19,792 indirect calls resolved');
  assert.equal(d.tooltip.split('\n').at(-1), `config: ${cloud.file}`);
  assert.equal(describe(ready).tooltip.split('\n').at(-1), 'config: none (every configuration)');
  assert.equal(describe({ ...ready, state: 'indexing', filesDone: 50, filesTotal: 200 }).label, 'kpath indexing 25%');
});

test('while the tree is scanned (no file count yet) the tooltip says so, not "0/0 files"', () => {
  const d = describe({ ...ready, state: 'indexing', filesDone: 0, filesTotal: 0, message: 'scanning the tree' });
  assert.equal(d.tooltip, 'kpath: indexing: scanning the tree');
  assert.equal(d.label, 'kpath indexing');
});

test('the config item names the config in use, "all configs" without one, and nothing before the first answer', () => {
  const d = describeConfig({ ...ready, config: cloud })!;
  assert.deepEqual(
    [d.text, d.label, d.warning],
    ['$(settings-gear) config.amd64_none_cloud-amd64', 'kpath config: config.amd64_none_cloud-amd64', false],
  );
  assert.match(
    d.tooltip,
    /answers for \/usr\/src\/linux-config-6\.12\/config\.amd64_none_cloud-amd64\.xz \(read and evaluated in 830 ms\)/,
  );
  assert.equal(describeConfig(ready)!.text, '$(settings-gear) all configs');
  assert.equal(describeConfig({ ...ready, state: 'indexing' }), undefined);
  assert.equal(describeConfig(undefined), undefined);
});

test("a config that could not be used is a warning, with the server's reason in the tooltip", () => {
  const d = describeConfig({
    ...ready,
    config: { file: '/tmp/gone.config', label: 'gone.config', error: '/tmp/gone.config: no such file' },
  })!;
  assert.equal(d.warning, true);
  assert.equal(d.text, '$(settings-gear) gone.config');
  assert.match(
    d.tooltip,
    /^kpath could not use \/tmp\/gone\.config: \/tmp\/gone\.config: no such file\nAnswers are for every configuration\./,
  );
  assert.match(
    describe({ ...ready, config: { file: '/tmp/gone.config', label: 'gone.config', error: 'no such file' } }).tooltip,
    /config not used: no such file$/,
  );
});
