/** Small timing helpers shared by the benchmarks. Wall-clock numbers are reported, never asserted. */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/**
 * Operations per second of `op`: after a warm-up, the median of 7 rounds of about `roundMs` each,
 * so a pause from the GC or a neighbour on the machine does not decide the figure.
 */
export function opsPerSecond(op: () => void, roundMs = 300, warmUpMs = 500): number {
  const run = (budget: number) => {
    let count = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(budget) * 1_000_000n;
    let now = start;
    while (now < end) {
      for (let i = 0; i < 100; i++) op();
      count += 100;
      now = process.hrtime.bigint();
    }
    return (count * 1e9) / Number(now - start);
  };
  run(warmUpMs);
  return median(Array.from({ length: 7 }, () => run(roundMs)));
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
