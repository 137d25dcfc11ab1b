// Which folder is the kernel tree: the kpath.treeRoot setting, or else the first workspace folder
// that looks like one. A folder "looks like a kernel tree" when it has net/socket.c, or both Kbuild
// and MAINTAINERS at its top (a tree without net/ is still a kernel, e.g. a trimmed checkout).
import * as path from 'node:path';
import * as vscode from 'vscode';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

export async function looksLikeKernelTree(dir: vscode.Uri): Promise<boolean> {
  if (await exists(vscode.Uri.joinPath(dir, 'net', 'socket.c'))) return true;
  return (await exists(vscode.Uri.joinPath(dir, 'Kbuild'))) && (await exists(vscode.Uri.joinPath(dir, 'MAINTAINERS')));
}

export type RootResult = { root: vscode.Uri } | { root: undefined; why: string };

export async function findTreeRoot(): Promise<RootResult> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const setting = vscode.workspace.getConfiguration('kpath').get<string>('treeRoot', '').trim();
  if (setting) {
    const base = folders[0]?.uri.fsPath;
    const expanded = setting.replace(/^~(?=\/|$)/, process.env.HOME ?? '~').replace(/\$\{workspaceFolder\}/g, base ?? '');
    const abs = path.isAbsolute(expanded) ? expanded : base ? path.join(base, expanded) : undefined;
    if (!abs) return { root: undefined, why: `kpath.treeRoot "${setting}" is relative but no folder is open` };
    const uri = vscode.Uri.file(abs);
    if (!(await exists(uri))) return { root: undefined, why: `kpath.treeRoot "${setting}" does not exist` };
    return { root: uri };
  }
  for (const f of folders) {
    if (f.uri.scheme === 'file' && (await looksLikeKernelTree(f.uri))) return { root: f.uri };
  }
  return { root: undefined, why: 'no open folder looks like a Linux kernel tree (net/socket.c, or Kbuild and MAINTAINERS)' };
}
