/**
 * A reproducible stream of order events: several states per order at increasing instants, written
 * with different UTC offsets, some published twice, all shuffled. Seeded, so a failure replays.
 */
import type { OrderPlaced, OrderStatus } from '@orders/contract';
import { seededRandom as random } from '../../scripts/seeded-random.ts';

export { random };

const LIFECYCLE: OrderStatus[] = ['PENDING', 'CONFIRMED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'REFUNDED'];
const OFFSETS_MINUTES = [0, 120, -300, 330, -570, 765, -60];

/** Writes an instant (ms since epoch) as RFC 3339 in the given offset, e.g. `…T10:00:00.123+02:00`. */
export function formatWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export interface StreamOptions {
  orders: number;
  eventsPerOrder: number;
  /** Fraction of events published a second time. */
  duplicateRate: number;
  seed: number;
  /** Prefix of order ids, so scenarios sharing a table do not collide. */
  prefix: string;
}

export function eventStream(options: StreamOptions): OrderPlaced[] {
  const rnd = random(options.seed);
  const base = Date.parse('2026-06-01T00:00:00Z');
  const events: OrderPlaced[] = [];
  for (let o = 0; o < options.orders; o++) {
    let t = base + Math.floor(rnd() * 86_400_000);
    for (let e = 0; e < options.eventsPerOrder; e++) {
      // Strictly increasing instants, at least 1 ms apart, sometimes close enough that the text of
      // an earlier event in a later offset sorts after a later one.
      t += 1 + Math.floor(rnd() * 3_600_000);
      events.push({
        orderId: `${options.prefix}-${o}`,
        userId: `usr-${o % 97}`,
        itemName: `Item ${o} – état ${e}`,
        quantity: 1 + Math.floor(rnd() * 1000),
        status: LIFECYCLE[Math.min(e, LIFECYCLE.length - 1)]!,
        timestamp: formatWithOffset(t, OFFSETS_MINUTES[Math.floor(rnd() * OFFSETS_MINUTES.length)]!),
      });
    }
  }
  const duplicates = events.filter(() => rnd() < options.duplicateRate).map((e) => ({ ...e }));
  const all = [...events, ...duplicates];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
}
