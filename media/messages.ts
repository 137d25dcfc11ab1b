// The messages between the path panel's webview and its host (extension/features/sendPathPanel.ts),
// typed once and imported by both. The webview says `ready` when its script has loaded; only then
// does the host post content, so that nothing is lost while the iframe starts.
import type { CallPath, CallPathParams, RecvPathParams, SendPathParams } from '../server/protocol';
import type { Scenario } from '../server/model/index';

/** What produced the path on screen: kept in the webview state so a reload or a switch can ask again. */
export type PathQuery =
  { kind: 'send'; params: SendPathParams } | { kind: 'recv'; params: RecvPathParams } | { kind: 'call'; params: CallPathParams };

export interface Location {
  file: string;
  line: number;
  col: number;
}

export type ToWebview =
  /** A request is under way (or waits for the index, `message` says so); keep the old path visible but dimmed. */
  | { type: 'loading'; query: PathQuery; title: string; message?: string }
  /** `read` only for the receive path: its second leg (recvfrom() to the copy), `path` being the first (the packet up to the wakeup). */
  | { type: 'path'; query: PathQuery; title: string; path: CallPath; read?: CallPath }
  | { type: 'error'; query: PathQuery; title: string; message: string }
  /** Move the keyboard focus to the box of this function (e.g. a code lens "open at step 7"). */
  | { type: 'focus'; name: string }
  /** The packetdrill scripts of the tree (names in `dir`), for the simulation's Run. */
  | { type: 'scripts'; dir: string; names: string[]; error?: string }
  /** One script's text and the files next to it (defaults.sh), or why it could not be read. */
  | { type: 'script'; name: string; text?: string; siblings: Record<string, string>; error?: string };

export type FromWebview =
  | { type: 'ready' }
  /** Open a file at a position (a function's name, a call site, or a piece of evidence). */
  | { type: 'open'; location: Location }
  /** Open the definition of the kernel function a model step stands for (the host finds where: server/model/tcp/kernelFiles.ts). */
  | { type: 'openStep'; fn: string }
  /** Take `through` at indirect hop `hop` (of leg `leg`: 1 is the receive path's `read`) instead of the target shown; the host recomputes the rest. */
  | { type: 'switch'; hop: number; through: string; leg?: number }
  /** Ask again with another query (e.g. the IPv4/IPv6 toggle), or the same one (refresh). */
  | { type: 'query'; query: PathQuery }
  /** List the packetdrill scripts of the tree; read one (a name from that list). */
  | { type: 'listScripts' }
  | { type: 'readScript'; name: string };

/** What the webview keeps across reloads (vscode.setState), and what the serializer gets back. */
export interface WebviewState {
  query: PathQuery;
  title: string;
  path?: CallPath;
  /** The receive path's second leg (see ToWebview `path`). */
  read?: CallPath;
  /** Index of the focused box, to put the keyboard back where it was. */
  focused?: number;
  /** The toggle "all targets / compiled only": list what the configuration does not compile too. */
  allTargets?: boolean;
  /** The Run section (media/views/simulation.ts): replayed to the same step after a reload. */
  simulation?: SimulationState;
}

export interface SimulationState {
  open: boolean;
  /** '' for the scenario form, else the name of a .pkt script of the tree. */
  source: string;
  form: Scenario;
  /** Steps per second, 0 for all at once. */
  speed: number;
  /** Steps played. */
  played: number;
}

// ---- Checking what the webview sends ----
// The webview is ours, but what it posts is data from another process: a message is taken only
// when its whole shape is right (the host then checks what it names, e.g. that a file is in the tree).

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 4096;
const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 1000 && v.every(isName);
/** A path's branch choices: branch id → option id, a few of them. */
const isChoices = (v: unknown): v is Record<string, string> =>
  isObj(v) && Object.keys(v).length <= 100 && Object.entries(v).every(([k, o]) => isName(k) && isName(o));

/** Why a location is not one: a file name and 0-based whole line and column (extra fields, as a FunctionRef has, are fine). */
function badLocation(v: unknown): string | undefined {
  if (!isObj(v)) return 'no location';
  if (!isName(v.file)) return 'the location has no file';
  if (!isCount(v.line) || !isCount(v.col)) return "the location's line and column must be whole numbers ≥ 0";
  if (v.name !== undefined && typeof v.name !== 'string') return "the location's name must be a string";
  return undefined;
}

function badQuery(v: unknown): string | undefined {
  if (!isObj(v) || !isObj(v.params)) return 'no query with params';
  const p = v.params;
  if (v.kind === 'send' || v.kind === 'recv') {
    if (p.family !== undefined && p.family !== 'ipv4' && p.family !== 'ipv6') return 'family must be ipv4 or ipv6';
    if (p.branches !== undefined && !isChoices(p.branches)) return 'branches must map branch names to option names';
    return p.through === undefined || isNames(p.through) ? undefined : 'through must be a list of names';
  }
  if (v.kind === 'call') {
    if (!isName(p.from) || !isName(p.to)) return 'a call query needs from and to';
    return p.via === undefined || isNames(p.via) ? undefined : 'via must be a list of names';
  }
  return 'the query kind must be send, recv or call';
}

/** Why `m` is not a well-formed FromWebview message (undefined: it is one). */
export function whyNotFromWebview(m: unknown): string | undefined {
  if (!isObj(m)) return 'not an object';
  switch (m.type) {
    case 'ready':
    case 'listScripts':
      return undefined;
    case 'open':
      return badLocation(m.location);
    case 'openStep':
      return typeof m.fn === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(m.fn) ? undefined : 'openStep needs a function name';
    case 'switch':
      if (m.leg !== undefined && m.leg !== 0 && m.leg !== 1) return 'a switch leg must be 0 or 1';
      return isCount(m.hop) && isName(m.through) ? undefined : 'a switch needs a hop number and a function name';
    case 'query':
      return badQuery(m.query);
    case 'readScript':
      return isName(m.name) ? undefined : 'readScript needs a name';
    default:
      return `unknown type ${JSON.stringify(m.type)?.slice(0, 40)}`;
  }
}

export function isFromWebview(m: unknown): m is FromWebview {
  return whyNotFromWebview(m) === undefined;
}
