// Whether a process id names a live process: for the stale-temporary sweep of the cache and the
// daemon's lock. A module of its own so that the small `kpath` entry can use it without the index.

/** Signal 0 checks without signalling; EPERM means it lives under another user. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
