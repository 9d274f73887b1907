/**
 * Instance and type history, newest first, as `history` Bundles with paging links.
 *
 * @see https://hl7.org/fhir/R4/http.html#history
 */
import type { Bundle, BundleEntry, BundleLink } from '@medplum/fhirtypes';
import type { HistoryPage, StoredVersion } from '../store/resource-store.ts';
import type { FhirContext, FhirResult } from './context.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './limits.ts';
import { OperationOutcomeError, allOk, badRequest, notFound } from './outcomes.ts';
import { assertServedType } from './preconditions.ts';

export type QueryParams = Record<string, string | undefined>;

interface HistoryOptions {
  count: number;
  since?: string;
  after?: string;
}

/** @see https://hl7.org/fhir/R4/http.html#history (instance level) */
export async function instanceHistory(
  ctx: FhirContext,
  type: string,
  id: string,
  params: QueryParams,
): Promise<FhirResult> {
  assertServedType(type);
  const options = parseHistoryParams(params);
  if (options.after !== undefined && !/^\d{1,10}$/.test(options.after)) {
    throw new OperationOutcomeError(badRequest('_cursor is not a cursor this server issued'));
  }
  const result = await ctx.store.instanceHistory(type, id, options);
  if (result.versions.length === 0 && !options.after && !(await ctx.store.readCurrent(type, id))) {
    throw new OperationOutcomeError(notFound(`${type}/${id} not found`));
  }
  return { outcome: allOk(), resource: historyBundle(ctx, `${type}/${id}/_history`, options, result) };
}

/** @see https://hl7.org/fhir/R4/http.html#history (type level) */
export async function typeHistory(ctx: FhirContext, type: string, params: QueryParams): Promise<FhirResult> {
  assertServedType(type);
  const options = parseHistoryParams(params);
  const result = await ctx.store.typeHistory(type, options);
  return { outcome: allOk(), resource: historyBundle(ctx, `${type}/_history`, options, result) };
}

function parseHistoryParams(params: QueryParams): HistoryOptions {
  const options: HistoryOptions = { count: DEFAULT_PAGE_SIZE };
  if (params._count !== undefined) {
    const count = Number(params._count);
    if (!Number.isInteger(count) || count < 1) {
      throw new OperationOutcomeError(badRequest(`_count must be a positive integer, got "${params._count}"`));
    }
    options.count = Math.min(count, MAX_PAGE_SIZE);
  }
  if (params._since !== undefined) {
    // An instant, or a date (then from its start, UTC).
    const since = /^\d{4}(-\d{2}(-\d{2})?)?$/.test(params._since) ? `${params._since}T00:00:00Z` : params._since;
    const time = /^\d{4}-\d{2}-\d{2}T/.test(since) ? Date.parse(since) : Number.NaN;
    if (Number.isNaN(time)) {
      throw new OperationOutcomeError(badRequest(`_since must be an instant, got "${params._since}"`));
    }
    options.since = new Date(time).toISOString();
  }
  if (params._cursor !== undefined) options.after = decodeCursor(params._cursor);
  return options;
}

function historyBundle(ctx: FhirContext, path: string, options: HistoryOptions, page: HistoryPage): Bundle {
  const query = (after?: string): string => {
    const q = new URLSearchParams({ _count: String(options.count) });
    if (options.since) q.set('_since', options.since);
    if (after) q.set('_cursor', encodeCursor(after));
    return `${ctx.baseUrl}/${path}?${q}`;
  };
  const link: BundleLink[] = [{ relation: 'self', url: query(options.after) }];
  if (page.next) link.push({ relation: 'next', url: query(page.next) });
  return {
    resourceType: 'Bundle',
    type: 'history',
    link,
    entry: page.versions.map((v) => historyEntry(ctx.baseUrl, v)),
  };
}

function historyEntry(baseUrl: string, v: StoredVersion): BundleEntry {
  const entry: BundleEntry = {
    fullUrl: `${baseUrl}/${v.type}/${v.id}`,
    request: {
      method: v.operation === 'create' ? 'POST' : v.operation === 'delete' ? 'DELETE' : 'PUT',
      url: v.operation === 'create' ? v.type : `${v.type}/${v.id}`,
    },
    response: {
      status: v.operation === 'create' ? '201 Created' : v.operation === 'delete' ? '204 No Content' : '200 OK',
      etag: `W/"${v.version}"`,
      lastModified: v.lastUpdated,
    },
  };
  if (v.resource) entry.resource = v.resource;
  return entry;
}

function encodeCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const position = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!position || Buffer.from(position, 'utf8').toString('base64url') !== cursor) {
    throw new OperationOutcomeError(badRequest('_cursor is not a cursor this server issued'));
  }
  return position;
}
