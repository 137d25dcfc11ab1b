// The rows of the targets pick (targets.ts), from the server's answer: pure, so it is tested without
// an editor. The server's order is kept (INDIRECT_CALL hints first, in the order the macro tests
// them, then the call site's folder outward); with a configuration, the targets it does not compile
// are left out behind a last row that reveals them.
import type { IndirectTargets } from '../../server/protocol';
import { builtTag } from '../../media/views/built';

export type Target = IndirectTargets['targets'][number];

export type Row =
  | { kind: 'target'; label: string; description: string; detail: string; target: Target }
  /** The separator before the targets the configuration does not compile. */
  | { kind: 'separator'; label: string }
  /** "Show 28 more not compiled in …": picking it reveals them. */
  | { kind: 'more'; label: string; count: number };

export interface TargetList {
  title: string;
  placeholder: string;
  rows: Row[];
  /** Targets of the answer not compiled in the configuration (shown or not). */
  notCompiled: number;
}

/** Where the function was stored into the slot: the first evidence that is not the hint itself. */
export function storedAt(t: Target): string {
  const stores = t.evidence.filter((e) => e.how !== 'hint');
  const e = stores[0] ?? t.evidence[0];
  if (!e) return '';
  const more = stores.length > 1 ? ` (+${stores.length - 1} more)` : '';
  return `${e.how} ${e.slot} at ${e.file}:${e.line + 1}${e.in ? ` in ${e.in}` : ''}${more}`;
}

function targetRow(t: Target): Row {
  const tag = builtTag(t.fn);
  const description = [t.hint ? 'hint' : undefined, tag, `${t.fn.file}:${t.fn.line + 1}`].filter(Boolean).join(' · ');
  let detail = storedAt(t);
  if (t.fn.built === 'n') detail = `not compiled: ${t.fn.builtWhy ?? 'not in this config'}`;
  else if (t.fn.built === 'unknown' && t.fn.builtWhy) detail = `${detail}${detail ? ' · ' : ''}? ${t.fn.builtWhy}`;
  return { kind: 'target', label: `${t.hint ? '$(star-full)' : '$(symbol-function)'} ${t.fn.name}`, description, detail, target: t };
}

/**
 * The pick for an answer. `config` is the label of the configuration in use (the status's), if any;
 * `showAll` reveals the targets it does not compile, after the others.
 */
export function targetList(result: IndirectTargets, config: string | undefined, showAll: boolean): TargetList {
  const slot = result.slot || 'indirect call';
  const total = result.targets.length;
  const plural = (k: number) => `${k} target${k === 1 ? '' : 's'}`;
  // The server sets `built` only when it answers for a configuration.
  const configured = result.targets.some((t) => t.fn.built !== undefined);
  if (!configured) {
    return { title: `${slot} — ${plural(total)}`, placeholder: hintText(result), rows: result.targets.map(targetRow), notCompiled: 0 };
  }
  const label = config ?? 'this config';
  const compiled = result.targets.filter((t) => t.fn.built !== 'n');
  const not = result.targets.filter((t) => t.fn.built === 'n');
  const rows = compiled.map(targetRow);
  if (not.length && showAll) rows.push({ kind: 'separator', label: `not compiled in ${label}` }, ...not.map(targetRow));
  else if (not.length)
    rows.push(
      { kind: 'separator', label: '' },
      { kind: 'more', label: `$(eye) Show ${not.length} more not compiled in ${label}…`, count: not.length },
    );
  const site =
    result.site.built === 'n' || result.site.built === 'unknown'
      ? `This call is ${result.site.built === 'n' ? 'not' : 'perhaps not'} compiled in ${label}${result.site.builtWhy ? `: ${result.site.builtWhy}` : ''}`
      : hintText(result);
  return { title: `${slot} — ${compiled.length} of ${plural(total)} in ${label}`, placeholder: site, rows, notCompiled: not.length };
}

function hintText(result: IndirectTargets): string {
  return result.targets.some((t) => t.hint)
    ? 'Pick a target to open its definition; ★ marks the INDIRECT_CALL hints, which the call tests first'
    : 'Pick a target to open its definition';
}
