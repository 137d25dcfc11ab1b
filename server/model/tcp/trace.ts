// The step trace: every rule of the model records which kernel function it stands for, so the
// panel and the CLI can link each decision to its definition in the indexed tree. The tracer also
// keeps the stack of model functions running (those that open a `frame`): each step records it, so
// the panel can say which function on the path a step happens in (tcp_nagle_test's decision is
// taken while tcp_write_xmit runs) from what the model did, not from a table written by hand.

// `using` needs Symbol.dispose, which Node 20 has and an older webview (Electron before Chromium
// 125) may not; esbuild's lowering of `using` falls back to this same registered symbol.
(Symbol as { dispose?: symbol }).dispose ??= Symbol.for('Symbol.dispose');

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
  /** The traced model functions running when the step was taken, outermost first (absent: none,
   * e.g. a system call's own step). Shared between steps: never modified. */
  within?: readonly string[];
}

export class Tracer {
  readonly steps: Step[] = [];
  /** Replaced, never mutated, so that steps can share it. */
  private frames: readonly string[] = [];
  constructor(private readonly now: () => number) {}

  step(fn: string, sock: number, note: string, data?: Record<string, StepValue>): void {
    this.steps.push({
      fn,
      timeNs: this.now(),
      sock,
      note,
      ...(data ? { data } : {}),
      ...(this.frames.length ? { within: this.frames } : {}),
    });
  }

  /** Enters the model function `fn` until the returned frame is disposed: steps taken meanwhile
   * record it in `within`. */
  enter(fn: string): Disposable {
    const outer = this.frames;
    this.frames = [...outer, fn];
    return {
      [Symbol.dispose]: () => {
        this.frames = outer;
      },
    };
  }
}

/**
 * Marks a model function as the kernel function `name` (kernelFiles.ts lists it) for the steps it
 * takes: `using _frame = frame(h, 'tcp_write_xmit');` as its first line. The frame ends on every way
 * out of the function (returns, throws), and the body keeps its own indentation.
 */
export function frame(h: { readonly trace: Tracer }, name: string): Disposable {
  return h.trace.enter(name);
}
