// The kpath language server: wiring only. The connection (stdio with --stdio, IPC with
// --node-ipc, picked from argv; guarded in connection.ts), the open documents, the shared state, and one register() per
// feature in server/features/. Indexing starts once the client says it is initialized.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocuments, TextDocumentSyncKind, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createServerConnection } from './connection';
import { ServerState } from './features/state';
import { initialSettings } from './features/settings';
import * as callHierarchy from './features/callHierarchy';
import * as codeLens from './features/codeLens';
import * as definition from './features/definition';
import * as documents from './features/documents';
import * as documentSymbols from './features/documentSymbols';
import * as fileAnnotations from './features/fileAnnotations';
import * as hover from './features/hover';
import * as implementation from './features/implementation';
import * as indexing from './features/indexing';
import * as paths from './features/paths';
import * as references from './features/references';
import * as targets from './features/targets';
import * as watchedFiles from './features/watchedFiles';
import * as workspaceSymbols from './features/workspaceSymbols';

const connection = createServerConnection();
const docs = new TextDocuments(TextDocument);
const state = new ServerState(connection, docs, initialSettings(undefined));

function folderOf(uri: string | null | undefined): string | undefined {
  if (!uri || !uri.startsWith('file:')) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

connection.onInitialize((params): InitializeResult => {
  const problems: string[] = [];
  state.settings = initialSettings(params.initializationOptions, problems);
  state.workspaceFolder = folderOf(params.workspaceFolders?.[0]?.uri) ?? folderOf(params.rootUri) ?? params.rootPath ?? undefined;
  state.canPullConfiguration = params.capabilities.workspace?.configuration === true;
  state.canRefreshCodeLens = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  state.canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  problems.forEach((m) => state.log(m));
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      definitionProvider: true,
      implementationProvider: true,
      referencesProvider: true,
      hoverProvider: true,
      callHierarchyProvider: true,
      codeLensProvider: { resolveProvider: false },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
    },
    serverInfo: { name: 'kpath', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  void watchedFiles.watch(connection, state);
  void indexing.startIndexing(state, 'start');
});

for (const feature of [
  documents,
  definition,
  implementation,
  references,
  hover,
  callHierarchy,
  codeLens,
  fileAnnotations,
  documentSymbols,
  workspaceSymbols,
  targets,
  paths,
  indexing,
  watchedFiles,
]) {
  feature.register(connection, state);
}

// A bug in one handler's asynchronous tail must not take the editor's navigation down with it.
process.on('uncaughtException', (e) => state.error(`uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => state.error(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));

docs.listen(connection);
connection.listen();
