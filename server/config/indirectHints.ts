// Which `INDIRECT_CALL_*` hints a configuration really tests. The family macros pick their
// expansion by `#if`: include/linux/indirect_call_wrapper.h makes `INDIRECT_CALL_INET(f, f2, f1, …)`
// test f2 then f1 only when IPv6 is built in, f1 alone when it is a module, nothing without INET;
// net/core/fib_rules.c and net/ipv6/ip6_offload.c define their own. Rather than a table of those
// rules, the macro's definitions are read from the source, the one the configuration compiles is
// taken, and its body is followed down to `INDIRECT_CALL_<n>`, which tests its arguments in order.

/** A `#define NAME(params) body` and the 0-based line it starts on. */
interface MacroText {
  line: number;
  params: string[];
  body: string;
}

const WRAPPER_HEADER = 'include/linux/indirect_call_wrapper.h';

/** Every definition of `name` in a file's text (there is one per `#if` arm). */
export function macroDefinitions(text: string, name: string): MacroText[] {
  const out: MacroText[] = [];
  const lines = text.split('\n');
  const head = new RegExp(`^\\s*#\\s*define\\s+${name}\\(([^)]*)\\)(.*)$`);
  for (let i = 0; i < lines.length; i++) {
    const m = head.exec(lines[i]);
    if (!m) continue;
    let body = m[2];
    let j = i;
    while (body.endsWith('\\') && j + 1 < lines.length) body = body.slice(0, -1) + ' ' + lines[++j];
    out.push({ line: i, params: m[1].split(',').map((p) => p.trim()), body: body.replace(/\/\*.*?\*\//g, ' ').trim() });
  }
  return out;
}

/** Split a macro call's argument text at its top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export interface HintContext {
  /** The file's text, or undefined if it cannot be read. */
  text(rel: string): string | undefined;
  /** Whether a line is compiled: 'n' rules a definition out. */
  built(rel: string, line: number): 'y' | 'm' | 'n' | 'unknown';
}

/**
 * The hints a site's macro tests under the configuration, in the order it tests them; `hints` as
 * written (in argument order) when the definitions cannot be read or the configuration does not decide.
 */
export function testedHints(siteFile: string, macro: string, hints: string[], ctx: HintContext): string[] {
  const r = expand(macro, ['', ...hints], siteFile, ctx, 0);
  return r ?? hints;
}

function expand(macro: string, args: string[], siteFile: string, ctx: HintContext, depth: number): string[] | undefined {
  // The numbered macros test each function they are given, first to last.
  if (/^INDIRECT_CALL_\d$/.test(macro)) return args.slice(1).filter((a) => a !== '__VA_ARGS__');
  if (depth > 4) return undefined;
  const def = takenDefinition(macro, siteFile, ctx);
  if (!def) return undefined;
  const call = /^\(?\s*([A-Za-z_]\w*)\s*\(([\s\S]*)\)\s*\)?$/.exec(def.body);
  if (!call) return undefined;
  const bind = (a: string): string => {
    const i = def.params.indexOf(a);
    return i >= 0 ? (args[i] ?? '') : a;
  };
  // `f(__VA_ARGS__)`: a plain indirect call, nothing tested.
  if (call[1] === def.params[0]) return [];
  const inner = splitArgs(call[2]).map(bind);
  return expand(call[1], inner, siteFile, ctx, depth + 1);
}

/** The definition of a macro the configuration compiles: in the site's own file, else the wrapper header. */
function takenDefinition(macro: string, siteFile: string, ctx: HintContext): MacroText | undefined {
  for (const file of [siteFile, WRAPPER_HEADER]) {
    const text = ctx.text(file);
    if (!text) continue;
    const defs = macroDefinitions(text, macro);
    if (!defs.length) continue;
    const states = defs.map((d) => ctx.built(file, d.line));
    const taken = defs.filter((_, i) => states[i] === 'y' || states[i] === 'm');
    // Exactly one arm compiled: that one. Several or none known: the configuration does not say.
    return taken.length === 1 && !states.includes('unknown') ? taken[0] : undefined;
  }
  return undefined;
}
