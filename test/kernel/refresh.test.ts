// An edit followed by the incremental refresh (KernelIndex.setFile, then the next query) answers
// exactly as a fresh index of the edited tree does, on real files of the 6.12 tree: edits that
// change the types (a function added, one removed), then edits inside bodies and initializers that
// take the cheap path (lines shifted, a store added to a proto_ops table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { KERNEL, SKIP, TEST_CACHE, kernelIndex } from './kernelTree';
import { KernelIndex } from '../../server/index/kernelIndex';
import { cacheDirFor, cacheFile, loadCache } from '../../server/index/cache';
import { resolveScope, scopeKey } from '../../server/index/scopeKey';
import { parseFile } from '../../server/parse/parseFile';

/** One edit of a real file's text, found by its text so that it survives another kernel version. */
interface Edit {
  rel: string;
  what: string;
  apply: (text: string, ix: KernelIndex) => string;
}

const insertAfter = (text: string, anchor: RegExp, added: string): string => {
  const m = anchor.exec(text);
  assert.ok(m, `anchor ${anchor} is in the file`);
  const at = m.index + m[0].length;
  return text.slice(0, at) + added + text.slice(at);
};

/** The text of a file without the definition of `fn` (its lines, as the index has them). */
function withoutFunction(text: string, ix: KernelIndex, rel: string, fn: string): string {
  const def = ix.functionsNamed(fn).find((f) => f.file === rel);
  assert.ok(def, `${fn} is defined in ${rel}`);
  const lines = text.split('\n');
  lines.splice(def.def.line, def.def.endLine - def.def.line + 1);
  return lines.join('\n');
}

// Types first (each forces a full re-resolution), then bodies (each swaps one file's flows), so
// that the answers compared at the end come from the swapped tables.
const EDITS: Edit[] = [
  {
    rel: 'net/core/dev.c',
    what: 'a function added (types change)',
    apply: (t) => `${t}\nint kpath_added_xmit(struct sk_buff *skb)\n{\n\treturn dev_queue_xmit(skb);\n}\n`,
  },
  {
    rel: 'drivers/net/loopback.c',
    what: 'a function removed (its ops table now names nothing)',
    apply: (t, ix) => withoutFunction(t, ix, 'drivers/net/loopback.c', 'loopback_xmit'),
  },
  {
    rel: 'net/ipv4/tcp_output.c',
    what: 'lines added inside a body (types kept)',
    apply: (t) => insertAfter(t, /\n\w[^\n]*\btcp_transmit_skb\([^)]*\)\n\{\n/, '\t/* two lines */\n\t/* added */\n'),
  },
  {
    rel: 'net/ipv4/af_inet.c',
    what: 'a store added into a proto_ops initializer (types kept)',
    apply: (t) => insertAfter(t, /\bstruct proto_ops inet_dgram_ops = \{\n/, '\t.sendmsg_locked = tcp_sendmsg_locked,\n'),
  },
];

/** What a file's queries answer, in an order that does not depend on the order files were added. */
function answersFor(ix: KernelIndex, rel: string): string[] {
  const out: string[] = [];
  for (const s of ix.sitesIn(rel)) {
    const targets = ix.targetsOf(s);
    out.push(JSON.stringify(['site', s.site.line, s.site.col, s.slot, s.kind, targets, ix.unresolvedReason(s, targets)]));
  }
  // The first functions and the last (where an added one goes): every function of dev.c would take minutes.
  const defs = ix.files.get(rel)!.functions;
  for (const def of [...defs.slice(0, 40), ...defs.slice(Math.max(40, defs.length - 5))]) {
    const fn = ix.functionsNamed(def.name).find((f) => f.file === rel);
    if (!fn) continue;
    const edges = (list: object[]): string[] => list.map((e) => JSON.stringify(e)).sort();
    out.push(JSON.stringify(['callees', fn.id, edges(ix.callees(fn.id))]));
    out.push(JSON.stringify(['callers', fn.id, edges(ix.callers(fn.id))]));
  }
  return out;
}

/** Answers that cross files: the slots the edits touch and the functions they add, remove or store. */
function sharedAnswers(ix: KernelIndex): string[] {
  const out: string[] = [];
  for (const slot of ['proto_ops.sendmsg_locked', 'proto_ops.sendmsg', 'net_device_ops.ndo_start_xmit'])
    out.push(JSON.stringify([slot, [...ix.slotTargets(slot)].sort(), ix.sitesWithSlot(slot).length]));
  for (const name of ['tcp_sendmsg_locked', 'dev_queue_xmit', 'loopback_xmit', 'kpath_added_xmit', 'tcp_transmit_skb'])
    for (const fn of ix.functionsNamed(name)) {
      out.push(
        JSON.stringify([
          name,
          fn.id,
          ix
            .callers(fn.id)
            .map((e) => JSON.stringify(e))
            .sort(),
          ix.storesOf(fn.id),
        ]),
      );
    }
  out.push(JSON.stringify(ix.stats()));
  return out;
}

test('an edit then the incremental refresh answers as a fresh index of the edited files', { skip: SKIP, timeout: 900_000 }, async () => {
  const live = (await kernelIndex()).index;
  const texts = new Map<string, string>();
  const watched = [...new Set([...EDITS.map((e) => e.rel), 'net/socket.c', 'net/ipv4/tcp.c'])];
  const before = new Map(watched.map((rel) => [rel, answersFor(live, rel)]));
  for (const e of EDITS) {
    const text = e.apply(texts.get(e.rel) ?? readFileSync(path.join(KERNEL!, e.rel), 'utf8'), live);
    texts.set(e.rel, text);
    live.setFile(parseFile(KERNEL!, e.rel, text).facts);
    // A query after each edit, so each takes its own refresh (a rebuild, or a swap of one file).
    assert.notDeepEqual(answersFor(live, e.rel), before.get(e.rel), `${e.rel}: ${e.what} changes its answers`);
  }
  assert.ok(
    live
      .callers(live.functionsNamed('tcp_sendmsg_locked')[0].id)
      .some((c) => c.via === 'proto_ops.sendmsg_locked' && c.evidence.some((ev) => ev.file === 'net/ipv4/af_inet.c')),
    'the added store is seen',
  );

  // The fresh index: every file's facts read again from the cache, the edited files parsed from their new text.
  const cache = loadCache(cacheFile(cacheDirFor(KERNEL!, TEST_CACHE), scopeKey(resolveScope(['net']), [])));
  assert.ok(cache.ok, 'the cache the live index was loaded from');
  // Files are added in the live index's order: which six stores a target shows depends on the order files entered the index.
  const fresh = new KernelIndex(live.root);
  for (const rel of live.files.keys()) {
    const text = texts.get(rel);
    // Held for their stores (outside the scope), as the live index holds them.
    if (live.outside.has(rel)) fresh.outside.add(rel);
    fresh.setFile(text === undefined ? cache.files.get(rel)!.facts : parseFile(KERNEL!, rel, text).facts);
  }

  for (const rel of watched) assert.deepEqual(answersFor(live, rel), answersFor(fresh, rel), `${rel}: incremental and fresh answers`);
  assert.deepEqual(sharedAnswers(live), sharedAnswers(fresh));
});
