/** "Did you mean": the nearest known name to a mistyped one, by edit distance. */

/**
 * The candidate nearest to `word` (edit distance ≤ 2), for "did you mean".
 *
 * @example
 * ```ts
 * import { closest } from '@sluice/cli';
 *
 * closest('visibilityTimout', ['visibilityTimeout', 'deliveryDelay']); // 'visibilityTimeout'
 * ```
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/**
 * Levenshtein distance: the fewest single-character insertions, deletions and substitutions that
 * turn `a` into `b`. For "did you mean" checks of one's own (a header name, a queue).
 *
 * @example
 * ```ts
 * import { editDistance } from '@sluice/cli';
 *
 * editDistance('tenantId', 'tenantID'); // 1
 * editDistance('region', 'regoin'); // 2
 * ```
 */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
