// The status-bar items: what the index is doing and how much it holds, and beside it the kernel
// configuration answers are for (a click chooses another), both fed by the session's status. It
// also sets the `kpath.ready` context, so menus and keybindings appear when the server can answer.
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import type { IndexStatus } from '../../server/protocol';
import type { Host, Session } from '../host';
import { describe, describeConfig } from './statusText';

export { describe, describeConfig } from './statusText';

export function activate(host: Host): void {
  const item = vscode.window.createStatusBarItem('kpath.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'kpath';
  item.command = 'kpath.showStatus';
  // Just right of the kpath item (a lower priority on the left goes further right).
  const configItem = vscode.window.createStatusBarItem('kpath.config', vscode.StatusBarAlignment.Left, 9);
  configItem.name = 'kpath kernel config';
  configItem.command = 'kpath.chooseConfig';
  let last: IndexStatus | undefined;
  let listeners: vscode.Disposable[] = [];

  const showConfig = (s: IndexStatus | undefined) => {
    const d = describeConfig(s);
    if (!d) {
      configItem.hide();
      return;
    }
    configItem.text = d.text;
    configItem.tooltip = d.tooltip;
    configItem.accessibilityInformation = { label: d.label };
    configItem.backgroundColor = d.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    configItem.show();
  };

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
      showConfig(s);
    }
    void vscode.commands.executeCommand('setContext', 'kpath.ready', !stopped && s?.state === 'ready');
    item.show();
  };

  const attach = (session: Session | undefined) => {
    listeners.forEach((d) => d.dispose());
    listeners = [];
    configItem.hide();
    if (!session) {
      item.hide();
      void vscode.commands.executeCommand('setContext', 'kpath.ready', false);
      return;
    }
    show({ state: 'idle', filesDone: 0, filesTotal: 0, functions: 0, indirectSites: 0, resolvedSites: 0 });
    listeners.push(
      session.client.onDidChangeState((e) => {
        if (e.newState === State.Stopped) show(last, 'the language server is not running');
      }),
    );
  };

  host.context.subscriptions.push(
    item,
    configItem,
    host.onDidChangeSession(attach),
    host.onDidChangeStatus((s) => show(s)),
    host.onDidFail((why) => show(undefined, why)),
    { dispose: () => listeners.forEach((d) => d.dispose()) },
    vscode.commands.registerCommand('kpath.showStatus', async () => {
      const s = last ? describe(last).tooltip : 'kpath: no status yet';
      const pick = await vscode.window.showInformationMessage(
        s.replace(/\n/g, ' — '),
        'Re-index Tree',
        'Choose Kernel Config…',
        'Show Log',
      );
      if (pick === 'Re-index Tree') await vscode.commands.executeCommand('kpath.reindex');
      else if (pick === 'Choose Kernel Config…') await vscode.commands.executeCommand('kpath.chooseConfig');
      else if (pick === 'Show Log') host.output.show();
    }),
  );
}
