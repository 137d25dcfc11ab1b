// kpath's client: find the kernel tree, start the language server for it, and wire the features.
// Activation happens on a C file or a kernel-looking folder (package.json activationEvents); when
// the window holds no kernel tree the commands stay registered and explain what is missing.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createClient } from './client';
import { makeSession, type Host, type Session } from './host';
import { findTreeRoot } from './treeRoot';
import { StatusFeed } from './status';
import * as statusBar from './features/statusBar';
import * as sendPath from './features/sendPath';
import * as callPath from './features/callPath';
import * as targets from './features/targets';
import * as reindex from './features/reindex';
import * as sendPathPanel from './features/sendPathPanel';
import * as notes from './features/notes';
import * as annotations from './features/annotations';
import * as indirectOnly from './features/indirectOnly';
import * as chooseConfig from './features/chooseConfig';

let current: Session | undefined;
let why = 'kpath is starting';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('kpath', { log: true });
  const changed = new vscode.EventEmitter<Session | undefined>();
  const failed = new vscode.EventEmitter<string>();
  const status = new StatusFeed(output);
  // Subscribed before the features, so that a feature's session listener sees the new feed.
  changed.event((s) => status.attach(s));
  context.subscriptions.push(output, changed, failed, status);

  const host: Host = {
    context,
    output,
    onDidChangeSession: changed.event,
    onDidFail: failed.event,
    status: () => status.current,
    onDidChangeStatus: status.onDidChange,
    session(explain) {
      if (!current && explain) {
        void vscode.window.showWarningMessage(`kpath: ${why}. Open a kernel tree, or set kpath.treeRoot.`, 'Open Settings').then((pick) => {
          if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'kpath.treeRoot');
        });
      }
      return current;
    },
  };

  for (const feature of [statusBar, chooseConfig, sendPathPanel, sendPath, callPath, targets, reindex, notes, annotations, indirectOnly])
    feature.activate(host);

  const start = async () => {
    const found = await findTreeRoot();
    if (!found.root) {
      why = found.why;
      output.info(`not starting: ${why}`);
      await vscode.commands.executeCommand('setContext', 'kpath.active', false);
      return;
    }
    if (!existsSync(context.asAbsolutePath('dist/server.js'))) {
      why = 'this installation has no language server (dist/server.js is missing)';
      output.error(why);
      failed.fire(why);
      void vscode.window.showErrorMessage(`kpath: ${why}. Reinstall the extension, or run "node esbuild.mjs" in a development checkout.`);
      return;
    }
    const client: LanguageClient = createClient(context, found.root, output);
    current = makeSession(found.root, client);
    output.info(`kernel tree: ${found.root.fsPath}`);
    await vscode.commands.executeCommand('setContext', 'kpath.active', true);
    changed.fire(current);
    try {
      await client.start();
    } catch (e) {
      output.error(`could not start the server: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const stop = async () => {
    const s = current;
    current = undefined;
    why = 'kpath is restarting';
    changed.fire(undefined);
    if (s) await s.client.stop().catch((e: unknown) => output.warn(`stopping the server: ${String(e)}`));
  };

  // Another tree root is another index: restart. The other settings reach the running server as
  // workspace/didChangeConfiguration (synchronize.configurationSection in client.ts).
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('kpath.treeRoot')) {
        await stop();
        await start();
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(async () => {
      if (!current) await start();
    }),
    { dispose: () => void stop() },
  );
  // Not awaited: activation should not wait for the server to initialize.
  void start();
}

export async function deactivate(): Promise<void> {
  const s = current;
  current = undefined;
  await s?.client.stop();
}
