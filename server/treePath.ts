// Files of the tree as the index names them: relative to the tree root, '/'-separated. Shared by
// the CLI, the notes, the extension and its panel, which are handed paths by people, by shared
// notes files and by webviews, and must never let one name a file outside the tree. The Markdown
// export of notes turns paths into links, so nothing that a renderer could read as a URL of its own
// (`javascript:`, `command:`, `file://`, `//host`) may pass either. Kernel paths have no colons and
// no control characters.
import * as path from 'node:path';

/** The path if it is a clean tree-relative path ('/'-separated, no `..`, not absolute, no scheme), else a reason. */
export function checkRelativePath(p: unknown): { ok: true; path: string } | { ok: false; why: string } {
  if (typeof p !== 'string' || p.length === 0) return { ok: false, why: 'the path is empty' };
  // Control characters (NUL, newlines) could split a line of the export or cut the path short.
  if (/[\u0000-\u001f\u007f]/.test(p)) return { ok: false, why: `${JSON.stringify(p)} contains a control character` };
  if (p.includes('\\')) return { ok: false, why: `"${p}" uses backslashes; use '/'` };
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return { ok: false, why: `"${p}" is absolute; paths are relative to the tree root` };
  // `javascript:alert(1)`, `command:x`, `file://…`, `http://…`: a URL, not a file of the tree.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(p))
    return { ok: false, why: `"${p}" is a URL (${p.slice(0, p.indexOf(':') + 1)}), not a path in the tree` };
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) return { ok: false, why: `"${p}" leaves the tree (..)` };
  const clean = parts.filter((s) => s !== '' && s !== '.').join('/');
  if (!clean) return { ok: false, why: `"${p}" names the tree root, not a file` };
  // `./javascript:x` would be clean as `javascript:x`: check what is kept, not only what was given.
  if (clean !== p) {
    const again = checkRelativePath(clean);
    if (!again.ok) return again;
  }
  return { ok: true, path: clean };
}

/** `abs` relative to `root` if it is inside it (the root itself is not a file of it), else undefined. */
export function insideTree(root: string, abs: string): string | undefined {
  const rel = path.relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** A file someone else named (tree-relative, or absolute), as a tree-relative path; undefined unless it is inside the tree. */
export function fileInTree(root: string, file: string): string | undefined {
  if (path.isAbsolute(file)) return file.includes('\0') ? undefined : insideTree(root, file);
  const r = checkRelativePath(file);
  return r.ok ? r.path : undefined;
}
