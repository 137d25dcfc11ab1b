// The step trace: every rule of the model records which kernel function it stands for, so the
// panel and the CLI can link each decision to its definition in the indexed tree.

export type StepValue = number | string | boolean;

export interface Step {
  /** Kernel function this step models, e.g. `tcp_write_xmit`. */
  fn: string;
  /** Simulated time in nanoseconds since the script started. */
  timeNs: number;
  /** Socket the step belongs to (0 for the host, e.g. the qdisc). */
  sock: number;
  /** One sentence saying what was decided and why. */
  note: string;
  data?: Record<string, StepValue>;
}

export class Tracer {
  readonly steps: Step[] = [];
  constructor(private readonly now: () => number) {}

  step(fn: string, sock: number, note: string, data?: Record<string, StepValue>): void {
    this.steps.push({ fn, timeNs: this.now(), sock, note, ...(data ? { data } : {}) });
  }
}
