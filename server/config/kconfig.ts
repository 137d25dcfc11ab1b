// A kernel configuration (`.config`), read as it is: plain text, or compressed as distributions
// ship it (`/usr/src/linux-config-6.12/config.amd64_none_amd64.xz`, `/proc/config.gz`). Only the
// values matter here; what they build is decided by kbuild/ (Makefiles) and cpp.ts (`#if`).
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
import { FileRefused, readRegular } from '../index/fileSlice';

/** A configuration: `CONFIG_` names (with the prefix) to their values as written (`y`, `m`, `250`, `"str"`). */
export interface KernelConfig {
  /** Where it was read from (absolute), for messages and the status bar. */
  file: string;
  /** Every option that is set. An option absent here is not set (`n`), as in the kernel's own autoconf.h. */
  values: ReadonlyMap<string, string>;
  /** The source architecture folder under arch/ (`x86`), from the options or the file's header. */
  arch: string | undefined;
  /** A short name for the status bar: `config.amd64_none_cloud-amd64`, `.config`, `config-6.12.0-1-amd64`. */
  label: string;
}

export class ConfigError extends Error {}

const LARGEST = 64 * 1024 * 1024;

/** Read and parse a config file; `.xz` and `.gz` are decompressed. Throws ConfigError with a message for the user. */
export function readConfig(file: string): KernelConfig {
  const abs = path.resolve(file);
  let bytes: Buffer;
  // Only a regular file of at most LARGEST is read: a FIFO or device would block the reader for good.
  try {
    bytes = readRegular(abs, LARGEST).bytes;
  } catch (e) {
    if (e instanceof FileRefused) throw new ConfigError(`${file}: ${e.reason}, not read as a kernel configuration`);
    throw new ConfigError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const text = decompress(bytes, file);
  return parseConfig(text, abs);
}

function decompress(bytes: Buffer, file: string): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: LARGEST }).toString('utf8');
    } catch (e) {
      throw new ConfigError(`${file}: gzip data is damaged or cut short (${(e as Error).message})`);
    }
  }
  if (bytes.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    // Node has no xz decoder; xz-utils is on every Debian system that has linux-config-* installed.
    const r = spawnSync('xz', ['-dc'], { input: bytes, maxBuffer: LARGEST, encoding: 'buffer' });
    if (r.error)
      throw new ConfigError(
        `${file}: cannot run xz to decompress it (${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'install xz-utils' : r.error.message})`,
      );
    // A truncated archive still yields the options before the cut: those would read as "not set", so refuse it.
    if (r.status !== 0)
      throw new ConfigError(
        `${file}: xz data is damaged or cut short (${r.stderr
          .toString('utf8')
          .trim()
          .replace(/^xz: \(stdin\): /, '')})`,
      );
    return r.stdout.toString('utf8');
  }
  return bytes.toString('utf8');
}

const SET = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const UNSET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

/** Parse the text of a config. Throws ConfigError if it holds no option at all (not a config). */
export function parseConfig(text: string, file = '<config>'): KernelConfig {
  const values = new Map<string, string>();
  let seen = 0;
  let header: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const m = SET.exec(line);
    if (m) {
      seen++;
      if (m[2] !== 'n') values.set(m[1], m[2]);
      continue;
    }
    if (UNSET.test(line)) {
      seen++;
      continue;
    }
    const h = /^# Linux\/(\S+) .*Kernel Configuration/.exec(line);
    if (h) header = h[1];
  }
  if (seen === 0) throw new ConfigError(`${file}: not a kernel configuration (no CONFIG_ option in it)`);
  return { file, values, arch: archOf(values, header), label: labelOf(file) };
}

// The option each architecture's Kconfig selects for itself, and its folder under arch/.
const ARCHES: [string, string][] = [
  ['CONFIG_X86', 'x86'],
  ['CONFIG_ARM64', 'arm64'],
  ['CONFIG_ARM', 'arm'],
  ['CONFIG_RISCV', 'riscv'],
  ['CONFIG_PPC', 'powerpc'],
  ['CONFIG_S390', 's390'],
  ['CONFIG_MIPS', 'mips'],
  ['CONFIG_LOONGARCH', 'loongarch'],
  ['CONFIG_SPARC', 'sparc'],
  ['CONFIG_PARISC', 'parisc'],
  ['CONFIG_ALPHA', 'alpha'],
  ['CONFIG_M68K', 'm68k'],
  ['CONFIG_SUPERH', 'sh'],
  ['CONFIG_XTENSA', 'xtensa'],
  ['CONFIG_MICROBLAZE', 'microblaze'],
  ['CONFIG_OPENRISC', 'openrisc'],
  ['CONFIG_ARC', 'arc'],
  ['CONFIG_CSKY', 'csky'],
  ['CONFIG_HEXAGON', 'hexagon'],
  ['CONFIG_NIOS2', 'nios2'],
  ['CONFIG_UML', 'um'],
];

function archOf(values: ReadonlyMap<string, string>, header: string | undefined): string | undefined {
  for (const [opt, arch] of ARCHES) if (values.get(opt) === 'y') return arch;
  // The header names the architecture as `make ARCH=` spells it (x86_64, i386 are x86's).
  if (header === 'x86_64' || header === 'i386') return 'x86';
  return header;
}

function labelOf(file: string): string {
  const base = path.basename(file);
  return base.replace(/\.(xz|gz)$/, '');
}

/** The value of an option as the preprocessor sees it: `y` and `m`, a number or string, or undefined when not set. */
export function optionValue(config: KernelConfig, name: string): string | undefined {
  return config.values.get(name.startsWith('CONFIG_') ? name : `CONFIG_${name}`);
}
