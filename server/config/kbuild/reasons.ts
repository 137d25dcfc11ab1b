// How a Makefile line is shown as the reason for a file's state: the line, its value cut around
// the word that matters, and the values of the options it names in this configuration, so that a
// user sees why without opening the Makefile.
import type { KernelConfig } from '../kconfig';
import { stripLoc } from '../make/expand';
import type { MakeEval, LogEntry } from '../make/eval';

/** A log entry as a reason: `net/Makefile:25: obj-$(CONFIG_SMC) += smc/; CONFIG_SMC=m`. */
export function formatEntry(e: LogEntry, word: string, ev: MakeEval, config: KernelConfig): string {
  if (e.mode === 'dead' && e.dead) {
    const d = e.dead;
    return (
      `${d.cond.file}:${d.cond.line}: ${d.inElse ? `else of ${d.cond.text}` : d.cond.text}${optionWords(d.cond.text, true, config)}` +
      ` (so line ${e.loc.line}, ${e.rawName} ${e.op} ${showValue(e.rawValue, word)}, is not read)`
    );
  }
  let s = `${e.loc.file}:${e.loc.line}: ${e.rawName} ${e.op} ${showValue(e.rawValue, word)}${optionWords(e.rawName, false, config)}`;
  // `subdir- += boot` names a folder only for `make clean`.
  if (/-$/.test(e.rawName) && !e.rawName.includes('$')) s += ' (a list kbuild only cleans)';
  if (e.mode === 'unknown' && e.why !== undefined) s += `; ${stripLoc(ev.reason(e.why), e.loc)}`;
  return s;
}

/** `; CONFIG_X=m` or `; CONFIG_X is not set` for the options a text names. */
function optionWords(text: string, all: boolean, config: KernelConfig): string {
  const names = [...new Set(text.match(/\bCONFIG_[A-Za-z0-9_]+/g) ?? [])].slice(0, all ? 3 : 2);
  if (!names.length) return '';
  return (
    '; ' +
    names
      .map((n) => {
        const v = config.values.get(n);
        return v === undefined ? `${n} is not set` : `${n}=${v}`;
      })
      .join(', ')
  );
}

/** A value short enough for a reason: whole, or the word that matters with `…` around it. */
export function showValue(raw: string, word: string): string {
  const v = raw.replace(/\s+/g, ' ').trim();
  if (v.length <= 60) return v;
  const bare = word.replace(/^.*\//, '');
  const at = v.indexOf(bare);
  if (at >= 0) return `… ${word} …`;
  return `${v.slice(0, 50)}…`;
}
