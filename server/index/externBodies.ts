// Where the bodies of functions declared in the indexed folders but defined outside them are: the
// folders `--scope` would need for a store of such a function to resolve (`vmbus_request_addr`,
// declared in include/linux/hyperv.h, stored in drivers/net/hyperv, defined in drivers/hv). One walk
// over the .c files that are not indexed, for every name at once: the CLI's `unresolved` asks for it.
import { forEachUnindexedSource } from './unindexedSources';

/**
 * For each name, the folders (tree-relative) of the .c files not indexed that define it. `indexed`
 * says which files to skip: a body there would have been found already.
 */
export function externBodies(root: string, names: readonly string[], indexed: (rel: string) => boolean): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const wanted = [...new Set(names)].filter((n) => /^[A-Za-z_]\w*$/.test(n));
  if (!wanted.length) return out;
  const anyName = new RegExp(`\\b(${wanted.join('|')})[ \\t]*\\(`, 'g');
  forEachUnindexedSource(root, indexed, (_rel, folder, text) => {
    for (const name of definedIn(text, anyName)) {
      const folders = out.get(name) ?? [];
      if (!folders.includes(folder)) folders.push(folder);
      out.set(name, folders);
    }
  });
  for (const folders of out.values()) folders.sort();
  return out;
}

/** The names `anyName` matches where the text defines them: at a line that starts at column 0, with `{` before any `;` after the call's `(`. */
export function definedIn(text: string, anyName: RegExp): string[] {
  const found: string[] = [];
  anyName.lastIndex = 0;
  for (let m = anyName.exec(text); m; m = anyName.exec(text)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const head = text.slice(lineStart, m.index);
    // `static u64 name(` or `name(` on a line of its own after the return type; not `\tx = name(`.
    if (!/^(?:[A-Za-z_][\w \t*]*[ \t*])?$/.test(head) || /^(?:return|if|while|for|else|case|goto)\b/.test(head)) continue;
    const brace = text.indexOf('{', m.index);
    const semi = text.indexOf(';', m.index);
    if (brace >= 0 && (semi < 0 || brace < semi) && !found.includes(m[1])) found.push(m[1]);
  }
  return found;
}
