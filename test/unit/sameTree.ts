// Compare two LNode trees node by node: the native parser's copy must be the binding's copy.
import type { LNode } from '../../server/parse/lightTree';

/** The first difference between two trees, as "path: a ≠ b", or null when they are the same. */
export function treeDifference(a: LNode, b: LNode, where = ''): string | null {
  const show = (n: LNode): string =>
    `${n.type}${n.field ? `:${n.field}` : ''} ${n.startIndex}-${n.endIndex} ${n.children.length} children${n.hasError ? ' error' : ''}`;
  if (
    a.type !== b.type ||
    a.field !== b.field ||
    a.startIndex !== b.startIndex ||
    a.endIndex !== b.endIndex ||
    a.isNamed !== b.isNamed ||
    a.hasError !== b.hasError ||
    a.children.length !== b.children.length
  )
    return `${where}: ${show(a)} ≠ ${show(b)}`;
  for (let i = 0; i < a.children.length; i++) {
    const d = treeDifference(a.children[i], b.children[i], `${where}/${a.type}[${i}]`);
    if (d) return d;
  }
  return null;
}
