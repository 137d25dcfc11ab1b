// The bundled CLI for tests that spawn it (`kpath scip`, `kpath mcp`): built if it is not there
// (npm test builds everything first).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const repo = path.resolve(__dirname, '..', '..');
export const cliJs = path.join(repo, 'dist', 'cli.js');

/** Build dist/cli.js with the threads it starts (parser, MCP index) unless they are all there. */
export function ensureCli(): void {
  if (['cli.js', 'cliMain.js', 'mcp/server.js', 'worker.js', 'mcpIndex.js'].every((f) => existsSync(path.join(repo, 'dist', f)))) return;
  execFileSync(process.execPath, ['esbuild.mjs', 'cli', 'mcp/server', 'worker', 'mcpIndex'], { cwd: repo });
}
