// Runs inside desktop VS Code's extension host (scripts/test-electron.mjs): the extension
// activates on the kernel tree, and F12 on `sendmsg` in sock_sendmsg_nosec reaches inet_sendmsg.
const vscode = require('vscode');
const assert = require('node:assert/strict');
const path = require('node:path');

async function until(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

exports.run = async function run() {
  const ext = vscode.extensions.getExtension('kpath.kpath');
  assert.ok(ext, 'kpath is installed');
  await ext.activate();
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  const doc = await vscode.workspace.openTextDocument(path.join(folder, 'net', 'socket.c'));
  const text = doc.getText();
  const at = doc.positionAt(text.indexOf('READ_ONCE(sock->ops)->sendmsg') + 'READ_ONCE(sock->ops)->'.length);
  const locations = await until(async () => {
    const r = await vscode.commands.executeCommand('vscode.executeDefinitionProvider', doc.uri, at);
    return r && r.length > 2 ? r : undefined;
  }, 20 * 60_000);
  const files = locations.map((l) => (l.uri ?? l.targetUri).fsPath);
  assert.ok(
    files.some((f) => f.endsWith(path.join('ipv4', 'af_inet.c'))),
    'inet_sendmsg is a target',
  );
  assert.ok(
    files.some((f) => f.endsWith(path.join('ipv6', 'af_inet6.c'))),
    'inet6_sendmsg is a target',
  );
};
