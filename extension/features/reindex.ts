// kpath: Re-index Tree — throw the index away and build it again (after switching the tree to
// another kernel version, or when the cache looks wrong). Progress shows through the server's
// workDoneProgress and the status bar.
import * as vscode from 'vscode';
import type { Host } from '../host';
import { reindexRequest } from '../../server/protocolTypes';

export function activate(host: Host): void {
  host.context.subscriptions.push(
    vscode.commands.registerCommand('kpath.reindex', async () => {
      const session = host.session(true);
      if (!session) return;
      try {
        await session.client.sendRequest(reindexRequest);
      } catch (e) {
        void vscode.window.showErrorMessage(`kpath: re-indexing failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  );
}
