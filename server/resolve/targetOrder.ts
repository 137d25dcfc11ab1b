// The order targets are given in, and which store of a function is shown first: near before far,
// by folder, since the table beside a call is the one a reader looks for first.

/** Where a function is relative to a call site: 0 for the site's own folder, more for each folder up to the common one. */
export function folderDistance(site: string, file: string): number {
  const a = site.split('/').slice(0, -1);
  const b = file.split('/').slice(0, -1);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return a.length - common;
}

const dirOf = (file: string): string => file.slice(0, file.lastIndexOf('/') + 1);

/**
 * Targets found through stores (after the hints), sorted by folder: the site's own folder first and
 * then outward (the call in net/ipv4/af_inet.c lists net/ipv4 before net/ and drivers/), then by
 * folder name and function name.
 */
export function byNearness<T extends { fn: { file: string; name: string } }>(siteFile: string, targets: T[]): T[] {
  const key = (t: T): [number, string, string] => [folderDistance(siteFile, t.fn.file), dirOf(t.fn.file), t.fn.name];
  return targets.sort((a, b) => {
    const [da, fa, na] = key(a);
    const [db, fb, nb] = key(b);
    return da - db || (fa < fb ? -1 : fa > fb ? 1 : 0) || (na < nb ? -1 : na > nb ? 1 : 0);
  });
}

/** How close a store is to the function it stores: its own file first, then its folder (the table beside it). */
export function storeNearness(fnFile: string | undefined, storeFile: string): number {
  if (!fnFile) return 3;
  if (storeFile === fnFile) return 0;
  return storeFile.slice(0, storeFile.lastIndexOf('/')) === fnFile.slice(0, fnFile.lastIndexOf('/')) ? 1 : 2;
}
