/**
 * RFC 3339 `date-time` with a mandatory offset, checked character by character.
 *
 * Written for the hot path: the generated validators call {@link isRfc3339DateTime} for every
 * `format: date-time`, and a consumer that stores the instant calls {@link toUtcInstant} once per record. A regular
 * expression plus `Date.parse` costs several times more and accepts dates RFC 3339 rejects.
 *
 * One rule for both functions: a string is accepted exactly when it converts. Besides the syntax
 * and a real calendar date, that means the instant (not the local date) falls in the UTC years
 * 0001–9999: the range a four-digit UTC instant can spell, so that the text order of
 * {@link toUtcInstant} stays the order of the instants. `9999-12-31T23:59:59-01:00` (10000 UTC)
 * and `0001-01-01T00:30:00+01:00` (0000 UTC) are therefore rejected. Were they accepted, a
 * contract-valid event could not be ordered, and would fail forever instead of being rejected.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MIN_UTC_YEAR = 1;
const MAX_UTC_YEAR = 9999;
const MINUTES_PER_DAY = 1440;

// The UTC fields of the last string `parse` accepted. Module state rather than a result object:
// the validator calls `parse` for every timestamp and needs only the yes/no, so it allocates
// nothing; `toUtcInstant` reads them right after its own call (synchronous, so never stale).
let utcYear = 0;
let utcMonth = 0;
let utcDay = 0;
let utcMinuteOfDay = 0;
let utcSecond = 0;
let fractionStart = 0;
let fractionEnd = 0;

function digits(s: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * Checks `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)` and, when it is one whose instant lies in the
 * UTC years 0001–9999, stores the UTC fields in the module state above and returns true.
 */
function parse(s: string): boolean {
  if (typeof s !== 'string' || s.length < 20 || s.length > 40) return false;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 60) return false;
  if (s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':') return false;
  const t = s[10];
  if (t !== 'T' && t !== 't') return false;
  if (day > daysInMonth(year, month)) return false;

  let i = 19;
  let fracStart = 19;
  let fracEnd = 19;
  if (s[i] === '.') {
    fracStart = ++i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    if (i === fracStart || i - fracStart > 9) return false;
    fracEnd = i;
  }

  let offsetMinutes: number;
  const z = s[i];
  if ((z === 'Z' || z === 'z') && i + 1 === s.length) {
    offsetMinutes = 0;
  } else if ((z === '+' || z === '-') && i + 6 === s.length && s[i + 3] === ':') {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offsetMinutes = (z === '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return false;
  }

  // Offsets stay within ±23:59, so the UTC date is the local date or one day either side.
  let minutes = hour * 60 + minute - offsetMinutes;
  let y = year;
  let m = month;
  let d = day;
  if (minutes < 0) {
    minutes += MINUTES_PER_DAY;
    if (--d === 0) {
      if (--m === 0) {
        m = 12;
        y--;
      }
      d = daysInMonth(y, m);
    }
  } else if (minutes >= MINUTES_PER_DAY) {
    minutes -= MINUTES_PER_DAY;
    if (++d > daysInMonth(y, m)) {
      d = 1;
      if (++m === 13) {
        m = 1;
        y++;
      }
    }
  }
  if (y < MIN_UTC_YEAR || y > MAX_UTC_YEAR) return false;
  // A leap second is only ever inserted as 23:59:60 UTC.
  if (second === 60 && minutes !== 23 * 60 + 59) return false;

  utcYear = y;
  utcMonth = m;
  utcDay = d;
  utcMinuteOfDay = minutes;
  utcSecond = second;
  fractionStart = fracStart;
  fractionEnd = fracEnd;
  return true;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * True when `s` is an RFC 3339 date-time with an offset (`Z` or `±hh:mm`), on a real calendar
 * date, naming an instant in the UTC years 0001–9999. Exactly the strings {@link toUtcInstant}
 * converts.
 *
 * @example
 * ```ts
 * import { isRfc3339DateTime } from '@sluice/runtime/contract';
 *
 * isRfc3339DateTime('2026-01-01T09:00:00Z'); // true
 * isRfc3339DateTime('2026-02-30T09:00:00Z'); // false: no such date
 * isRfc3339DateTime('2026-01-01T09:00:00'); // false: no offset
 * ```
 */
export function isRfc3339DateTime(s: string): boolean {
  return parse(s);
}

/**
 * The instant `s` names, as a fixed-width UTC string `YYYY-MM-DDThh:mm:ss.fffffffffZ`
 * (nanosecond precision). Two such strings compare (as text, and in DynamoDB) exactly as the
 * instants do, so `2026-01-01T10:00:00+02:00` sorts before `2026-01-01T09:00:00Z`.
 * A leap second (`23:59:60`) sorts between `23:59:59.999999999` and the next midnight.
 * Returns `undefined` exactly when {@link isRfc3339DateTime} is false, including for instants
 * outside the UTC years 0001–9999.
 *
 * @example
 * ```ts
 * import { toUtcInstant } from '@sluice/runtime/contract';
 *
 * toUtcInstant('2026-01-01T10:00:00+02:00'); // '2026-01-01T08:00:00.000000000Z'
 * toUtcInstant('not a date'); // undefined
 * ```
 */
export function toUtcInstant(s: string): string | undefined {
  if (!parse(s)) return undefined;
  const hour = (utcMinuteOfDay / 60) | 0;
  return (
    `${String(utcYear).padStart(4, '0')}-${pad2(utcMonth)}-${pad2(utcDay)}T` +
    `${pad2(hour)}:${pad2(utcMinuteOfDay % 60)}:${pad2(utcSecond)}.${s.slice(fractionStart, fractionEnd).padEnd(9, '0')}Z`
  );
}
