/**
 * The few statistics the benchmark reports. Every figure is a median over rounds in which the
 * variants were run alternately, so that load from other processes on the machine hits all of
 * them alike; ratios are taken within a round and then summarised, never across rounds.
 */

/** Median of `values` (mean of the two middle values for an even count). Throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Smallest and largest of `values`, to show the spread beside a median. */
export function range(values: readonly number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/**
 * The order in which to run `items` in round `round`: rotated by one each round, so that no
 * variant is always first (cold caches) or always right after the most expensive one.
 */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Runs `rounds` rounds of every variant in rotated order and returns the samples by variant.
 *
 * @example
 * const samples = await alternate(['a', 'b'], 7, async (name) => timeIt(name));
 * median(samples.get('a')!);
 */
export async function alternate<K>(variants: readonly K[], rounds: number, run: (variant: K, round: number) => Promise<number> | number): Promise<Map<K, number[]>> {
  const samples = new Map<K, number[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of rotated(variants, round)) samples.get(variant)!.push(await run(variant, round));
  }
  return samples;
}

/** Per-round ratios `a[i] / b[i]` (both lists come from the same rounds). */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new RangeError('ratio of samples from different rounds');
  return a.map((x, i) => x / b[i]!);
}
