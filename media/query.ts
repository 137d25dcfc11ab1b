// Switching the target of an indirect hop is a new query: the choices made before that hop are
// kept, the chosen function becomes a waypoint, and everything after it is recomputed by the server.
// Shared by the webview (to name what it asks) and the host (which asks).
import type { CallPath } from '../server/protocol';
import type { PathQuery } from './messages';

export function switchQuery(query: PathQuery, path: CallPath, hopIndex: number, through: string): PathQuery {
  const before = new Set(path.hops.slice(0, hopIndex).map((h) => h.to.name));
  const keep = (names: readonly string[] | undefined) => (names ?? []).filter((n) => before.has(n) && n !== through);
  if (query.kind === 'send') {
    return { kind: 'send', params: { ...query.params, through: [...keep(query.params.through), through] } };
  }
  return { kind: 'call', params: { ...query.params, via: [...keep(query.params.via), through] } };
}

export function queryTitle(query: PathQuery): string {
  if (query.kind === 'send') {
    const fam = query.params.family ?? 'ipv4';
    const via = query.params.through?.length ? ` via ${query.params.through.join(', ')}` : '';
    return `send() path (${fam === 'ipv6' ? 'IPv6' : 'IPv4'})${via}`;
  }
  const via = query.params.via?.length ? ` via ${query.params.via.join(', ')}` : '';
  return `${query.params.from} → ${query.params.to}${via}`;
}
