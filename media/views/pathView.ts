// The diagram: one column (lane) per layer, one box per function, an edge between consecutive boxes
// with how the call was found, a control at each indirect hop to pick another target, a marked break
// where the path could not be completed, the side calls a box makes (netfilter hooks) beside the
// path, and the targets the path ends at (ndo_start_xmit's drivers, sk_data_ready's wakeups). The
// receive path is two legs, each under its heading, in the same lanes.
// With a kernel configuration, the alternatives and the drivers list what it compiles unless
// `allTargets` is set, grouped by folder, each with its build state (y, m and the module, n, ?).
import type { FunctionRef, PathHop } from '../../server/protocol';
import type { Location } from '../messages';
import { builtTag, builtWords, byFolder, countsText, hasConfig, listed } from './built';
import { h, place } from './dom';
import { boxTitle } from './inspector';
import { layerIndex, layers } from './layers';
import { buildLegs, edgeLabel, where, type Box, type Leg, type LegModel, type SideCall } from './pathModel';

export interface PathViewEvents {
  open(loc: Location): void;
  switchTarget(hop: number, through: string, leg: number): void;
  /** A box got the focus or the mouse (undefined: none); for the inspector and the saved state. */
  inspect(box: Box | undefined, index: number | undefined): void;
}

/** Drivers shown before "show all": a 6.12 tree has a few hundred ndo_start_xmit targets. */
const driverPreview = 48;

/** A kernel name with line-break chances after its underscores, so `tcp_sendmsg_locked` wraps at a word. */
function breakable(name: string): (string | Node)[] {
  const out: (string | Node)[] = [];
  name.split(/(?<=_)(?=[^_])/).forEach((part, i) => {
    if (i) out.push(document.createElement('wbr'));
    out.push(part);
  });
  return out;
}

export class PathView {
  private drawn: ReturnType<typeof buildLegs> | undefined;
  private boxEls: HTMLElement[] = [];
  private focused = 0;
  private configured = false;
  /** List the targets the configuration does not compile too (the toolbar's toggle). */
  allTargets = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly events: PathViewEvents,
  ) {
    root.addEventListener('keydown', (ev) => this.onKey(ev));
  }

  get boxes(): readonly Box[] {
    return this.drawn?.boxes ?? [];
  }
  get focusedIndex(): number {
    return this.focused;
  }

  render(legs: readonly Leg[], focus?: number): void {
    const drawn = buildLegs(legs);
    this.drawn = drawn;
    this.configured = legs.some((l) => hasConfig(l.path));
    this.boxEls = [];
    const grid = h('div', { class: 'grid', role: 'group', 'aria-label': 'call path, top to bottom' });
    // Lanes with boxes get room; empty lanes stay as thin labelled strips so the layering still reads.
    grid.style.gridTemplateColumns = layers
      .map((l) => (drawn.usedLanes.has(l.id) ? 'minmax(9.5rem, 1fr)' : 'minmax(1.6rem, 0.15fr)'))
      .join(' ');

    let row = 1;
    const headers = layers.map((l, i) =>
      place(
        h(
          'div',
          { class: `lane-head layer-${l.id}${drawn.usedLanes.has(l.id) ? '' : ' empty'}`, title: l.title, 'data-lane': l.id },
          l.label,
        ),
        row,
        i + 1,
      ),
    );
    grid.append(...headers);
    row++;

    for (const model of drawn.legs) row = this.appendLeg(grid, row, model);

    // Lane stripes behind everything, as tall as the content.
    const stripes = layers.map((l, i) => {
      const s = h('div', { class: `lane-stripe${i % 2 ? ' odd' : ''}`, 'aria-hidden': 'true' });
      place(s, 1, i + 1);
      s.style.gridRow = `1 / ${row}`;
      return s;
    });
    grid.prepend(...stripes);

    this.root.replaceChildren(grid);
    this.focusBox(Math.min(focus ?? 0, Math.max(0, this.boxEls.length - 1)), false);
  }

  private appendLeg(grid: HTMLElement, row: number, model: LegModel): number {
    if (model.title)
      grid.append(place(h('h2', { class: 'leg-title', 'data-leg': model.boxes[0]?.leg ?? 0 }, model.title), row++, 1, layers.length + 1));
    if (model.boxes.length === 0) {
      grid.append(place(h('div', { class: 'empty-path' }, 'No hops in this path.'), row++, 1, layers.length + 1));
    }
    if (model.brokenAt && model.brokenAt.afterBox < 0) row = this.appendBreak(grid, row, model);

    model.boxes.forEach((box, i) => {
      const hop = box.incoming?.hop;
      const prev = model.boxes[i - 1];
      if (hop && prev) row = this.appendEdge(grid, row, prev, box, hop, box.incoming!.index);
      else if (prev && !model.brokenAt) row++; // a run restarts without a hop: leave a gap
      // A heading where the layer changes: hidden in the lane layout, it is what shows the layers
      // in the one-column layout of a narrow panel (styles.css).
      if (box.layer !== prev?.layer) {
        const l = layers[layerIndex(box.layer)];
        grid.append(h('div', { class: `layer-change layer-${l.id}`, 'aria-hidden': 'true' }, l.label));
      }
      grid.append(place(this.boxElement(box, model.first + i), row++, layerIndex(box.layer) + 1));
      for (const sc of model.sideCalls) if (sc.afterBox === i) row = this.appendSideCall(grid, row, box, sc);
      if (model.brokenAt?.afterBox === i) row = this.appendBreak(grid, row, model);
    });

    if (model.end) row = this.appendEnd(grid, row, model);
    return row;
  }

  /** The calls a box makes and returns from: a dashed branch beside the path, from the box's lane to theirs. */
  private appendSideCall(grid: HTMLElement, row: number, from: Box, sc: SideCall): number {
    const lane = sc.fns[sc.fns.length - 1]?.lane ?? from.layer;
    const a = layerIndex(from.layer);
    const b = layerIndex(lane);
    const more = sc.more.length ? ` (+${sc.more.length} other ${sc.via || 'targets'})` : '';
    const el = h(
      'div',
      {
        class: 'side-call',
        role: 'group',
        'data-branch': sc.branch,
        'data-from': from.fn.name,
        'aria-label': `${from.fn.name} calls and returns: ${sc.fns.map((f) => f.name).join(', ')}${more}`,
      },
      h('span', { class: 'side-mark', 'aria-hidden': 'true' }, '↳ calls, then returns:'),
      ...sc.fns.map((f) => {
        const chip = h('button', { type: 'button', class: 'chip side-fn', 'data-fn': f.name, title: `${f.name} — ${where(f)}` }, f.name);
        chip.addEventListener('click', () => this.events.open(f));
        return chip;
      }),
      more ? h('span', { class: 'side-more', title: sc.more.map((f) => f.name).join('\n') }, more) : null,
    );
    grid.append(place(el, row, Math.min(a, b) + 1, Math.max(a, b) + 2));
    return row + 1;
  }

  /** Move the keyboard focus to the box of a function, by name. */
  focusName(name: string): boolean {
    const i = this.boxes.findIndex((b) => b.fn.name === name || b.fn.id === name);
    if (i >= 0) this.focusBox(i, true);
    return i >= 0;
  }

  private boxElement(box: Box, i: number): HTMLElement {
    const tag = builtTag(box.fn);
    const el = h(
      'div',
      {
        class: `box layer-${box.layer}${box.inferred ? ' inferred' : ''}${box.fn.built === 'n' ? ' not-built' : ''}`,
        role: 'button',
        tabindex: -1,
        'data-index': i,
        'data-fn': box.fn.name,
        'data-layer': box.layer,
        'data-leg': box.leg,
        'data-built': box.fn.built,
        title: boxTitle(box),
        'aria-label': `${box.fn.name}, ${box.layer} layer, ${where(box.fn)}`,
      },
      h('span', { class: 'fn' }, ...breakable(box.fn.name)),
      h(
        'span',
        { class: 'file' },
        `${box.fn.file.split('/').pop() ?? box.fn.file}:${box.fn.line + 1}`,
        tag && tag !== 'y' ? h('span', { class: `built built-${box.fn.built}` }, tag) : null,
      ),
    );
    el.addEventListener('click', () => {
      this.focusBox(i, true);
      this.events.open(box.fn);
    });
    el.addEventListener('mouseenter', () => this.events.inspect(box, i));
    el.addEventListener('focus', () => this.events.inspect(box, i));
    this.boxEls.push(el);
    return el;
  }

  private appendEdge(grid: HTMLElement, row: number, from: Box, to: Box, hop: PathHop, hopIndex: number): number {
    const a = layerIndex(from.layer);
    const b = layerIndex(to.layer);
    // The edge starts under the box it leaves (so the arrow lines up) and spans the lanes it crosses;
    // its label may spill into the empty lanes to the right.
    const start = b < a ? b : a;
    const end = Math.max(a, b) + 1;
    const label = h('a', { href: '#', class: 'edge-label', title: `call site ${where(hop.site)}` }, edgeLabel(hop));
    label.addEventListener('click', (ev) => {
      ev.preventDefault();
      this.events.open(hop.site);
    });
    const edge = h(
      'div',
      {
        class: `edge kind-${hop.kind}${b < a ? ' up' : ''}`,
        'data-hop': hopIndex,
        'data-leg': to.leg,
        'data-kind': hop.kind,
        'aria-hidden': 'false',
      },
      h('span', { class: 'arrow', 'aria-hidden': 'true' }, '↓'),
      label,
    );
    if (hop.alternatives.length) edge.append(this.alternatives(hop, hopIndex, to.leg));
    const evidence = hop.evidence[0];
    if (evidence)
      edge.append(
        h(
          'span',
          { class: 'evidence-count', title: hop.evidence.map((e) => `${e.how} ${e.slot} at ${where(e)}`).join('\n') },
          `${hop.evidence.length} evidence`,
        ),
      );
    grid.append(place(edge, row, start + 1, end + 1));
    return row + 1;
  }

  private alternatives(hop: PathHop, hopIndex: number, leg: number): HTMLElement {
    const names = new Map<string, FunctionRef>();
    for (const f of [hop.to, ...hop.alternatives]) if (!names.has(f.name)) names.set(f.name, f);
    const all = [...names.values()];
    // The target shown stays listed even when the configuration leaves it out.
    const visible = all.filter((f) => f === hop.to || listed(f, this.allTargets));
    const counts = countsText(all, this.configured);
    const sel = h('select', {
      class: 'alternatives',
      'data-hop': hopIndex,
      'data-leg': leg,
      title: `${hop.via || 'this call'}: ${counts}`,
      'aria-label': `other targets of ${hop.via || 'this call'} (${counts})`,
    });
    // By folder, the one shown first: its folder comes first, the rest in the server's order.
    for (const g of byFolder([hop.to, ...visible.filter((f) => f !== hop.to)])) {
      const group = h('optgroup', { label: g.folder });
      for (const f of g.fns) {
        const tag = builtTag(f);
        const text = `${f.name}${tag ? ` [${tag}]` : ''}${f === hop.to ? ' (shown)' : ` — ${f.file.slice(g.folder.length)}`}`;
        group.append(h('option', { value: f.name, selected: f === hop.to, 'data-built': f.built }, text));
      }
      sel.append(group);
    }
    const hidden = all.length - visible.length;
    if (hidden) sel.append(h('option', { disabled: true, value: '' }, `+${hidden} not in this config ("all targets" lists them)`));
    sel.addEventListener('change', () => {
      if (sel.value !== hop.to.name) this.events.switchTarget(hopIndex, sel.value, leg);
    });
    sel.addEventListener('keydown', (ev) => {
      // Escape goes back to the box below this edge; arrow keys stay with the select.
      ev.stopPropagation();
      if (ev.key === 'Escape')
        this.focusBox(
          this.boxes.findIndex((b) => b.leg === leg && b.incoming?.index === hopIndex),
          true,
        );
    });
    return sel;
  }

  private appendBreak(grid: HTMLElement, row: number, model: LegModel): number {
    const br = model.brokenAt!;
    grid.append(
      place(
        h(
          'div',
          { class: 'break', role: 'note', 'data-after': br.after, 'data-before': br.before },
          h('span', { class: 'break-mark', 'aria-hidden': 'true' }, '✂'),
          h('span', {}, `path broken: no way found from ${br.after} to ${br.before}`),
          br.reason ? h('span', { class: 'break-reason' }, ` — ${br.reason}`) : null,
        ),
        row,
        1,
        layers.length + 1,
      ),
    );
    return row + 1;
  }

  /** The targets of the call the path ends at: a filterable list by folder, under the last box. */
  private appendEnd(grid: HTMLElement, row: number, model: LegModel): number {
    const end = model.end!;
    const last = model.boxes[model.boxes.length - 1];
    const drivers = end.fns.filter((d) => listed(d, this.allTargets));
    const lastInLane = last?.layer === end.lane;
    const dIdx = layerIndex(end.lane);
    const lastIdx = last ? layerIndex(last.layer) : dIdx;
    // From the last box's lane to the targets' lane, with room for the list (two lanes at least).
    const start = Math.min(lastIdx, dIdx, layers.length - 2);
    const stop = Math.max(lastIdx, dIdx, start + 1) + 2;
    const what = end.drivers ? 'drivers' : 'targets';
    const edge = h(
      'div',
      { class: `edge kind-field ${end.drivers ? 'drivers-edge' : 'ends-edge'}`, 'data-kind': 'field', 'data-slot': end.slot },
      h('span', { class: 'arrow', 'aria-hidden': 'true' }, '↓'),
      h('span', { class: 'edge-label' }, `${lastInLane && end.drivers ? 'other ' : ''}${end.slot} targets (${drivers.length})`),
    );
    grid.append(place(edge, row++, start + 1, stop));

    const counts = this.configured ? h('div', { class: 'driver-counts' }, countsText(end.fns, true)) : null;
    const filter = h('input', {
      type: 'search',
      class: 'driver-filter',
      placeholder: `filter ${drivers.length} ${what}`,
      'aria-label': `filter ${end.slot} targets`,
    });
    const list = h('div', { class: 'driver-list', 'aria-label': `${end.slot} targets by folder` });
    const more = h('button', { class: 'more', type: 'button' });
    let showAll = false;
    const fill = () => {
      const q = filter.value.trim().toLowerCase();
      const hits = drivers.filter((d) => !q || d.name.toLowerCase().includes(q) || d.file.toLowerCase().includes(q));
      const shown = showAll || q ? hits : hits.slice(0, driverPreview);
      list.replaceChildren(
        ...byFolder(shown).map((g) =>
          h(
            'div',
            { class: 'driver-group', role: 'list', 'aria-label': g.folder, 'data-folder': g.folder },
            h(
              'div',
              { class: 'driver-folder', 'aria-hidden': 'true' },
              g.folder,
              h('span', { class: 'driver-folder-count' }, ` ${g.fns.length}`),
            ),
            ...[...g.fns].sort((x, y) => x.name.localeCompare(y.name)).map((d) => this.driverChip(d)),
          ),
        ),
      );
      more.hidden = shown.length >= hits.length;
      more.textContent = `show all ${hits.length}`;
    };
    more.addEventListener('click', () => {
      showAll = true;
      fill();
    });
    filter.addEventListener('input', fill);
    filter.addEventListener('keydown', (ev) => ev.stopPropagation());
    fill();
    grid.append(place(h('div', { class: 'drivers' }, counts, filter, list, more), row++, start + 1, stop));
    return row;
  }

  private driverChip(d: FunctionRef): HTMLElement {
    const tag = builtTag(d);
    const words = builtWords(d);
    const chip = h(
      'button',
      {
        type: 'button',
        class: `chip driver${d.built === 'n' ? ' not-built' : ''}`,
        role: 'listitem',
        'data-fn': d.name,
        'data-built': d.built,
        title: `${d.name} — ${where(d)}${words ? `\n${words}` : ''}`,
      },
      h('span', { class: 'chip-name' }, d.name),
      tag ? h('span', { class: `built built-${d.built}` }, tag) : null,
    );
    chip.addEventListener('click', () => this.events.open(d));
    return chip;
  }

  private focusBox(i: number, move: boolean): void {
    if (i < 0 || i >= this.boxEls.length) return;
    this.boxEls[this.focused]?.setAttribute('tabindex', '-1');
    this.focused = i;
    const el = this.boxEls[i];
    el.setAttribute('tabindex', '0');
    if (move) {
      el.focus();
      el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
    this.events.inspect(this.boxes[i], i);
  }

  private onKey(ev: KeyboardEvent): void {
    const target = ev.target as HTMLElement | null;
    if (!target?.classList.contains('box')) return;
    const i = Number(target.dataset.index);
    const go = (j: number) => {
      ev.preventDefault();
      this.focusBox(Math.max(0, Math.min(this.boxEls.length - 1, j)), true);
    };
    switch (ev.key) {
      case 'ArrowDown':
      case 'j':
        return go(i + 1);
      case 'ArrowUp':
      case 'k':
        return go(i - 1);
      case 'Home':
        return go(0);
      case 'End':
        return go(this.boxEls.length - 1);
      case 'Enter':
      case ' ': {
        ev.preventDefault();
        const box = this.boxes[i];
        if (box) this.events.open(box.fn);
        return;
      }
      case 'a':
      case 'A': {
        // Pick another target for the hop that reached this box.
        const hop = this.boxes[i]?.incoming?.index;
        const leg = this.boxes[i]?.leg ?? 0;
        const sel =
          hop === undefined
            ? null
            : this.root.querySelector<HTMLSelectElement>(`select.alternatives[data-hop="${hop}"][data-leg="${leg}"]`);
        if (sel) {
          ev.preventDefault();
          sel.focus();
        }
        return;
      }
    }
  }
}
