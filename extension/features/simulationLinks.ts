// The host's half of a step link in the panel's Run log: the webview names the model step's kernel
// function; the file comes from the model's table (server/model/tcp/kernelFiles.ts), the line from
// the server's symbols of that one file (the index), else from reading that file. The webview never
// names a file or a line for these links.
import * as vscode from 'vscode';
import { DocumentSymbolRequest, type DocumentSymbol, type SymbolInformation } from 'vscode-languageclient/node';
import { definitionLine } from '../../server/model/locate';
import { kernelFileOf } from '../../server/model/tcp/kernelFiles';
import { openAt, type Host, type Session } from '../host';

/** 0-based line and column of `fn`'s name in `file`, by the index, else by reading the file. */
export async function modelFunctionAt(session: Session, fn: string, file: string): Promise<{ line: number; col: number } | undefined> {
  const uri = session.uriOf(file);
  try {
    const symbols = (await session.client.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: uri.toString() } })) ?? [];
    for (const s of symbols as Array<DocumentSymbol | SymbolInformation>) {
      if (s.name !== fn) continue;
      const at = 'selectionRange' in s ? s.selectionRange.start : s.location.range.start;
      return { line: at.line, col: at.character };
    }
  } catch {
    // No answer from the server (starting, restarting): read the file below.
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
  const line1 = definitionLine(text, fn);
  if (line1 === undefined) return undefined;
  const line = text.split('\n')[line1 - 1] ?? '';
  return { line: line1 - 1, col: Math.max(0, new RegExp(`(?<![A-Za-z0-9_])${fn}\\s*\\(`).exec(line)?.index ?? 0) };
}

/** Open the definition of the kernel function a model step stands for. */
export async function openModelFunction(host: Host, fn: string): Promise<void> {
  const session = host.session(true);
  if (!session) return;
  const file = kernelFileOf(fn);
  if (!file) {
    host.output.warn(`panel: ${JSON.stringify(fn)} is not a function of the model's table`);
    return;
  }
  const at = await modelFunctionAt(session, fn, file);
  if (!at) {
    void vscode.window.showWarningMessage(`kpath: ${fn} is not defined in ${file} in this tree`);
    return;
  }
  await openAt(session, { file, ...at }, fn);
}
