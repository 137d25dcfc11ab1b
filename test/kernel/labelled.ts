// The labelled set (labelled-sites.json, see LABELLED.md) scored against an index: recall of the
// `must` targets, hits of the `mustNot` ones, and how many targets each site gets. Shared by the
// kernel test that checks it and by `npm run bench`, which reports it.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { KernelIndex } from '../../server/index/kernelIndex';
import { sitesByAnchor } from './kernelTree';

export interface Labelled {
  file: string;
  function: string;
  anchor: string;
  must: string[];
  mustNot: string[];
  slot?: string;
  /** 'full': a `must` target lies outside the net scope; not scored on a net-scope index. */
  scope?: string;
  why?: string;
  patterns?: string[];
}

export interface LabelledScore {
  /** Sites scored, and those left out as outside the net scope. */
  sites: number;
  outside: number;
  must: number;
  found: number;
  mustNot: number;
  mustNotHits: number;
  /** Targets per scored site. */
  perSite: number[];
  /** One line per site, ✓ or ✗ with what is missing or wrong. */
  rows: string[];
  /** Sites that returned a must-not target. */
  failures: string[];
}

export const LABELLED_FILE = path.join(__dirname, 'labelled-sites.json');

export function loadLabelled(file = LABELLED_FILE): Labelled[] {
  return JSON.parse(readFileSync(file, 'utf8')) as Labelled[];
}

export function scoreLabelled(ix: KernelIndex, set: Labelled[]): LabelledScore {
  const inScope = set.filter((s) => s.scope !== 'full');
  const score: LabelledScore = {
    sites: inScope.length,
    outside: set.length - inScope.length,
    must: 0,
    found: 0,
    mustNot: 0,
    mustNotHits: 0,
    perSite: [],
    rows: [],
    failures: [],
  };
  for (const s of inScope) {
    const sites = sitesByAnchor(ix, s.file, s.function, s.anchor);
    const names = new Set(sites.flatMap((x) => ix.targetsOf(x).map((t) => t.fn.name)));
    score.perSite.push(names.size);
    const miss = s.must.filter((m) => !names.has(m));
    const bad = s.mustNot.filter((m) => names.has(m));
    score.must += s.must.length;
    score.found += s.must.length - miss.length;
    score.mustNot += s.mustNot.length;
    score.mustNotHits += bad.length;
    const slot = sites.map((x) => x.slot ?? `unresolved: ${x.unresolved}`).join(',') || 'no site';
    score.rows.push(
      `${miss.length || bad.length ? '✗' : '✓'} ${s.file}:${s.function} ${s.anchor}  [${slot}] ${names.size} targets${miss.length ? `; missing ${miss.join(' ')}` : ''}${bad.length ? `; MUST-NOT ${bad.join(' ')}` : ''}`,
    );
    if (bad.length) score.failures.push(`${s.file} ${s.anchor}: must-not ${bad.join(' ')}`);
  }
  return score;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return 0;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One line: sites, recall, must-not hits, targets per site. */
export function describeScore(sc: LabelledScore): string {
  const total = sc.perSite.reduce((a, b) => a + b, 0);
  return (
    `${sc.sites} sites (${sc.outside} outside the net scope), recall ${((100 * sc.found) / sc.must).toFixed(1)} % (${sc.found}/${sc.must}), ` +
    `must-not hits ${sc.mustNotHits}/${sc.mustNot}, targets per site mean ${(total / sc.perSite.length).toFixed(1)}, median ${median(sc.perSite)}`
  );
}
