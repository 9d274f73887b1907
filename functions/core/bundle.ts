/**
 * `POST [base]` with a transaction or batch Bundle.
 *
 * A transaction is all or nothing: every entry is planned first (ids assigned, `urn:uuid:`
 * references rewritten, conditions searched), then all writes are committed together by
 * `ResourceStore.commit` (one DynamoDB transaction up to 100 items, a multi-step commit
 * above). The conditions of the entries (`ifNoneExist`, conditional update and delete
 * criteria) are searched once each, several at a time, and the current versions the
 * writes replace are read in batches (BatchGetItem), so a large transaction is not a
 * long chain of round trips. A batch runs each entry on its own. Entries run in FHIR's order — DELETE, POST,
 * PUT/PATCH, GET — and answer in the order they came.
 *
 * @see https://hl7.org/fhir/R4/http.html#transaction
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { type StoredVersion, VersionConflictError } from '../store/resource-store.ts';
import {
  type Condition,
  conditionalCreate,
  conditionalDelete,
  conditionalUpdate,
  existingResult,
  findMatchesMany,
  matchesOf,
  planGuardedCreate,
} from './conditional.ts';
import type { FhirContext, FhirResult } from './context.ts';
import { createResource, deleteResource, readResource, readVersion, updateResource } from './crud.ts';
import { instanceHistory, typeHistory } from './history.ts';
import {
  OperationOutcomeError,
  allOk,
  badRequest,
  conflict,
  createdOutcome,
  httpStatus,
  notFound,
  payloadTooLarge,
  preconditionFailed,
} from './outcomes.ts';
import { patchResource } from './patch.ts';
import { assertServedType, assertValidId, parseIfMatch } from './preconditions.ts';
import { searchType } from './search/search.ts';
import { assertValidResource } from './validation.ts';
import { type PlannedWrite, buildVersion, checkIfMatch, isLive, resultOf } from './writes.ts';
import { commitWrites } from './workflow/broker.ts';

/** Most entries one Bundle may hold; stated in the CapabilityStatement and README. */
export const MAX_BUNDLE_ENTRIES = 200;

export interface BundleOptions {
  /**
   * Most entries, {@link MAX_BUNDLE_ENTRIES} unless said: document ingest allows more
   * (mappings/ingest.ts `MAX_INGEST_ENTRIES`), as the store commits them just as atomically.
   */
  maxEntries?: number;
  /**
   * Matches the caller already searched for the entries' conditions, by `conditionKey`
   * (conditional.ts), as ingest does to skip unchanged resources: used on the first
   * attempt; a retry after a concurrent change searches again.
   */
  matches?: ReadonlyMap<string, Resource[]>;
}

const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

interface Parsed {
  index: number;
  method: string;
  type: string;
  id?: string;
  /** Query string of a conditional or search URL. */
  criteria?: string;
  vid?: string;
  ifMatch?: number;
  ifNoneExist?: string;
  fullUrl?: string;
  resource?: Resource;
}

export async function processBundle(ctx: FhirContext, body: unknown, options: BundleOptions = {}): Promise<FhirResult> {
  const bundle = body as Bundle;
  if (typeof body !== 'object' || body === null || bundle.resourceType !== 'Bundle') {
    throw new OperationOutcomeError(badRequest('POST [base] takes a Bundle', ['resourceType']));
  }
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    throw new OperationOutcomeError(badRequest(`Bundle.type must be transaction or batch, not ${bundle.type}`, ['Bundle.type']));
  }
  const entries = bundle.entry ?? [];
  const maxEntries = options.maxEntries ?? MAX_BUNDLE_ENTRIES;
  if (entries.length > maxEntries) {
    throw new OperationOutcomeError(
      payloadTooLarge(`The Bundle has ${entries.length} entries; samvard processes at most ${maxEntries}`),
    );
  }
  return bundle.type === 'transaction' ? transaction(ctx, entries, options.matches) : batch(ctx, entries);
}

async function transaction(ctx: FhirContext, entries: BundleEntry[], known?: ReadonlyMap<string, Resource[]>): Promise<FhirResult> {
  const parsed = entries.map((entry, index) => parseEntry(entry, index));
  const seen = new Set<string>();
  for (const p of parsed) {
    const key = p.id ? `${p.type}/${p.id}` : p.fullUrl;
    if (p.method === 'GET' || !key) continue;
    if (seen.has(key)) {
      throw new OperationOutcomeError(badRequest(`${key} is written twice in the transaction`, [`Bundle.entry[${p.index}]`]));
    }
    seen.add(key);
  }

  for (let attempt = 1; ; attempt++) {
    try {
      return await commitTransaction(ctx, parsed, attempt === 1 ? known : undefined);
    } catch (err) {
      // A concurrent writer changed something we planned on: plan again from fresh reads.
      if (!(err instanceof VersionConflictError) || attempt >= 3) {
        if (err instanceof VersionConflictError) {
          throw new OperationOutcomeError(conflict('Resources in the transaction were changed by others; retry'));
        }
        throw err;
      }
    }
  }
}

async function commitTransaction(ctx: FhirContext, parsed: Parsed[], known?: ReadonlyMap<string, Resource[]>): Promise<FhirResult> {
  const ordered = [...parsed].sort((a, b) => (ORDER[a.method] ?? 9) - (ORDER[b.method] ?? 9) || a.index - b.index);
  // 0. Every condition of the transaction searched once, several at a time.
  const conditions = await findMatchesMany(ctx, conditionsOf(ordered), known);
  // 1. ids for everything that will be created, so references can be rewritten first.
  const idMap = new Map<string, string>();
  const existing = new Map<number, Resource>();
  const createIds = new Map<number, string>();
  /** PUTs whose id was made up here: nothing is stored under it, so there is nothing to read. */
  const newIds = new Set<number>();
  for (const p of ordered) {
    if (p.method !== 'POST') continue;
    let id: string = randomUUID();
    if (p.ifNoneExist) {
      const matches = matchesOf(conditions, p.type, p.ifNoneExist);
      if (matches.length > 1) throw entryError(p, preconditionFailed(`ifNoneExist "${p.ifNoneExist}" matches more than one ${p.type}`));
      if (matches[0]) {
        existing.set(p.index, matches[0]);
        id = matches[0].id as string;
      }
    }
    createIds.set(p.index, id);
    if (p.fullUrl) idMap.set(p.fullUrl, `${p.type}/${id}`);
  }
  for (const p of ordered) {
    if (p.method === 'PUT' && p.criteria) {
      const matches = matchesOf(conditions, p.type, p.criteria);
      if (matches.length > 1) throw entryError(p, preconditionFailed(`"${p.criteria}" matches more than one ${p.type}`));
      const made = matches[0] === undefined && p.resource?.id === undefined;
      p.id = matches[0]?.id ?? (p.resource?.id as string | undefined) ?? randomUUID();
      if (made) newIds.add(p.index);
      if (p.fullUrl) idMap.set(p.fullUrl, `${p.type}/${p.id}`);
    }
    if (p.method === 'PUT' && p.id && p.fullUrl?.startsWith('urn:uuid:')) idMap.set(p.fullUrl, `${p.type}/${p.id}`);
  }
  // 1b. The current versions of what PUT and DELETE replace, read in batches.
  const current = await readCurrents(ctx, ordered.filter((p) => (p.method === 'PUT' || p.method === 'DELETE') && p.id && !newIds.has(p.index)));
  const readCurrent = async (type: string, id: string): Promise<StoredVersion | undefined> => {
    const ref = `${type}/${id}`;
    return current.fetched.has(ref) ? current.versions.get(ref) : ctx.store.readCurrent(type, id);
  };

  // 2. Plan every write against the current versions.
  const plans: PlannedWrite[] = [];
  const results = new Map<number, FhirResult>();
  for (const p of ordered) {
    const resource = p.resource ? rewriteReferences(p.resource, idMap) : undefined;
    try {
      if (p.method === 'POST') {
        const found = existing.get(p.index);
        if (found) {
          results.set(p.index, existingResult(found));
          continue;
        }
        const id = createIds.get(p.index) as string;
        assertServedType(p.type);
        assertValidResource(resource, p.type);
        const plan = p.ifNoneExist
          ? await planGuardedCreate(ctx, p.type, resource, p.ifNoneExist, id)
          : plainCreate(ctx, p.type, id, resource);
        plans.push(plan);
        results.set(p.index, plan.result);
      } else if (p.method === 'PUT' || p.method === 'PATCH' || p.method === 'DELETE') {
        if (p.method === 'DELETE' && p.criteria) {
          const matches = matchesOf(conditions, p.type, p.criteria);
          if (matches.length > 1) throw new OperationOutcomeError(preconditionFailed(`"${p.criteria}" matches more than one ${p.type}`));
          if (!matches[0]) {
            results.set(p.index, { outcome: allOk('Nothing matched; nothing was deleted') });
            continue;
          }
          p.id = matches[0].id as string;
        }
        // A conditional update's body need not carry the id: it is the match's, or a new one.
        const body = p.method === 'PUT' && p.criteria && resource && resource.id === undefined ? { ...resource, id: p.id } : resource;
        const known = newIds.has(p.index) ? { current: undefined } : p.id ? { current: await readCurrent(p.type, p.id) } : undefined;
        const plan = await planInstanceWrite(ctx, p, body, known);
        if (plan) plans.push(plan);
        results.set(p.index, plan?.result ?? { outcome: allOk(`${p.type}/${p.id} was already deleted`) });
      }
    } catch (err) {
      if (err instanceof OperationOutcomeError) throw entryError(p, err.outcome);
      throw err;
    }
  }

  // 3. All writes at once, or none (with what the workflow broker adds: care team, plan, Provenance).
  if (plans.length > 0) await commitWrites(ctx, plans.map((p) => p.change));

  // 4. Reads see the committed state.
  for (const p of ordered) {
    if (p.method === 'GET') results.set(p.index, await runRead(ctx, p));
  }
  return { outcome: allOk(), resource: responseBundle(ctx, 'transaction-response', parsed, results) };
}

function plainCreate(ctx: FhirContext, type: string, id: string, resource: Resource): PlannedWrite {
  const stored = buildVersion(ctx, type, id, resource, undefined, 'create');
  return { change: { next: stored, previous: undefined }, result: { outcome: createdOutcome(), ...resultOf(stored) } };
}

/** The conditions of a transaction's entries: conditional creates, updates and deletes. */
function conditionsOf(parsed: Parsed[]): Condition[] {
  const conditions: Condition[] = [];
  for (const p of parsed) {
    if (p.method === 'POST' && p.ifNoneExist) conditions.push({ type: p.type, criteria: p.ifNoneExist });
    if ((p.method === 'PUT' || p.method === 'DELETE') && p.criteria) conditions.push({ type: p.type, criteria: p.criteria });
  }
  return conditions;
}

const READ_BATCH_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The current versions of the entries' resources, in BatchGetItems (through the caller's
 * view of the store, as single reads would go). `fetched` says which were asked for; an
 * id that is not a valid id is left to the entry's own read and error.
 */
async function readCurrents(ctx: FhirContext, parsed: Parsed[]): Promise<{ fetched: Set<string>; versions: Map<string, StoredVersion> }> {
  const refs = parsed.filter((p) => READ_BATCH_ID.test(p.id as string)).map((p) => ({ type: p.type, id: p.id as string }));
  const fetched = new Set(refs.map((r) => `${r.type}/${r.id}`));
  if (refs.length < 2) return { fetched: new Set(), versions: new Map() };
  const versions = new Map((await ctx.store.readCurrentMany(refs)).map((v) => [`${v.type}/${v.id}`, v]));
  return { fetched, versions };
}

async function planInstanceWrite(
  ctx: FhirContext,
  p: Parsed,
  resource: Resource | undefined,
  known?: { current: StoredVersion | undefined },
): Promise<PlannedWrite | undefined> {
  assertServedType(p.type);
  const ref = `${p.type}/${p.id}`;
  const current = known ? known.current : await ctx.store.readCurrent(p.type, p.id as string);
  checkIfMatch(p.ifMatch, current, ref);
  if (p.method === 'DELETE') {
    if (!current) throw new OperationOutcomeError(notFound(`${ref} not found`));
    if (!isLive(current)) return undefined;
    const stored = buildVersion(ctx, p.type, p.id as string, undefined, current, 'delete');
    return { change: { next: stored, previous: current }, result: { outcome: allOk(`Deleted ${ref}`), version: resultOf(stored).version } };
  }
  const body = resource;
  if (p.method === 'PATCH') {
    throw new OperationOutcomeError(badRequest('PATCH inside a transaction is not supported; use PUT', ['Bundle.entry.request.method']));
  }
  assertValidId(p.id as string);
  assertValidResource(body, p.type);
  if (body.id !== p.id) {
    throw new OperationOutcomeError(badRequest(`The resource id "${body.id}" does not match the URL id "${p.id}"`, ['id']));
  }
  const live = isLive(current);
  const stored = buildVersion(ctx, p.type, p.id as string, body, current, live ? 'update' : 'create');
  return {
    change: { next: stored, previous: current },
    result: { outcome: live ? allOk('Updated') : createdOutcome(), ...resultOf(stored) },
  };
}

async function batch(ctx: FhirContext, entries: BundleEntry[]): Promise<FhirResult> {
  const results = new Map<number, FhirResult>();
  const parsed: (Parsed | undefined)[] = [];
  entries.forEach((entry, index) => {
    try {
      parsed[index] = parseEntry(entry, index);
    } catch (err) {
      results.set(index, failure(err));
    }
  });
  const ordered = parsed.filter((p): p is Parsed => p !== undefined).sort((a, b) => (ORDER[a.method] ?? 9) - (ORDER[b.method] ?? 9) || a.index - b.index);
  for (const p of ordered) {
    try {
      results.set(p.index, await runEntry(ctx, p));
    } catch (err) {
      results.set(p.index, failure(err));
    }
  }
  const all = entries.map((_, index) => parsed[index] ?? ({ index, method: '', type: '' } as Parsed));
  return { outcome: allOk(), resource: responseBundle(ctx, 'batch-response', all, results) };
}

/** One batch entry, exactly as the same request on its own would run. */
async function runEntry(ctx: FhirContext, p: Parsed): Promise<FhirResult> {
  switch (p.method) {
    case 'POST':
      return p.ifNoneExist ? conditionalCreate(ctx, p.type, p.resource, p.ifNoneExist) : createResource(ctx, p.type, p.resource);
    case 'PUT':
      return p.criteria
        ? conditionalUpdate(ctx, p.type, p.criteria, p.resource, p.ifMatch)
        : updateResource(ctx, p.type, p.id as string, p.resource, p.ifMatch);
    case 'PATCH':
      return patchResource(ctx, p.type, p.id as string, binaryPatch(p.resource), p.ifMatch);
    case 'DELETE':
      return p.criteria ? conditionalDelete(ctx, p.type, p.criteria) : deleteResource(ctx, p.type, p.id as string, p.ifMatch);
    default:
      return runRead(ctx, p);
  }
}

async function runRead(ctx: FhirContext, p: Parsed): Promise<FhirResult> {
  if (p.id && p.vid === '_history') return instanceHistory(ctx, p.type, p.id, Object.fromEntries(new URLSearchParams(p.criteria ?? '')));
  if (p.id && p.vid) return readVersion(ctx, p.type, p.id, p.vid);
  if (p.id) return readResource(ctx, p.type, p.id);
  if (p.criteria === '_history') return typeHistory(ctx, p.type, {});
  return searchType(ctx, p.type, [...new URLSearchParams(p.criteria ?? '').entries()], { strict: false });
}

/** PATCH in a batch carries a Binary with the JSON Patch as base64 data, or Parameters (not supported). */
function binaryPatch(resource: Resource | undefined): unknown {
  const data = (resource as { resourceType?: string; data?: string } | undefined)?.data;
  if (resource?.resourceType !== 'Binary' || !data) {
    throw new OperationOutcomeError(badRequest('A PATCH entry needs a Binary resource holding a JSON Patch'));
  }
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch {
    throw new OperationOutcomeError(badRequest('The PATCH entry\'s Binary does not hold JSON'));
  }
}

function parseEntry(entry: BundleEntry, index: number): Parsed {
  const where = [`Bundle.entry[${index}].request`];
  const request = entry.request;
  if (!request?.method || !request.url) {
    throw new OperationOutcomeError(badRequest(`Entry ${index} needs request.method and request.url`, where));
  }
  const [path = '', query] = request.url.replace(/^\//, '').split('?');
  const parts = path.split('/');
  const type = parts[0] ?? '';
  const p: Parsed = { index, method: request.method, type, fullUrl: entry.fullUrl };
  if (parts[1]) p.id = parts[1];
  if (parts[2] === '_history') p.vid = parts[3] ?? '_history';
  if (parts[1] === '_history') p.criteria = '_history';
  else if (query !== undefined) p.criteria = query;
  if (request.ifMatch) p.ifMatch = parseIfMatch(request.ifMatch);
  if (request.ifNoneExist) p.ifNoneExist = request.ifNoneExist;
  if (entry.resource) p.resource = entry.resource;
  if (!/^[A-Z][A-Za-z]+$/.test(type)) {
    throw new OperationOutcomeError(badRequest(`Entry ${index}: "${request.url}" does not name a resource type`, where));
  }
  const needsBody = p.method === 'POST' || p.method === 'PUT' || p.method === 'PATCH';
  if (needsBody && !p.resource) throw new OperationOutcomeError(badRequest(`Entry ${index}: ${p.method} needs a resource`, where));
  if ((p.method === 'PUT' || p.method === 'PATCH') && !p.id && !p.criteria) {
    throw new OperationOutcomeError(badRequest(`Entry ${index}: ${p.method} needs [type]/[id] or search criteria`, where));
  }
  if (p.method === 'DELETE' && !p.id && !p.criteria) {
    throw new OperationOutcomeError(badRequest(`Entry ${index}: DELETE needs [type]/[id] or search criteria`, where));
  }
  if (!(p.method in ORDER)) throw new OperationOutcomeError(badRequest(`Entry ${index}: method ${p.method} is not supported`, where));
  if (p.type === 'Subscription' && p.method !== 'GET') {
    // The server sets a Subscription's status, owner and secret and runs the handshake
    // (functions/subscriptions/routes.ts); a Bundle would bypass that.
    throw new OperationOutcomeError(
      badRequest(`Entry ${index}: write Subscriptions with POST or PUT /Subscription, not in a Bundle`, where),
    );
  }
  if (p.type === 'Endpoint' && (p.method === 'POST' || p.method === 'PUT' || p.method === 'PATCH')) {
    // Likewise a notification Endpoint is checked (address, headers) and gets its signing secret
    // there (functions/subscriptions/party-channel.ts); a Bundle would store it unchecked.
    throw new OperationOutcomeError(
      badRequest(`Entry ${index}: write Endpoints with POST or PUT /Endpoint, not in a Bundle`, where),
    );
  }
  return p;
}

/** Replaces every `reference` that names a `fullUrl` of the Bundle by the resource's `Type/id`. */
function rewriteReferences(resource: Resource, idMap: Map<string, string>): Resource {
  if (idMap.size === 0) return resource;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'reference' && typeof v === 'string' && idMap.has(v) ? idMap.get(v) : walk(v)]),
    );
  };
  return walk(resource) as Resource;
}

function entryError(p: Parsed, outcome: FhirResult['outcome']): OperationOutcomeError {
  const issue = outcome.issue?.[0];
  const text = `Entry ${p.index} (${p.method} ${p.type}${p.id ? `/${p.id}` : ''}): ${issue?.details?.text ?? outcome.id}`;
  return new OperationOutcomeError({ ...outcome, issue: [{ ...(issue ?? { severity: 'error', code: 'processing' }), details: { text } }, ...(outcome.issue ?? []).slice(1)] });
}

function failure(err: unknown): FhirResult {
  if (err instanceof OperationOutcomeError) return { outcome: err.outcome };
  throw err;
}

function responseBundle(ctx: FhirContext, type: 'transaction-response' | 'batch-response', parsed: Parsed[], results: Map<number, FhirResult>): Bundle {
  return {
    resourceType: 'Bundle',
    type,
    entry: parsed.map((p) => {
      const result = results.get(p.index) as FhirResult;
      const status = httpStatus(result.outcome);
      const entry: BundleEntry = { response: { status: `${status} ${STATUS_TEXT[status] ?? ''}`.trim() } };
      if (result.resource) {
        entry.resource = result.resource;
        if (result.resource.id && result.resource.resourceType !== 'Bundle') entry.fullUrl = `${ctx.baseUrl}/${result.resource.resourceType}/${result.resource.id}`;
      }
      if (result.version && entry.response) {
        entry.response.etag = `W/"${result.version.versionId}"`;
        entry.response.lastModified = result.version.lastUpdated;
        if (status === 201 && result.resource) {
          entry.response.location = `${ctx.baseUrl}/${result.resource.resourceType}/${result.resource.id}/_history/${result.version.versionId}`;
        }
      }
      if (status >= 400 && entry.response) entry.response.outcome = result.outcome;
      return entry;
    }),
  };
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  503: 'Service Unavailable',
};
