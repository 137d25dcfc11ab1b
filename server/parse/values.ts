// Which values and variables can carry a function: shared by the extractor (what to record) and the
// resolver (what a macro's expansion passes on).
import type { Expr, TypeRef } from './facts';
import { STATIC_CALL_QUERIES, VALUE_WRAPPERS } from './kernelMacros';

const UPPER = /^[A-Z0-9_]+$/;
/** `long int`, `unsigned long long`, `short unsigned`: C's integer types in any word order. */
const C_INTEGER = /^(?:(?:unsigned|signed|long|short|int|char)\b\s*)+$/;

/** A variable of this type can hold a function pointer (a struct pointer or an int cannot). */
export function canHoldFunction(t: TypeRef): boolean {
  return (
    t.fn === true ||
    (t.ptr <= 1 &&
      !t.base.startsWith('struct ') &&
      !t.base.startsWith('union ') &&
      !t.base.startsWith('enum ') &&
      !PRIMITIVE.has(t.base) &&
      !C_INTEGER.test(t.base))
  );
}

/** Values worth recording as stored or passed: they may name a function or a function pointer. */
export function mayBeFunctionValue(e: Expr): boolean {
  switch (e.k) {
    case 'name':
      return !UPPER.test(e.n) && e.n !== 'NULL' && e.n !== 'true' && e.n !== 'false';
    // A typedef name may be a function type (`rx_handler_func_t *fn`): keep those, by value or pointer.
    case 'local':
      return canHoldFunction(e.t);
    case 'addr':
      return e.e.k === 'name' && mayBeFunctionValue(e.e);
    case 'cast':
      return mayBeFunctionValue(e.e);
    case 'cond':
      return mayBeFunctionValue(e.a) || mayBeFunctionValue(e.b);
    case 'field':
      return true;
    // An element of an array of function pointers: `set->variant->adt[adt]`, `handlers[i]`.
    case 'index':
      return e.e.k === 'field' || e.e.k === 'name' || (e.e.k === 'local' && e.e.t.fn === true);
    case 'call':
      return (VALUE_WRAPPERS.has(e.f) && e.a.length > 0 && mayBeFunctionValue(e.a[0])) || STATIC_CALL_QUERIES.has(e.f);
    default:
      return false;
  }
}

const PRIMITIVE = new Set([
  'int',
  'char',
  'long',
  'short',
  'unsigned',
  'signed',
  'bool',
  '_Bool',
  'void',
  'float',
  'double',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
  '__u8',
  '__u16',
  '__u32',
  '__u64',
  '__s32',
  '__be16',
  '__be32',
  '__be64',
  '__le16',
  '__le32',
  '__le64',
  'size_t',
  'ssize_t',
  'gfp_t',
  'loff_t',
  'unsigned int',
  'unsigned long',
  'unsigned char',
  'unsigned short',
  'long long',
  'unsigned long long',
  'atomic_t',
  'refcount_t',
  'spinlock_t',
  'dma_addr_t',
  'netdev_features_t',
  'sector_t',
  'pgoff_t',
  'uint8_t',
  'uint16_t',
  'uint32_t',
  'uint64_t',
  'int8_t',
  'int16_t',
  'int32_t',
  'int64_t',
  'uintptr_t',
]);

/** A name that is a type, not a function: `(u64)(x)` and `typeof(x)(y)` are casts, not calls. */
export function isTypeName(name: string): boolean {
  return PRIMITIVE.has(name) || C_INTEGER.test(name) || CAST_WORDS.has(name);
}
const CAST_WORDS = new Set([
  'typeof',
  '__typeof__',
  '__typeof',
  'typeof_member',
  'IS_ENABLED',
  'IS_BUILTIN',
  'IS_MODULE',
  'IS_REACHABLE',
  'U64',
  'U32',
  'S64',
]);
