// kpath: Show Targets of Indirect Call — at the cursor (on `ops->sendmsg(...)` or an INDIRECT_CALL),
// ask the server which functions can be called there and show them in a peek, like references.
import * as vscode from 'vscode';
import type { IndirectTargets } from '../../server/protocol';
import type { Host } from '../host';
import { targetsRequest } from '../requests';

export function activate(host: Host): void {
  host.context.subscriptions.push(vscode.commands.registerTextEditorCommand('kpath.showTargets', async (editor) => {
    const session = host.session(true);
    if (!session) return;
    const doc = editor.document;
    const file = session.relative(doc.uri);
    if (!file) {
      void vscode.window.showInformationMessage('kpath: this file is not inside the kernel tree being indexed.');
      return;
    }
    const pos = editor.selection.active;
    let result: IndirectTargets | null;
    try {
      result = await session.client.sendRequest(targetsRequest, { file, line: pos.line, col: pos.character, uri: doc.uri.toString() });
    } catch (e) {
      void vscode.window.showErrorMessage(`kpath: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (!result) {
      void vscode.window.showInformationMessage('kpath: no indirect call at the cursor.');
      return;
    }
    if (result.targets.length === 0) {
      void vscode.window.showInformationMessage(`kpath: no target found for ${result.slot || 'this call'}${result.unresolved ? `: ${result.unresolved}` : ''}.`);
      return;
    }
    const locations = result.targets.map((t) => new vscode.Location(session.uriOf(t.fn.file), new vscode.Range(t.fn.line, t.fn.col, t.fn.line, t.fn.col + t.fn.name.length)));
    await vscode.commands.executeCommand('editor.action.peekLocations', doc.uri, pos, locations, 'peek');
  }));
}
