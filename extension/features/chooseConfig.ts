// kpath: Choose Kernel Config… — pick the configuration kpath answers for among those the machine
// offers (the tree's .config, /boot, Debian's linux-config-*), a file of one's own, or none. The
// choice is the `kpath.config` setting; reading the file and evaluating the Makefiles are the
// server's job, and its answer comes back in the status: an error is said as a warning, here when
// it answers a choice, or whenever a new one arrives (a setting that names a file since removed).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { configCandidates, treeConfig } from '../../server/config/candidates';
import type { IndexStatus } from '../../server/protocol';
import type { Host } from '../host';

/** How long to show "reading…" for a choice: the first evaluation reads every Makefile of the tree. */
const ANSWER_TIMEOUT_MS = 5 * 60_000;

interface ConfigItem extends vscode.QuickPickItem {
  value?: string;
  browse?: true;
}

/**
 * The file a `kpath.config` value means, as the server reads it (server/features/config.ts, which
 * the extension cannot import: it pulls in the LSP server library); undefined for every configuration.
 */
export function effectiveConfig(setting: string, root: string): string | undefined {
  const s = setting.trim();
  if (s === 'none') return undefined;
  if (!s) return treeConfig(root);
  const expanded = s.replace(/^~(?=\/|$)/, process.env.HOME ?? '~');
  return path.isAbsolute(expanded) ? expanded : path.resolve(root, expanded);
}

function items(root: string, current: string | undefined): ConfigItem[] {
  const mark = (file: string | undefined) => (file === current ? '$(check) ' : '');
  const out: ConfigItem[] = [];
  const candidates = configCandidates(root);
  // A file chosen by hand is not a candidate: still show it, as the current one.
  if (current && !candidates.some((c) => c.file === current)) {
    out.push({ label: `$(check) ${path.basename(current)}`, description: 'current', detail: current, value: current });
  }
  for (const c of candidates) {
    out.push({
      label: `${mark(c.file)}${path.basename(c.file)}`,
      description: c.file === current ? `${c.kind} · current` : c.kind,
      detail: c.file,
      value: c.file,
    });
  }
  out.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(folder-opened) Browse…', description: 'a .config, or a config as distributions ship it (.xz, .gz)', browse: true },
    {
      label: `${mark(undefined)}None (every configuration)`,
      description: current === undefined ? 'current' : 'targets and paths of every configuration',
      value: 'none',
    },
  );
  return out;
}

/** Wait for the server's status to say it answers for `file` (undefined: for none). */
function answer(host: Host, file: string | undefined): Promise<IndexStatus | undefined> {
  const matches = (s: IndexStatus) => s.state === 'ready' && (file === undefined ? !s.config : s.config?.file === file);
  return new Promise((resolve) => {
    const done = (s: IndexStatus | undefined) => {
      sub.dispose();
      clearTimeout(timer);
      resolve(s);
    };
    const sub = host.onDidChangeStatus((s) => {
      if (matches(s)) done(s);
    });
    const timer = setTimeout(() => done(undefined), ANSWER_TIMEOUT_MS);
  });
}

function warn(host: Host, s: IndexStatus): void {
  const c = s.config;
  if (!c?.error) return;
  void vscode.window
    .showWarningMessage(
      `kpath: the kernel config ${c.label} could not be used: ${c.error}. Answers are for every configuration.`,
      'Choose Another…',
      'Show Log',
    )
    .then((pick) => {
      if (pick === 'Choose Another…') void vscode.commands.executeCommand('kpath.chooseConfig');
      else if (pick === 'Show Log') host.output.show();
    });
}

export function activate(host: Host): void {
  let choosing = false;
  let lastError: string | undefined;

  const choose = async () => {
    const session = host.session(true);
    if (!session) return;
    const root = session.root.fsPath;
    const setting = vscode.workspace.getConfiguration('kpath');
    const current = effectiveConfig(setting.get<string>('config', ''), root);
    const picked = await vscode.window.showQuickPick(items(root, current), {
      title: 'kpath: Choose Kernel Config',
      placeHolder: `Answer for the kernel this configuration builds (now: ${current ? path.basename(current) : 'every configuration'})`,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return;
    let value = picked.value;
    if (picked.browse) {
      const files = await vscode.window.showOpenDialog({
        title: 'kpath: a kernel configuration',
        openLabel: 'Use This Config',
        canSelectMany: false,
        defaultUri: current ? vscode.Uri.file(path.dirname(current)) : session.root,
      });
      if (!files?.[0]) return;
      value = files[0].fsPath;
    }
    if (value === undefined) return;
    const wanted = value === 'none' ? undefined : value;
    if (wanted === current && setting.get<string>('config', '') === value) return;
    // The workspace's setting when a folder is open (this tree's choice), else the user's.
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    choosing = true;
    try {
      const answered = answer(host, wanted);
      await setting.update('config', value, target);
      const s = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `kpath: reading ${wanted ? path.basename(wanted) : 'every configuration'}` },
        () => answered,
      );
      if (s?.config?.error) {
        lastError = s.config.error;
        warn(host, s);
      }
    } finally {
      choosing = false;
    }
  };

  host.context.subscriptions.push(
    vscode.commands.registerCommand('kpath.chooseConfig', choose),
    // An error that no choice of this window caused (the setting names a file that is gone): said once.
    host.onDidChangeStatus((s) => {
      const error = s.config?.error;
      if (error && error !== lastError && !choosing) warn(host, s);
      if (s.state === 'ready' || error) lastError = error;
    }),
  );
}
