// The packetdrill reader and the model under random scripts: seeded mutations of the fixture
// scripts (bytes flipped, lines cut, repeated or swapped, tokens from packetdrill's own grammar
// dropped in, numbers blown up) each end with a model run or one PktSyntaxError naming a line,
// never another exception and never a hang. The seed and count are fixed so a failure replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseScript, PktSyntaxError, runScript } from '../../server/model';
import { seededRandom } from '../helpers/random';

const DIR = path.join(__dirname, '..', 'fixtures', 'pkt');
const SCRIPTS = readdirSync(DIR)
  .filter((f) => f.endsWith('.pkt'))
  .sort()
  .map((f) => readFileSync(path.join(DIR, f), 'utf8'));
const SEED = 0x706b74;
const COUNT = 600;

// Pieces of packetdrill's grammar, and hostile text, to drop into a line.
const TOKENS = [
  '<',
  '>',
  'S.',
  'F.',
  'P.',
  'R',
  '.',
  '0:0(0)',
  '1:1001(1000)',
  'ack',
  'win',
  '<mss 1000,sackOK,nop,wscale 7>',
  '<sack 1:2>',
  '+0',
  '+.1',
  '~+1',
  '*',
  '...',
  '[1]',
  '{',
  '}',
  '(',
  ')',
  ',',
  '=',
  '"a=b"',
  '"\\"',
  '`',
  '%{',
  '}%',
  '//',
  '/*',
  '*/',
  'setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0',
  'write(4, ..., 1e309) = 1',
  'send(4, ..., -1, 0) = -1',
  'close(4) = 0',
  'poll([{fd=4, events=POLLOUT, revents=POLLOUT}], 1, 0) = 1',
  'getsockopt(4, SOL_TCP, TCP_INFO, {tcpi_state=1}, [256]) = 0',
  '99999999999999999999',
  '-0',
  'NaN',
  '0x',
  '\u0000',
  '\uFFFD',
  'é',
  '\r',
  '\t',
  '9'.repeat(400),
];

function mutate(src: string, rnd: () => number): string {
  const int = (n: number): number => Math.floor(rnd() * n);
  const lines = src.split('\n');
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) {
    const i = int(lines.length);
    const line = lines[i];
    switch (int(7)) {
      case 0: {
        // a character flipped
        const k = int(line.length + 1);
        lines[i] = line.slice(0, k) + String.fromCharCode(int(128)) + line.slice(k + 1);
        break;
      }
      case 1: {
        // a token dropped in
        const k = int(line.length + 1);
        lines[i] = `${line.slice(0, k)} ${TOKENS[int(TOKENS.length)]} ${line.slice(k)}`;
        break;
      }
      case 2:
        lines[i] = line.slice(0, int(line.length + 1));
        break; // cut short
      case 3:
        lines.splice(i, 0, ...Array(1 + int(3)).fill(line));
        break; // repeated
      case 4:
        lines.splice(i, 1);
        break; // gone
      case 5: {
        const j = int(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        break;
      } // out of order
      default:
        lines[i] = line.replace(/\d+/g, (d) => (rnd() < 0.5 ? d : String(int(2 ** 31) * (rnd() < 0.2 ? 1e6 : 1)))); // numbers blown up
    }
  }
  return lines.join('\n');
}

test(`fuzz: ${COUNT} seeded mutations of the fixture scripts each run or raise one PktSyntaxError with its line`, () => {
  assert.ok(SCRIPTS.length >= 5, 'the fixture scripts are there');
  const rnd = seededRandom(SEED);
  let ran = 0;
  let refused = 0;
  for (let i = 0; i < COUNT; i++) {
    const text = mutate(SCRIPTS[Math.floor(rnd() * SCRIPTS.length)], rnd);
    const what = `case ${i} (seed ${SEED}):\n${text}`;
    // A case that hangs or runs out of memory never reaches an assertion: FUZZ_TRACE=1 prints each first.
    if (process.env.FUZZ_TRACE) process.stderr.write(`${what}\n----\n`);
    try {
      const result = runScript(parseScript(text), { readSibling: () => undefined });
      assert.ok(result.totals.outbound >= result.totals.matched, `${what}\n: matched more than there is`);
      ran++;
    } catch (e) {
      if (!(e instanceof PktSyntaxError)) assert.fail(`${what}\n: ${(e as Error).stack}`);
      assert.ok(Number.isInteger(e.line) && e.line >= 1, `${what}\n: error without a line: ${e.message}`);
      assert.doesNotMatch(e.detail, /\n/, `${what}\n: an error over several lines`);
      refused++;
    }
  }
  // Both outcomes occur, so the mutations neither all break the grammar nor all leave it intact.
  assert.ok(ran > COUNT / 10 && refused > COUNT / 10, `ran ${ran}, refused ${refused}`);
});
