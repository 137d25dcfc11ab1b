// An inbound TCP segment as the runner injects it, and readers for its options.

import type { Segment, TcpOption } from './types';

export type { Segment };

export const LISTEN_PORT = 8080;

export function optMss(o: TcpOption[]): number | undefined {
  for (const x of o) if (x.kind === 'mss') return x.value;
  return undefined;
}
export function optWscale(o: TcpOption[]): number | undefined {
  for (const x of o) if (x.kind === 'wscale') return x.value;
  return undefined;
}
export function optTs(o: TcpOption[]): { val: number; ecr: number } | undefined {
  for (const x of o) if (x.kind === 'TS') return x;
  return undefined;
}
export function optFo(o: TcpOption[]): { cookie?: string; exp?: boolean } | undefined {
  for (const x of o) if (x.kind === 'FO') return x;
  return undefined;
}
