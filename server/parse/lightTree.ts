// A plain-JS copy of a tree-sitter tree, built in one cursor walk. Reading a tree through the
// binding's node objects costs a native call per property; the extractor touches each node several
// times, which made extraction four times slower than parsing. Copying once with a cursor and then
// working in JS is about twice as fast overall. The API mirrors the subset of SyntaxNode we use.
import type { Tree, TreeCursor } from 'tree-sitter';

export interface Point {
  row: number;
  column: number;
}

/** The children of every token: shared, never written to. */
const NO_CHILDREN: LNode[] = [];

export class LNode {
  hasError = false;
  constructor(
    readonly children: LNode[],
    private readonly src: Source,
    readonly type: string,
    readonly field: string | null,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly isNamed: boolean,
  ) {}

  /** Anonymous tokens (`->`, `=`, `;`) are copied without a position: their text is their type. */
  get text(): string {
    return this.isNamed ? this.src.text.slice(this.startIndex, this.endIndex) : this.type;
  }
  get isMissing(): boolean {
    return this.isNamed && this.startIndex === this.endIndex && this.type !== 'translation_unit';
  }
  get startPosition(): Point {
    return this.src.point(this.startIndex);
  }
  get endPosition(): Point {
    return this.src.point(this.endIndex);
  }
  get namedChildren(): LNode[] {
    return this.children.filter((c) => c.isNamed);
  }
  get namedChildCount(): number {
    let n = 0;
    for (const c of this.children) if (c.isNamed) n++;
    return n;
  }
  namedChild(i: number): LNode | null {
    let n = 0;
    for (const c of this.children) if (c.isNamed && n++ === i) return c;
    return null;
  }
  child(i: number): LNode | null {
    return this.children[i] ?? null;
  }
  childForFieldName(f: string): LNode | null {
    for (const c of this.children) if (c.field === f) return c;
    return null;
  }
  childrenForFieldName(f: string): LNode[] {
    return this.children.filter((c) => c.field === f);
  }

  /** Every descendant of one of `types`, in document order (not descending into matches' own kind is not needed: all are returned). */
  descendantsOfType(types: string[]): LNode[] {
    const want = new Set(types);
    const out: LNode[] = [];
    const stack: LNode[] = [];
    for (let i = this.children.length - 1; i >= 0; i--) stack.push(this.children[i]);
    while (stack.length) {
      const n = stack.pop()!;
      if (want.has(n.type)) out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }
}

class Source {
  private lineStarts: number[] | undefined;
  constructor(readonly text: string) {}
  point(index: number): Point {
    if (!this.lineStarts) {
      const ls = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) ls.push(i + 1);
      this.lineStarts = ls;
    }
    const ls = this.lineStarts;
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: index - ls[lo] };
  }
}

// Leaves and subtrees that never hold anything the extractor reads.
const SKIP = new Set([
  'comment',
  'string_literal',
  'concatenated_string',
  'char_literal',
  'number_literal',
  'preproc_arg',
  'system_lib_string',
]);
// Tokens spelled like an identifier: their end is found by scanning the text, not by asking.
const WORD_LEAVES = new Set([
  'identifier',
  'field_identifier',
  'type_identifier',
  'statement_identifier',
  'primitive_type',
  'true',
  'false',
]);
// Named tokens: no children to look for.
const LEAVES = new Set([...WORD_LEAVES, ...SKIP, 'preproc_directive', 'string_content', 'escape_sequence', 'character']);

const enum Kind {
  Inner,
  Anonymous,
  Word,
  Leaf,
}
interface TypeInfo {
  type: string;
  named: boolean;
  kind: Kind;
  fielded: boolean;
}
const TYPES: TypeInfo[] = [];
const FIELD_NAMES: string[] = [];
// Node types whose children carry field names (from the grammar's node-types.json, read once).
let HAS_FIELDS: Set<string> | undefined;

function hasFields(): Set<string> {
  if (!HAS_FIELDS) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const types = require('tree-sitter-c/src/node-types.json') as { type: string; named: boolean; fields?: Record<string, unknown> }[];
    HAS_FIELDS = new Set(types.filter((t) => t.fields && Object.keys(t.fields).length > 0).map((t) => t.type));
    HAS_FIELDS.add('ERROR');
  }
  return HAS_FIELDS;
}

function classify(type: string, named: boolean): TypeInfo {
  return {
    type,
    named,
    kind: !named ? Kind.Anonymous : WORD_LEAVES.has(type) ? Kind.Word : LEAVES.has(type) ? Kind.Leaf : Kind.Inner,
    fielded: hasFields().has(type),
  };
}

/** What a node type is, asked of the binding once per type: numeric ids cross without building a string. */
function typeInfo(c: TreeCursor): TypeInfo {
  const typeId = c.nodeTypeId;
  return (TYPES[typeId] ??= classify(c.nodeType, c.nodeIsNamed));
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127;
}

/**
 * Copy a tree into LNodes. `text` must be the exact string that was parsed.
 * Every native call costs about as much as parsing a few bytes, so the walk asks only what it
 * cannot know: tokens are not asked for children, anonymous tokens not for positions (their text is
 * their type) nor for a field, children of nodes without fields not for a field, identifiers' ends
 * come from the text, inner nodes' ends from their last child.
 */
export function lightTree(tree: Tree, text: string): LNode {
  // In a tree with errors a MISSING identifier is empty where the text is not: ask every end there.
  const hasError = tree.rootNode.hasError;
  const src = new Source(text);
  const c = tree.walk();
  const root = new LNode([], src, c.nodeType, null, c.startIndex, c.endIndex, true);
  const stack: LNode[] = [root];
  const fieldedStack: boolean[] = [false];
  let parentFields = false;
  if (c.gotoFirstChild()) {
    for (;;) {
      const info = typeInfo(c);
      let field: string | null = null;
      // Anonymous tokens are not asked for a field: the one the extractor reads (an assignment's
      // `operator`) is also its second child.
      if (parentFields && info.kind !== Kind.Anonymous) {
        const fieldId = c.currentFieldId;
        if (fieldId) field = FIELD_NAMES[fieldId] ??= c.currentFieldName;
      }
      const parent = stack[stack.length - 1];
      let node: LNode;
      if (info.kind === Kind.Anonymous) {
        node = new LNode(NO_CHILDREN, src, info.type, field, -1, -1, false);
      } else {
        const start = c.startIndex;
        let end = -1;
        if (info.kind === Kind.Word && !hasError) {
          end = start;
          while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
        } else if (info.kind !== Kind.Inner) end = c.endIndex;
        if (info.kind === Kind.Inner) {
          node = new LNode([], src, info.type, field, start, end, true);
          if (c.gotoFirstChild()) {
            parent.children.push(node);
            stack.push(node);
            fieldedStack.push((parentFields = info.fielded));
            continue;
          }
          (node as { endIndex: number }).endIndex = c.endIndex;
        } else node = new LNode(NO_CHILDREN, src, info.type, field, start, end, true);
      }
      parent.children.push(node);
      let done = false;
      while (!c.gotoNextSibling()) {
        // On the last child: the parent ends where it ends, when that is known without asking.
        const end = hasError ? -1 : lastChildEnd(stack[stack.length - 1], c);
        if (!c.gotoParent() || stack.length === 1) {
          done = true;
          break;
        }
        (stack.pop() as { endIndex: number }).endIndex = end >= 0 ? end : c.endIndex;
        fieldedStack.pop();
      }
      if (done) break;
      parentFields = fieldedStack[fieldedStack.length - 1];
    }
  }
  if (hasError) markErrors(root);
  return root;
}

// Closing tokens whose text is always their type (a `#endif` may be spelled `# endif`).
const FIXED_CLOSERS = new Set([';', ')', '}', ']']);

/** Where an inner node ends, from its last child (the cursor is on it), or -1 to ask the binding. */
function lastChildEnd(n: LNode, c: TreeCursor): number {
  // Preprocessor lines end with a newline that is no child of theirs.
  if (n.type.startsWith('preproc_')) return -1;
  const last = n.children[n.children.length - 1];
  if (last.isNamed) return last.endIndex;
  return FIXED_CLOSERS.has(last.type) ? c.startIndex + last.type.length : -1;
}

function markErrors(n: LNode): boolean {
  let err = n.type === 'ERROR' || n.isMissing;
  for (const c of n.children) if (markErrors(c)) err = true;
  n.hasError = err;
  return err;
}

/** The grammar's tables, as the native parser reports them (index = symbol or field id). */
export interface Grammar {
  names: string[];
  named: boolean[];
  fields: string[];
}

// Layout of the native parser's records (native/flatTree.c): five int32 per node, in document order:
// symbol | field << 16, start, end, the record after the subtree, flags (4: the tree has an error).
const WORDS = 5;
const TREE_HAS_ERROR = 4;
const ERROR_SYMBOL = 0xffff;

let grammarInfos: { grammar: Grammar; infos: TypeInfo[] } | undefined;

/**
 * Build the same LNodes as lightTree() from the native parser's flat records, where every position
 * is exact and nothing needs asking. Tokens and skipped leaves get no children, as there.
 */
export function fromRecords(records: Int32Array, grammar: Grammar, text: string): LNode {
  if (grammarInfos?.grammar !== grammar) {
    const infos = grammar.names.map((n, i) => classify(n, grammar.named[i]));
    // tree-sitter's ERROR is a symbol outside the grammar's table.
    infos[ERROR_SYMBOL] = classify('ERROR', true);
    grammarInfos = { grammar, infos };
  }
  const infos = grammarInfos.infos;
  const src = new Source(text);
  const root = new LNode([], src, infos[records[0] & 0xffff].type, null, records[1], records[2], true);
  const stack: LNode[] = [root];
  const ends: number[] = [records[3]];
  const count = records.length / WORDS;
  for (let i = 1; i < count;) {
    const at = i * WORDS;
    while (ends[ends.length - 1] <= i) {
      stack.pop();
      ends.pop();
    }
    const parent = stack[stack.length - 1];
    const head = records[at];
    const info = infos[head & 0xffff];
    const next = records[at + 3];
    if (info.kind === Kind.Anonymous) {
      parent.children.push(new LNode(NO_CHILDREN, src, info.type, null, -1, -1, false));
      i = next;
      continue;
    }
    const fieldId = head >>> 16;
    const field = fieldId ? grammar.fields[fieldId] : null;
    if (info.kind !== Kind.Inner) {
      parent.children.push(new LNode(NO_CHILDREN, src, info.type, field, records[at + 1], records[at + 2], true));
      i = next;
      continue;
    }
    const node = new LNode([], src, info.type, field, records[at + 1], records[at + 2], true);
    parent.children.push(node);
    if (next > i + 1) {
      stack.push(node);
      ends.push(next);
    }
    i++;
  }
  if (records[4] & TREE_HAS_ERROR) markErrors(root);
  return root;
}
