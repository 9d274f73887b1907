/**
 * Number and quantity search: the search value's precision implies a range (`100` is
 * [99.5, 100.5), `100.00` is [99.995, 100.005)), used by eq, ne, sa, eb; gt, lt, ge, le
 * compare with the exact value. Resource values are compared as the exact numbers they are.
 *
 * @see https://hl7.org/fhir/R4/search.html#number
 * @see https://hl7.org/fhir/R4/search.html#quantity
 */
import type { TypedValue } from '@medplum/core';
import type { Range } from './date.ts';
import type { Prefix, SearchValue } from './types.ts';

const NUMBER = /^[+-]?(\d+(?:\.(\d+))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/**
 * A decimal and the range its significant figures imply: half a unit of the last digit
 * either side, so `1e2` (one significant figure) is [50, 150).
 */
export function numberRange(text: string): { number: number; range: Range } | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const decimals = (m[2] ?? m[3] ?? '').length;
  const exponent = Number(m[4] ?? 0);
  const value = Number(text);
  const half = 0.5 * 10 ** (exponent - decimals);
  return { number: value, range: { low: value - half, high: value + half } };
}

/**
 * Whether a resource's number `t` satisfies the search value: eq/ne against the precision
 * range; gt/lt/ge/le against the exact value; sa/eb above/below the range; ap within 10%
 * of the value (the spec's recommended approximation) or within the range.
 */
export function compareNumber(prefix: Prefix, search: { number: number; range: Range }, t: number): boolean {
  const { number: v, range } = search;
  const inRange = range.low <= t && t < range.high;
  switch (prefix) {
    case 'eq':
      return inRange;
    case 'ne':
      return !inRange;
    case 'gt':
      return t > v;
    case 'lt':
      return t < v;
    case 'ge':
      return t >= v;
    case 'le':
      return t <= v;
    case 'sa':
      return t >= range.high;
    case 'eb':
      return t < range.low;
    case 'ap':
      return inRange || Math.abs(t - v) <= 0.1 * Math.abs(v);
  }
}

/** A number parameter on integer, decimal, positiveInt, unsignedInt values. */
export function numberMatches(target: TypedValue, value: SearchValue): boolean {
  return (
    typeof target.value === 'number' &&
    value.number !== undefined &&
    value.range !== undefined &&
    compareNumber(value.prefix ?? 'eq', { number: value.number, range: value.range }, target.value)
  );
}

interface QuantityLike {
  value?: number;
  system?: string;
  code?: string;
  unit?: string;
}

/**
 * A quantity parameter on Quantity (Age, Duration, Count, Distance, SimpleQuantity):
 * `number|system|code` needs that system and code; `number||code` the code or the
 * stated unit; `number` alone any unit. Units are not converted.
 */
export function quantityMatches(target: TypedValue, value: SearchValue): boolean {
  const q = target.value as QuantityLike | undefined;
  if (typeof q !== 'object' || q === null || typeof q.value !== 'number') return false;
  if (value.system && q.system !== value.system) return false;
  if (value.code !== undefined) {
    const sameCode = q.code === value.code || (!value.system && q.unit === value.code);
    if (!sameCode) return false;
  }
  return numberMatches({ type: 'decimal', value: q.value }, value);
}
