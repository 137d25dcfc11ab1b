// Conformance with Linux's own packetdrill selftests (tools/testing/selftests/net/packetdrill in
// the tree): how many outbound packets of each script the model predicts exactly. Bar: every
// tcp_slow_start_* script in full, and at least 90 % of all outbound packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatConformance, runConformance } from '../../server/model/conformance';

const TREE = process.env.KPATH_KERNEL;
const DIR = TREE ? path.join(TREE, 'tools', 'testing', 'selftests', 'net', 'packetdrill') : '';

test(
  'packetdrill selftests: the model predicts the outbound packets',
  { skip: TREE ? false : 'KPATH_KERNEL is not set (scripts/fetch-kernel.sh prints the tree path)' },
  () => {
    assert.ok(fs.existsSync(DIR), `${DIR} exists`);
    const rep = runConformance(DIR);
    console.log(formatConformance(rep));
    assert.ok(rep.scripts.length >= 10, `found ${rep.scripts.length} scripts`);
    assert.deepEqual(
      rep.scripts.filter((s) => s.error).map((s) => `${s.script}: ${s.error}`),
      [],
    );
    const slow = rep.scripts.filter((s) => s.script.startsWith('tcp_slow_start_'));
    assert.ok(slow.length >= 5, 'the slow start scripts are there');
    for (const s of slow) {
      assert.ok(s.outbound > 0, `${s.script} has outbound packets`);
      assert.equal(s.matched, s.outbound, `${s.script}: ${s.mismatches.join(' | ')}`);
      assert.equal(s.asserts.passed, s.asserts.total, `${s.script}: tcpi_snd_cwnd asserts`);
      assert.equal(s.syscalls.passed, s.syscalls.total, `${s.script}: system call results`);
      assert.equal(s.extra, 0, `${s.script}: packets the script does not expect`);
    }
    assert.ok(rep.matched >= 0.9 * rep.outbound, `${rep.matched}/${rep.outbound} outbound packets matched`);
  },
);
