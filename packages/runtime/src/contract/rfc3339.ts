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

/** The two decimal digits at `i` and `i + 1` as a number; -1 when either is no digit (or missing). */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  // Written so that NaN (past the end) fails too.
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
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
  // Character codes, not one-character strings: this runs for every timestamp of every record.
  const century = twoDigits(s, 0);
  const yearOfCentury = twoDigits(s, 2);
  const year = century < 0 || yearOfCentury < 0 ? -1 : century * 100 + yearOfCentury;
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 60) return false;
  if (s.charCodeAt(4) !== 0x2d /* - */ || s.charCodeAt(7) !== 0x2d || s.charCodeAt(13) !== 0x3a /* : */ || s.charCodeAt(16) !== 0x3a) return false;
  const t = s.charCodeAt(10);
  if (t !== 0x54 /* T */ && t !== 0x74 /* t */) return false;
  if (day > daysInMonth(year, month)) return false;

  let i = 19;
  let fracStart = 19;
  let fracEnd = 19;
  if (s.charCodeAt(i) === 0x2e /* . */) {
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
  const z = s.charCodeAt(i); // NaN past the end: matches nothing below
  if ((z === 0x5a /* Z */ || z === 0x7a /* z */) && i + 1 === s.length) {
    offsetMinutes = 0;
  } else if ((z === 0x2b /* + */ || z === 0x2d /* - */) && i + 6 === s.length && s.charCodeAt(i + 3) === 0x3a) {
    const oh = twoDigits(s, i + 1);
    const om = twoDigits(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offsetMinutes = (z === 0x2d ? -1 : 1) * (oh * 60 + om);
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
