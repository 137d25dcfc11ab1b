// Answers remembered for one generation of the index: KernelIndex bumps its generation whenever a
// refresh changed anything, and a memo asked under another generation forgets everything first. So
// no memo has to be told what changed, and none can outlive the tables it was computed from.

/** Values by key, for one generation. */
export class GenerationMemo<K, V> {
  private of = -1;
  private readonly values = new Map<K, V>();

  constructor(private readonly generation: () => number) {}

  get(key: K, compute: (key: K) => V): V {
    const now = this.generation();
    if (now !== this.of) {
      this.values.clear();
      this.of = now;
    }
    let v = this.values.get(key);
    if (v === undefined) {
      v = compute(key);
      this.values.set(key, v);
    }
    return v;
  }
}

/** One value, for one generation. */
export class GenerationValue<V> {
  private of = -1;
  private value: V | undefined;

  constructor(
    private readonly generation: () => number,
    private readonly compute: () => V,
  ) {}

  get(): V {
    const now = this.generation();
    if (now !== this.of || this.value === undefined) {
      this.value = this.compute();
      this.of = now;
    }
    return this.value;
  }
}
