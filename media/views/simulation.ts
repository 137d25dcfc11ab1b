// The panel's Run: a scenario form (or a .pkt script from the tree), Run / Step / Pause / Speed, and
// as the model's steps play, the box of the function at work lights up on the path, the packet
// timeline fills and each decision is written out in words. The model runs here, in the webview.
import type { Location, SimulationState } from '../messages';
import { h } from './dom';
import { classify } from './layers';
import { kernelFileOf } from '../../server/model/tcp/kernelFiles';
import {
  DEFAULT_SCENARIO,
  formatMs,
  isDecision,
  placeOf,
  playScenario,
  receivePlaces,
  playScript,
  seqText,
  type Place,
  type Playback,
  type ScenarioForm,
  type TimelineRow,
} from './simulationModel';

export interface SimulationEvents {
  /** Where a function of the path is (undefined when it is not on the path). */
  locate(name: string): Location | undefined;
  /** The receive path is shown: steps light its boxes (receivePlaces), not the send path's. */
  receiving(): boolean;
  open(loc: Location): void;
  /** Open the definition of a model step's kernel function (the host finds it from the model's table). */
  openStep(fn: string): void;
  /** Ask the host for the .pkt files of the tree, or for one of them. */
  listScripts(): void;
  readScript(name: string): void;
  /** Something worth keeping for a reload changed (shown, form, source, speed, steps played). */
  changed(): void;
}

/** A script the host read, with the files next to it (defaults.sh) for readSibling. */
interface LoadedScript {
  name: string;
  text: string;
  siblings: Record<string, string>;
}

type NumberField = 'bytesPerWrite' | 'writes' | 'writeIntervalMs' | 'mss' | 'initCwnd' | 'rttMs' | 'peerWindow';
type FlagField = 'nagle' | 'cork' | 'tso';

const numberFields: Array<{ key: NumberField; label: string; min: number; max: number }> = [
  { key: 'bytesPerWrite', label: 'bytes per write', min: 1, max: 65_536 },
  { key: 'writes', label: 'writes', min: 1, max: 64 },
  { key: 'writeIntervalMs', label: 'ms between writes', min: 0, max: 10_000 },
  { key: 'mss', label: 'MSS', min: 536, max: 65_495 },
  { key: 'initCwnd', label: 'initial cwnd', min: 1, max: 100 },
  { key: 'rttMs', label: 'RTT (ms)', min: 1, max: 10_000 },
  { key: 'peerWindow', label: 'peer window (bytes)', min: 1, max: 1 << 30 },
];
const flagFields: Array<{ key: FlagField; label: string; title: string }> = [
  { key: 'nagle', label: 'Nagle', title: 'off: TCP_NODELAY' },
  { key: 'cork', label: 'cork', title: 'TCP_CORK around the writes, released after the last one' },
  { key: 'tso', label: 'TSO', title: 'off: software GSO cuts packets to MSS before the driver' },
];
/** The model runs in the webview's thread: a run of more bytes (tens of thousands of steps) would
 * freeze the panel for seconds. */
const maxBytes = 1 << 20;
/** Log entries kept in the page; older ones are dropped from the top. */
const maxLogEntries = 3000;
/** Steps per second; 0 plays everything at once. */
const speeds = [2, 5, 10, 25, 100, 0];
const FORM = '';

export class SimulationView {
  readonly root: HTMLElement;
  private readonly source: HTMLSelectElement;
  private readonly scripts: HTMLOptGroupElement;
  private readonly scenario: HTMLFieldSetElement;
  private readonly inputs = new Map<NumberField | FlagField | 'congestion' | 'qdisc', HTMLInputElement | HTMLSelectElement>();
  private readonly speed: HTMLSelectElement;
  private readonly runBtn: HTMLButtonElement;
  private readonly stepBtn: HTMLButtonElement;
  private readonly pauseBtn: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly log: HTMLOListElement;
  private readonly warnings: HTMLElement;

  private playback: Playback | undefined;
  /** Steps played so far. */
  private pos = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listed = false;
  private loaded: LoadedScript | undefined;
  /** Run as soon as the chosen script arrives from the host. */
  private runWhenLoaded = false;
  /** After a reload: replay this many steps (silently) once the run can be computed. */
  private replayTo = 0;
  private onPath: Set<string> | undefined;
  /** Where each step of the playback lights on the receive path as drawn (computed once per drawing). */
  private recvPlaces: (Place | undefined)[] | undefined;

  constructor(
    private readonly diagram: HTMLElement,
    private readonly events: SimulationEvents,
  ) {
    this.source = h('select', { id: 'sim-source', 'aria-label': 'what to run' }, h('option', { value: FORM }, 'the scenario below'));
    this.scripts = h('optgroup', { label: 'packetdrill scripts of the tree' });
    this.source.append(this.scripts);
    this.source.addEventListener('change', () => this.onSource());

    this.scenario = h('fieldset', { class: 'sim-scenario' }, h('legend', {}, 'scenario'));
    for (const f of numberFields) {
      const input = h('input', {
        type: 'number',
        min: f.min,
        max: f.max,
        step: 1,
        value: DEFAULT_SCENARIO[f.key] ?? 0,
        'data-field': f.key,
      });
      this.inputs.set(f.key, input);
      this.scenario.append(h('label', {}, h('span', {}, f.label), input));
    }
    for (const f of flagFields) {
      const input = h('input', { type: 'checkbox', checked: DEFAULT_SCENARIO[f.key], 'data-field': f.key });
      this.inputs.set(f.key, input);
      this.scenario.append(h('label', { class: 'flag', title: f.title }, input, h('span', {}, f.label)));
    }
    const congestion = h(
      'select',
      { 'data-field': 'congestion' },
      ...['cubic', 'reno'].map((c) => h('option', { value: c, selected: c === DEFAULT_SCENARIO.congestion }, c)),
    );
    const qdisc = h(
      'select',
      { 'data-field': 'qdisc' },
      ...['pfifo', 'fq'].map((q) => h('option', { value: q, selected: q === DEFAULT_SCENARIO.qdisc }, q)),
    );
    this.inputs.set('congestion', congestion);
    this.inputs.set('qdisc', qdisc);
    this.scenario.append(h('label', {}, h('span', {}, 'congestion control'), congestion), h('label', {}, h('span', {}, 'qdisc'), qdisc));

    this.runBtn = h('button', { type: 'button', class: 'sim-run', title: 'Run from the start (R)' }, '▶ Run');
    this.stepBtn = h('button', { type: 'button', class: 'sim-step', title: 'One step (S)' }, 'Step');
    this.pauseBtn = h('button', { type: 'button', class: 'sim-pause', title: 'Pause or go on (P)', disabled: true }, 'Pause');
    this.speed = h(
      'select',
      { class: 'sim-speed', 'aria-label': 'speed' },
      ...speeds.map((s) => h('option', { value: s, selected: s === 10 }, s ? `${s} steps/s` : 'all at once')),
    );
    this.status = h('span', { class: 'sim-status', role: 'status', 'aria-live': 'polite' });
    this.runBtn.addEventListener('click', () => this.run());
    this.stepBtn.addEventListener('click', () => this.step());
    this.pauseBtn.addEventListener('click', () => (this.timer ? this.pause() : this.resume()));
    this.speed.addEventListener('change', () => {
      if (this.timer) {
        this.pause();
        this.resume();
      }
      this.events.changed();
    });
    this.scenario.addEventListener('change', () => this.events.changed());

    this.tbody = h('tbody', {});
    const table = h(
      'table',
      { class: 'sim-timeline' },
      h('caption', {}, 'packets on the wire'),
      h(
        'thead',
        {},
        h('tr', {}, ...['#', 'time (ms)', 'dir', 'flags', 'seq:end(len)', 'ack', 'win', ''].map((t) => h('th', { scope: 'col' }, t))),
      ),
      this.tbody,
    );
    this.warnings = h('div', { class: 'sim-warnings', role: 'note' });
    this.log = h('ol', { class: 'sim-log', 'aria-label': 'decisions, in order' });

    this.root = h(
      'section',
      { id: 'simulation', class: 'simulation', 'aria-label': 'simulated send()', hidden: true },
      h(
        'div',
        { class: 'sim-controls' },
        h('label', {}, h('span', {}, 'Run'), this.source),
        this.runBtn,
        this.stepBtn,
        this.pauseBtn,
        this.speed,
        this.status,
      ),
      this.scenario,
      h(
        'div',
        { class: 'sim-body' },
        h('div', { class: 'sim-packets' }, table),
        h('div', { class: 'sim-decisions' }, h('h2', {}, 'what the kernel decides'), this.warnings, this.log),
      ),
    );
    this.root.addEventListener('keydown', (ev) => this.onKey(ev));
  }

  get visible(): boolean {
    return !this.root.hidden;
  }

  /** Show or hide the section; the first time, ask the host for the tree's scripts. */
  toggle(show = this.root.hidden, focus = true): void {
    this.root.hidden = !show;
    if (!show) {
      this.pause();
      this.highlight(undefined);
      this.events.changed();
      return;
    }
    if (!this.listed) {
      this.listed = true;
      this.events.listScripts();
    }
    if (focus) this.runBtn.focus();
    this.events.changed();
  }

  /** Light the current step's box again after the path was drawn anew (a refresh, a reload). */
  relight(): void {
    this.onPath = undefined;
    this.recvPlaces = undefined;
    const step = this.playback?.steps[this.pos - 1];
    this.highlight(step && this.placeOf(this.pos - 1)?.name);
  }

  saved(): SimulationState {
    return {
      open: this.visible,
      source: this.source.value,
      form: this.form(),
      speed: Number(this.speed.value),
      played: this.replayTo || this.pos,
    };
  }

  /** Back to where it was before a reload: the form, the source, and the same step of the run. */
  restore(s: SimulationState | undefined): void {
    if (!s) return;
    for (const f of numberFields) (this.inputs.get(f.key) as HTMLInputElement).value = String(s.form[f.key] ?? DEFAULT_SCENARIO[f.key]);
    for (const f of flagFields) (this.inputs.get(f.key) as HTMLInputElement).checked = s.form[f.key];
    this.inputs.get('congestion')!.value = s.form.congestion;
    this.inputs.get('qdisc')!.value = s.form.qdisc;
    if (speeds.includes(s.speed)) this.speed.value = String(s.speed);
    if (s.source) {
      // The list comes from the host later; until then the chosen script is its only entry.
      this.scripts.append(h('option', { value: s.source }, s.source));
      this.source.value = s.source;
    }
    this.replayTo = s.played;
    this.onSource();
    if (s.open) this.toggle(true, false);
    if (s.played > 0 && !s.source && this.prepare()) this.replay();
  }

  /** The host's list of .pkt files (names relative to `dir`). */
  setScripts(dir: string, names: readonly string[], error?: string): void {
    const chosen = this.source.value;
    this.scripts.label = `packetdrill scripts in ${dir}`;
    this.scripts.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
    if (names.includes(chosen)) this.source.value = chosen;
    if (error) this.setStatus(error, true);
  }

  /** A script's text from the host. */
  setScript(name: string, text: string | undefined, siblings: Record<string, string>, error?: string): void {
    if (this.source.value !== name) return; // another choice was made since
    if (text === undefined) {
      this.runWhenLoaded = false;
      this.setStatus(error ?? `cannot read ${name}`, true);
      return;
    }
    this.loaded = { name, text, siblings };
    this.setStatus(`${name}: ${text.split('\n').length} lines`);
    if (this.replayTo > 0) {
      this.runWhenLoaded = false;
      if (this.prepare()) this.replay();
    }
    if (this.runWhenLoaded) {
      this.runWhenLoaded = false;
      this.run();
    }
  }

  /** The scenario the form describes. */
  form(): ScenarioForm {
    const f: ScenarioForm = { ...DEFAULT_SCENARIO };
    for (const { key, min, max } of numberFields) {
      const n = Math.round(Number((this.inputs.get(key) as HTMLInputElement).value));
      f[key] = Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : DEFAULT_SCENARIO[key];
    }
    if (f.writes * f.bytesPerWrite > maxBytes) {
      f.writes = Math.max(1, Math.floor(maxBytes / f.bytesPerWrite));
      (this.inputs.get('writes') as HTMLInputElement).value = String(f.writes);
    }
    for (const { key } of flagFields) f[key] = (this.inputs.get(key) as HTMLInputElement).checked;
    f.congestion = this.inputs.get('congestion')!.value === 'reno' ? 'reno' : 'cubic';
    f.qdisc = this.inputs.get('qdisc')!.value === 'fq' ? 'fq' : 'pfifo';
    return f;
  }

  /** Compute the run from the form or the chosen script and play it from the start. */
  run(): void {
    if (!this.prepare()) return;
    this.resume();
  }

  step(): void {
    if (!this.playback || this.pos >= this.playback.steps.length) {
      if (!this.prepare()) return;
    }
    this.pause();
    this.advance(true);
    this.events.changed();
  }

  /** Play up to the step saved before a reload, without the animation. */
  private replay(): void {
    const to = Math.min(this.replayTo, this.playback?.steps.length ?? 0);
    this.replayTo = 0;
    while (this.pos < to - 1) this.advance(false);
    if (this.pos < to) this.advance(true);
    this.pause();
  }

  pause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Paused in the middle, the button goes on; at the end there is nothing to pause.
    this.pauseBtn.disabled = !this.playback || this.pos >= this.playback.steps.length;
    this.pauseBtn.textContent = this.pauseBtn.disabled ? 'Pause' : 'Go on';
    this.events.changed();
  }

  resume(): void {
    if (!this.playback || this.pos >= this.playback.steps.length) return;
    const perSecond = Number(this.speed.value);
    if (!perSecond) {
      while (this.pos < this.playback.steps.length - 1) this.advance(false);
      this.advance(true);
      this.pause();
      return;
    }
    this.pauseBtn.disabled = false;
    this.pauseBtn.textContent = 'Pause';
    const tick = () => {
      this.advance(true);
      if (this.playback && this.pos < this.playback.steps.length) this.timer = setTimeout(tick, 1000 / perSecond);
      else this.pause();
    };
    this.timer = setTimeout(tick, 0);
  }

  private prepare(): boolean {
    this.pause();
    const name = this.source.value;
    let playback: Playback;
    try {
      if (name === FORM) playback = playScenario(this.form());
      else if (this.loaded?.name === name) playback = playScript(name, this.loaded.text, this.loaded.siblings);
      else {
        this.runWhenLoaded = true;
        this.events.readScript(name);
        this.setStatus(`reading ${name}…`);
        return false;
      }
    } catch (e) {
      this.setStatus(`cannot run ${name || 'the scenario'}: ${e instanceof Error ? e.message : String(e)}`, true);
      return false;
    }
    this.playback = playback;
    this.pos = 0;
    this.onPath = undefined;
    this.recvPlaces = undefined;
    this.tbody.replaceChildren();
    this.log.replaceChildren();
    this.warnings.replaceChildren(...playback.unsupported.map((u) => h('p', { class: 'sim-unsupported' }, `unsupported: ${u}`)));
    this.highlight(undefined);
    this.setStatus(`${playback.title}: ${playback.steps.length} steps`);
    return true;
  }

  /** Play one step: log it, add the packets it put on the wire, light up its box. */
  private advance(show: boolean): void {
    const pb = this.playback;
    if (!pb || this.pos >= pb.steps.length) return;
    const i = this.pos++;
    const step = pb.steps[i];
    const place = this.placeOf(i);
    const loc = place && this.events.locate(place.name);
    const fnEl = kernelFileOf(step.fn) ? this.stepLink(step.fn) : h('code', {}, step.fn);
    const where =
      place && !place.exact ? h('span', { class: 'sim-in' }, ' in ', loc ? this.link(place.name, loc) : h('code', {}, place.name)) : null;
    const li = h(
      'li',
      { class: `sim-entry${isDecision(step) ? ' decision' : ''}`, 'data-step': i, 'data-fn': step.fn },
      h('span', { class: 'sim-time' }, `${formatMs(step.timeNs)} ms`),
      ' ',
      fnEl,
      where,
      ' ',
      h('span', { class: 'sim-note' }, step.note),
    );
    this.log.append(li);
    if (this.log.childElementCount > maxLogEntries) this.log.firstElementChild?.remove();
    for (const row of pb.rows) if (row.atStep === i) this.tbody.append(this.rowElement(row));
    if (show) {
      this.log.querySelector('.current')?.classList.remove('current');
      li.classList.add('current');
      li.scrollIntoView({ block: 'nearest' });
      this.tbody.lastElementChild?.scrollIntoView({ block: 'nearest' });
      this.highlight(place?.name);
      const done = this.pos >= pb.steps.length;
      this.setStatus(
        done
          ? `done: ${pb.rows.length} packets, ${pb.steps.length} steps${pb.score ? ` · ${pb.score.matched}/${pb.score.outbound} outbound lines matched` : ''}`
          : `step ${this.pos} of ${pb.steps.length} · ${formatMs(step.timeNs)} ms · ${step.fn}`,
      );
    }
  }

  private rowElement(r: TimelineRow): HTMLTableRowElement {
    const check = r.check
      ? h('span', { class: r.check.ok ? 'ok' : 'bad', title: r.check.text }, r.check.ok ? `✓ line ${r.check.line}` : `✗ ${r.check.text}`)
      : '';
    const tso = r.gsoSegs > 1 ? ` (TSO, ${r.gsoSegs} segs)` : '';
    return h(
      'tr',
      { class: `sim-row dir-${r.direction}`, 'data-id': r.id },
      h('td', {}, String(r.id)),
      h('td', {}, formatMs(r.timeNs)),
      h('td', { title: r.direction === 'out' ? 'sent by us' : 'from the peer' }, r.direction === 'out' ? '→ out' : '← in'),
      h('td', { class: 'flags' }, r.flags),
      h('td', {}, seqText(r) + tso),
      h('td', {}, r.ack === undefined ? '' : String(r.ack)),
      h('td', {}, String(r.win)),
      h('td', {}, check),
    );
  }

  /** The step's own function: every function the model traces has its file in the model's table. */
  private stepLink(fn: string): HTMLAnchorElement {
    const a = h('a', { href: '#', class: 'sim-fn', title: `open ${fn} in ${kernelFileOf(fn)}` }, fn);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      this.events.openStep(fn);
    });
    return a;
  }

  private link(name: string, loc: Location): HTMLAnchorElement {
    const a = h('a', { href: '#', class: 'sim-fn', title: `open ${name}` }, name);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      this.events.open(loc);
    });
    return a;
  }

  /** Where step i lights: on the receive path by receivePlaces, on the send path by placeOf. */
  private placeOf(i: number): Place | undefined {
    const pb = this.playback;
    const step = pb?.steps[i];
    if (!pb || !step) return undefined;
    if (!this.events.receiving()) return placeOf(step, this.namesOnPath());
    this.recvPlaces ??= receivePlaces(
      pb.steps,
      pb.rows,
      Array.from(this.diagram.querySelectorAll<HTMLElement>('.box[data-fn]'), (e) => ({
        name: e.dataset.fn ?? '',
        lane: e.dataset.layer ?? '',
        leg: Number(e.dataset.leg ?? 0),
      })),
      (name) => classify({ name, file: '' }),
    );
    return this.recvPlaces[i];
  }

  /** Names of the boxes and driver chips drawn by pathView (their data-fn), read once per drawing. */
  private namesOnPath(): Set<string> {
    this.onPath ??= new Set(
      Array.from(this.diagram.querySelectorAll<HTMLElement>('.box[data-fn], .chip[data-fn]'), (e) => e.dataset.fn ?? ''),
    );
    return this.onPath;
  }

  private highlight(name: string | undefined): void {
    for (const el of Array.from(this.diagram.querySelectorAll('.sim-active'))) {
      el.classList.remove('sim-active');
      el.removeAttribute('aria-current');
    }
    // A closed Run lights nothing (a script read or a replay may finish after it was closed).
    if (!name || !this.visible) return;
    const el = this.diagram.querySelector<HTMLElement>(`.box[data-fn="${CSS.escape(name)}"], .chip[data-fn="${CSS.escape(name)}"]`);
    if (!el) return;
    el.classList.add('sim-active');
    el.setAttribute('aria-current', 'step');
    el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  private setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  private onSource(): void {
    const isForm = this.source.value === FORM;
    this.scenario.disabled = !isForm;
    this.scenario.hidden = !isForm;
    if (!isForm && this.loaded?.name !== this.source.value) {
      this.events.readScript(this.source.value);
      this.setStatus(`reading ${this.source.value}…`);
    }
    this.events.changed();
  }

  /** R runs, S steps, P pauses, outside the form's fields (where the keys are typed). */
  private onKey(ev: KeyboardEvent): void {
    const t = ev.target as HTMLElement | null;
    if ((t && (t.tagName === 'INPUT' || t.tagName === 'SELECT')) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const act: Record<string, () => void> = {
      r: () => this.run(),
      s: () => this.step(),
      p: () => (this.timer ? this.pause() : this.resume()),
    };
    const f = act[ev.key.toLowerCase()];
    if (f) {
      ev.preventDefault();
      f();
    }
  }
}
