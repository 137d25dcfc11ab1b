// The path panel's script. It draws what the host sends, tells the host what the person did, and
// keeps its state with vscode.setState so that the panel comes back as it was after a reload.
import type { FromWebview, PathQuery, ToWebview, WebviewState } from './messages';
import { branchQuery, directionQuery, queryTitle } from './query';
import { hasConfig } from './views/built';
import { h } from './views/dom';
import { renderInspector } from './views/inspector';
import { recvLegTitles, type Leg } from './views/pathModel';
import { PathView } from './views/pathView';
import { SimulationView } from './views/simulation';
import type { CallPath, PathBranch } from '../server/protocol';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: FromWebview) => vscode.postMessage(m);

const titleEl = document.getElementById('title')!;
const summaryEl = document.getElementById('summary')!;
const statusEl = document.getElementById('status')!;
const diagramEl = document.getElementById('diagram')!;
const inspectorEl = document.getElementById('inspector')!;
const familyEl = document.getElementById('family')!;
const directionEl = document.getElementById('direction')!;
const branchesEl = document.getElementById('branches')!;
const refreshEl = document.getElementById('refresh')!;
const targetsFilterEl = document.getElementById('targets-filter')!;

let state: WebviewState | undefined = vscode.getState();

const view = new PathView(diagramEl, {
  open: (location) => post({ type: 'open', location }),
  switchTarget: (hop, through, leg) => {
    setStatus('loading', `Recomputing the path through ${through}…`);
    post({ type: 'switch', hop, through, leg });
  },
  inspect: (box, index) => {
    renderInspector(inspectorEl, box, (location) => post({ type: 'open', location }));
    if (state && index !== undefined && state.focused !== index) {
      state = { ...state, focused: index };
      save(state);
    }
  },
});

// Run: the TCP model plays a send() along the boxes of the path (media/views/simulation.ts).
const sim = new SimulationView(diagramEl, {
  locate: (name) => view.boxes.find((b) => b.fn.name === name)?.fn ?? state?.path?.drivers?.find((d) => d.name === name),
  receiving: () => state?.query.kind === 'recv',
  open: (location) => post({ type: 'open', location }),
  openStep: (fn) => post({ type: 'openStep', fn }),
  listScripts: () => post({ type: 'listScripts' }),
  readScript: (name) => post({ type: 'readScript', name }),
  changed: () => {
    if (state) save(state);
    runEl.setAttribute('aria-expanded', String(sim.visible));
  },
});
/** Keep the state, with where the simulation is, for a reload (a hidden panel is reloaded when shown). */
function save(s: WebviewState): void {
  vscode.setState({ ...s, simulation: sim.saved() });
}
inspectorEl.before(sim.root);
const runEl = h(
  'button',
  {
    type: 'button',
    id: 'simulate',
    'aria-controls': 'simulation',
    'aria-expanded': 'false',
    title: 'Play a send() through the path with the TCP model',
  },
  'Run…',
);
runEl.addEventListener('click', () => sim.toggle());
refreshEl.before(runEl);

function setStatus(kind: 'loading' | 'error' | 'none', text = ''): void {
  statusEl.className = kind;
  statusEl.textContent = text;
  document.body.classList.toggle('loading', kind === 'loading');
}

function showQuery(query: PathQuery, title: string): void {
  titleEl.textContent = title || queryTitle(query);
  // The IPv4/IPv6 toggle and the direction only mean something for the send and receive paths.
  const route = query.kind !== 'call';
  familyEl.hidden = !route;
  directionEl.hidden = !route;
  if (!route) branchesEl.hidden = true;
  const fam = route ? (query.params.family ?? 'ipv4') : undefined;
  for (const b of Array.from(familyEl.querySelectorAll<HTMLButtonElement>('button[data-family]')))
    b.setAttribute('aria-pressed', String(b.dataset.family === fam));
  for (const b of Array.from(directionEl.querySelectorAll<HTMLButtonElement>('button[data-direction]')))
    b.setAttribute('aria-pressed', String(b.dataset.direction === query.kind));
}

/** One select per condition the path depends on (the device's queue, netfilter hooks): a choice asks again. */
function showBranches(query: PathQuery, branches: readonly PathBranch[]): void {
  branchesEl.hidden = query.kind === 'call' || branches.length === 0;
  branchesEl.replaceChildren(
    ...branches.map((b) => {
      const sel = h(
        'select',
        { 'data-branch': b.id, 'aria-label': b.label },
        ...b.options.map((o) =>
          h('option', { value: o.id, selected: o.id === b.chosen, title: o.label }, `${o.label}${o.id === b.default ? ' (typical)' : ''}`),
        ),
      );
      sel.addEventListener('change', () => {
        if (!state || state.query.kind === 'call') return;
        setStatus('loading', `Recomputing the path with ${b.label}: ${sel.selectedOptions[0]?.textContent ?? sel.value}…`);
        post({ type: 'query', query: branchQuery(state.query, b.id, sel.value) });
      });
      return h('label', { class: 'branch' }, h('span', {}, b.label), sel);
    }),
  );
}

/** What the diagram draws: one leg, or the receive path's two with their headings. */
function legsOf(path: CallPath, read: CallPath | undefined): Leg[] {
  return read
    ? [
        { title: recvLegTitles[0], path },
        { title: recvLegTitles[1], path: read },
      ]
    : [{ path }];
}

/** The toggle "compiled only / all targets": shown when the server answered for a configuration. */
function showTargetsFilter(path: CallPath): void {
  targetsFilterEl.hidden = !hasConfig(path);
  for (const b of Array.from(targetsFilterEl.querySelectorAll<HTMLButtonElement>('button[data-targets]'))) {
    b.setAttribute('aria-pressed', String((b.dataset.targets === 'all') === view.allTargets));
  }
}

function showPath(query: PathQuery, title: string, path: CallPath, read: CallPath | undefined, focus?: number): void {
  showQuery(query, title);
  const hops = [...path.hops, ...(read?.hops ?? [])];
  const indirect = hops.filter((hop) => hop.kind !== 'direct').length;
  const drivers = path.drivers ?? [];
  const compiled = drivers.filter((d) => d.built !== 'n').length;
  const driverText = !drivers.length
    ? ''
    : hasConfig(path)
      ? ` · ${compiled} of ${drivers.length} drivers compiled`
      : ` · ${drivers.length} drivers`;
  const broken = path.broken || read?.broken;
  summaryEl.textContent = `${hops.length} hops · ${indirect} indirect${driverText}${broken ? ' · broken' : ''}`;
  view.allTargets = state?.allTargets ?? false;
  showTargetsFilter(path);
  showBranches(query, [...(path.branches ?? []), ...(read?.branches ?? []).filter((b) => !path.branches?.some((x) => x.id === b.id))]);
  view.render(legsOf(path, read), focus);
  sim.relight();
  setStatus('none');
}

window.addEventListener('message', (ev: MessageEvent<ToWebview>) => {
  const m = ev.data;
  switch (m.type) {
    case 'loading':
      showQuery(m.query, m.title);
      setStatus('loading', m.message ?? `Computing ${m.title}…`);
      state = { ...state, query: m.query, title: m.title };
      break;
    case 'path': {
      const sameQuery = JSON.stringify(state?.query) === JSON.stringify(m.query);
      const focus = sameQuery ? state?.focused : undefined;
      showPath(m.query, m.title, m.path, m.read, focus);
      state = { query: m.query, title: m.title, path: m.path, read: m.read, focused: view.focusedIndex, allTargets: view.allTargets };
      break;
    }
    case 'error':
      showQuery(m.query, m.title);
      if (!state?.path) diagramEl.replaceChildren(); // drop the "waiting" hint: the status says what happened
      setStatus('error', m.message);
      state = { ...state, query: m.query, title: m.title };
      break;
    case 'focus':
      view.focusName(m.name);
      return;
    case 'scripts':
      sim.setScripts(m.dir, m.names, m.error);
      return;
    case 'script':
      sim.setScript(m.name, m.text, m.siblings, m.error);
      return;
  }
  if (state) save(state);
});

for (const b of Array.from(familyEl.querySelectorAll<HTMLButtonElement>('button[data-family]'))) {
  b.addEventListener('click', () => {
    const family = b.dataset.family === 'ipv6' ? 'ipv6' : 'ipv4';
    const kind = state?.query.kind;
    if (kind !== 'send' && kind !== 'recv') return;
    // Another family is another path: earlier switches (e.g. through inet_sendmsg) do not carry over.
    post({ type: 'query', query: { kind, params: { family } } });
  });
}
for (const b of Array.from(directionEl.querySelectorAll<HTMLButtonElement>('button[data-direction]'))) {
  b.addEventListener('click', () => {
    const kind = b.dataset.direction === 'recv' ? 'recv' : 'send';
    if (!state || state.query.kind === 'call' || state.query.kind === kind) return;
    post({ type: 'query', query: directionQuery(state.query, kind) });
  });
}
for (const b of Array.from(targetsFilterEl.querySelectorAll<HTMLButtonElement>('button[data-targets]'))) {
  b.addEventListener('click', () => {
    const path = state?.path;
    if (!state || !path) return;
    state = { ...state, allTargets: b.dataset.targets === 'all' };
    save(state);
    showPath(state.query, state.title, path, state.read, state.focused);
  });
}
refreshEl.addEventListener('click', () => {
  if (state) post({ type: 'query', query: state.query });
});

renderInspector(inspectorEl, undefined, () => undefined);
// After a reload, draw what was there at once; the host asks the server again and replaces it.
if (state?.path) showPath(state.query, state.title, state.path, state.read, state.focused);
else if (state) showQuery(state.query, state.title);
else diagramEl.append(h('p', { class: 'hint' }, 'Waiting for the language server…'));
sim.restore(state?.simulation);
post({ type: 'ready' });
