/**
 * Dates as ranges: every date, dateTime, instant, Period and Timing is the interval its
 * precision implies (`2026-11` is all of November), and the prefixes compare intervals.
 *
 * Values without a time zone (dates, and search values without an offset) are read as UTC.
 * A range is half-open: `low` inclusive, `high` exclusive, in epoch milliseconds.
 *
 * @see https://hl7.org/fhir/R4/search.html#date
 * @see https://hl7.org/fhir/R4/search.html#prefix
 */
import type { TypedValue } from '@medplum/core';
import type { Prefix } from './types.ts';

export interface Range {
  low: number;
  high: number;
}

const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Epoch ms of a UTC wall time; unlike Date.UTC, years 0–99 stay themselves. */
function utc(year: number, month: number, day = 1, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

const daysIn = (year: number, month: number): number => new Date(utc(year, month + 1, 0)).getUTCDate();

/**
 * The range of a FHIR date, dateTime or instant (or a search value: the same forms, also
 * `hh:mm` without seconds), or undefined when `text` is not one.
 */
export function dateRange(text: string): Range | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  if (zone && zone !== 'Z') {
    const [oh, om] = zone.slice(1).split(':').map(Number) as [number, number];
    if (oh > 14 || om > 59) return undefined;
    offset = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const low = utc(year, month, day, hour, minute, second, ms) - offset;
  let high: number;
  if (mo === undefined) high = utc(year + 1, 1);
  else if (d === undefined) high = utc(year, month + 1);
  else if (h === undefined) high = utc(year, month, day + 1);
  else if (s === undefined) high = low + 60_000;
  else if (fraction === undefined) high = low + 1000;
  else high = low + Math.max(1, 10 ** (3 - fraction.length));
  return { low, high };
}

/**
 * The range of a resource's date value: date, dateTime, instant; a Period (a missing
 * start or end is open); a Timing (its outer limits: events and `repeat.boundsPeriod`).
 */
export function targetDateRange(value: TypedValue): Range | undefined {
  const v = value.value as unknown;
  if (typeof v === 'string') return ['date', 'dateTime', 'instant'].includes(value.type) ? dateRange(v) : undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if (value.type === 'Period') return periodRange(v as { start?: string; end?: string });
  if (value.type === 'Timing') {
    const timing = v as { event?: string[]; repeat?: { boundsPeriod?: { start?: string; end?: string } } };
    const ranges = (timing.event ?? []).map(dateRange);
    if (timing.repeat?.boundsPeriod) ranges.push(periodRange(timing.repeat.boundsPeriod));
    const known = ranges.filter((r): r is Range => r !== undefined);
    if (known.length === 0) return undefined;
    return { low: Math.min(...known.map((r) => r.low)), high: Math.max(...known.map((r) => r.high)) };
  }
  return undefined;
}

function periodRange(period: { start?: string; end?: string }): Range | undefined {
  if (period.start === undefined && period.end === undefined) return undefined;
  const start = period.start === undefined ? { low: -Infinity } : dateRange(period.start);
  const end = period.end === undefined ? { high: Infinity } : dateRange(period.end);
  return start && end ? { low: start.low, high: end.high } : undefined;
}

/**
 * Whether a target range satisfies `prefix` against the search range, per the table in
 * R4 3.1.1.4.1 (prefixes), with `s` the search range and `t` the target range:
 * eq: s contains t · ne: not eq · gt: t reaches above s · lt: t reaches below s ·
 * ge: gt or eq · le: lt or eq · sa: t starts at or after the end of s ·
 * eb: t ends at or before the start of s · ap: t overlaps s widened on both sides by
 * 10% of the gap between now and s (the spec's recommended approximation for dates).
 */
export function compareDateRanges(prefix: Prefix, s: Range, t: Range, now = Date.now()): boolean {
  const contains = s.low <= t.low && t.high <= s.high;
  switch (prefix) {
    case 'eq':
      return contains;
    case 'ne':
      return !contains;
    case 'gt':
      return t.high > s.high;
    case 'lt':
      return t.low < s.low;
    case 'ge':
      return t.high > s.high || contains;
    case 'le':
      return t.low < s.low || contains;
    case 'sa':
      return t.low >= s.high;
    case 'eb':
      return t.high <= s.low;
    case 'ap': {
      const slack = 0.1 * Math.max(Math.abs(now - s.low), Math.abs(now - s.high));
      return t.low < s.high + slack && t.high > s.low - slack;
    }
  }
}
