// How far kpath's `built` answers (y | m | n | unknown per function) agree with what Debian's
// real build compiled. Pure: the caller supplies the rows, the build and the name uniqueness.
import { moduleName, type DebianBuild } from './debianBuild';

export type Built = 'y' | 'm' | 'n' | 'unknown';
export interface BuiltRow {
  name: string;
  file: string;
  built: Built;
  module?: string;
}

export interface Disagreement {
  row: BuiltRow;
  /** Where the build has the name: 'vmlinux' and/or modules; [] when it has no symbol. */
  truth: string[];
  /** absent: said y/m, no symbol; present: said n, has one; placement: compiled, elsewhere. */
  kind: 'absent' | 'present' | 'placement';
  why: string;
}

export interface Agreement {
  total: number;
  agree: number;
  disagree: Disagreement[];
  /** kpath said 'unknown'. */
  unknown: number;
  /** 'n' for a name other functions share, present somewhere: the symbol may be theirs. */
  ambiguous: number;
}

/**
 * Truth is "the name has a text symbol": in System.map for built-in code, in the module's own
 * table for modular code. A compiled function in the wrong place (y but only in a module; m but
 * in vmlinux or another module) disagrees with kind 'placement', so callers that only ask
 * "was it compiled?" can filter those out.
 * Symbols are per name, not per file, so when the tree defines the name more than once
 * (uniqueNames(name) false: same-named statics in different files) only the place kpath names
 * can be checked: vmlinux for 'y', its module for 'm'; copies elsewhere may be the other
 * definitions', so a miss there is 'absent', and 'n' with a copy anywhere is ambiguous.
 * A function inlined at every call has no symbol although its file was built: those are 'absent'
 * disagreements too (why says so).
 */
export function agreement(rows: readonly BuiltRow[], build: DebianBuild, uniqueNames: (name: string) => boolean): Agreement {
  const out: Agreement = { total: rows.length, agree: 0, disagree: [], unknown: 0, ambiguous: 0 };
  for (const row of rows) {
    if (row.built === 'unknown') {
      out.unknown++;
      continue;
    }
    const truth = build.where(row.name);
    const verdict = judge(row, row.built, truth, uniqueNames(row.name));
    if (verdict === 'agree') out.agree++;
    else if (verdict === 'ambiguous') out.ambiguous++;
    else out.disagree.push({ row, truth, ...verdict });
  }
  return out;
}

type Verdict = 'agree' | 'ambiguous' | Pick<Disagreement, 'kind' | 'why'>;

function judge(row: BuiltRow, built: 'y' | 'm' | 'n', truth: string[], unique: boolean): Verdict {
  const inVmlinux = truth.includes('vmlinux');
  const modules = truth.filter((w) => w !== 'vmlinux');
  const seen = truth.length ? `it is in ${truth.join(', ')}` : 'the build has no symbol of that name (not built, or always inlined)';
  const kind = truth.length && unique ? 'placement' : 'absent';
  switch (built) {
    case 'y':
      return inVmlinux ? 'agree' : { kind, why: `kpath says built-in, but ${truth.length ? `System.map lacks it; ${seen}` : seen}` };
    case 'm': {
      const want = row.module === undefined ? undefined : moduleName(row.module);
      if (want !== undefined) {
        return modules.includes(want) ? 'agree' : { kind, why: `kpath says module ${want}, but ${seen}` };
      }
      // No module named: any module will do for a unique name; for a shared one a module
      // copy may be another file's, which is the best this check can do without the module.
      return modules.length ? 'agree' : { kind, why: `kpath says module, but ${seen}` };
    }
    case 'n':
      if (!truth.length) return 'agree';
      return unique ? { kind: 'present', why: `kpath says not built, but ${seen}` } : 'ambiguous';
  }
}
