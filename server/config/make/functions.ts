// Make's text functions (subst, patsubst, filter, sort, word, dir, addsuffix, if/or/and, …): what
// they compute from their expanded arguments, with unknown words carried through (a "maybe" word
// stays maybe, a word with a hole is kept or makes the result unknown). The functions that need
// the evaluator's state ($(call), $(eval), $(foreach), $(origin), $(wildcard)) are in make/expand.ts.
import { HOLE, TAG_FN, firstTag, hasUnknown, knownText, maybeTag, splitWords, tagOfId, tagWords, wordTag, wordText } from './words';

/** The names make reads as a function in `$(name args)`. */
export const FUNCTIONS = new Set([
  'subst',
  'patsubst',
  'strip',
  'findstring',
  'filter',
  'filter-out',
  'sort',
  'word',
  'wordlist',
  'words',
  'firstword',
  'lastword',
  'dir',
  'notdir',
  'suffix',
  'basename',
  'addsuffix',
  'addprefix',
  'join',
  'wildcard',
  'realpath',
  'abspath',
  'error',
  'warning',
  'info',
  'shell',
  'origin',
  'flavor',
  'foreach',
  'if',
  'or',
  'and',
  'call',
  'eval',
  'file',
  'value',
  'let',
  'intcmp',
  'guile',
  TAG_FN,
]);

/** One call of a function, as the evaluator gives it. */
export interface Call {
  name: string;
  /** The arguments as written, split at the commas outside nested references. */
  raw: string[];
  /** Argument i, expanded ('' when there is none). */
  arg(i: number): string;
  /** The arguments from i on, with their commas, expanded ('' when there are none): a last argument may hold commas. */
  rest(i: number): string;
  /** An unknown result: the call, followed by `what`, is the reason. */
  unknown(what: string): string;
}

/** Split a function's arguments at the commas outside nested parentheses. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** Match a make pattern (one `%`) against a text: the stem, or undefined. */
function patMatch(pat: string, text: string): string | undefined {
  const p = pat.indexOf('%');
  if (p < 0) return pat === text ? '' : undefined;
  const pre = pat.slice(0, p);
  const post = pat.slice(p + 1);
  if (text.length < pre.length + post.length || !text.startsWith(pre) || !text.endsWith(post)) return undefined;
  return text.slice(pre.length, text.length - post.length);
}

/** `$(patsubst from,to,text)`, also what a substitution reference `$(var:from=to)` computes. */
export function patsubstWords(from: string, to: string, text: string): string {
  return mapWords(
    text,
    (t) => {
      const stem = patMatch(from, t);
      if (stem === undefined) return t;
      const p = to.indexOf('%');
      return p < 0 ? to : to.slice(0, p) + stem + to.slice(p + 1);
    },
    false,
  );
}

/** Apply a function to each word's text, keeping tags; words with holes are kept as they are unless `throughHoles`. */
function mapWords(text: string, f: (t: string) => string, throughHoles: boolean): string {
  const out: string[] = [];
  for (const w of splitWords(text)) {
    const tag = w.charCodeAt(0) === 1 ? w.slice(0, 4) : '';
    const t = tag ? w.slice(4) : w;
    if (!throughHoles && t.includes(HOLE)) {
      out.push(w);
      continue;
    }
    const r = f(t);
    if (r) out.push(tag + r);
  }
  return out.join(' ');
}

/** The result of a text function; undefined when `name` is not one (the evaluator answers those). */
export function textFunction(c: Call): string | undefined {
  const { name, raw, arg, rest } = c;
  const unknownCall = c.unknown;
  switch (name) {
    case 'if': {
      const cond = arg(0).trim();
      if (hasUnknown(cond) && !splitWords(cond).some((w) => w.charCodeAt(0) !== 1)) {
        const id = firstTag(cond);
        return `${tagWords(arg(1), id)} ${tagWords(rest(2), id)}`.trim();
      }
      return cond ? arg(1) : rest(2);
    }
    case 'or': {
      let maybe = -1;
      const seen: string[] = [];
      for (let i = 0; i < raw.length; i++) {
        const v = arg(i).trim();
        if (!v) continue;
        if (splitWords(v).some((w) => w.charCodeAt(0) !== 1)) return maybe >= 0 ? tagWords([...seen, v].join(' '), maybe) : v;
        if (maybe < 0) maybe = firstTag(v);
        seen.push(v);
      }
      return maybe >= 0 ? tagWords(seen.join(' '), maybe) : '';
    }
    case 'and': {
      let maybe = -1;
      let last = '';
      for (let i = 0; i < raw.length; i++) {
        last = arg(i).trim();
        if (!last) return '';
        if (!splitWords(last).some((w) => w.charCodeAt(0) !== 1) && maybe < 0) maybe = firstTag(last);
      }
      return maybe >= 0 ? tagWords(last, maybe) : last;
    }
    case 'strip':
      return splitWords(arg(0)).join(' ');
    case 'findstring': {
      const f = arg(0);
      const t = arg(1);
      if (hasUnknown(f) || hasUnknown(t)) return unknownCall('cannot be evaluated');
      return t.includes(f) ? f : '';
    }
    case 'subst': {
      const f = knownText(arg(0), false);
      const t = knownText(arg(1), false);
      if (!f || !t) return unknownCall('cannot be evaluated');
      const text = rest(2);
      return maybeTag(f.text ? text.split(f.text).join(t.text) : text + t.text, f.tag, t.tag);
    }
    case 'patsubst': {
      const f = knownText(arg(0));
      const t = knownText(arg(1));
      if (!f || !t) return unknownCall('cannot be evaluated');
      return maybeTag(patsubstWords(f.text, t.text, arg(2)), f.tag, t.tag);
    }
    case 'filter':
    case 'filter-out': {
      const pats = splitWords(arg(0));
      const words = splitWords(arg(1));
      const patTag = pats.find((p) => p.charCodeAt(0) === 1);
      const known = pats.filter((p) => p.charCodeAt(0) !== 1);
      const out: string[] = [];
      for (const w of words) {
        const text = wordText(w);
        if (text.includes(HOLE)) {
          out.push(w);
          continue;
        }
        const hit = known.some((p) => patMatch(p, text) !== undefined);
        const keep = name === 'filter' ? hit : !hit;
        if (keep) out.push(patTag !== undefined && w.charCodeAt(0) !== 1 ? tagOfId(wordTag(patTag)) + w : w);
        else if (patTag !== undefined && name === 'filter') out.push(w.charCodeAt(0) === 1 ? w : tagOfId(wordTag(patTag)) + w);
      }
      return out.join(' ');
    }
    case 'sort': {
      const best = new Map<string, string>();
      for (const w of splitWords(arg(0))) {
        const t = wordText(w);
        const had = best.get(t);
        if (!had || (had.charCodeAt(0) === 1 && w.charCodeAt(0) !== 1)) best.set(t, w);
      }
      return [...best.keys()]
        .sort()
        .map((k) => best.get(k)!)
        .join(' ');
    }
    case 'words':
    case 'firstword':
    case 'lastword':
    case 'word':
    case 'wordlist': {
      const nums = name === 'word' ? 1 : name === 'wordlist' ? 2 : 0;
      const ns = raw.slice(0, nums).map((_, i) => arg(i).trim());
      const ws = splitWords(rest(nums));
      if (ns.some(hasUnknown) || ws.some((w) => w.charCodeAt(0) === 1)) return unknownCall('counts words kpath cannot know');
      if (name === 'words') return String(ws.length);
      if (name === 'firstword') return ws[0] ?? '';
      if (name === 'lastword') return ws[ws.length - 1] ?? '';
      const a = Number(ns[0]);
      if (!Number.isInteger(a) || a < 1) return unknownCall('has a bad index');
      if (name === 'word') return ws[a - 1] ?? '';
      const b = Number(ns[1]);
      return Number.isInteger(b) ? ws.slice(a - 1, b).join(' ') : unknownCall('has a bad index');
    }
    case 'dir':
    case 'notdir':
    case 'suffix':
    case 'basename':
      return mapWords(
        arg(0),
        (t) => {
          const slash = t.lastIndexOf('/');
          if (name === 'dir') return slash < 0 ? './' : t.slice(0, slash + 1);
          if (name === 'notdir') return t.slice(slash + 1);
          const dot = t.lastIndexOf('.');
          const hasSuffix = dot > slash;
          if (name === 'suffix') return hasSuffix ? t.slice(dot) : '';
          return hasSuffix ? t.slice(0, dot) : t;
        },
        false,
      );
    case 'addsuffix':
    case 'addprefix': {
      const x = knownText(arg(0));
      if (!x) return unknownCall('cannot be evaluated');
      const text = rest(1);
      return maybeTag(
        mapWords(text, (t) => (name === 'addsuffix' ? t + x.text : x.text + t), true),
        x.tag,
        -1,
      );
    }
    case 'join': {
      const a = splitWords(arg(0));
      const b = splitWords(arg(1));
      if ([...a, ...b].some((w) => w.charCodeAt(0) === 1)) return unknownCall('cannot be evaluated');
      const out: string[] = [];
      for (let i = 0; i < Math.max(a.length, b.length); i++) out.push((a[i] ?? '') + (b[i] ?? ''));
      return out.join(' ');
    }
    default:
      return undefined;
  }
}
