/**
 * The query string of the search as it was applied, for the Bundle's `self` link:
 * ignored parameters are left out, so the client sees what the result means.
 *
 * @see https://hl7.org/fhir/R4/search.html#selflink
 */
import { escapeCommas } from './escape.ts';
import type { IncludeTarget, SearchClause, SearchQuery } from './types.ts';

/** `name=value&…` (no leading `?`), URL-encoded, keeping `: , / |` readable. */
export function selfLinkQuery(query: SearchQuery): string {
  const pairs: [string, string][] = [];
  for (const clause of query.clauses) pairs.push(clausePair(clause));
  for (const has of query.has) {
    const [name, value] = clausePair(has.clause);
    pairs.push([`_has:${has.sourceType}:${has.referenceParam}:${name}`, value]);
  }
  if (query.sort.length > 0) {
    pairs.push(['_sort', query.sort.map((s) => `${s.descending ? '-' : ''}${s.code}`).join(',')]);
  }
  pairs.push(['_count', String(query.count)]);
  if (query.summary) pairs.push(['_summary', query.summary]);
  if (query.total) pairs.push(['_total', query.total]);
  if (query.elements && query.elements.length > 0) pairs.push(['_elements', query.elements.join(',')]);
  for (const include of query.include) pairs.push(includePair('_include', include));
  for (const include of query.revinclude) pairs.push(includePair('_revinclude', include));
  if (query.cursor) pairs.push(['_cursor', query.cursor]);
  return pairs.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&');
}

function clausePair(clause: SearchClause): [string, string] {
  const name = `${clause.code}${clause.modifier ? `:${clause.modifier}` : ''}`;
  if (clause.chain) {
    const [chained, value] = clausePair(clause.chain.clause);
    return [`${name}.${chained}`, value];
  }
  const values = clause.values.map((v) => `${v.prefix && v.prefix !== 'eq' ? v.prefix : ''}${escapeCommas(v.raw)}`);
  return [name, values.join(',')];
}

function includePair(name: string, target: IncludeTarget): [string, string] {
  const value = [target.sourceType, target.param, ...(target.targetType ? [target.targetType] : [])].join(':');
  return [target.iterate ? `${name}:iterate` : name, value];
}

function encode(text: string): string {
  return encodeURIComponent(text).replace(/%(3A|2C|2F|7C)/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
