// The TextMate grammar for .pkt files: valid JSON, the scope name the manifest will use, and
// every regex compiles; its key patterns match the constructs of a real selftest line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const FILE = path.join(__dirname, '..', '..', 'syntaxes', 'packetdrill.tmLanguage.json');

interface Rule {
  match?: string;
  begin?: string;
  end?: string;
  patterns?: Rule[];
}

function collect(rule: Rule, out: string[]): void {
  for (const k of ['match', 'begin', 'end'] as const) if (rule[k]) out.push(rule[k] as string);
  for (const p of rule.patterns ?? []) collect(p, out);
}

test('grammar: scope source.packetdrill, every regex compiles', () => {
  const g = JSON.parse(fs.readFileSync(FILE, 'utf8')) as { scopeName: string; patterns: Rule[]; repository: Record<string, Rule> };
  assert.equal(g.scopeName, 'source.packetdrill');
  const res: string[] = [];
  for (const p of g.patterns) collect(p, res);
  for (const r of Object.values(g.repository)) collect(r, res);
  assert.ok(res.length > 15);
  for (const r of res) assert.doesNotThrow(() => new RegExp(r), r);
  const time = new RegExp(g.repository.time.match as string);
  assert.equal(time.exec('+.3~+.310 > . 26000:26000(0) ack 1')?.[3], '+.310');
  assert.equal(time.exec('   +0...0 connect(4, ..., ...) = 0')?.[5], '0');
  const packet = new RegExp(g.repository.packet.begin as string);
  const m = packet.exec('  +.1 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>');
  assert.deepEqual(m?.slice(1, 4), ['<', 'S', '0:0(0)']);
});
