/**
 * String and uri search.
 *
 * String: by default a value matches when it starts with the search text, ignoring case
 * and accents (`Åström` matches `astr`); `:contains` anywhere in the value; `:exact` the
 * whole value, case and accents included. HumanName and Address match on each of their
 * string parts. Uri: exact, `:below` (the value starts with the search uri) and `:above`
 * (the search uri starts with the value).
 *
 * @see https://hl7.org/fhir/R4/search.html#string
 * @see https://hl7.org/fhir/R4/search.html#uri
 */
import type { TypedValue } from '@medplum/core';
import { normalizeString } from './values.ts';

const NAME_AND_ADDRESS_PARTS = [
  'text',
  'family',
  'given',
  'prefix',
  'suffix',
  'line',
  'city',
  'district',
  'state',
  'postalCode',
  'country',
] as const;

/** The strings a string parameter looks at: the value itself, or the parts of a HumanName or Address. */
export function stringParts(target: TypedValue): string[] {
  const value = target.value as unknown;
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || !['HumanName', 'Address'].includes(target.type)) return [];
  const o = value as Record<string, unknown>;
  return NAME_AND_ADDRESS_PARTS.flatMap((k) => (Array.isArray(o[k]) ? (o[k] as unknown[]) : [o[k]])).filter(
    (s): s is string => typeof s === 'string',
  );
}

export function stringMatches(target: TypedValue, text: string, modifier: string | undefined): boolean {
  const parts = stringParts(target);
  if (modifier === 'exact') return parts.includes(text);
  const needle = normalizeString(text);
  if (modifier === 'contains') return parts.some((p) => normalizeString(p).includes(needle));
  return parts.some((p) => normalizeString(p).startsWith(needle));
}

export function uriMatches(target: TypedValue, uri: string, modifier: string | undefined): boolean {
  if (typeof target.value !== 'string') return false;
  if (modifier === 'below') return target.value.startsWith(uri);
  if (modifier === 'above') return uri.startsWith(target.value);
  return target.value === uri;
}
