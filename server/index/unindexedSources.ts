// The kernel's .c files outside the indexed folders, read one at a time: the one walk behind
// `unresolved`'s folder hints (externBodies.ts) and the stores taken from outside the scope
// (outsideStores.ts).
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { readRegular } from './fileSlice';

/** Top folders that hold no kernel code a build compiles into the image (user tools, docs, samples). */
const NOT_KERNEL = new Set(['Documentation', 'tools', 'scripts', 'samples', 'usr', 'LICENSES', '.git']);

/** A source past this size is generated data (register tables), never a store or a body we look for. */
const MAX_BYTES = 4 << 20;

/**
 * Calls `visit` with each .c file of the tree that `indexed` does not claim, tree-relative, with its
 * text read as Latin-1 (byte for byte: the searches are ASCII). Unreadable files are skipped.
 */
export function forEachUnindexedSource(
  root: string,
  indexed: (rel: string) => boolean,
  visit: (rel: string, folder: string, text: string) => void,
): void {
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!(rel === '' && NOT_KERNEL.has(e.name))) walk(child);
      } else if (e.isFile() && e.name.endsWith('.c') && !indexed(child)) {
        let text: string;
        try {
          text = readRegular(path.join(root, child), MAX_BYTES).bytes.toString('latin1');
        } catch {
          continue;
        }
        visit(child, rel, text);
      }
    }
  };
  walk('');
}
