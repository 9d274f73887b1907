/**
 * The search interactions: type, system (`_type`), compartment and Patient `$everything`,
 * answering `searchset` Bundles with `self` and `next` links, `_include`/`_revinclude`,
 * `_summary=count`, `_total` and `_elements`.
 *
 * @see https://hl7.org/fhir/R4/search.html
 * @see https://hl7.org/fhir/R4/patient-operation-everything.html
 */
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../store/resource-store.ts';
import { isIndexed, referenceKey, referencePk } from '../../store/search-index.ts';
import type { FhirContext, FhirResult } from '../context.ts';
import { OperationOutcomeError, allOk, badRequest, notFound } from '../outcomes.ts';
import { assertServedType } from '../preconditions.ts';
import { SERVED_RESOURCE_TYPES } from '../resource-types.ts';
import { MAX_CHAIN_TARGETS, type SearchPage, runSearch } from './execute.ts';
import { selfLinkQuery } from './format.ts';
import { searchParamFor } from './parameters.ts';
import { parseSearchQuery } from './parse.ts';
import type { IncludeTarget, SearchQuery } from './types.ts';
import { paramValues } from './values.ts';

export type SearchParams = [string, string][];

export interface SearchOptions {
  /** `Prefer: handling=strict`: unknown parameters are an error instead of ignored. */
  strict: boolean;
}

/** `GET [base]/[type]?params` and `POST [base]/[type]/_search`. */
export async function searchType(
  ctx: FhirContext,
  type: string,
  params: SearchParams,
  options: SearchOptions,
): Promise<FhirResult> {
  assertServedType(type);
  const query = parseSearchQuery(type, params, options);
  const page = await runSearch(ctx.store, query);
  const included = await includes(ctx.store, page.matches, query);
  return { outcome: allOk(), resource: searchBundle(ctx, type, query, page, included) };
}

/** `GET [base]/Patient/[id]/[type]`: the type's resources in the patient's compartment. */
export async function searchCompartment(
  ctx: FhirContext,
  patientId: string,
  type: string,
  params: SearchParams,
  options: SearchOptions,
): Promise<FhirResult> {
  assertServedType(type);
  const scope = compartmentParam(type, patientId);
  if (!scope) throw new OperationOutcomeError(notFound(`${type} is not in the Patient compartment`));
  return searchType(ctx, type, [...params, scope], options);
}

/** `GET [base]?_type=A,B&...`: a search over several types, one after the other. */
export async function searchSystem(ctx: FhirContext, params: SearchParams, options: SearchOptions): Promise<FhirResult> {
  const typeParam = params.find(([k]) => k === '_type')?.[1];
  const types = typeParam ? typeParam.split(',').map((t) => t.trim()) : [...SERVED_RESOURCE_TYPES];
  types.forEach(assertServedType);
  const rest = params.filter(([k]) => k !== '_type');
  return searchAcross(ctx, '', types.map((type) => ({ type, params: rest })), rest, options);
}

/**
 * `GET [base]/Patient/[id]/$everything`: the patient and every resource in their
 * compartment, with `_since`, `_type` and `_count`, paged.
 */
export async function patientEverything(
  ctx: FhirContext,
  patientId: string,
  params: SearchParams,
  options: SearchOptions,
): Promise<FhirResult> {
  if (!(await ctx.store.readCurrent('Patient', patientId))?.resource) {
    throw new OperationOutcomeError(notFound(`Patient/${patientId} not found`));
  }
  const since = params.find(([k]) => k === '_since')?.[1];
  const typeFilter = params.find(([k]) => k === '_type')?.[1]?.split(',');
  const common: SearchParams = params.filter(([k]) => k === '_count' || k === '_cursor');
  if (since) common.push(['_lastUpdated', `ge${since}`]);
  const parts = SERVED_RESOURCE_TYPES.filter((t) => !typeFilter || typeFilter.includes(t)).flatMap((type) => {
    const scope = compartmentParam(type, patientId);
    return scope ? [{ type, params: [scope] as SearchParams }] : [];
  });
  return searchAcross(ctx, `Patient/${patientId}/$everything`, parts, common, options);
}

/** The parameter that puts `type` in a patient's compartment. */
function compartmentParam(type: string, patientId: string): [string, string] | undefined {
  if (type === 'Patient') return ['_id', patientId];
  return searchParamFor(type, 'patient') ? ['patient', `Patient/${patientId}`] : undefined;
}

/**
 * Several searches as one paged result: the cursor says which part the page is in and
 * where in that part it continues.
 */
async function searchAcross(
  ctx: FhirContext,
  path: string,
  parts: { type: string; params: SearchParams }[],
  common: SearchParams,
  options: SearchOptions,
): Promise<FhirResult> {
  const cursorText = common.find(([k]) => k === '_cursor')?.[1];
  const position = cursorText ? decodeAcross(cursorText) : { part: 0 };
  const shared = common.filter(([k]) => k !== '_cursor');
  const count = Number(shared.find(([k]) => k === '_count')?.[1] ?? 20);
  const entries: BundleEntry[] = [];
  let next: { part: number; cursor?: string } | undefined;
  for (let part = position.part; part < parts.length; part++) {
    const { type, params } = parts[part] as { type: string; params: SearchParams };
    const remaining = count - entries.length;
    if (remaining <= 0) {
      next = { part };
      break;
    }
    const inner: SearchParams = [
      ...params,
      ...shared.filter(([k]) => k !== '_count'),
      ['_count', String(remaining)],
    ];
    if (part === position.part && position.cursor) inner.push(['_cursor', position.cursor]);
    const query = parseSearchQuery(type, inner, options);
    const page = await runSearch(ctx.store, query);
    entries.push(...page.matches.map((r) => entry(ctx.baseUrl, r, 'match')));
    if (page.next) {
      next = { part, cursor: page.next };
      break;
    }
  }
  const base = path ? `${ctx.baseUrl}/${path}` : ctx.baseUrl;
  const self = new URLSearchParams(shared);
  const link: BundleLink[] = [{ relation: 'self', url: `${base}?${self}` }];
  if (next) {
    const q = new URLSearchParams(shared);
    q.set('_cursor', encodeAcross(next));
    link.push({ relation: 'next', url: `${base}?${q}` });
  }
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', link, entry: entries };
  if (!next && position.part === 0 && !position.cursor) bundle.total = entries.length;
  return { outcome: allOk(), resource: bundle };
}

function encodeAcross(position: { part: number; cursor?: string }): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeAcross(text: string): { part: number; cursor?: string } {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { part: number; cursor?: string };
    if (Number.isInteger(value.part) && value.part >= 0) return value;
  } catch {
    // fall through
  }
  throw new OperationOutcomeError(badRequest('_cursor is not a cursor this server issued'));
}

function searchBundle(
  ctx: FhirContext,
  type: string,
  query: SearchQuery,
  page: SearchPage,
  included: Resource[],
): Bundle {
  const base = `${ctx.baseUrl}/${type}`;
  const applied = selfLinkQuery(query);
  const link: BundleLink[] = [{ relation: 'self', url: applied ? `${base}?${applied}` : base }];
  if (page.next) {
    const q = new URLSearchParams(applied);
    q.set('_cursor', page.next);
    link.push({ relation: 'next', url: `${base}?${q}` });
  }
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', link };
  const firstAndOnly = !query.cursor && !page.next;
  if (page.total !== undefined) bundle.total = page.total;
  else if (firstAndOnly) bundle.total = page.matches.length;
  if (query.summary === 'count') return bundle;
  bundle.entry = [
    ...page.matches.map((r) => entry(ctx.baseUrl, subset(r, query.elements), 'match')),
    ...included.map((r) => entry(ctx.baseUrl, r, 'include')),
  ];
  return bundle;
}

function entry(baseUrl: string, resource: Resource, mode: 'match' | 'include'): BundleEntry {
  return { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode } };
}

/** `_elements`: the named top-level elements plus the mandatory ones, tagged SUBSETTED. */
function subset(resource: Resource, elements: string[] | undefined): Resource {
  if (!elements || elements.length === 0) return resource;
  const keep = new Set(['resourceType', 'id', 'meta', ...elements]);
  const result = Object.fromEntries(Object.entries(resource).filter(([k]) => keep.has(k))) as Resource;
  result.meta = {
    ...resource.meta,
    tag: [
      ...(resource.meta?.tag ?? []),
      { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' },
    ],
  };
  return result;
}

/** `_include` and `_revinclude` (with `:iterate` one more level). */
async function includes(store: ResourceStore, matches: Resource[], query: SearchQuery): Promise<Resource[]> {
  if (query.include.length === 0 && query.revinclude.length === 0) return [];
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const included: Resource[] = [];
  let level = matches;
  for (let depth = 0; depth < 2 && level.length > 0; depth++) {
    const iterateOnly = depth > 0;
    const found = [
      ...(await forwardIncludes(store, level, query.include.filter((t) => !iterateOnly || t.iterate))),
      ...(await reverseIncludes(store, level, query.revinclude.filter((t) => !iterateOnly || t.iterate))),
    ].filter((r) => {
      const key = `${r.resourceType}/${r.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    included.push(...found);
    level = found;
  }
  return included;
}

async function forwardIncludes(store: ResourceStore, from: Resource[], targets: IncludeTarget[]): Promise<Resource[]> {
  const refs = new Map<string, { type: string; id: string }>();
  for (const target of targets) {
    for (const resource of from.filter((r) => r.resourceType === target.sourceType)) {
      const param = searchParamFor(target.sourceType, target.param);
      if (!param) continue;
      for (const value of paramValues(resource, param)) {
        const key = referenceKey(value);
        const [type, id] = key?.split('/') ?? [];
        if (!type || !id || (target.targetType && type !== target.targetType)) continue;
        refs.set(`${type}/${id}`, { type, id });
      }
    }
  }
  const found = await store.readCurrentMany([...refs.values()]);
  return found.flatMap((v) => (v.resource ? [v.resource] : []));
}

async function reverseIncludes(store: ResourceStore, to: Resource[], targets: IncludeTarget[]): Promise<Resource[]> {
  const refs = new Map<string, { type: string; id: string }>();
  for (const target of targets) {
    if (!isIndexed(target.sourceType, target.param)) {
      throw new OperationOutcomeError(
        badRequest(`_revinclude=${target.sourceType}:${target.param} is not supported: that parameter is not indexed`),
      );
    }
    for (const resource of to) {
      if (target.targetType && target.targetType !== resource.resourceType) continue;
      const pk = referencePk(target.sourceType, target.param, `${resource.resourceType}/${resource.id}`);
      let after: string | undefined;
      for (;;) {
        const page = await store.queryIndex(pk, { after, limit: 100 });
        for (const id of page.sks) refs.set(`${target.sourceType}/${id}`, { type: target.sourceType, id });
        if (refs.size > MAX_CHAIN_TARGETS) {
          throw new OperationOutcomeError(badRequest(`_revinclude would add more than ${MAX_CHAIN_TARGETS} resources`));
        }
        if (!page.more || page.sks.length === 0) break;
        after = page.sks[page.sks.length - 1];
      }
    }
  }
  const found = await store.readCurrentMany([...refs.values()]);
  return found.flatMap((v) => (v.resource ? [v.resource] : []));
}
