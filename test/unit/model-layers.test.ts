// The TCP model stands for the kernel, not for a script: server/model/tcp may use the flags codec
// and the checksum of the capture writer, never the packetdrill parser, the runner or the matcher
// that drive it from outside (issue 13: model types independent of the packetdrill AST).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const TCP = path.join(__dirname, '..', '..', 'server', 'model', 'tcp');
const ALLOWED_OUTSIDE = new Set(['../flags', '../pcap']);

test('server/model/tcp imports nothing from the script side (packetdrill parser, runner, match)', () => {
  const outside: string[] = [];
  for (const f of fs.readdirSync(TCP).filter((n) => n.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(TCP, f), 'utf8');
    for (const m of text.matchAll(/\bfrom\s+'([^']+)'/g)) {
      const spec = m[1];
      if (spec.startsWith('./')) continue;
      if (!ALLOWED_OUTSIDE.has(spec)) outside.push(`${f}: ${spec}`);
    }
  }
  assert.ok(fs.readdirSync(TCP).length > 10, 'the model folder was found');
  assert.deepEqual(outside, []);
});
