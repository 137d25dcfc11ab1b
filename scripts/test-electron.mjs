// End-to-end tests in desktop VS Code through @vscode/test-electron, for machines that can
// download VS Code (this one cannot: CI uses code-server, see test/e2e/). Usage:
//   KPATH_KERNEL=/path/to/linux node scripts/test-electron.mjs
import { runTests } from '@vscode/test-electron';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tree = process.env.KPATH_KERNEL;
if (!tree) {
  console.error('test-electron: set KPATH_KERNEL to a kernel tree');
  process.exit(2);
}
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'test', 'electron', 'suite.cjs'),
    launchArgs: [tree, '--disable-workspace-trust', '--disable-extensions'],
  });
} catch (e) {
  console.error(`test-electron: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
