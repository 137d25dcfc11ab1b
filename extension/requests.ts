// The client-side names of kpath's custom requests: one RequestType per method of
// server/protocol.ts, with the types from there, so a change of shape breaks the build on both sides.
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageclient/node';
import {
  Methods,
  type CallPath,
  type CallPathParams,
  type IndexStatus,
  type IndirectTargets,
  type SendPathParams,
  type TargetsParams,
} from '../server/protocol';

export const sendPathRequest = new RequestType<SendPathParams, CallPath, void>(Methods.sendPath);
export const callPathRequest = new RequestType<CallPathParams, CallPath, void>(Methods.callPath);
export const targetsRequest = new RequestType<TargetsParams, IndirectTargets | null, void>(Methods.targets);
export const statusRequest = new RequestType0<IndexStatus, void>(Methods.status);
export const reindexRequest = new RequestType0<void, void>(Methods.reindex);
export const statusChangedNotification = new NotificationType<IndexStatus>(Methods.statusChanged);
