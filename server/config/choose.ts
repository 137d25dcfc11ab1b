// Answering for a configuration: applying one evaluates the Makefiles (parsed once per tree and
// kept) and sets the index's view; nothing is parsed or resolved again.
import type { KernelIndex } from '../index/kernelIndex';
import { readConfig, type KernelConfig } from './kconfig';
import { BuildView, type TextSource } from './built';
import { evaluateKbuild } from './kbuild/evaluate';
import { readKbuild, type KbuildTree } from './kbuild/tree';

// Makefiles are parsed once per tree: switching configuration only evaluates them again.
const kbuildTrees = new Map<string, KbuildTree>();

export interface AppliedConfig {
  config: KernelConfig;
  /** Makefile constructs that were not understood (their objects answer unknown). */
  problems: string[];
  /** Time to read the config and evaluate the Makefiles. */
  ms: number;
}

/**
 * Answer for `file` from now on (it is read and evaluated here; a ConfigError says why it cannot be),
 * or for no configuration when `file` is undefined.
 */
export function applyConfig(index: KernelIndex, file: string | undefined, text: TextSource): AppliedConfig | undefined {
  if (!file) {
    index.setBuild(undefined);
    return undefined;
  }
  const t0 = performance.now();
  const config = readConfig(file);
  let tree = kbuildTrees.get(index.root);
  if (!tree) {
    tree = readKbuild(index.root);
    kbuildTrees.set(index.root, tree);
  }
  const kbuild = evaluateKbuild(tree, config);
  index.setBuild(new BuildView(config, kbuild, index.files, text));
  return { config, problems: kbuild.problems, ms: performance.now() - t0 };
}

/** A Makefile changed on disk: parse the tree's Makefiles again at the next apply. */
export function forgetKbuild(root: string): void {
  kbuildTrees.delete(root);
}
