// The messages between the path panel's webview and its host (extension/features/sendPathPanel.ts),
// typed once and imported by both. The webview says `ready` when its script has loaded; only then
// does the host post content, so that nothing is lost while the iframe starts.
import type { CallPath, CallPathParams, SendPathParams } from '../server/protocol';
import type { Scenario } from '../server/model/index';

/** What produced the path on screen: kept in the webview state so a reload or a switch can ask again. */
export type PathQuery =
  | { kind: 'send'; params: SendPathParams }
  | { kind: 'call'; params: CallPathParams };

export interface Location { file: string; line: number; col: number }

export type ToWebview =
  /** A request is under way; keep the old path visible but dimmed. */
  | { type: 'loading'; query: PathQuery; title: string }
  | { type: 'path'; query: PathQuery; title: string; path: CallPath }
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
  /** Take `through` at indirect hop `hop` instead of the target shown; the host recomputes the rest. */
  | { type: 'switch'; hop: number; through: string }
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

export function isFromWebview(m: unknown): m is FromWebview {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  return t === 'ready' || t === 'open' || t === 'switch' || t === 'query' || t === 'listScripts' || t === 'readScript';
}
