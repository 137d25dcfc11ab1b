// Unit tests of the server's pure helpers: the word under the cursor, settings, fuzzy matching.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { lineOf, wordAt } from '../../server/features/wordAt';
import { globToFolder, initialSettings, mergeSettings, resolveRoot, scanScope } from '../../server/features/settings';
import { charMask, fuzzyScore } from '../../server/index/symbolTable';
import { sameScope } from '../../server/features/indexing';
import { settingsDefaults } from '../../server/protocol';

describe('wordAt', () => {
  const text = 'static int f(void)\r\n{\r\n\treturn READ_ONCE(sock->ops)->sendmsg(sock, msg);\r\n}\r\n';
  it('finds the identifier around the cursor, with what precedes it', () => {
    const w = wordAt(text, 2, 32);
    assert.equal(w?.text, 'sendmsg');
    assert.equal(w?.start, 30);
    assert.equal(w?.end, 37);
    assert.ok(w?.before.endsWith('->'));
    assert.ok(w?.after.startsWith('(sock'));
  });
  it('right after a word counts as on it; blanks, numbers and punctuation do not', () => {
    assert.equal(wordAt(text, 2, 37)?.text, 'sendmsg');
    assert.equal(wordAt(text, 2, 0), undefined);
    assert.equal(wordAt('x = 42;', 0, 5), undefined);
    assert.equal(wordAt(text, 1, 0), undefined);
  });
  it('past the end of a line or of the text: nothing, and CR is not part of a line', () => {
    assert.equal(wordAt(text, 0, 500), undefined);
    assert.equal(wordAt(text, 99, 0), undefined);
    assert.equal(wordAt(text, -1, 0), undefined);
    assert.equal(lineOf(text, 3), '}');
  });
});

describe('settings', () => {
  it('an editor that sends nothing gets the net scope; the protocol defaults otherwise', () => {
    assert.deepEqual(initialSettings(undefined).include, ['net']);
    assert.deepEqual(initialSettings({ include: [] }).include, []);
    assert.deepEqual(initialSettings({}).exclude, settingsDefaults.exclude);
  });
  it('values of the wrong type are ignored and reported', () => {
    const problems: string[] = [];
    const s = mergeSettings({ include: 'net', cacheDir: 3, treeRoot: '/t' }, initialSettings(undefined), problems);
    assert.deepEqual(s.include, ['net']);
    assert.equal(s.cacheDir, '');
    assert.equal(s.treeRoot, '/t');
    assert.equal(problems.length, 2);
  });
  it("folder globs become the scanner's folder prefixes", () => {
    assert.equal(globToFolder('Documentation/**'), 'Documentation');
    assert.equal(globToFolder('./drivers/net/'), 'drivers/net');
    assert.equal(globToFolder('**'), '');
    const scope = scanScope({ ...settingsDefaults, include: ['net/**', 'include'], exclude: ['net/*/test*.c'] });
    assert.deepEqual(scope.include, ['net', 'include']);
    assert.deepEqual(scope.unsupported, ['net/*/test*.c']);
    assert.deepEqual(scanScope({ ...settingsDefaults, include: ['**'] }).include, []);
  });
  it('the tree root: absolute, relative to the workspace folder, or the folder itself', () => {
    assert.equal(resolveRoot({ ...settingsDefaults, treeRoot: '/src/linux' }, '/w'), '/src/linux');
    assert.equal(resolveRoot({ ...settingsDefaults, treeRoot: 'linux' }, '/w'), '/w/linux');
    assert.equal(resolveRoot(settingsDefaults, '/w'), '/w');
    assert.equal(resolveRoot(settingsDefaults, undefined), undefined);
  });
  it('a settings change that names the same files needs no rebuild', () => {
    const a = { ...settingsDefaults, treeRoot: '/w/linux', include: ['net'] };
    assert.ok(sameScope(a, { ...a, treeRoot: 'linux', include: ['net/**'] }, '/w'));
    assert.ok(!sameScope(a, { ...a, exclude: [] }, '/w'));
  });
});

describe('fuzzy matching', () => {
  it('exact before prefix before substring before scattered letters', () => {
    const q = 'tcp_send';
    const scores = ['tcp_send', 'tcp_sendmsg', '__tcp_send_ack', 'tcp_v4_send_reset'].map((n) => fuzzyScore(q, n));
    assert.deepEqual(
      [...scores].sort((a, b) => a - b),
      scores,
    );
    assert.equal(fuzzyScore('xyz', 'tcp_sendmsg'), -1);
  });
  it('the character mask rejects names that lack a letter of the query', () => {
    assert.equal(charMask('tcp') & ~charMask('tcp_sendmsg'), 0);
    assert.notEqual(charMask('x') & ~charMask('tcp_sendmsg'), 0);
    assert.equal(charMask('TCP'), charMask('tcp'));
  });
});
