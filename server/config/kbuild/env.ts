// The environment kbuild gives every folder's Makefile: the configuration's options, ARCH, the
// paths of an in-tree build, the helpers of scripts/Kbuild.include, and how the evaluator treats
// what lies outside the Makefiles kpath reads (scripts/ is skipped; kbuild's own variables are
// unknown, any other undefined variable is empty, as in make).
import type { KernelConfig } from '../kconfig';
import type { Var } from '../make/expand';
import type { EvalHost } from '../make/eval';
import { HOLE } from '../make/words';
import type { KbuildTree } from './tree';

/** The variables set before any Makefile of the configuration runs. */
export function baseVars(config: KernelConfig): Map<string, Var> {
  const b = new Map<string, Var>();
  for (const [k, v] of config.values) b.set(k, { value: v, simple: true });
  const simple = (k: string, v: string): void => {
    b.set(k, { value: v, simple: true });
  };
  const arch = config.arch ?? '';
  simple('ARCH', arch);
  simple('SRCARCH', arch);
  simple('SUBARCH', arch);
  // An in-tree build run from the top: paths are relative to the tree's root.
  simple('srctree', '.');
  simple('objtree', '.');
  simple('srcroot', '.');
  simple('KBUILD_EXTMOD', '');
  simple('KBUILD_SRC', '');
  simple('M', '');
  simple('KBUILD_BUILTIN', '1');
  simple('KBUILD_MODULES', '1');
  simple('KERNELRELEASE', 'kernelrelease');
  // scripts/Kbuild.include
  simple('comma', ',');
  simple('empty', '');
  simple('space', ' ');
  simple('pound', '#');
  simple('squote', "'");
  simple('dot-target', '');
  return b;
}

/** How a folder's Makefile runs in the tree: what it may include, which names are logged. */
export function folderHost(tree: KbuildTree): EvalHost {
  return {
    include: (rel) => (rel.startsWith('scripts/') || rel.startsWith('include/config/') ? 'skip' : tree.makefile(rel)),
    wildcard: (p) => tree.wildcard(p),
    undefinedIsUnknown: undefinedIsUnknown(tree.kbuildNames()),
    unknownName,
    logName: (n) => n.includes('-'),
  };
}

// Set outside the Makefiles kpath reads: the toolchain and kbuild's own variables (CC, KBUILD_CFLAGS)
// and the compiler-probing functions; any other variable no Makefile sets is empty, as make has it
// (`acpi-$(ACPI_FUTURE_USAGE) += …`). CONFIG_ options are read from the config. Without the list,
// every undefined upper-case name counts as kbuild's.
function undefinedIsUnknown(names: ReadonlySet<string> | undefined): (name: string) => boolean {
  return (name) => {
    if (name.startsWith('CONFIG_')) return false;
    if (/^(cc|ld|as|rustc|clang|gcc)-/.test(name)) return true;
    return names ? names.has(name) : /^[A-Z][A-Z0-9_]*$/.test(name);
  };
}

// `obj-$(shell …) += foo.o`: the words may land in obj-y or obj-m; kbuild reads them as unknown.
function unknownName(inner: string): string | undefined {
  const base = inner.replace(/\x03/g, '');
  const m = /^(obj|lib|subdir)-/.exec(base);
  if (m) return `${m[1]}-y`;
  const c = /^(.+)-$/.exec(base);
  return c && !c[1].includes(HOLE) ? `${c[1]}-y` : undefined;
}
