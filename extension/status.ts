// The index status of the running session, for every feature that shows or waits for it (the status
// bar, the config chooser, the targets pick). A language client keeps one handler per notification
// method, so kpath/statusChanged is subscribed here once and fanned out; kpath/status is asked each
// time the server (re)starts, since the notification only says what changes.
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import type { IndexStatus } from '../server/protocol';
import type { Session } from './host';
import { statusChangedNotification, statusRequest } from '../server/protocolTypes';

export class StatusFeed implements vscode.Disposable {
  private session: Session | undefined;
  private last: IndexStatus | undefined;
  private listeners: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<IndexStatus>();
  /** A status from the server of the current session. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** The last status the server of the current session gave; undefined before its first. */
  get current(): IndexStatus | undefined {
    return this.last;
  }

  attach(session: Session | undefined): void {
    this.listeners.forEach((d) => d.dispose());
    this.listeners = [];
    this.last = undefined;
    this.session = session;
    if (!session) return;
    const { client } = session;
    // A late answer from a session that is gone is not this session's status.
    const take = (s: IndexStatus) => {
      if (this.session === session) {
        this.last = s;
        this.changed.fire(s);
      }
    };
    this.listeners.push(
      client.onNotification(statusChangedNotification, take),
      client.onDidChangeState((e) => {
        if (e.newState !== State.Running) return;
        client.sendRequest(statusRequest).then(take, (err: unknown) => this.output.warn(`kpath/status: ${String(err)}`));
      }),
    );
  }

  dispose(): void {
    this.listeners.forEach((d) => d.dispose());
    this.changed.dispose();
  }
}
