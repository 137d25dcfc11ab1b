// What the status-bar items say for a status: pure (no `vscode`), so it is tested without an editor.
import type { IndexStatus } from '../../server/protocol';

const n = (x: number) => x.toLocaleString('en-US');

export interface ItemText {
  text: string;
  tooltip: string;
  label: string;
}

/** The config line of the kpath item's tooltip: which configuration answers are for. */
function configLine(s: IndexStatus): string {
  const c = s.config;
  if (!c) return 'config: none (every configuration)';
  if (c.error) return `config not used: ${c.error}`;
  return `config: ${c.file}`;
}

/** The kpath item's text and tooltip for a status; exported for the e2e test to know what to wait for. */
export function describe(s: IndexStatus): ItemText {
  const counts = `${n(s.functions)} functions · ${n(s.resolvedSites)}/${n(s.indirectSites)} indirect calls resolved`;
  switch (s.state) {
    case 'indexing': {
      const pct = s.filesTotal ? ` ${Math.floor((100 * s.filesDone) / s.filesTotal)}%` : '';
      return {
        text: `$(sync~spin) kpath${pct}`,
        tooltip: s.filesTotal
          ? `kpath: indexing ${n(s.filesDone)}/${n(s.filesTotal)} files${s.message ? `\n${s.message}` : ''}`
          : `kpath: indexing${s.message ? `: ${s.message}` : ''}`,
        label: `kpath indexing${pct}`,
      };
    }
    case 'ready':
      return {
        text: `$(type-hierarchy) kpath ${n(s.functions)}`,
        tooltip: `kpath: index ready\n${counts}\n${configLine(s)}`,
        label: `kpath ready: ${counts}`,
      };
    case 'error':
      return { text: '$(error) kpath', tooltip: `kpath: ${s.message ?? 'indexing failed'}`, label: `kpath error: ${s.message ?? ''}` };
    case 'idle':
    default:
      return { text: '$(circle-outline) kpath', tooltip: 'kpath: not indexed yet', label: 'kpath idle' };
  }
}

/**
 * The config item (`$(settings-gear) config.amd64_none_amd64`), or undefined while the server has
 * not said which configuration it answers for (before the index is first ready).
 */
export function describeConfig(s: IndexStatus | undefined): (ItemText & { warning: boolean }) | undefined {
  const c = s?.config;
  const click = 'Click to choose another configuration.';
  if (c?.error) {
    return {
      text: `$(settings-gear) ${c.label}`,
      tooltip: `kpath could not use ${c.file || c.label}: ${c.error}\nAnswers are for every configuration. ${click}`,
      label: `kpath config not used: ${c.error}`,
      warning: true,
    };
  }
  if (c) {
    return {
      text: `$(settings-gear) ${c.label}`,
      tooltip: `kpath answers for ${c.file}${c.ms !== undefined ? ` (read and evaluated in ${n(c.ms)} ms)` : ''}: targets, paths and counts are what it compiles. ${click}`,
      label: `kpath config: ${c.label}`,
      warning: false,
    };
  }
  if (s?.state !== 'ready') return undefined;
  return {
    text: '$(settings-gear) all configs',
    tooltip: `kpath answers for every configuration: no kernel config is in use. Click to choose one.`,
    label: 'kpath config: all configs',
    warning: false,
  };
}
