// The `kpath.*` settings as the server uses them: the schema's defaults (server/protocol.ts), except
// that an editor which sends none (Neovim, a test) gets the net scope rather than the whole tree;
// values of the wrong type are ignored (and said so), globs become the folder prefixes the scanner
// understands, and the tree root becomes an absolute path.
import * as path from 'node:path';
import { settingsDefaults, type KpathSettings } from '../protocol';

/** When the client sends no `include`: the networking stack and what it calls (indexer's `net`). */
export const SERVER_DEFAULT_INCLUDE = ['net'];

export function mergeSettings(raw: unknown, base: KpathSettings, problems: string[] = []): KpathSettings {
  const out: KpathSettings = { ...base, include: [...base.include], exclude: [...base.exclude] };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  const str = (k: 'treeRoot' | 'cacheDir' | 'config'): void => {
    if (r[k] === undefined || r[k] === null) return;
    if (typeof r[k] === 'string') out[k] = r[k] as string;
    else problems.push(`kpath.${k} should be a string; ignored`);
  };
  const list = (k: 'include' | 'exclude'): void => {
    if (r[k] === undefined || r[k] === null) return;
    const v = r[k];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
    else problems.push(`kpath.${k} should be a list of strings; ignored`);
  };
  str('treeRoot');
  str('cacheDir');
  str('config');
  list('include');
  list('exclude');
  return out;
}

export function initialSettings(raw: unknown, problems: string[] = []): KpathSettings {
  return mergeSettings(raw, { ...settingsDefaults, include: SERVER_DEFAULT_INCLUDE }, problems);
}

/** `net/**` → `net`, `./drivers/net/` → `drivers/net`, `**` → '' (everything). */
export function globToFolder(glob: string): string {
  return glob
    .trim()
    .replace(/^\.\//, '')
    .replace(/(?:\/\*\*?)+$/, '')
    .replace(/^\*\*$/, '')
    .replace(/\/+$/, '');
}

export interface ScanScope {
  include: string[];
  exclude: string[];
  unsupported: string[];
}

export function scanScope(s: KpathSettings): ScanScope {
  const unsupported: string[] = [];
  const conv = (globs: string[]): string[] =>
    globs.map((g) => {
      const f = globToFolder(g);
      if (/[*?[\]{}]/.test(f)) unsupported.push(g);
      return f;
    });
  const include = conv(s.include);
  // An empty entry (`**`) means the whole tree.
  return { include: include.includes('') ? [] : include, exclude: conv(s.exclude).filter((e) => e !== ''), unsupported };
}

/** The tree root: the setting (absolute, or relative to the workspace folder), else the workspace folder. */
export function resolveRoot(s: KpathSettings, workspaceFolder: string | undefined): string | undefined {
  const t = s.treeRoot.trim().replace(/^~(?=\/|$)/, process.env.HOME ?? '~');
  if (t && path.isAbsolute(t)) return path.resolve(t);
  if (t && workspaceFolder) return path.resolve(workspaceFolder, t);
  return workspaceFolder ? path.resolve(workspaceFolder) : undefined;
}
