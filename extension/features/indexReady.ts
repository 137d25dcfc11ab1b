// "The index of this session is ready": polled through kpath/status, because the status
// notification has a single handler (the status bar's) and a second registration would replace it.
// Features that ask the server for whole-file facts (annotations) wait for this instead of asking
// a half-built index and caching an empty answer.
import type * as vscode from 'vscode';
import type { Host, Session } from '../host';
import { statusRequest } from '../../server/protocolTypes';

const POLL_MS = 2000;

export interface ReadyWatch extends vscode.Disposable {
  /** Poll again (e.g. after a save, when the server re-indexes a file). */
  again(): void;
}

/** Call `ready(session)` each time a session's index is (again) ready. */
export function onIndexReady(host: Host, ready: (s: Session) => void): ReadyWatch {
  let session: Session | undefined;
  let timer: NodeJS.Timeout | undefined;
  const poll = (s: Session) => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (session !== s) return;
      const st = await s.client.sendRequest(statusRequest).catch(() => undefined);
      if (session !== s) return;
      if (st?.state === 'ready') ready(s);
      else poll(s);
    }, POLL_MS);
  };
  const attach = (s: Session | undefined) => {
    session = s;
    clearTimeout(timer);
    if (s) poll(s);
  };
  const sub = host.onDidChangeSession(attach);
  attach(host.session());
  return {
    again: () => {
      if (session) poll(session);
    },
    dispose: () => {
      clearTimeout(timer);
      sub.dispose();
    },
  };
}
