// Paths named inside notes come from a shared, hand-editable file: they must stay inside the tree,
// or opening a note could read (and saving write) anywhere on the machine.

/** The path if it is a clean tree-relative path ('/'-separated, no `..`, not absolute), else a reason. */
export function checkRelativePath(p: unknown): { ok: true; path: string } | { ok: false; why: string } {
  if (typeof p !== 'string' || p.length === 0) return { ok: false, why: 'the path is empty' };
  if (p.includes('\0')) return { ok: false, why: 'the path contains a NUL character' };
  if (p.includes('\\')) return { ok: false, why: `"${p}" uses backslashes; use '/'` };
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return { ok: false, why: `"${p}" is absolute; paths are relative to the tree root` };
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) return { ok: false, why: `"${p}" leaves the tree (..)` };
  const clean = parts.filter((s) => s !== '' && s !== '.').join('/');
  if (!clean) return { ok: false, why: `"${p}" names the tree root, not a file` };
  return { ok: true, path: clean };
}
