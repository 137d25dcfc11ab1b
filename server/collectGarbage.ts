// A full garbage collection on demand, for the few places that know better than V8 when one pays:
// parser threads (native trees, see parse/parseFile.ts) and the end of a cold index (see
// index/indexer.ts). V8 gives `gc` only behind --expose-gc; the flag can be set at run time.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined | null;

/** Collect now; false if this runtime does not allow it. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
  return gc !== null;
}
