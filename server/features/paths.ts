// kpath/callPath and kpath/sendPath: the shortest call path between two functions (through
// optional waypoints), and the send() path from the syscalls down to the drivers. The graph
// code is in server/graph; this only checks the parameters and answers from the current index.
import { RequestType, ResponseError, ErrorCodes, type Connection } from 'vscode-languageserver/node';
import { callPath } from '../graph/paths';
import { sendPath } from '../graph/sendPath';
import { Methods, type CallPath, type CallPathParams, type SendPathParams } from '../protocol';
import { guard, type ServerState } from './state';

export const callPathRequest = new RequestType<CallPathParams, CallPath, void>(Methods.callPath);
export const sendPathRequest = new RequestType<SendPathParams, CallPath, void>(Methods.sendPath);

const notIndexed = (state: ServerState): CallPath => ({
  hops: [],
  broken: { after: '', before: '', reason: state.status.state === 'indexing' ? 'the index is still being built' : 'no index yet' },
});

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);

export function register(connection: Connection, state: ServerState): void {
  connection.onRequest(callPathRequest, guard(state, Methods.callPath, 'error', (p: CallPathParams) => {
    if (!p || typeof p.from !== 'string' || typeof p.to !== 'string' || (p.via !== undefined && !strings(p.via))) {
      throw new ResponseError(ErrorCodes.InvalidParams, 'kpath/callPath needs { from: string, to: string, via?: string[] }');
    }
    return state.index && !state.partial ? callPath(state.index, p.from, p.to, p.via ?? []) : notIndexed(state);
  }));
  connection.onRequest(sendPathRequest, guard(state, Methods.sendPath, 'error', (p: SendPathParams | null) => {
    const family = p?.family;
    if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') throw new ResponseError(ErrorCodes.InvalidParams, 'family must be ipv4 or ipv6');
    if (p?.through !== undefined && !strings(p.through)) throw new ResponseError(ErrorCodes.InvalidParams, 'through must be a list of function names');
    return state.index && !state.partial ? sendPath(state.index, { family, through: p?.through }) : notIndexed(state);
  }));
}
