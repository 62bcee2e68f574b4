/**
 * RFC 3339 `date-time` with a mandatory offset, checked character by character.
 *
 * Written for the hot path: the generated validators call {@link isRfc3339DateTime} for every
 * `format: date-time`, and the order store calls {@link toUtcInstant} once per record. A regular
 * expression plus `Date.parse` costs several times more and accepts dates RFC 3339 rejects.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface Parsed {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of a second as written, without the dot ("" when absent). */
  fraction: string;
  /** Offset east of UTC, in minutes. */
  offsetMinutes: number;
}

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

/** Parses `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`; `undefined` when it is not one. */
function parse(s: string): Parsed | undefined {
  if (typeof s !== 'string' || s.length < 20 || s.length > 40) return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  if (s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':') return undefined;
  const t = s[10];
  if (t !== 'T' && t !== 't') return undefined;
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > maxDay) return undefined;

  let i = 19;
  let fraction = '';
  if (s[i] === '.') {
    const start = ++i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    if (i === start || i - start > 9) return undefined;
    fraction = s.slice(start, i);
  }

  let offsetMinutes: number;
  const z = s[i];
  if ((z === 'Z' || z === 'z') && i + 1 === s.length) {
    offsetMinutes = 0;
  } else if ((z === '+' || z === '-') && i + 6 === s.length && s[i + 3] === ':') {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMinutes = (z === '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  // A leap second is only ever inserted as 23:59:60 UTC.
  if (second === 60) {
    const utcMinutes = (((hour * 60 + minute - offsetMinutes) % 1440) + 1440) % 1440;
    if (utcMinutes !== 23 * 60 + 59) return undefined;
  }
  return { year, month, day, hour, minute, second, fraction, offsetMinutes };
}

/** True when `s` is an RFC 3339 date-time with an offset (`Z` or `±hh:mm`) and a real calendar date. */
export function isRfc3339DateTime(s: string): boolean {
  return parse(s) !== undefined;
}

/**
 * The instant `s` names, as a fixed-width UTC string `YYYY-MM-DDThh:mm:ss.fffffffffZ`
 * (nanosecond precision). Two such strings compare (as text, and in DynamoDB) exactly as the
 * instants do, so `2026-01-01T10:00:00+02:00` sorts before `2026-01-01T09:00:00Z`.
 * A leap second (`23:59:60`) sorts between `23:59:59.999999999` and the next midnight.
 * Returns `undefined` when `s` is not an RFC 3339 date-time with an offset.
 */
export function toUtcInstant(s: string): string | undefined {
  const p = parse(s);
  if (!p) return undefined;
  const leap = p.second === 60;
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute - p.offsetMinutes, leap ? 59 : p.second, 0);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) return undefined;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const sec = leap ? 60 : d.getUTCSeconds();
  return (
    `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(sec)}.${p.fraction.padEnd(9, '0')}Z`
  );
}
