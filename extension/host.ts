// What the features share: the extension's context, the log, and the running session (a tree root
// and the client talking to the server for it), which may come and go as kpath.treeRoot changes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { IndexStatus } from '../server/protocol';
import { insideTree } from '../server/treePath';

export interface Session {
  readonly root: vscode.Uri;
  readonly client: LanguageClient;
  /** A file named by the server (relative to the tree root, or absolute) as a URI. */
  uriOf(file: string): vscode.Uri;
  /** A document's path relative to the tree root, or undefined when it is outside the tree. */
  relative(uri: vscode.Uri): string | undefined;
}

export function makeSession(root: vscode.Uri, client: LanguageClient): Session {
  return {
    root,
    client,
    uriOf: (file) => (path.isAbsolute(file) ? vscode.Uri.file(file) : vscode.Uri.joinPath(root, ...file.split('/'))),
    relative: (uri) => (uri.scheme === 'file' ? insideTree(root.fsPath, uri.fsPath) : undefined),
  };
}

export interface Host {
  readonly context: vscode.ExtensionContext;
  readonly output: vscode.LogOutputChannel;
  /** The running session; when there is none and `explain` is set, tells the person why. */
  session(explain?: boolean): Session | undefined;
  readonly onDidChangeSession: vscode.Event<Session | undefined>;
  /** A kernel tree was found but no server could be started for it (the reason, for the status bar). */
  readonly onDidFail: vscode.Event<string>;
  /** The index status of the current session (extension/status.ts), and when it changes. */
  status(): IndexStatus | undefined;
  readonly onDidChangeStatus: vscode.Event<IndexStatus>;
}

/** Open a file of the tree at a 0-based position, in the editor group beside the panel if there is one. */
export async function openAt(
  session: Session,
  loc: { file: string; line: number; col: number },
  name?: string,
): Promise<vscode.TextEditor> {
  const uri = session.uriOf(loc.file);
  const start = new vscode.Position(loc.line, loc.col);
  const end = name ? start.translate(0, name.length) : start;
  const column = vscode.window.visibleTextEditors[0]?.viewColumn ?? vscode.ViewColumn.One;
  return vscode.window.showTextDocument(uri, { selection: new vscode.Range(start, end), viewColumn: column, preview: true });
}
