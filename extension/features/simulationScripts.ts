// The host's half of the panel's Run with a packetdrill script: list the tree's selftest scripts
// and read one, with the small files next to it (defaults.sh, which the script's preamble runs),
// so that the webview can play it through the model without file access of its own.
import * as vscode from 'vscode';
import type { FromWebview, ToWebview } from '../../media/messages';
import type { Session } from '../host';

/** Where the 6.12 tree keeps its packetdrill selftests. */
export const scriptDir = 'tools/testing/selftests/net/packetdrill';
/** Siblings bigger than this are not scripts' helpers (and are not sent to the webview). */
const siblingLimit = 64 * 1024;

type ScriptRequest = Extract<FromWebview, { type: 'listScripts' | 'readScript' }>;
type ScriptAnswer = Extract<ToWebview, { type: 'scripts' | 'script' }>;

export function isScriptRequest(m: FromWebview): m is ScriptRequest {
  return m.type === 'listScripts' || m.type === 'readScript';
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function answerScriptRequest(session: Session | undefined, m: ScriptRequest): Promise<ScriptAnswer> {
  if (!session) {
    const error = 'No kernel tree is open.';
    return m.type === 'listScripts'
      ? { type: 'scripts', dir: scriptDir, names: [], error }
      : { type: 'script', name: m.name, siblings: {}, error };
  }
  const dir = vscode.Uri.joinPath(session.root, ...scriptDir.split('/'));
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(dir);
  } catch (e) {
    const error = `No packetdrill scripts in this tree (${scriptDir}: ${message(e)})`;
    return m.type === 'listScripts'
      ? { type: 'scripts', dir: scriptDir, names: [], error }
      : { type: 'script', name: m.name, siblings: {}, error };
  }
  const files = entries
    .filter(([, t]) => t === vscode.FileType.File)
    .map(([n]) => n)
    .sort();
  if (m.type === 'listScripts') return { type: 'scripts', dir: scriptDir, names: files.filter((n) => n.endsWith('.pkt')) };

  // Only a name the listing has: the webview never chooses a path.
  if (!m.name.endsWith('.pkt') || !files.includes(m.name))
    return { type: 'script', name: m.name, siblings: {}, error: `${m.name} is not a script in ${scriptDir}` };
  const decode = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);
  try {
    const text = decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, m.name)));
    const siblings: Record<string, string> = {};
    for (const n of files.filter((f) => !f.endsWith('.pkt'))) {
      const uri = vscode.Uri.joinPath(dir, n);
      if ((await vscode.workspace.fs.stat(uri)).size <= siblingLimit) siblings[n] = decode(await vscode.workspace.fs.readFile(uri));
    }
    return { type: 'script', name: m.name, text, siblings };
  } catch (e) {
    return { type: 'script', name: m.name, siblings: {}, error: `cannot read ${m.name}: ${message(e)}` };
  }
}
