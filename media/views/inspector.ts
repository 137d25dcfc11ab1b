// The details of the box under the mouse or the keyboard focus: where the function is, how the path
// got there and the evidence for an indirect hop (where the pointer was stored). The same text goes
// into the box's title, so a plain hover shows it too.
import type { Evidence } from '../../server/protocol';
import type { Location } from '../messages';
import { layers } from './layers';
import { edgeLabel, where, type Box } from './pathModel';
import { builtWords } from './built';
import { h } from './dom';

function evidenceText(e: Evidence): string {
  return `${e.how} ${e.slot} at ${where(e)}`;
}

/** The hover text of a box: file:line, the hop that reached it and its evidence. */
export function boxTitle(box: Box): string {
  const lines = [`${box.fn.name} — ${where(box.fn)}`];
  const built = builtWords(box.fn);
  if (built) lines.push(built);
  const hop = box.incoming?.hop;
  if (hop) {
    lines.push(`${edgeLabel(hop)} from ${hop.from.name} at ${where(hop.site)}`);
    for (const e of hop.evidence.slice(0, 5)) lines.push(`evidence: ${evidenceText(e)}`);
    if (hop.evidence.length > 5) lines.push(`evidence: … ${hop.evidence.length - 5} more`);
    if (hop.alternatives.length) lines.push(`${hop.alternatives.length} other target(s) at this call`);
  }
  return lines.join('\n');
}

export function renderInspector(into: HTMLElement, box: Box | undefined, open: (loc: Location) => void): void {
  into.replaceChildren();
  if (!box) {
    into.append(
      h(
        'p',
        { class: 'hint' },
        'Hover or focus a function to see where it is and why the path goes there. ↑/↓ move, Enter opens, A picks another target.',
      ),
    );
    return;
  }
  const link = (label: string, loc: Location) => {
    const a = h('a', { href: '#', class: 'loc' }, label);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      open(loc);
    });
    return a;
  };
  const layer = layers.find((l) => l.id === box.layer);
  into.append(
    h(
      'div',
      { class: 'inspector-head' },
      h('strong', {}, box.fn.name),
      ' ',
      link(where(box.fn), box.fn),
      h('span', { class: 'layer-tag' }, `${layer?.label ?? box.layer}${box.inferred ? ' (from its neighbours)' : ''}`),
    ),
  );
  const built = builtWords(box.fn);
  if (built) into.append(h('div', { class: 'built-line', 'data-built': box.fn.built }, built));
  const hop = box.incoming?.hop;
  if (!hop) return;
  into.append(h('div', {}, `${edgeLabel(hop)} from ${hop.from.name}, call at `, link(where(hop.site), hop.site)));
  if (hop.evidence.length) {
    const list = h('ul', { class: 'evidence' });
    for (const e of hop.evidence) list.append(h('li', {}, `${e.how} into ${e.slot} at `, link(where(e), e)));
    into.append(h('div', { class: 'evidence-title' }, 'Evidence'), list);
  }
}
