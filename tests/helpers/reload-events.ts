/**
 * Whether the order consumer (consumeOrderPlaced) has reloaded since `reloadsBefore` reloads and
 * is ready again: its own `ready` line after its last `changed: reloading` line. The last line of
 * all is not enough: another consumer's line (the README's consumers, in readme-steps' copy of the
 * project) may come after it while this one is still loading, and a batch published then runs on
 * the old code.
 */
const HANDLER = 'packages/orders/consumers/consumeOrderPlaced.ts';

/** `file`: the file whose change reloads it (the handler by default; its settings say more after `changed`). */
export function reloadedAndReady(events: readonly string[], reloadsBefore: number, file = HANDLER): boolean {
  const reloading = new RegExp(`consumeOrderPlaced: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} changed( \\(.*\\))?: reloading`);
  const reloads = events.flatMap((e, i) => (reloading.test(e) ? [i] : []));
  if (reloads.length <= reloadsBefore) return false;
  return events.slice(reloads.at(-1)! + 1).some((e) => e.includes('consumeOrderPlaced: ') && / ready \(/.test(e));
}
