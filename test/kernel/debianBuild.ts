// What Debian's real build of the indexed kernel source compiled, as written by
// scripts/debian-build.sh: the ground truth for kpath's config-aware `built` answers.
import * as os from 'node:os';
import * as path from 'node:path';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

export interface DebianBuild {
  dir: string;
  /** The build's own .config. */
  configFile: string;
  flavour: string;
  /** Function name -> where it has a text symbol: 'vmlinux' or module names (with '_'). */
  symbols: Map<string, Set<string>>;
  /** Module name (with '_') -> its .ko path under lib/modules/<ver>/kernel/. */
  modulePaths: Map<string, string>;
  /** Some build object has an out-of-line symbol of this name. */
  compiled(name: string): boolean;
  /** 'vmlinux' and/or module names holding `name`, sorted; [] when none. */
  where(name: string): string[];
}

/** Module names use '_' where .ko file names may use '-' (KBUILD_MODNAME does the same). */
export function moduleName(name: string): string {
  return name.replace(/-/g, '_');
}

export function debianBuildsDir(): string {
  return path.join(process.env.KPATH_HOME ?? path.join(os.homedir(), '.cache', 'kpath'), 'debian-builds');
}

/** Builds the script has completed for `flavour` (any ABI), newest version last. */
function buildDirs(flavour: string): string[] {
  const root = debianBuildsDir();
  if (!existsSync(root)) return [];
  // The stamp names the flavour: a folder name ending in "-amd64" may be a cloud-amd64 build.
  const flavourOf = (d: string): string | undefined => {
    const stamp = path.join(d, '.stamp');
    return existsSync(stamp) ? /^flavour=(.*)$/m.exec(readFileSync(stamp, 'utf8'))?.[1] : undefined;
  };
  return readdirSync(root)
    .map((d) => path.join(root, d))
    .filter((d) => flavourOf(d) === flavour)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Why loadDebianBuild(flavour) would be undefined, for a test's skip message; false if it loads. */
export function debianBuildMissing(flavour = 'cloud-amd64'): string | false {
  return buildDirs(flavour).length > 0
    ? false
    : `no Debian ${flavour} build in ${debianBuildsDir()} (run scripts/debian-build.sh ${flavour})`;
}

/** A completed build of the given flavour, or undefined when the script has not been run. */
export function loadDebianBuild(flavour = 'cloud-amd64'): DebianBuild | undefined {
  const dirs = buildDirs(flavour);
  return dirs.length ? readDebianBuild(dirs[dirs.length - 1], flavour) : undefined;
}

export function readDebianBuild(dir: string, flavour: string): DebianBuild {
  const symbols = new Map<string, Set<string>>();
  for (const [name, where] of tsv(path.join(dir, 'symbols.tsv'))) {
    let set = symbols.get(name);
    if (!set) symbols.set(name, (set = new Set()));
    set.add(moduleName(where));
  }
  const modulePaths = new Map<string, string>();
  for (const [mod, ko] of tsv(path.join(dir, 'modules.tsv'))) modulePaths.set(moduleName(mod), ko);
  return makeDebianBuild({ dir, configFile: path.join(dir, 'config'), flavour, symbols, modulePaths });
}

/** Adds the query methods; also how unit tests build a small one by hand. */
export function makeDebianBuild(b: Omit<DebianBuild, 'compiled' | 'where'>): DebianBuild {
  return {
    ...b,
    compiled: (name) => b.symbols.has(name),
    where: (name) => [...(b.symbols.get(name) ?? [])].sort(),
  };
}

function* tsv(file: string): Generator<[string, string]> {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) yield [line.slice(0, tab), line.slice(tab + 1)];
  }
}
