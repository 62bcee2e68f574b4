/**
 * Property tests of the contract's timestamps: the validator (`isRfc3339DateTime`, and through it
 * the generated `date-time` check) and the converter the order store orders events by
 * (`toUtcInstant`) must agree on every string, and conversion must preserve the order of instants.
 * An accepted timestamp that does not convert is an event that fails forever (retried, then
 * dead-lettered, then offered for redrive as valid): the loop this file exists to prevent.
 *
 * The oracles below use `Date` for the calendar, independently of the parser's own arithmetic.
 * Seeds are fixed so that a run is reproducible; a failure prints its counterexample and seed.
 *
 * The validator and the converter are the runtime's (@sluice/runtime/contract, which every
 * generated contract package re-exports); the generated validator is the single-consumer
 * fixture's (tests/fixtures/single-consumer: OrderPlaced v1, `timestamp` a `date-time`), not the
 * order application's.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isRfc3339DateTime, toUtcInstant } from '@sluice/runtime/contract';
import { fixtureOrder, fixtureProject } from '../../../tests/helpers/fixture-project.ts';

const fixture = await fixtureProject('single-consumer');
afterAll(() => fixture.dispose());
const { messages } = await fixture.contract();
const OrderPlaced = messages.OrderPlaced!;
const anOrder = (): Record<string, unknown> => fixtureOrder('ord-1');

const SEED = 20_260_101;
const check = <T>(property: fc.IProperty<T>, numRuns: number) => fc.assert(property, { numRuns, seed: SEED });

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Milliseconds since the epoch of a UTC wall time; fields may overflow (Date normalises them). */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as written.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

const DAY = 86_400;
const FIRST_SECOND = utcMs(1, 1, 1) / 1000; // 0001-01-01T00:00:00Z
const LAST_SECOND = utcMs(9999, 12, 31, 23, 59, 59) / 1000; // 9999-12-31T23:59:59Z
const SECOND_2026 = utcMs(2026, 1, 1) / 1000;

const FIXED_WIDTH_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:(\d\d)\.\d{9}Z$/;

// ---------------------------------------------------------------------------------------------
// Near-valid timestamps, built from parts, with a spec oracle
// ---------------------------------------------------------------------------------------------

interface Offset {
  text: string;
  /** Minutes east of UTC; undefined when the text is not a valid RFC 3339 offset. */
  minutes: number | undefined;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  separator: string;
  hour: number;
  minute: number;
  second: number;
  /** Digits after the dot; undefined for no dot at all. */
  fraction: string | undefined;
  offset: Offset;
}

const digitString = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

const arbOffset: fc.Arbitrary<Offset> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<Offset>({ text: 'Z', minutes: 0 }, { text: 'z', minutes: 0 }) },
  {
    weight: 4,
    arbitrary: fc
      .record({ sign: fc.constantFrom(1, -1), hours: fc.integer({ min: 0, max: 25 }), minutes: fc.integer({ min: 0, max: 60 }) })
      .map(({ sign, hours, minutes }) => ({
        text: `${sign > 0 ? '+' : '-'}${pad(hours)}:${pad(minutes)}`,
        minutes: hours <= 23 && minutes <= 59 ? sign * (hours * 60 + minutes) : undefined,
      })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Offset>(
      { text: '+23:59', minutes: 1439 },
      { text: '-23:59', minutes: -1439 },
      { text: '+00:00', minutes: 0 },
      { text: '-00:00', minutes: 0 },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(...['', '+0100', '+01', '+1:00', 'UTC', ' Z', 'Z ', '+01:00:00', '+24:00', '-00:60'].map((text): Offset => ({ text, minutes: undefined }))) },
);

const arbParts: fc.Arbitrary<Parts> = fc
  .record({
    year: fc.oneof(fc.constantFrom(0, 1, 2, 1970, 2000, 2026, 9998, 9999), fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 10_000, max: 10_099 })),
    month: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, 12, 13) }),
    day: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 28 }) }, { weight: 2, arbitrary: fc.constantFrom(1, 29, 30, 31) }, { weight: 1, arbitrary: fc.constantFrom(0, 32) }),
    separator: fc.oneof({ weight: 8, arbitrary: fc.constant('T') }, { weight: 2, arbitrary: fc.constant('t') }, { weight: 1, arbitrary: fc.constantFrom(' ', 'x', '') }),
    hour: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 23 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 23, 24) }),
    minute: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 59, 60) }),
    second: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 59, 60, 61) }),
    fraction: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: digitString(1, 9) }, { weight: 1, arbitrary: digitString(0, 12) }),
    offset: arbOffset,
    // Leap seconds are valid only at 23:59 UTC: often move the local time there, so they get tested.
    onLeapMinute: fc.boolean(),
  })
  .map(({ onLeapMinute, ...p }) => {
    if (!onLeapMinute || p.offset.minutes === undefined) return p;
    const local = (((23 * 60 + 59 + p.offset.minutes) % 1440) + 1440) % 1440;
    return { ...p, hour: Math.floor(local / 60), minute: local % 60, second: p.second % 2 === 0 ? 60 : p.second };
  });

function render(p: Parts): string {
  const fraction = p.fraction === undefined ? '' : `.${p.fraction}`;
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}${p.separator}${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${fraction}${p.offset.text}`;
}

/**
 * The spec, written independently of the parser: the instant `p` names as a fixed-width UTC string,
 * or undefined when RFC 3339 (with offset) rejects it or its UTC year is outside 0001–9999.
 */
function expectedInstant(p: Parts): string | undefined {
  if (p.year > 9999 || p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysInMonth(p.year, p.month)) return undefined;
  if (p.separator !== 'T' && p.separator !== 't') return undefined;
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return undefined;
  if (p.fraction !== undefined && (p.fraction.length < 1 || p.fraction.length > 9)) return undefined;
  if (p.offset.minutes === undefined) return undefined;
  const leap = p.second === 60;
  const utc = new Date(utcMs(p.year, p.month, p.day, p.hour, p.minute - p.offset.minutes, leap ? 59 : p.second));
  const year = utc.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  if (leap && (utc.getUTCHours() !== 23 || utc.getUTCMinutes() !== 59)) return undefined;
  return (
    `${pad(year, 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:` +
    `${leap ? '60' : pad(utc.getUTCSeconds())}.${(p.fraction ?? '').padEnd(9, '0')}Z`
  );
}

/** One-character edits of a near-valid timestamp: the strings a parser most easily gets wrong. */
const arbMutated: fc.Arbitrary<string> = fc
  .tuple(arbParts.map(render), fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom(...'0123456789-:.+Zz Tt'))
  .map(([s, at, edit, c]) => {
    const i = at % (s.length + 1);
    if (edit === 'insert') return s.slice(0, i) + c + s.slice(i);
    if (edit === 'delete') return s.slice(0, i) + s.slice(i + 1);
    return s.slice(0, i) + c + s.slice(i + 1);
  });

const arbAnyString = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 45 }), fc.string({ unit: fc.constantFrom(...'0123456789-:.+Zz T'), minLength: 18, maxLength: 40 }));

/** Validator and converter agree: accepted exactly when converted. */
function agree(s: string): void {
  const instant = toUtcInstant(s);
  expect(isRfc3339DateTime(s), s).toBe(instant !== undefined);
  if (instant !== undefined) {
    expect(instant, s).toMatch(FIXED_WIDTH_INSTANT);
    const year = Number(instant.slice(0, 4));
    expect(year >= 1 && year <= 9999, s).toBe(true);
  }
}

describe('isRfc3339DateTime and toUtcInstant agree on every string', () => {
  it('for arbitrary strings', () => {
    check(fc.property(arbAnyString, (s) => agree(s)), 3000);
  });

  it('for near-valid timestamps (years 0000-10099, invalid months and days, hour 24, second 60-61, 0-12 fraction digits, offsets up to ±25:60)', () => {
    check(fc.property(arbParts.map(render), (s) => agree(s)), 3000);
  });

  it('for one-character edits of near-valid timestamps', () => {
    check(fc.property(arbMutated, (s) => agree(s)), 3000);
  });

  it('and both follow the spec oracle: acceptance and the exact UTC instant', () => {
    check(
      fc.property(arbParts, (p) => {
        const s = render(p);
        const expected = expectedInstant(p);
        expect(toUtcInstant(s), s).toBe(expected);
        expect(isRfc3339DateTime(s), s).toBe(expected !== undefined);
      }),
      4000,
    );
  });
});

describe('the generated validator (messages.OrderPlaced.validate) agrees with isRfc3339DateTime', () => {
  const validates = (timestamp: string) => OrderPlaced.validate({ ...anOrder(), timestamp });

  it('on the timestamp field, for arbitrary, near-valid and edited strings', () => {
    check(
      fc.property(fc.oneof(arbAnyString, arbParts.map(render), arbMutated), (s) => {
        expect(validates(s), s).toBe(isRfc3339DateTime(s));
      }),
      3000,
    );
  });

  it('reports a rejected timestamp as a format issue of the timestamp field, naming the accepted years', () => {
    check(
      fc.property(
        arbParts.map(render).filter((s) => !isRfc3339DateTime(s) && s.length <= 40),
        (s) => {
          const result = OrderPlaced.check({ ...anOrder(), timestamp: s });
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(result.issues.map((i) => `${i.path}: ${i.keyword}`)).toEqual(['timestamp: format']);
          expect(result.issues[0]!.message).toContain('UTC years 0001 to 9999');
        },
      ),
      500,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Valid timestamps built from instants: order preservation
// ---------------------------------------------------------------------------------------------

interface Instant {
  /** Whole UTC seconds since the epoch; for a leap second, those of the 23:59:59 it follows. */
  second: number;
  leap: boolean;
  fraction: string | undefined;
}

/** Seconds anywhere in [min, max], and often near its edges (where offsets carry across years). */
const arbSecond = (min: number, max: number) =>
  fc.oneof(fc.integer({ min, max }), fc.integer({ min, max: min + 3 * DAY }), fc.integer({ min: max - 3 * DAY, max }));

const toInstant = ({ second, leap, fraction }: { second: number; leap: boolean; fraction: string | undefined }): Instant => ({
  second: leap ? Math.floor(second / DAY) * DAY + DAY - 1 : second,
  leap,
  fraction,
});

const arbInstantIn = (min: number, max: number): fc.Arbitrary<Instant> =>
  fc
    .record({
      second: arbSecond(min, max),
      leap: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      fraction: fc.option(digitString(1, 9), { nil: undefined }),
    })
    .map(toInstant);

/** Valid instants: anywhere in 0001-9999, near its edges, and close together around 2026. */
const arbInstant = fc.oneof({ weight: 3, arbitrary: arbInstantIn(FIRST_SECOND, LAST_SECOND) }, { weight: 1, arbitrary: arbInstantIn(SECOND_2026, SECOND_2026 + 4 * DAY) });

/** An offset in minutes, with a style for zero (`Z`, `z`, `+00:00` or `-00:00`). */
const arbOffsetMinutes = fc.tuple(fc.oneof(fc.integer({ min: -1439, max: 1439 }), fc.constantFrom(-1439, -60, 0, 60, 1439)), fc.constantFrom('Z', 'z', '+00:00', '-00:00'));

/** `instant` written in local time at `offsetMinutes`; undefined when the local year has five digits. */
function writeAt(instant: Instant, [offsetMinutes, zero]: [number, string]): string | undefined {
  const local = new Date((instant.second + offsetMinutes * 60) * 1000);
  if (local.getUTCFullYear() > 9999) return undefined;
  const offset = offsetMinutes === 0 ? zero : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  const fraction = instant.fraction === undefined ? '' : `.${instant.fraction}`;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${instant.leap ? '60' : pad(local.getUTCSeconds())}${fraction}${offset}`
  );
}

/** The order oracle: a leap second sorts after every 23:59:59.x and before the next midnight. */
function instantKey(instant: Instant): bigint {
  return (BigInt(instant.second) * 2n + (instant.leap ? 1n : 0n)) * 1_000_000_000n + BigInt((instant.fraction ?? '').padEnd(9, '0'));
}

const sign = (n: number | bigint) => (n > 0 ? 1 : n < 0 ? -1 : 0);

describe('toUtcInstant preserves the order of instants', () => {
  /** Two written timestamps and the instants they name. */
  const arbPair = fc
    .oneof(
      // Independent instants and offsets.
      fc.tuple(arbInstant, arbOffsetMinutes, arbInstant, arbOffsetMinutes),
      // The same instant written in two offsets: must convert to the same string.
      fc.tuple(arbInstant, arbOffsetMinutes, arbOffsetMinutes).map(([i, a, b]) => [i, a, i, b] as const),
      // Instants seconds apart, fractions deciding within a second, leap seconds beside midnight.
      fc
        .tuple(arbInstant, fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.option(digitString(1, 9), { nil: undefined }), arbOffsetMinutes, arbOffsetMinutes)
        .filter(([i, delta]) => i.second + delta >= FIRST_SECOND && i.second + delta <= LAST_SECOND)
        .map(([i, delta, leap, fraction, a, b]) => [i, a, toInstant({ second: i.second + delta, leap, fraction }), b] as const),
    )
    .map(([a, offsetA, b, offsetB]) => ({ a, b, textA: writeAt(a, offsetA), textB: writeAt(b, offsetB) }))
    .filter((x): x is { a: Instant; b: Instant; textA: string; textB: string } => x.textA !== undefined && x.textB !== undefined);

  it('comparing two conversions as text orders them as the instants (equal instants in different offsets included)', () => {
    let equal = 0;
    check(
      fc.property(arbPair, ({ a, b, textA, textB }) => {
        const ia = toUtcInstant(textA);
        const ib = toUtcInstant(textB);
        expect(ia, textA).toBeDefined();
        expect(ib, textB).toBeDefined();
        const textOrder = ia! < ib! ? -1 : ia! > ib! ? 1 : 0;
        expect(textOrder, `${textA} vs ${textB}`).toBe(sign(instantKey(a) - instantKey(b)));
        if (textOrder === 0) equal++;
      }),
      4000,
    );
    // The same-instant branch really ran: equal instants were compared.
    expect(equal).toBeGreaterThan(100);
  });
});

describe('accepted instants lie in the UTC years 0001-9999', () => {
  it('every instant in range is accepted, whatever offset writes it', () => {
    check(
      fc.property(arbInstant, arbOffsetMinutes, (instant, offset) => {
        const text = writeAt(instant, offset);
        fc.pre(text !== undefined);
        expect(isRfc3339DateTime(text!), text).toBe(true);
      }),
      2000,
    );
  });

  it('every instant in UTC year 0000 or 10000 is rejected by the validator, the converter and the generated validator, even when its local date is inside', () => {
    const YEAR_0_START = utcMs(0, 1, 1) / 1000;
    const YEAR_10000_END = utcMs(10_000, 12, 31, 23, 59, 59) / 1000;
    const arbOutside = fc.oneof(arbInstantIn(YEAR_0_START, FIRST_SECOND - 1), arbInstantIn(LAST_SECOND + 1, YEAR_10000_END));
    let localInside = 0;
    check(
      fc.property(arbOutside, arbOffsetMinutes, (instant, offset) => {
        const text = writeAt(instant, offset);
        fc.pre(text !== undefined);
        expect(isRfc3339DateTime(text!), text).toBe(false);
        expect(toUtcInstant(text!), text).toBeUndefined();
        expect(OrderPlaced.validate({ ...anOrder(), timestamp: text! }), text).toBe(false);
        const localYear = Number(text!.slice(0, 4));
        if (localYear >= 1 && localYear <= 9999) localInside++;
      }),
      2000,
    );
    expect(localInside).toBeGreaterThan(10);
  });

  it.each([
    ['9999-12-31T23:59:59-01:00', 'UTC 10000-01-01 (from the issue)'],
    ['0000-01-01T00:00:00+00:01', 'UTC year -1 (from the issue)'],
    ['0001-01-01T00:30:00+01:00', 'UTC 0000-12-31, local date inside the range'],
    ['0000-06-15T12:00:00Z', 'UTC year 0000'],
    ['9999-12-31T23:00:00.5-23:59', 'UTC 10000-01-01, extreme offset'],
    ['0001-01-01T00:59:60+01:00', 'the leap second at UTC 0000-12-31T23:59:60'],
  ])('rejects %s (%s)', (timestamp) => {
    expect(isRfc3339DateTime(timestamp)).toBe(false);
    expect(toUtcInstant(timestamp)).toBeUndefined();
    const result = OrderPlaced.check({ ...anOrder(), timestamp });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([{ path: 'timestamp', keyword: 'format', message: expect.stringContaining('UTC years 0001 to 9999') }]);
  });

  it.each([
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000000Z'],
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999999999Z'],
    ['0000-12-31T23:00:00-01:00', '0001-01-01T00:00:00.000000000Z'],
    ['9999-12-31T23:59:59.999999999+23:59', '9999-12-31T00:00:59.999999999Z'],
    ['9999-12-31T23:59:60Z', '9999-12-31T23:59:60.000000000Z'],
  ])('accepts the edge %s as %s', (timestamp, instant) => {
    expect(toUtcInstant(timestamp)).toBe(instant);
    expect(isRfc3339DateTime(timestamp)).toBe(true);
    expect(OrderPlaced.validate({ ...anOrder(), timestamp })).toBe(true);
  });
});
