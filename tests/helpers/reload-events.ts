/**
 * Whether the order consumer (consumeOrderPlaced) has reloaded since `reloadsBefore` reloads and
 * is ready again: its own `ready` line after its last `changed: reloading` line. The last line of
 * all is not enough: another consumer's line (the README's consumers, in readme-steps' copy of the
 * project) may come after it while this one is still loading, and a batch published then runs on
 * the old code.
 */
const RELOADING = /consumeOrderPlaced: packages\/orders\/consumers\/consumeOrderPlaced\.ts changed: reloading/;

export function reloadedAndReady(events: readonly string[], reloadsBefore: number): boolean {
  const reloads = events.flatMap((e, i) => (RELOADING.test(e) ? [i] : []));
  if (reloads.length <= reloadsBefore) return false;
  return events.slice(reloads.at(-1)! + 1).some((e) => e.includes('consumeOrderPlaced: ') && / ready \(/.test(e));
}
