// Expectations written in fixtures, next to the code they are about:
//   x->f(a); /* @targets: must_a must_b !must_not */
//   max(a, b); /* @no-call */   (reads like an indirect call, is none)
// A helper finds them so tests do not hard-code line numbers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export interface TargetMarker {
  file: string;
  line: number;
  must: string[];
  mustNot: string[];
}

export function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, rel))) {
    const child = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(root, child)).isDirectory()) out.push(...listFiles(root, child));
    else if (/\.[ch]$/.test(name)) out.push(child);
  }
  return out.sort();
}

export function targetMarkers(root: string): TargetMarker[] {
  const out: TargetMarker[] = [];
  for (const file of listFiles(root)) {
    readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .forEach((text, line) => {
        const m = /@targets:([^*]*)\*\//.exec(text);
        if (!m) return;
        const words = m[1].trim().split(/\s+/);
        out.push({
          file,
          line,
          must: words.filter((w) => !w.startsWith('!')),
          mustNot: words.filter((w) => w.startsWith('!')).map((w) => w.slice(1)),
        });
      });
  }
  return out;
}

/** Lines marked `@no-call`: no indirect call may be found there. */
export function noCallMarkers(root: string): { file: string; line: number }[] {
  const out: { file: string; line: number }[] = [];
  for (const file of listFiles(root)) {
    readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .forEach((text, line) => {
        if (text.includes('@no-call')) out.push({ file, line });
      });
  }
  return out;
}
