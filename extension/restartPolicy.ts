// When the language server stops (a crash, an out-of-memory abort, or its exit on broken input), the
// client restarts it and tells the person once per session; after `maxStops` stops within
// `windowMs` it stays down and says how to bring it back. Pure, so that it is tested without VS Code.

export type StopDecision = 'restart and tell' | 'restart' | 'give up';

export class RestartPolicy {
  private stops: number[] = [];
  private told = false;

  constructor(
    readonly windowMs = 3 * 60_000,
    readonly maxStops = 5,
  ) {}

  /** The server stopped at `now` (ms): what to do. */
  stopped(now: number): StopDecision {
    this.stops = this.stops.filter((t) => now - t < this.windowMs);
    this.stops.push(now);
    if (this.stops.length >= this.maxStops) return 'give up';
    if (this.told) return 'restart';
    this.told = true;
    return 'restart and tell';
  }

  /** Stops counted in the window, for the log. */
  get recent(): number {
    return this.stops.length;
  }
}
