// Hover. On an indirect callee: the receiver's type, the slot (struct.field), how many targets and
// the first few (hints marked), or why it is unresolved. On a function: its signature and how many
// places call it or store it. On a function-pointer field: what is stored into it, and where.
import type { Connection, Hover } from 'vscode-languageserver/node';
import type { KernelIndex, SiteInfo } from '../index/kernelIndex';
import type { Evidence } from '../protocol';
import { guard, range, type ServerState } from './state';
import { symbolAt } from './symbolAt';
import { slotImplementations } from './implementation';
import { describeSlot } from '../resolve/slot';

const SHOWN = 5;
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
const where = (e: { file: string; line: number }): string => `${e.file}:${e.line + 1}`;

function evidenceLine(e: Evidence): string {
  return `${e.how} ${code(e.slot)} at ${where(e)}${e.in ? ` in ${code(e.in)}` : ''}`;
}

export function siteHover(index: KernelIndex, s: SiteInfo): string {
  const targets = index.targetsOf(s);
  const lines = [`**indirect call** through ${s.slot ? describeSlot(s.slot) : 'an expression'}`];
  if (s.receiverType) lines.push(`receiver: ${code(s.receiverType + ' *')}`);
  if (s.site.via) lines.push(`wrapped in ${code(s.site.via)}`);
  const config = index.build?.config.label;
  const site = index.builtAt(s.file, s.site.line);
  if (site && (site.built === 'n' || site.built === 'unknown'))
    lines.push(`this call is ${site.built === 'n' ? 'not compiled' : 'perhaps not compiled'} in ${code(config ?? '')}: ${site.why}`);
  if (targets.length === 0) {
    lines.push(`no target: ${index.unresolvedReason(s, targets) ?? 'unknown'}`);
  } else {
    // With a configuration: what it compiles, counted against everything the tree holds.
    const shown = config ? targets.filter((t) => t.fn.built !== 'n') : targets;
    const names = shown
      .slice(0, SHOWN)
      .map(
        (t) =>
          `${code(t.fn.name)}${t.hint ? ' (hint)' : ''}${t.fn.built === 'm' ? ` (module ${t.fn.module ?? '?'})` : t.fn.built === 'unknown' ? ' (?)' : ''}`,
      );
    const count = config
      ? `${shown.length} of ${targets.length} target${targets.length === 1 ? '' : 's'} in ${code(config)}`
      : `${targets.length} target${targets.length === 1 ? '' : 's'}`;
    lines.push(`${count}${names.length ? `: ${names.join(', ')}${shown.length > SHOWN ? ', …' : ''}` : ''}`);
  }
  return lines.join('\n\n');
}

/** `built: m (module smc) in config.X — why`, for a function's hover. */
function builtLine(index: KernelIndex, fn: { file: string; def: { nameLine: number } }): string | undefined {
  const s = index.builtAt(fn.file, fn.def.nameLine);
  if (!s) return undefined;
  const what =
    s.built === 'y'
      ? 'compiled in'
      : s.built === 'm'
        ? `compiled as module ${code(s.module ?? '?')}`
        : s.built === 'n'
          ? 'not compiled'
          : 'perhaps compiled';
  return `${what} in ${code(index.build!.config.label)}: ${s.why}`;
}

export function provideHover(
  index: KernelIndex,
  file: string,
  text: string,
  line: number,
  col: number,
  resolved = true,
): { markdown: string; line: number; start: number; end: number } | undefined {
  const at = symbolAt(index, file, text, line, col, resolved);
  if (!at) return undefined;
  const w = at.word;
  const span = w ? { line: w.line, start: w.start, end: w.end } : { line, start: col, end: col };
  switch (at.kind) {
    case 'site':
      return { markdown: siteHover(index, at.site), ...span };
    case 'function': {
      const fn = at.fns[0];
      if (!resolved)
        return {
          markdown:
            '```c\n' +
            index.fullDef(fn).signature +
            '\n```\n\n' +
            `${where({ file: fn.file, line: fn.def.nameLine })} · callers are counted once indexing is done`,
          ...span,
        };
      const callers = index.callers(fn.id);
      const direct = callers.filter((e) => e.kind === 'direct').length;
      const stores = index.storesByFunction().get(fn.id) ?? [];
      const slots = [...new Set(stores.map((e) => e.slot))];
      const parts = [
        '```c\n' + index.fullDef(fn).signature + '\n```',
        `${where({ file: fn.file, line: fn.def.nameLine })}${fn.def.viaMacro ? ` (defined by ${code(fn.def.viaMacro)})` : ''}`,
        `called from ${callers.length} place${callers.length === 1 ? '' : 's'} (${direct} direct, ${callers.length - direct} indirect)` +
          (stores.length
            ? ` · stored ${stores.length} time${stores.length === 1 ? '' : 's'} into ${slots.slice(0, SHOWN).map(describeSlot).join(', ')}${slots.length > SHOWN ? ', …' : ''}`
            : ''),
      ];
      const built = builtLine(index, fn);
      if (built) parts.push(built);
      if (at.fns.length > 1)
        parts.push(
          `${at.fns.length - 1} more definition${at.fns.length > 2 ? 's' : ''}: ${at.fns
            .slice(1, SHOWN)
            .map((f) => where({ file: f.file, line: f.def.nameLine }))
            .join(', ')}`,
        );
      return { markdown: parts.join('\n\n'), ...span };
    }
    case 'field': {
      if (!resolved) return undefined;
      const impls = slotImplementations(index, at.slot);
      const sites = index.sitesWithSlot(at.slot).length;
      const t = at.field?.type;
      const typeText = t ? (t.fn ? `${t.base} ${'*'.repeat(Math.max(0, t.ptr - 1))}(*)(…)` : `${t.base} ${'*'.repeat(t.ptr)}`).trim() : '';
      const lines = [`**field** ${code(at.slot)}${typeText ? ` ${code(typeText)}` : ''}`];
      lines.push(
        `${impls.length} function${impls.length === 1 ? '' : 's'} stored · called indirectly at ${sites} site${sites === 1 ? '' : 's'}`,
      );
      for (const i of impls.slice(0, SHOWN))
        lines.push(`- ${code(i.name)}: ${i.evidence[0] ? evidenceLine(i.evidence[0]) : where(i.span)}`);
      if (impls.length > SHOWN) lines.push(`- … ${impls.length - SHOWN} more`);
      return { markdown: lines.join('\n\n'), ...span };
    }
    case 'struct': {
      const s = index.env.structs.get(at.name);
      if (!s) return undefined;
      const fnFields = s.ordered.filter((f) => f.type.fn).length;
      return {
        markdown: `${code(at.name)}: ${s.fields.size} fields, ${fnFields} function pointers · ${s.defs.map(where).slice(0, 3).join(', ')}`,
        ...span,
      };
    }
    case 'global':
      return undefined;
  }
}

export function register(connection: Connection, state: ServerState): void {
  connection.onHover(
    guard(state, 'hover', null as Hover | null, (p) => {
      const c = state.context(p.textDocument.uri);
      if (!c) return null;
      const h = provideHover(c.index, c.file, c.text, p.position.line, p.position.character, !state.partial);
      return h ? { contents: { kind: 'markdown', value: h.markdown }, range: range({ line: h.line, col: h.start, endCol: h.end }) } : null;
    }),
  );
}
