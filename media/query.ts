// Switching the target of an indirect hop is a new query: the choices made before that hop are
// kept, the chosen function becomes a waypoint, and everything after it is recomputed by the server.
// Choosing a branch option (a device with a queue or without) or the direction is a new query too.
// Shared by the webview (to name what it asks) and the host (which asks).
import type { CallPath } from '../server/protocol';
import type { PathQuery } from './messages';

/** `path` is the leg the hop is on (the receive path has two: a switch on one keeps those of the other). */
export function switchQuery(query: PathQuery, path: CallPath, hopIndex: number, through: string): PathQuery {
  const before = new Set(path.hops.slice(0, hopIndex).map((h) => h.to.name));
  const onLeg = new Set(path.hops.flatMap((h) => [h.from.name, h.to.name, ...h.alternatives.map((a) => a.name)]));
  const keep = (names: readonly string[] | undefined, otherLegs: boolean) =>
    (names ?? []).filter((n) => n !== through && (before.has(n) || (otherLegs && !onLeg.has(n))));
  if (query.kind === 'send' || query.kind === 'recv') {
    const params = { ...query.params, through: [...keep(query.params.through, query.kind === 'recv'), through] };
    return query.kind === 'send' ? { kind: 'send', params } : { kind: 'recv', params };
  }
  return { kind: 'call', params: { ...query.params, via: [...keep(query.params.via, false), through] } };
}

/** The same send or receive path with branch `id` taking `option` (the switched hops stay). */
export function branchQuery(query: PathQuery, id: string, option: string): PathQuery {
  if (query.kind === 'call') return query;
  const params = { ...query.params, branches: { ...query.params.branches, [id]: option } };
  return query.kind === 'send' ? { kind: 'send', params } : { kind: 'recv', params };
}

/** The other direction, same family; hops switched and branches chosen on one side mean nothing on the other. */
export function directionQuery(query: PathQuery, kind: 'send' | 'recv'): PathQuery {
  const family = query.kind === 'call' ? undefined : query.params.family;
  return { kind, params: family ? { family } : {} };
}

export function queryTitle(query: PathQuery): string {
  if (query.kind === 'send' || query.kind === 'recv') {
    const fam = query.params.family ?? 'ipv4';
    const via = query.params.through?.length ? ` via ${query.params.through.join(', ')}` : '';
    return `${query.kind === 'send' ? 'send()' : 'receive'} path (${fam === 'ipv6' ? 'IPv6' : 'IPv4'})${via}`;
  }
  const via = query.params.via?.length ? ` via ${query.params.via.join(', ')}` : '';
  return `${query.params.from} → ${query.params.to}${via}`;
}
