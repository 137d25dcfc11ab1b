// The frame check in front of the language server's reader (server/connection.ts): good frames pass
// through unchanged however they are cut; a broken one is named once; a frame left half-sent is
// broken after the stall time. The server over stdio is tested in test/server/hostileInput.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFrames, headerLength, type FrameLimits } from '../../server/connection';

const limits: FrameLimits = { maxHeaderBytes: 8192, maxBodyBytes: 1 << 20, stallMs: 60_000 };
const frame = (body: string, header = `Content-Length: ${Buffer.byteLength(body)}`): Buffer => Buffer.from(`${header}\r\n\r\n${body}`);

/** Feed `chunks` through a frame check; what came out and why it broke, if it did. */
async function run(chunks: Buffer[], l = limits, waitMs = 0): Promise<{ out: Buffer; broken: string[] }> {
  const broken: string[] = [];
  const t = checkFrames(l, (why) => broken.push(why));
  const out: Buffer[] = [];
  t.on('data', (d: Buffer) => out.push(d));
  for (const c of chunks) t.write(c);
  if (waitMs) await new Promise((r) => setTimeout(r, waitMs));
  t.end();
  return { out: Buffer.concat(out), broken };
}

test('header blocks: the length, or why it is not a header', () => {
  assert.equal(headerLength('Content-Length: 12', limits), 12);
  assert.equal(headerLength('content-length:7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8', limits), 7);
  assert.equal(headerLength('Content-Length: abc', limits), 'Content-Length "abc" is not a number');
  assert.equal(headerLength('Content-Length: -5', limits), 'Content-Length "-5" is not a number');
  assert.equal(headerLength('Content-Length: 12abc', limits), 'Content-Length "12abc" is not a number');
  assert.equal(headerLength('Content-Length: 2000000', limits), `Content-Length 2000000 is over the ${1 << 20}-byte limit`);
  assert.equal(headerLength('Content-Type: x', limits), 'a header without Content-Length');
  assert.equal(headerLength('}Content-Length: 5', limits), 'header line "}Content-Length: 5" is not "Name: value"');
  assert.equal(headerLength('', limits), 'header line "" is not "Name: value"');
});

test('good frames pass through unchanged, cut at every byte', async () => {
  const input = Buffer.concat([
    frame('{"jsonrpc":"2.0","id":1,"method":"a"}'),
    frame(''),
    frame('{"x":"é"}'),
    frame('not json, still a frame'),
  ]);
  for (let cut = 1; cut < input.length; cut++) {
    const { out, broken } = await run([input.subarray(0, cut), input.subarray(cut)]);
    assert.deepEqual(broken, [], `cut at ${cut}`);
    assert.ok(out.equals(input));
  }
  const bytes = [...input].map((b) => Buffer.from([b]));
  assert.deepEqual((await run(bytes)).broken, [], 'a byte at a time');
});

test('broken frames are named once', async () => {
  const cases: [Buffer[], RegExp][] = [
    [[frame('{}', 'Content-Length: abc')], /Content-Length "abc" is not a number/],
    [[frame('{}', 'Content-Type: x')], /without Content-Length/],
    // A length one byte short: the last byte of the body is read as the start of the next header.
    [[frame('{"a":1}', 'Content-Length: 6'), frame('{}')], /header line "}Content-Length: 2" is not "Name: value"/],
    [[Buffer.alloc(9000, 'x')], /no end of header in 8192 bytes \(starts "xxxx/],
    [[Buffer.from([0, 1, 2, 255, 13, 10, 13, 10])], /is not "Name: value"/],
    [[frame('{}', 'Content-Length: 99999999999')], /over the/],
  ];
  for (const [chunks, why] of cases) {
    const { broken } = await run([...chunks, ...chunks]);
    assert.equal(broken.length, 1, broken.join('\n'));
    assert.match(broken[0], why);
  }
});

test('a frame left half-sent is broken after the stall time; a complete one never is', async () => {
  const l = { ...limits, stallMs: 50 };
  assert.deepEqual((await run([frame('{}', 'Content-Length: 500')], l, 300)).broken, ['a frame was left half-sent for 0.05 s']);
  assert.deepEqual((await run([Buffer.from('Content-Len')], l, 300)).broken, ['a frame was left half-sent for 0.05 s']);
  assert.deepEqual((await run([frame('{}')], l, 300)).broken, []);
});
