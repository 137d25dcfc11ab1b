// V8 flags for the processes that load an index (the language server, the benchmark's runs).
// Loading a cache allocates a few million objects that all live on. With V8's default 16 MB young
// generation each survives two copying collections first, and the old generation is marked again
// and again as it grows from a few MB. A 64 MB young generation and a 1 GB starting old generation
// took a warm start of the net scope from 4.3 to 3.9 s (in process), for no more peak RSS.
export const INDEX_NODE_FLAGS = ['--max-semi-space-size=64', '--initial-old-space-size=1024'];
