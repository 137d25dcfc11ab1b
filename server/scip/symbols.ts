// SCIP symbols for C, following the grammar of scip.proto (`<scheme> <manager> <name> <version>
// <descriptors>`, '.' for an empty package part). Names follow C's linkage: a global function is
// one symbol wherever it is defined (`kpath . . . sock_sendmsg().`), a static one is qualified by
// its file (`kpath . . . net/`socket.c`/sock_sendmsg_nosec().`); a struct is one symbol per tag
// (`kpath . . . proto_ops#`) and a field hangs under it (`kpath . . . proto_ops#sendmsg.`). Slots name fields as the resolver does
// (`proto_ops.sendmsg`, `outer::member.f` for a named member of an anonymous struct).
import { parseSlot } from '../resolve/slot';

const PREFIX = 'kpath . . . ';

/** A descriptor name: as is when it is a simple identifier, else in backticks (doubled inside). */
export function descriptorName(s: string): string {
  return /^[A-Za-z0-9_+$-]+$/.test(s) ? s : `\`${s.replace(/`/g, '``')}\``;
}

/** `net/`socket.c`/`: a file as namespaces. */
const fileNamespace = (file: string): string =>
  file
    .split('/')
    .map((p) => `${descriptorName(p)}/`)
    .join('');

export function functionSymbol(fn: { name: string; file: string; def: { isStatic: boolean } }): string {
  return `${PREFIX}${fn.def.isStatic ? fileNamespace(fn.file) : ''}${descriptorName(fn.name)}().`;
}

/**
 * The symbol of a struct or union by its label (`proto_ops`; `outer::member`, a type in its outer
 * one). One symbol per tag, as the index keeps one struct per tag with the fields of every definition.
 */
export function structSymbol(label: string): string {
  return `${PREFIX}${label
    .split('::')
    .map((n) => `${descriptorName(n)}#`)
    .join('')}`;
}

export const fieldSymbol = (structSym: string, field: string): string => `${structSym}${descriptorName(field)}.`;

/** A slot that names a struct field as its declaring struct does (`proto_ops.sendmsg`), split; else undefined. */
export function fieldSlot(slot: string): { struct: string; field: string } | undefined {
  const s = parseSlot(slot);
  return s?.kind === 'field' && s.members.length === 1 ? { struct: s.struct, field: s.members[0] } : undefined;
}
