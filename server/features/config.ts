// The kernel configuration answers are for: `kpath.config` (a path, '' for the tree's own `.config`,
// `none` for every configuration), applied to the index when it is ready and again when the setting
// changes. Switching only evaluates Makefiles and `#if` lines again: nothing is re-parsed. A config
// that cannot be read is said in the status (the status bar shows it) and answers are then for
// every configuration, as without one.
import * as path from 'node:path';
import { CodeLensRefreshRequest } from 'vscode-languageserver/node';
import { applyConfig } from '../config/choose';
import { treeConfig } from '../config/candidates';
import { ConfigError } from '../config/kconfig';
import type { ConfigStatus } from '../protocol';
import type { KernelIndex } from '../index/kernelIndex';
import type { ServerState } from './state';
import { setStatus } from './indexing';

/** The config file the setting names, resolved; undefined for none. */
export function configFileOf(setting: string, root: string): string | undefined {
  const s = setting.trim();
  if (s === 'none') return undefined;
  if (!s) return treeConfig(root);
  const expanded = s.replace(/^~(?=\/|$)/, process.env.HOME ?? '~');
  return path.isAbsolute(expanded) ? expanded : path.resolve(root, expanded);
}

/** Apply the configuration setting to `index`; returns what the status should say. Never throws. */
export function applyConfigSetting(state: ServerState, index: KernelIndex): ConfigStatus | undefined {
  const file = configFileOf(state.settings.config, index.root);
  try {
    const applied = applyConfig(index, file, (rel) => state.textOf(rel));
    if (!applied) return undefined;
    state.log(
      `answering for ${applied.config.file} (arch ${applied.config.arch ?? '?'}; Makefiles evaluated in ${applied.ms.toFixed(0)} ms${applied.problems.length ? `; ${applied.problems.length} construct(s) not understood, answered "unknown"` : ''})`,
    );
    applied.problems.slice(0, 20).forEach((p) => state.log(`  ${p}`));
    return { file: applied.config.file, label: applied.config.label, ms: Math.round(applied.ms) };
  } catch (e) {
    index.setBuild(undefined);
    const message = e instanceof ConfigError ? e.message : `${file}: ${e instanceof Error ? e.message : String(e)}`;
    state.error(`kernel configuration not used: ${message}`);
    if (!(e instanceof ConfigError)) state.error(e instanceof Error ? (e.stack ?? '') : '');
    return { file: file ?? '', label: path.basename(file ?? 'config'), error: message };
  }
}

/** The setting changed: apply it to the index in use, tell the client, refresh code lenses. */
export function reapplyConfig(state: ServerState): void {
  const index = state.index;
  if (!index || !state.indexComplete) return; // the build in progress applies it when done
  const config = applyConfigSetting(state, index);
  state.indexVersion++;
  setStatus(state, { ...state.status, config });
  if (state.canRefreshCodeLens) void state.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
}
