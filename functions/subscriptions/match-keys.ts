/**
 * Match keys: how active subscriptions are indexed so that a change is tested only
 * against the subscriptions that could match it, not against all of them.
 *
 * A subscription is filed under the values of its most selective criterion: the first of
 * its type's {@link KEY_PARAMS} that its filter names with one or more plain values
 * (e.g. `owner=Organization/123` files it under `owner=Organization/123`; a clause with
 * two values files it under both). A subscription with none of them (only `status=...`,
 * or no filter at all) is filed under the type's wildcard key `*`.
 *
 * A changed resource looks up the keys of its own values for the parameters that active
 * subscriptions of its type are filed under (read once per batch), plus `*` when some
 * subscription is filed there; every subscription found is then checked in full with
 * `matchesQuery`. So the cost of matching a change grows with the subscriptions that
 * share one of its values, not with the number of subscriptions.
 *
 * Keys are normalised as the search index does (`search-index.ts`): references as
 * `Type/id`, tokens by code alone (the full check compares systems).
 */
import type { Resource } from '@medplum/fhirtypes';
import { searchParamFor } from '../core/search/parameters.ts';
import type { SearchClause, SearchQuery } from '../core/search/types.ts';
import { paramValues } from '../core/search/values.ts';
import { referenceKey, tokenCodes } from '../store/search-index.ts';

export const WILDCARD_KEY = '*';

/** Per type, the parameters a subscription may be filed under, most selective first. */
export const KEY_PARAMS: Readonly<Record<string, readonly string[]>> = {
  Task: ['_id', 'owner', 'patient', 'focus', 'based-on', 'requester', 'identifier', 'code'],
  ServiceRequest: ['_id', 'performer', 'patient', 'subject', 'based-on', 'requester', 'identifier', 'code'],
  CarePlan: ['_id', 'patient', 'subject', 'care-team', 'based-on', 'identifier'],
  Observation: ['_id', 'patient', 'subject', 'based-on', 'performer', 'identifier', 'code'],
  CareTeam: ['_id', 'patient', 'subject', 'participant'],
  Patient: ['_id', 'identifier'],
  Organization: ['_id', 'identifier', 'partof'],
  Practitioner: ['_id', 'identifier'],
  PractitionerRole: ['_id', 'practitioner', 'organization', 'identifier'],
};

const DEFAULT_KEY_PARAMS = ['_id'];
/** More values than this in the chosen clause: file under `*` instead. */
const MAX_KEYS_PER_SUBSCRIPTION = 20;

export function keyParamsFor(type: string): readonly string[] {
  return KEY_PARAMS[type] ?? DEFAULT_KEY_PARAMS;
}

/** The keys a subscription with this parsed filter is filed under. */
export function subscriptionKeys(query: SearchQuery): string[] {
  for (const code of keyParamsFor(query.resourceType)) {
    for (const clause of query.clauses.filter((c) => c.code === code)) {
      const keys = clauseKeys(clause);
      if (keys && keys.length <= MAX_KEYS_PER_SUBSCRIPTION) return [...new Set(keys)];
    }
  }
  return [WILDCARD_KEY];
}

/** Keys of a clause whose every value is plain; undefined when one is not keyable. */
function clauseKeys(clause: SearchClause): string[] | undefined {
  if (clause.chain) return undefined;
  const { param, modifier } = clause;
  const typeModifier = param.type === 'reference' && modifier !== undefined && param.target?.includes(modifier);
  if (modifier !== undefined && !typeModifier) return undefined;
  const keys: string[] = [];
  for (const value of clause.values) {
    if (value.prefix !== undefined && value.prefix !== 'eq') return undefined;
    if (clause.code === '_id' || param.type === 'token') {
      const code = clause.code === '_id' ? value.raw : value.code;
      if (!code) return undefined;
      keys.push(`${clause.code}=${code}`);
    } else if (param.type === 'reference') {
      const ref = value.reference;
      const type = ref?.type ?? (typeModifier ? modifier : param.target?.length === 1 ? param.target[0] : undefined);
      if (!ref?.id || !type || ref.version !== undefined) return undefined;
      keys.push(`${clause.code}=${type}/${ref.id}`);
    } else {
      return undefined;
    }
  }
  return keys.length > 0 ? keys : undefined;
}

/**
 * The keys a changed resource looks up: its values of the key parameters, and `*`.
 * With `inUse` (the parameters active subscriptions are filed under, `*` included), only
 * those: no FHIRPath is evaluated for a parameter no subscription uses.
 */
export function resourceKeys(resource: Resource, inUse?: ReadonlySet<string>): string[] {
  const wanted = (code: string): boolean => inUse === undefined || inUse.has(code);
  const keys = new Set<string>();
  if (wanted(WILDCARD_KEY)) keys.add(WILDCARD_KEY);
  if (resource.id && wanted('_id')) keys.add(`_id=${resource.id}`);
  for (const code of keyParamsFor(resource.resourceType)) {
    if (code === '_id' || !wanted(code)) continue;
    const param = searchParamFor(resource.resourceType, code);
    if (!param) continue;
    for (const value of paramValues(resource, param)) {
      if (param.type === 'token') {
        for (const token of tokenCodes(value)) keys.add(`${code}=${token}`);
      } else if (param.type === 'reference') {
        const reference = referenceKey(value);
        if (reference) keys.add(`${code}=${reference}`);
      }
    }
  }
  return [...keys];
}
