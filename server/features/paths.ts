// kpath/callPath, kpath/sendPath and kpath/recvPath: the shortest call path between two functions
// (through optional waypoints), the send() path from the syscalls down to the drivers, and the
// receive path's two legs. The graph code is in server/graph; this only checks the parameters and
// answers from the current index.
import { ResponseError, ErrorCodes, type Connection } from 'vscode-languageserver/node';
import { callPath } from '../graph/paths';
import { sendPath, SEND_ROUTES } from '../graph/sendPath';
import { recvBranches, recvPath } from '../graph/recvPath';
import { chooseBranches, type Branch } from '../graph/route';
import { Methods, type CallPath, type CallPathParams, type RecvPathParams, type SendPathParams } from '../protocol';
import { callPathRequest, recvPathRequest, sendPathRequest } from '../protocolTypes';
import { guard, type ServerState } from './state';

const notIndexed = (state: ServerState): CallPath => ({
  hops: [],
  broken: { after: '', before: '', reason: state.status.state === 'indexing' ? 'the index is still being built' : 'no index yet' },
});

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);

/** The send and receive paths take the same parameters: a family, switched hops, branch choices (of `branches`). */
function routeParams(
  method: string,
  p: SendPathParams | null,
  branchesOf: (family?: 'ipv4' | 'ipv6') => readonly Branch[],
): SendPathParams {
  const family = p?.family;
  if (family !== undefined && family !== 'ipv4' && family !== 'ipv6')
    throw new ResponseError(ErrorCodes.InvalidParams, 'family must be ipv4 or ipv6');
  if (p?.through !== undefined && !strings(p.through))
    throw new ResponseError(ErrorCodes.InvalidParams, 'through must be a list of function names');
  const branches = p?.branches;
  if (
    branches !== undefined &&
    (typeof branches !== 'object' ||
      branches === null ||
      Array.isArray(branches) ||
      !Object.values(branches).every((v) => typeof v === 'string'))
  ) {
    throw new ResponseError(ErrorCodes.InvalidParams, `${method}: branches must map a branch id to an option id`);
  }
  const bad = chooseBranches(branchesOf(family), branches);
  if (typeof bad === 'string') throw new ResponseError(ErrorCodes.InvalidParams, `${method}: ${bad}`);
  return { family, through: p?.through, branches };
}

export function register(connection: Connection, state: ServerState): void {
  connection.onRequest(
    callPathRequest,
    guard(state, Methods.callPath, 'error', (p: CallPathParams) => {
      if (!p || typeof p.from !== 'string' || typeof p.to !== 'string' || (p.via !== undefined && !strings(p.via))) {
        throw new ResponseError(ErrorCodes.InvalidParams, 'kpath/callPath needs { from: string, to: string, via?: string[] }');
      }
      return state.index && !state.partial ? callPath(state.index, p.from, p.to, p.via ?? []) : notIndexed(state);
    }),
  );
  connection.onRequest(
    sendPathRequest,
    guard(state, Methods.sendPath, 'error', (p: SendPathParams | null) => {
      const params = routeParams(Methods.sendPath, p, (f) => SEND_ROUTES[f ?? 'ipv4'].branches);
      return state.index && !state.partial ? sendPath(state.index, params) : notIndexed(state);
    }),
  );
  connection.onRequest(
    recvPathRequest,
    guard(state, Methods.recvPath, 'error', (p: RecvPathParams | null) => {
      const params = routeParams(Methods.recvPath, p, recvBranches);
      return state.index && !state.partial ? recvPath(state.index, params) : { deliver: notIndexed(state), read: notIndexed(state) };
    }),
  );
}
