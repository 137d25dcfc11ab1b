// The status-bar item: what the index is doing and how much it holds, fed by kpath/statusChanged.
// It also sets the `kpath.ready` context, so menus and keybindings appear when the server can answer.
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import type { IndexStatus } from '../../server/protocol';
import type { Host, Session } from '../host';
import { statusChangedNotification, statusRequest } from '../requests';

const n = (x: number) => x.toLocaleString('en-US');

/** The item's text and tooltip for a status; exported for the e2e test to know what to wait for. */
export function describe(s: IndexStatus): { text: string; tooltip: string; label: string } {
  const counts = `${n(s.functions)} functions · ${n(s.resolvedSites)}/${n(s.indirectSites)} indirect calls resolved`;
  switch (s.state) {
    case 'indexing': {
      const pct = s.filesTotal ? ` ${Math.floor((100 * s.filesDone) / s.filesTotal)}%` : '';
      return { text: `$(sync~spin) kpath${pct}`, tooltip: `kpath: indexing ${n(s.filesDone)}/${n(s.filesTotal)} files${s.message ? `\n${s.message}` : ''}`, label: `kpath indexing${pct}` };
    }
    case 'ready':
      return { text: `$(type-hierarchy) kpath ${n(s.functions)}`, tooltip: `kpath: index ready\n${counts}`, label: `kpath ready: ${counts}` };
    case 'error':
      return { text: '$(error) kpath', tooltip: `kpath: ${s.message ?? 'indexing failed'}`, label: `kpath error: ${s.message ?? ''}` };
    case 'idle':
    default:
      return { text: '$(circle-outline) kpath', tooltip: 'kpath: not indexed yet', label: 'kpath idle' };
  }
}

export function activate(host: Host): void {
  const item = vscode.window.createStatusBarItem('kpath.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'kpath';
  item.command = 'kpath.showStatus';
  let last: IndexStatus | undefined;
  let listeners: vscode.Disposable[] = [];

  const show = (s: IndexStatus | undefined, stopped?: string) => {
    last = s;
    if (stopped) {
      item.text = '$(debug-disconnect) kpath';
      item.tooltip = `kpath: ${stopped}`;
      item.accessibilityInformation = { label: `kpath ${stopped}` };
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (s) {
      const d = describe(s);
      item.text = d.text;
      item.tooltip = d.tooltip;
      item.accessibilityInformation = { label: d.label };
      item.backgroundColor = s.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    }
    void vscode.commands.executeCommand('setContext', 'kpath.ready', !stopped && s?.state === 'ready');
    item.show();
  };

  const attach = (session: Session | undefined) => {
    listeners.forEach((d) => d.dispose());
    listeners = [];
    if (!session) { item.hide(); void vscode.commands.executeCommand('setContext', 'kpath.ready', false); return; }
    const { client } = session;
    show({ state: 'idle', filesDone: 0, filesTotal: 0, functions: 0, indirectSites: 0, resolvedSites: 0 });
    listeners.push(
      client.onNotification(statusChangedNotification, (s) => show(s)),
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          // The notification only says what changes; ask once for where things stand now.
          client.sendRequest(statusRequest).then((s) => show(s), (err: unknown) => host.output.warn(`kpath/status: ${String(err)}`));
        } else if (e.newState === State.Stopped) {
          show(last, 'the language server is not running');
        }
      }),
    );
  };

  host.context.subscriptions.push(
    item,
    host.onDidChangeSession(attach),
    host.onDidFail((why) => show(undefined, why)),
    { dispose: () => listeners.forEach((d) => d.dispose()) },
    vscode.commands.registerCommand('kpath.showStatus', async () => {
      const s = last ? describe(last).tooltip : 'kpath: no status yet';
      const pick = await vscode.window.showInformationMessage(s.replace(/\n/g, ' — '), 'Re-index Tree', 'Show Log');
      if (pick === 'Re-index Tree') await vscode.commands.executeCommand('kpath.reindex');
      else if (pick === 'Show Log') host.output.show();
    }),
  );
}
