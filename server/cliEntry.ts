// The `kpath` command (dist/cli.js): small, so that a query answered by the tree's daemon costs a
// process start and a socket round trip. Only when no daemon answers is the CLI itself (cli.ts,
// bundled apart as dist/cliMain.js with tree-sitter and the index) loaded, and it runs the command here.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { daemonCommand, viaDaemon } from './daemon/client';
import { parseArgs } from './cliArgs';

type Write = (s: string) => void;

/** cli.ts: dist/cliMain.js beside this bundle, or the source under tsx. Required, not imported, so it loads only when needed. */
function cliMain(): typeof import('./cli') {
  const bundled = path.join(__dirname, 'cliMain.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(existsSync(bundled) ? bundled : path.join(__dirname, 'cli')) as typeof import('./cli');
}

/** `kpath daemon stop|status <tree>` needs no index either. */
function daemonControl(argv: string[]): ReturnType<typeof parseArgs> | undefined {
  try {
    const a = parseArgs(argv);
    const [cmd, action, tree] = a.positional;
    return cmd === 'daemon' && (action === 'stop' || action === 'status') && tree && !a.flags.has('help') ? a : undefined;
  } catch {
    return undefined;
  }
}

export async function run(argv: string[], out: Write, err: Write): Promise<number> {
  const answered = await viaDaemon(argv, out, err);
  if (answered !== undefined) return answered;
  const control = daemonControl(argv);
  if (control) {
    try {
      return await daemonCommand(control, out);
    } catch {
      /* a tree or cache folder that is wrong: the CLI says so below */
    }
  }
  return cliMain().main(argv, out, err);
}

// `kpath … | head`: a reader that stops early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
run(
  process.argv.slice(2),
  (s) => process.stdout.write(s + '\n'),
  (s) => process.stderr.write(s + '\n'),
).then((code) => {
  process.exitCode = code;
});
