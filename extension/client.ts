// Starting the bundled language server (dist/server.js) over IPC, and keeping it alive: if it dies
// it is restarted, and the person is told once per session, not once per crash; after five deaths
// in three minutes it stays down and says how to bring it back.
import { serverExecArgv } from '../server/nodeFlags';
import { totalmem } from 'node:os';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type FeatureState,
  type LanguageClientOptions,
  type ServerOptions,
  type StaticFeature,
} from 'vscode-languageclient/node';
import { settingsDefaults, settingsSection, type KpathSettings } from '../server/protocol';
import { RestartPolicy } from './restartPolicy';

class RestartingErrorHandler implements ErrorHandler {
  private readonly policy = new RestartPolicy();

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly onGiveUp: () => void,
  ) {}

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.output.error(`connection error: ${error.message}`);
    // A few read/write errors in a row are usually the server going down; `closed` handles that.
    return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const minutes = this.policy.windowMs / 60_000;
    const decision = this.policy.stopped(Date.now());
    if (decision === 'give up') {
      this.output.error(`the server stopped ${this.policy.recent} times in ${minutes} minutes; not restarting`);
      this.onGiveUp();
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    // The server's own last words (a crash, or "broken LSP input") are in the output above this line.
    this.output.warn(`the server stopped; restarting (${this.policy.recent} in the last ${minutes} minutes)`);
    if (decision === 'restart and tell') {
      void vscode.window.showWarningMessage(
        'kpath: the language server stopped unexpectedly and was restarted. Details are in the "kpath" output.',
      );
    }
    return { action: CloseAction.Restart, handled: true };
  }
}

/** The settings as the server should see them, with the tree root resolved to an absolute path. */
export function currentSettings(root: vscode.Uri): KpathSettings {
  const c = vscode.workspace.getConfiguration(settingsSection);
  return {
    treeRoot: root.fsPath,
    include: c.get<string[]>('include', settingsDefaults.include),
    exclude: c.get<string[]>('exclude', settingsDefaults.exclude),
    cacheDir: c.get<string>('cacheDir', settingsDefaults.cacheDir),
    config: c.get<string>('config', settingsDefaults.config),
  };
}

/**
 * The kpath status-bar item already shows the index's progress (kpath/statusChanged): the client
 * says it does not take LSP work-done progress, or VS Code would draw a second progress item beside
 * it. Registered after the built-in ProgressFeature, whose capability it overrides.
 */
const noWindowProgress: StaticFeature = {
  fillClientCapabilities: (capabilities) => {
    if (capabilities.window) capabilities.window.workDoneProgress = false;
  },
  initialize: () => undefined,
  getState: (): FeatureState => ({ kind: 'static' }),
  clear: () => undefined,
};

export function createClient(context: vscode.ExtensionContext, root: vscode.Uri, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const execArgv = serverExecArgv(totalmem());
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...execArgv, '--nolazy', '--inspect=6011'] } },
  };
  let client: LanguageClient | undefined;
  const errorHandler = new RestartingErrorHandler(output, () => {
    void vscode.window
      .showErrorMessage('kpath: the language server keeps stopping and was not restarted. See the "kpath" output.', 'Restart')
      .then((pick) => {
        if (pick === 'Restart') void client?.start();
      });
  });
  const base = root.fsPath.replace(/[[\]{}*?]/g, '\\$&');
  const clientOptions: LanguageClientOptions = {
    // C sources are `c`; VS Code calls .h files `cpp`. Only files of the tree go to the server.
    documentSelector: [
      { scheme: 'file', language: 'c', pattern: `${base}/**/*` },
      { scheme: 'file', language: 'cpp', pattern: `${base}/**/*.h` },
    ],
    initializationOptions: currentSettings(root),
    synchronize: { configurationSection: settingsSection },
    outputChannel: output,
    errorHandler,
    initializationFailedHandler: (error) => {
      output.error(`the server failed to initialize: ${error instanceof Error ? error.message : String(error)}`);
      void vscode.window.showErrorMessage('kpath: the language server failed to start. See the "kpath" output.');
      return false;
    },
    markdown: { isTrusted: false, supportHtml: false },
  };
  client = new LanguageClient('kpath', 'kpath', serverOptions, clientOptions);
  client.registerFeature(noWindowProgress);
  return client;
}
