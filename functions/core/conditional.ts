/**
 * Conditional create, update and delete: the target is found by a search, and zero, one
 * or several matches behave as the spec says (several: 412).
 *
 * A conditional create also writes a guard item keyed by its normalized criteria in the
 * same transaction, so of clients racing to create "the Task with identifier X" exactly
 * one succeeds and the others are answered with the winner.
 *
 * @see https://hl7.org/fhir/R4/http.html#ccreate
 * @see https://hl7.org/fhir/R4/http.html#cond-update
 * @see https://hl7.org/fhir/R4/http.html#3.1.0.7.1
 */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { type GuardItem, VersionConflictError } from '../store/resource-store.ts';
import { mapConcurrently } from './concurrency.ts';
import type { FhirContext } from './context.ts';
import { deleteResource, updateResource } from './crud.ts';
import { OperationOutcomeError, allOk, badRequest, conflict, createdOutcome, preconditionFailed } from './outcomes.ts';
import { assertServedType } from './preconditions.ts';
import { runSearch } from './search/execute.ts';
import { parseSearchQuery } from './search/parse.ts';
import { assertValidResource } from './validation.ts';
import { type PlannedWrite, buildVersion, resultOf } from './writes.ts';
import { commitWrites } from './workflow/broker.ts';

/** The live resources matching `criteria` (a query string such as `identifier=sys|123`), at most `limit`. */
export async function findMatches(ctx: FhirContext, type: string, criteria: string, limit = 2): Promise<Resource[]> {
  const params = [...new URLSearchParams(criteria.replace(/^\?/, '')).entries()];
  if (params.length === 0) {
    throw new OperationOutcomeError(badRequest(`A conditional ${type} operation needs search criteria`));
  }
  // Criteria the server does not understand would match too much: always strict.
  const query = { ...parseSearchQuery(type, params, { strict: true }), count: limit };
  return (await runSearch(ctx.store, query)).matches;
}

/** Conditions searched at once by {@link findMatchesMany}. */
export const CONDITION_CONCURRENCY = 8;

/** A condition: the type and the criteria of a conditional create, update or delete. */
export interface Condition {
  type: string;
  criteria: string;
}

/** One condition's answer: its matches (at most two), or the error its search raised. */
export type ConditionResult = { matches: Resource[] } | { error: unknown };

/** The key of a condition in {@link findMatchesMany}'s answer: `Type?criteria`. */
export const conditionKey = (type: string, criteria: string): string => `${type}?${criteria.replace(/^\?/, '')}`;

/**
 * {@link findMatches} for many conditions: each distinct one searched once,
 * {@link CONDITION_CONCURRENCY} at a time (a transaction or a document names many; one at a
 * time their round trips add up). `known` holds answers the caller already has, by
 * {@link conditionKey}; they are not searched again. An error is kept per condition, for
 * the caller to raise where that condition is used.
 */
export async function findMatchesMany(
  ctx: FhirContext,
  conditions: Condition[],
  known?: ReadonlyMap<string, Resource[]>,
): Promise<Map<string, ConditionResult>> {
  const results = new Map<string, ConditionResult>();
  const todo = new Map<string, Condition>();
  for (const c of conditions) {
    const k = conditionKey(c.type, c.criteria);
    const have = known?.get(k);
    if (have) results.set(k, { matches: have });
    else todo.set(k, c);
  }
  await mapConcurrently([...todo], CONDITION_CONCURRENCY, async ([k, c]) => {
    try {
      results.set(k, { matches: await findMatches(ctx, c.type, c.criteria) });
    } catch (error) {
      results.set(k, { error });
    }
  });
  return results;
}

/** The matches of a condition from {@link findMatchesMany}'s answer; throws its search's error. */
export function matchesOf(results: ReadonlyMap<string, ConditionResult>, type: string, criteria: string): Resource[] {
  const result = results.get(conditionKey(type, criteria));
  if (!result) throw new Error(`Condition ${conditionKey(type, criteria)} was not searched`);
  if ('error' in result) throw result.error;
  return result.matches;
}

/** Either the one existing match, or a planned create guarded against racing duplicates. */
export type ConditionalCreatePlan = { existing: Resource } | { plan: PlannedWrite };

export async function planConditionalCreate(
  ctx: FhirContext,
  type: string,
  body: unknown,
  criteria: string,
  id: string = randomUUID(),
): Promise<ConditionalCreatePlan> {
  assertServedType(type);
  assertValidResource(body, type);
  const matches = await findMatches(ctx, type, criteria);
  if (matches.length > 1) {
    throw new OperationOutcomeError(preconditionFailed(`If-None-Exist "${criteria}" matches more than one ${type}`));
  }
  if (matches[0]) return { existing: matches[0] };
  return { plan: await planGuardedCreate(ctx, type, body, criteria, id) };
}

/**
 * A create of a resource no one else matches yet, with the guard that makes racing
 * duplicates fail. A guard left by a resource that no longer matches is taken over,
 * conditionally on still pointing there.
 */
export async function planGuardedCreate(
  ctx: FhirContext,
  type: string,
  body: Resource,
  criteria: string,
  id: string,
): Promise<PlannedWrite> {
  const guard = guardOf(type, criteria);
  const previousTarget = await ctx.store.readGuard(guard.pk, guard.sk);
  if (previousTarget && (await stillMatches(ctx, previousTarget, criteria))) {
    // Created by a racing client after our search: let the caller search again and find it.
    throw new VersionConflictError();
  }
  const stored = buildVersion(ctx, type, id, body, undefined, 'create');
  const guardItem: GuardItem = { ...guard, attributes: { target: { S: `${type}/${id}` } } };
  if (previousTarget) guardItem.expectedTarget = previousTarget;
  return { change: { next: stored, previous: undefined, guards: [guardItem] }, result: { outcome: createdOutcome(), ...resultOf(stored) } };
}

async function stillMatches(ctx: FhirContext, target: string, criteria: string): Promise<boolean> {
  const [type = '', id = ''] = target.split('/');
  const matches = await findMatches(ctx, type, `${criteria}&_id=${encodeURIComponent(id)}`, 1);
  return matches.length > 0;
}

/** The answer for an existing match: 200 with the resource, nothing written. */
export function existingResult(resource: Resource) {
  return {
    outcome: allOk(`${resource.resourceType}/${resource.id} already matches; nothing was created`),
    resource,
    version: { versionId: resource.meta?.versionId ?? '1', lastUpdated: resource.meta?.lastUpdated ?? '' },
  };
}

/** The guard's key: the criteria with parameters sorted, so `a=1&b=2` and `b=2&a=1` are one. */
function guardOf(type: string, criteria: string): { pk: string; sk: string } {
  const params = [...new URLSearchParams(criteria.replace(/^\?/, '')).entries()]
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return { pk: `cc#${type}#${params.join('&')}`.slice(0, 1024), sk: 'guard' };
}

/** `POST [type]` with `If-None-Exist`: creates once, however often and however concurrently it is sent. */
export async function conditionalCreate(ctx: FhirContext, type: string, body: unknown, criteria: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      const planned = await planConditionalCreate(ctx, type, body, criteria);
      if ('existing' in planned) return existingResult(planned.existing);
      await commitWrites(ctx, [planned.plan.change]);
      return planned.plan.result;
    } catch (err) {
      // Another client created the match first (its guard won): search again to answer with theirs.
      if (!(err instanceof VersionConflictError)) throw err;
      if (attempt >= 5) {
        throw new OperationOutcomeError(conflict(`Concurrent creates of "${criteria}"; retry the request`));
      }
    }
  }
}

/** `PUT [type]?criteria`: update the one match, create when none, 412 when several. */
export async function conditionalUpdate(
  ctx: FhirContext,
  type: string,
  criteria: string,
  body: unknown,
  ifMatch?: number,
  /** Makes the body ready to store once the id is known (the Subscription and Endpoint routes). */
  prepare?: (body: unknown, id: string) => Promise<unknown>,
) {
  assertServedType(type);
  const matches = await findMatches(ctx, type, criteria);
  if (matches.length > 1) {
    throw new OperationOutcomeError(preconditionFailed(`"${criteria}" matches more than one ${type}`));
  }
  const match = matches[0];
  const bodyId = (body as { id?: unknown } | null)?.id;
  if (match && bodyId !== undefined && bodyId !== match.id) {
    throw new OperationOutcomeError(
      badRequest(`The resource id "${String(bodyId)}" is not the id of the match (${match.id})`, ['id']),
    );
  }
  const id = match?.id ?? (typeof bodyId === 'string' ? bodyId : randomUUID());
  const withId = { ...(body as object), id };
  return updateResource(ctx, type, id, prepare ? await prepare(withId, id) : withId, ifMatch);
}

/** `DELETE [type]?criteria`: delete the one match; none is fine; several is 412. */
export async function conditionalDelete(ctx: FhirContext, type: string, criteria: string) {
  assertServedType(type);
  const matches = await findMatches(ctx, type, criteria);
  if (matches.length > 1) {
    throw new OperationOutcomeError(preconditionFailed(`"${criteria}" matches more than one ${type}`));
  }
  if (!matches[0]) return { outcome: allOk(`No ${type} matched "${criteria}"; nothing was deleted`) };
  return deleteResource(ctx, type, matches[0].id as string);
}
