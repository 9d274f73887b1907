/**
 * Whether a resource matches a parsed search: the part of FHIR search the index cannot
 * answer is checked here, per resource, with the semantics of R4 search.
 *
 * A clause matches when any of its values (OR) matches any value the parameter's
 * FHIRPath selects in the resource; a query matches when every clause does (AND).
 * `:missing=true` matches when the parameter selects nothing; `:not` when none of the
 * resource's values matches any search value (so also when there are none).
 *
 * @see https://hl7.org/fhir/R4/search.html#combining
 * @see https://hl7.org/fhir/R4/search.html#modifiers
 */
import type { TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { compareDateRanges, targetDateRange } from './date.ts';
import { unescapeValue } from './escape.ts';
import { numberMatches, quantityMatches } from './number.ts';
import { parseSearchValue } from './parse-value.ts';
import { referenceMatches } from './reference.ts';
import { stringMatches, uriMatches } from './string.ts';
import { tokenMatches, tokenTextMatches } from './token.ts';
import type { SearchClause, SearchQuery, SearchValue } from './types.ts';
import { paramValues } from './values.ts';

/**
 * Whether `resource` matches every clause of `query`. Chained clauses and `_has` are
 * resolved by the executor against other resources, so they are not checked here.
 */
export function matchesQuery(resource: Resource, query: SearchQuery): boolean {
  if (resource.resourceType !== query.resourceType) return false;
  return query.clauses.every((clause) => clause.chain !== undefined || matchesClause(resource, clause));
}

/** Whether `resource` matches one (unchained) clause. */
export function matchesClause(resource: Resource, clause: SearchClause): boolean {
  if (clause.chain) throw new Error(`The chained clause ${clause.code} must be resolved before matching`);
  const targets = paramValues(resource, clause.param);
  const values = clause.values.map((v) => withParsedParts(clause, v)).filter((v) => v !== undefined);
  if (clause.modifier === 'missing') return values.some((v) => (v.raw === 'true') === (targets.length === 0));
  if (clause.modifier === 'not') return !values.some((v) => targets.some((t) => tokenMatches(t, v)));
  return values.some((v) => targets.some((t) => valueMatches(clause, t, v)));
}

function valueMatches(clause: SearchClause, target: TypedValue, v: SearchValue): boolean {
  const { param, modifier } = clause;
  if (modifier === 'text') return tokenTextMatches(target, unescapeValue(v.raw));
  switch (param.type) {
    case 'token':
      return tokenMatches(target, v);
    case 'string':
      return stringMatches(target, unescapeValue(v.raw), modifier);
    case 'uri':
      return uriMatches(target, unescapeValue(v.raw), modifier);
    case 'reference':
      return referenceMatches(target, v, modifier);
    case 'date': {
      const range = targetDateRange(target);
      return range !== undefined && v.range !== undefined && compareDateRanges(v.prefix ?? 'eq', v.range, range);
    }
    case 'number':
      return numberMatches(target, v);
    case 'quantity':
      return quantityMatches(target, v);
    default:
      return false;
  }
}

/**
 * A value with its parsed parts. Values built by hand (`{ raw: 'Patient/1' }`, as the
 * executor does when it resolves a chain) are parsed here; one that does not parse
 * matches nothing.
 */
function withParsedParts(clause: SearchClause, v: SearchValue): SearchValue | undefined {
  const parsed =
    v.system !== undefined || v.code !== undefined || v.reference !== undefined || v.range !== undefined;
  const needsParts = !['missing', 'text'].includes(clause.modifier ?? '') && !['string', 'uri'].includes(clause.param.type);
  if (parsed || !needsParts) return v;
  try {
    return parseSearchValue(clause.param, clause.modifier, `${v.prefix ?? ''}${v.raw}`, clause.code);
  } catch {
    return undefined;
  }
}
