// Kernel sources are full of annotation macros (`__init`, `__rcu`, `INDIRECT_CALLABLE_SCOPE`,
// `__acquires(x)`) that a C grammar without a preprocessor reads as stray identifiers, which turns
// whole function definitions into ERROR nodes. We blank them with spaces of the same length so that
// every line and column stays where it was in the file.

const BARE = [
  '__init',
  '__exit',
  '__initdata',
  '__exitdata',
  '__initconst',
  '__refdata',
  '__ref',
  '__cold',
  '__hot',
  '__always_inline',
  'noinline',
  '__noinline',
  '__rcu',
  '__user',
  '__kernel',
  '__iomem',
  '__percpu',
  '__force',
  '__must_check',
  '__read_mostly',
  '__ro_after_init',
  '__net_init',
  '__net_exit',
  '__net_initdata',
  '__latent_entropy',
  '__bpf_kfunc',
  'notrace',
  '__visible',
  'asmlinkage',
  '__sched',
  '__maybe_unused',
  '__always_unused',
  '__used',
  '__weak',
  '__packed',
  '__malloc',
  '__pure',
  '__noreturn',
  'INDIRECT_CALLABLE_SCOPE',
  '__deprecated',
  '__nocast',
  '__safe',
  '__cacheline_aligned',
  '__cacheline_aligned_in_smp',
  '____cacheline_aligned',
  '____cacheline_aligned_in_smp',
  '__randomize_layout',
  '__no_randomize_layout',
  '__nonstring',
  '__attribute_const__',
  '__flatten',
  '__noclone',
  '__no_kcsan',
  '__no_sanitize_address',
  'noinstr',
  '__sparse_cache',
  '__data_racy',
  '__bitwise',
  '__private',
  '__must_hold_shared',
  '__initdata_or_module',
  '__meminit',
  '__meminitdata',
  '__devinit',
  '__devexit',
  '__cpuinit',
  '__kprobes',
  'nokprobe_inline',
  '__always_used',
  '__irq_entry',
  '__softirq_entry',
  'fastcall',
  '__fastcall',
  '__lockfunc',
  '__ro_after_init_scope',
  '__initdata_memblock',
  '__init_memblock',
  '__counted_by_ptr',
  'EXPORT_SYMBOL_FOR_TESTS_ONLY',
];

// Annotations that take a parenthesized argument list.
const WITH_ARGS = [
  '__acquires',
  '__releases',
  '__must_hold',
  '__printf',
  '__scanf',
  '__aligned',
  '__counted_by',
  '__counted_by_le',
  '__counted_by_be',
  '__free',
  '__cleanup',
  '__section',
  '__alias',
  '__cond_acquires',
  '__cond_releases',
  '__guarded_by',
  '__pt_guarded_by',
  '__nocfi_generic',
  '__diagnose_as',
  '__assume_aligned',
  '__alloc_size',
  '__realloc_size',
  '____cacheline_aligned_in_smp_with',
  '__rcu_guarded_by',
  'INDIRECT_CALLABLE_DECLARE',
];

const ARGS = String.raw`\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)`;
const PATTERN = new RegExp(String.raw`\b(?:(?:${WITH_ARGS.join('|')})${ARGS}|(?:${BARE.join('|')})\b)`, 'g');

const blank = (s: string): string => s.replace(/[^\n]/g, ' ');

/** Replace kernel annotation macros by spaces, keeping every offset, line and column. */
export function blankAnnotations(source: string): string {
  return source.replace(PATTERN, blank);
}

/**
 * A file that holds nothing but preprocessor lines and comments (generated register headers) is
 * lexed for its `#define`s instead of parsed: tree-sitter would spend seconds on it for nothing.
 * A scan that stops at the first line of code: most files answer within their first few hundred
 * bytes (stripping every comment of every file first cost 1 % of a parser thread).
 */
export function isDefineOnly(source: string): boolean {
  const n = source.length;
  // Where the next `/*` and `//` are at or after `from` (-1: none left); searched again only when passed.
  let slashStar = -2;
  let slashSlash = -2;
  const next = (at: number, from: number, what: string): number => (at !== -1 && at < from ? source.indexOf(what, from) : at);
  let lineStart = true; // nothing but blanks and comments since the line began
  for (let i = 0; i < n;) {
    const c = source.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (c === 47 && source.charCodeAt(i + 1) === 42) {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) return false;
      i = end + 2;
      continue;
    }
    if (c === 47 && source.charCodeAt(i + 1) === 47) {
      const nl = source.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c !== 35 || !lineStart) return false;
    // A directive: to the end of its line, through backslash continuations and comments.
    for (;;) {
      let nl = source.indexOf('\n', i);
      if (nl < 0) nl = n;
      slashStar = next(slashStar, i, '/*');
      slashSlash = next(slashSlash, i, '//');
      const block = slashStar >= 0 && slashStar < nl ? slashStar : -1;
      const line = slashSlash >= 0 && slashSlash < nl ? slashSlash : -1;
      if (block >= 0 && (line < 0 || block < line)) {
        const end = source.indexOf('*/', block + 2);
        if (end < 0) return false;
        i = end + 2;
        continue;
      }
      i = nl;
      // A `//` comment ends the directive at this line, backslash or not.
      if (nl >= n || line >= 0) break;
      let last = nl - 1;
      if (source.charCodeAt(last) === 13) last--;
      if (source.charCodeAt(last) !== 92) break;
      i = nl + 1;
    }
  }
  return true;
}

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\()?/gm;

/** The `#define`s of a file, by regular expression (for define-only headers). */
export function lexDefines(source: string): { name: string; line: number; fnLike: boolean }[] {
  const out: { name: string; line: number; fnLike: boolean }[] = [];
  let line = 0;
  let last = 0;
  for (const m of source.matchAll(DEFINE)) {
    for (let i = last; i < m.index; i++) if (source.charCodeAt(i) === 10) line++;
    last = m.index;
    out.push({ name: m[1], line, fnLike: m[2] === '(' });
  }
  return out;
}
