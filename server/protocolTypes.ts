// The custom requests and notifications as vscode-jsonrpc message types, one per method of
// protocol.ts: the server registers its handlers with them and the extension sends with them, so a
// change of shape breaks the build on both sides. Kept apart from protocol.ts, which the webview
// and the CLI import for its plain types without the JSON-RPC library.
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import {
  Methods,
  type CallPath,
  type CallPathParams,
  type FileAnnotations,
  type FileAnnotationsParams,
  type IndexStatus,
  type IndirectTargets,
  type RecvPath,
  type RecvPathParams,
  type SendPathParams,
  type TargetsParams,
} from './protocol';

/** The shortest call path between two functions, through indirect calls, optionally via others. */
export const callPathRequest = new RequestType<CallPathParams, CallPath, void>(Methods.callPath);
/** The send() path from the syscall to the drivers, with its branches and the options taken. */
export const sendPathRequest = new RequestType<SendPathParams, CallPath, void>(Methods.sendPath);
/** The receive path in two legs: the packet up to the socket's wakeup, recvfrom() down to the copy. */
export const recvPathRequest = new RequestType<RecvPathParams, RecvPath, void>(Methods.recvPath);
/** The targets of the indirect call at a position; null where there is none. */
export const targetsRequest = new RequestType<TargetsParams, IndirectTargets | null, void>(Methods.targets);
/** What the index is doing and how much it holds. */
export const statusRequest = new RequestType0<IndexStatus, void>(Methods.status);
/** Rebuild the index (answered at once; progress follows as statusChanged). */
export const reindexRequest = new RequestType0<void, void>(Methods.reindex);
/** A file's indirect call sites and its functions reached only through pointers, for the editor's marks. */
export const fileAnnotationsRequest = new RequestType<FileAnnotationsParams, FileAnnotations, void>(Methods.fileAnnotations);
/** Server → client, whenever the status changes (progress while indexing, ready, error). */
export const statusChangedNotification = new NotificationType<IndexStatus>(Methods.statusChanged);
