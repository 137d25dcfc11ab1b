// V8 flags for the processes that load an index (the language server, the benchmark's runs).
// Loading a cache allocates a few million objects that all live on. With V8's default 16 MB young
// generation each survives two copying collections first, and the old generation is marked again
// and again as it grows from a few MB. A 64 MB young generation and a 1 GB starting old generation
// took a warm start of the net scope from 4.3 to 3.9 s (in process), for no more peak RSS.
export const INDEX_NODE_FLAGS = ['--max-semi-space-size=64', '--initial-old-space-size=1024'];

/**
 * The language server's V8 flags as the editor starts it (extension/client.ts; the benchmark starts
 * it the same way). The index of a large scope outgrows Node's default heap (about 4 GB): allow
 * half the machine's memory, up to 16 GB, rather than let the server die of an out-of-memory abort
 * mid-indexing.
 */
export function serverExecArgv(totalMemBytes: number): string[] {
  const heapMb = Math.max(4096, Math.min(16384, Math.floor(totalMemBytes / 2 / 2 ** 20)));
  return [`--max-old-space-size=${heapMb}`, ...INDEX_NODE_FLAGS];
}
