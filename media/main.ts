// The path panel's script. It draws what the host sends, tells the host what the person did, and
// keeps its state with vscode.setState so that the panel comes back as it was after a reload.
import type { FromWebview, PathQuery, ToWebview, WebviewState } from './messages';
import { queryTitle } from './query';
import { hasConfig } from './views/built';
import { h } from './views/dom';
import { renderInspector } from './views/inspector';
import { PathView } from './views/pathView';
import { SimulationView } from './views/simulation';
import type { CallPath } from '../server/protocol';

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
const refreshEl = document.getElementById('refresh')!;
const targetsFilterEl = document.getElementById('targets-filter')!;

let state: WebviewState | undefined = vscode.getState();

const view = new PathView(diagramEl, {
  open: (location) => post({ type: 'open', location }),
  switchTarget: (hop, through) => {
    setStatus('loading', `Recomputing the path through ${through}…`);
    post({ type: 'switch', hop, through });
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
  open: (location) => post({ type: 'open', location }),
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
  // The IPv4/IPv6 toggle only means something for the send path.
  familyEl.hidden = query.kind !== 'send';
  const fam = query.kind === 'send' ? (query.params.family ?? 'ipv4') : undefined;
  for (const b of Array.from(familyEl.querySelectorAll<HTMLButtonElement>('button[data-family]')))
    b.setAttribute('aria-pressed', String(b.dataset.family === fam));
}

/** The toggle "compiled only / all targets": shown when the server answered for a configuration. */
function showTargetsFilter(path: CallPath): void {
  targetsFilterEl.hidden = !hasConfig(path);
  for (const b of Array.from(targetsFilterEl.querySelectorAll<HTMLButtonElement>('button[data-targets]'))) {
    b.setAttribute('aria-pressed', String((b.dataset.targets === 'all') === view.allTargets));
  }
}

function showPath(query: PathQuery, title: string, path: CallPath, focus?: number): void {
  showQuery(query, title);
  const indirect = path.hops.filter((hop) => hop.kind !== 'direct').length;
  const drivers = path.drivers ?? [];
  const compiled = drivers.filter((d) => d.built !== 'n').length;
  const driverText = !drivers.length
    ? ''
    : hasConfig(path)
      ? ` · ${compiled} of ${drivers.length} drivers compiled`
      : ` · ${drivers.length} drivers`;
  summaryEl.textContent = `${path.hops.length} hops · ${indirect} indirect${driverText}${path.broken ? ' · broken' : ''}`;
  view.allTargets = state?.allTargets ?? false;
  showTargetsFilter(path);
  view.render(path, focus);
  sim.relight();
  setStatus('none');
}

window.addEventListener('message', (ev: MessageEvent<ToWebview>) => {
  const m = ev.data;
  switch (m.type) {
    case 'loading':
      showQuery(m.query, m.title);
      setStatus('loading', `Computing ${m.title}…`);
      state = { ...state, query: m.query, title: m.title };
      break;
    case 'path': {
      const sameQuery = JSON.stringify(state?.query) === JSON.stringify(m.query);
      const focus = sameQuery ? state?.focused : undefined;
      showPath(m.query, m.title, m.path, focus);
      state = { query: m.query, title: m.title, path: m.path, focused: view.focusedIndex, allTargets: view.allTargets };
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
    if (state?.query.kind !== 'send') return;
    // Another family is another path: earlier switches (e.g. through inet_sendmsg) do not carry over.
    post({ type: 'query', query: { kind: 'send', params: { family } } });
  });
}
for (const b of Array.from(targetsFilterEl.querySelectorAll<HTMLButtonElement>('button[data-targets]'))) {
  b.addEventListener('click', () => {
    const path = state?.path;
    if (!state || !path) return;
    state = { ...state, allTargets: b.dataset.targets === 'all' };
    save(state);
    showPath(state.query, state.title, path, state.focused);
  });
}
refreshEl.addEventListener('click', () => {
  if (state) post({ type: 'query', query: state.query });
});

renderInspector(inspectorEl, undefined, () => undefined);
// After a reload, draw what was there at once; the host asks the server again and replaces it.
if (state?.path) showPath(state.query, state.title, state.path, state.focused);
else if (state) showQuery(state.query, state.title);
else diagramEl.append(h('p', { class: 'hint' }, 'Waiting for the language server…'));
sim.restore(state?.simulation);
post({ type: 'ready' });
