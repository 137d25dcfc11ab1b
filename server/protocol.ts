// Every custom request and notification between the kpath client and server, typed once and
// imported by both sides (server/, extension/, and the webview's messages). Plain types only:
// this file must not import 'vscode' nor 'vscode-languageserver' so that the webview and the CLI
// can use it too. The RequestType objects, which server and extension both import, live in
// server/protocolTypes.ts and name the methods below.

import type { LayerId } from './graph/lanes';

/** How a hop from one function to the next was found. */
export type HopKind = 'direct' | 'field' | 'hint' | 'param' | 'local' | 'global';

/** Where a function pointer was stored, the reason a target belongs to a hop. */
export interface Evidence {
  file: string;
  line: number; // 0-based
  col: number;
  /** `init` (designated/positional initializer), `assign`, `copy` (from another slot), `arg` (passed to a parameter), `hint` (INDIRECT_CALL). */
  how: 'init' | 'assign' | 'copy' | 'arg' | 'hint';
  /** The slot it was stored into, e.g. `proto_ops.sendmsg` or `NF_HOOK#6`. */
  slot: string;
  /** The function the store sits in (absent at file scope), e.g. the caller that passed `okfn`. */
  in?: string;
  /** With a kernel configuration: whether the store itself is compiled (a table under `#ifdef`, a file not built). */
  built?: Built;
}

export interface FunctionRef {
  /** Unique id: `name` for global functions, `name@file` for static ones. */
  id: string;
  name: string;
  file: string; // relative to the tree root
  line: number; // 0-based line of the name
  col: number;
  /** With a kernel configuration: compiled into vmlinux (y), into a module (m), not compiled (n), or not known. */
  built?: Built;
  /** Why: the Makefile line and option, or the `#if` line, that decide `built`. */
  builtWhy?: string;
  /** The module it is compiled into, when `built` is m. */
  module?: string;
  /** On a path: the lane (layer) it is drawn in, from where it lives (server/graph/lanes.ts). */
  lane?: LayerId;
}

/** Whether a function, store or call site is compiled in the configuration in use. */
export type Built = 'y' | 'm' | 'n' | 'unknown';

export interface PathHop {
  from: FunctionRef;
  to: FunctionRef;
  kind: HopKind;
  /** For indirect hops: the slot label (`proto_ops.sendmsg`), else ''. */
  via: string;
  /** Call site in `from`. */
  site: { file: string; line: number; col: number };
  /** Where `to` was stored into the slot (empty for direct hops). */
  evidence: Evidence[];
  /** Other targets of the same indirect site, for switching. */
  alternatives: FunctionRef[];
}

export interface CallPath {
  /** Ordered hops; hops[i].to === hops[i+1].from. */
  hops: PathHop[];
  /** Set when no path was found between two consecutive waypoints. */
  broken?: { after: string; before: string; reason: string };
  /** For the send path: the driver functions (`ndo_start_xmit` targets) at the end. */
  drivers?: FunctionRef[];
  /** For the send and receive paths: the indirect call the path ends at and its targets (`net_device_ops.ndo_start_xmit`, `sock.sk_data_ready`). */
  endsAt?: { slot: string; targets: FunctionRef[] };
  /** For the send and receive paths: the conditions the path depends on, each with the option taken. */
  branches?: PathBranch[];
  /**
   * Calls a function of the path makes and returns from before the path goes on, shown because a
   * branch option asks for them (the netfilter hooks NF_HOOK runs). `at` is the function's place
   * on the path: 0 is hops[0].from, i is hops[i-1].to.
   */
  sideCalls?: { at: number; branch: string; hops: PathHop[] }[];
}

/**
 * Where a path goes is a matter of a condition the index cannot know (the device has a queue or
 * not; netfilter hooks are registered or not). A branch names the condition and its options; an
 * option steers the search by what the path must pass (`through`) and must not (`avoid`).
 */
export interface PathBranch {
  id: string;
  label: string;
  options: BranchOption[];
  /** The option the path was found with (the default unless the request chose another). */
  chosen: string;
  /** The typical case, taken when the request says nothing. */
  default: string;
}
export interface BranchOption {
  id: string;
  label: string;
  /** The path passes at least one of each: a function in `folder`, a call through `slot`, the function `fn`. */
  through?: PathMatch[];
  /** The path takes none of these. */
  avoid?: PathMatch[];
  /** The path is unchanged; the calls its functions make down to one of these are added as side calls. */
  visit?: PathMatch[];
}
export type PathMatch = { folder: string } | { slot: string } | { fn: string };

export interface CallPathParams {
  from: string;
  to: string;
  via?: string[];
}
export interface SendPathParams {
  family?: 'ipv4' | 'ipv6';
  /** switch an indirect hop: function name to pass through */
  through?: string[];
  /** Branch id → option id (see CallPath.branches); a branch not named takes its default. */
  branches?: Record<string, string>;
}
/** The receive path is asked for like the send path. */
export type RecvPathParams = SendPathParams;
/** Two legs, each shaped like the send path: the packet up to the socket's wakeup, and recvfrom() down to the copy to user memory. */
export interface RecvPath {
  deliver: CallPath;
  read: CallPath;
}

export const Methods = {
  /** CallPathParams → CallPath */
  callPath: 'kpath/callPath',
  /** SendPathParams → CallPath */
  sendPath: 'kpath/sendPath',
  /** RecvPathParams → RecvPath */
  recvPath: 'kpath/recvPath',
  /** { file, line, col } → IndirectTargets | null */
  targets: 'kpath/targets',
  /** () → IndexStatus */
  status: 'kpath/status',
  /** notification server→client: IndexStatus */
  statusChanged: 'kpath/statusChanged',
  /** () → void: rebuild the index */
  reindex: 'kpath/reindex',
  /** FileAnnotationsParams → FileAnnotations */
  fileAnnotations: 'kpath/fileAnnotations',
} as const;

/** Params of `kpath/fileAnnotations`: a document of the tree, by its URI. */
export interface FileAnnotationsParams {
  uri: string;
}
/** What the editor marks in a file: its indirect call sites, and its functions reached only through pointers. */
export interface FileAnnotations {
  /** Indirect call sites with at least one target (the ones the server's code lens names). */
  sites: AnnotatedSite[];
  /** Functions defined in the file that have callers and no direct one. */
  indirectOnly: IndirectOnlyFunction[];
}
export interface AnnotatedSite {
  /** 0-based line and UTF-16 columns of the called name (`sendmsg` in `sock->ops->sendmsg(…)`). */
  line: number;
  col: number;
  endCol: number;
  slot: string;
  /** Targets the configuration in use compiles (all of them without one). */
  targets: number;
  /** Targets it does not compile. */
  notBuilt: number;
  /** The code lens's title: `2 targets: inet_sendmsg, inet6_sendmsg`. */
  title: string;
}
export interface IndirectOnlyFunction {
  name: string;
  /** 0-based line of the name in the function's header. */
  line: number;
  /** The slots it is called through (`proto_ops.sendmsg`), in the call hierarchy's order; empty when none is named. */
  slots: string[];
  /** Callers (function and slot pairs), as the call hierarchy counts them. */
  callers: number;
}

export interface IndirectTargets {
  site: { file: string; line: number; col: number; built?: Built; builtWhy?: string };
  slot: string;
  receiverType: string;
  targets: { fn: FunctionRef; hint: boolean; evidence: Evidence[] }[];
  unresolved?: string;
}

export interface IndexStatus {
  state: 'idle' | 'indexing' | 'ready' | 'error';
  filesDone: number;
  filesTotal: number;
  functions: number;
  indirectSites: number;
  resolvedSites: number;
  message?: string;
  /** The kernel configuration answers are given for; absent: every configuration. */
  config?: ConfigStatus;
}

export interface ConfigStatus {
  /** Absolute path of the config file ('' when it could not be found). */
  file: string;
  /** Short name for the status bar (`config.amd64_none_cloud-amd64`). */
  label: string;
  /** Time to read it and evaluate the Makefiles. */
  ms?: number;
  /** Set when the config asked for could not be used (then answers are for every configuration). */
  error?: string;
}

// ---- Added by the extension/webview side (issue 4). Additions only. ----

/** Params of `kpath/targets`: a position in a file. `file` is relative to the tree root, like FunctionRef.file; `uri` is the document's URI as the client knows it. */
export interface TargetsParams {
  file: string;
  line: number;
  col: number;
  uri?: string;
}

/**
 * The `kpath.*` settings, one schema for client and server. package.json's
 * contributes.configuration must agree with `settingsDefaults` (test/e2e/manifest.test.ts checks it).
 * The client sends them as initializationOptions and answers `workspace/configuration` for section `kpath`.
 */
export const settingsSection = 'kpath';
export interface KpathSettings {
  /** Kernel tree root; '' = the workspace folder that contains net/socket.c (or Kbuild and MAINTAINERS). Relative = to the first workspace folder. The client sends it resolved (absolute). */
  treeRoot: string;
  /** Globs (relative to the tree root) of files to index; [] = every .c and .h file. The default is the
   *  networking stack and what it calls (the indexer's NET_SCOPE): the whole 6.12 tree takes minutes
   *  and more than Node's default 4 GB heap. */
  include: string[];
  /** Globs (relative to the tree root) never indexed; applied after include. */
  exclude: string[];
  /** Where the on-disk index cache lives; '' = the server's default (e.g. ~/.cache/kpath). */
  cacheDir: string;
  /** The kernel configuration to answer for: a `.config` (or `.xz`/`.gz`); '' = the tree's own `.config` if it has one; `none` = every configuration. Relative = to the tree root. */
  config: string;
}
export const settingsDefaults: KpathSettings = {
  treeRoot: '',
  include: [
    'net/**',
    'include/**',
    'drivers/net/**',
    'kernel/**',
    'lib/**',
    'mm/**',
    'arch/x86/**',
    'fs/**',
    'security/**',
    'block/**',
    'crypto/**',
  ],
  exclude: ['Documentation/**', 'tools/**', 'samples/**', 'scripts/**'],
  cacheDir: '',
  config: '',
};
