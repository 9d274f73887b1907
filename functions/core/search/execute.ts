/**
 * Runs a parsed search against the store: resolves chains and `_has`, reads the plan's
 * index partitions in sort-key order, fetches candidates in batches, keeps those that
 * match every clause, and pages with an opaque cursor that is a position in that order,
 * so following `next` links returns every match that existed before the first page
 * exactly once, whatever is written meanwhile.
 *
 * @see https://hl7.org/fhir/R4/search.html
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../store/resource-store.ts';
import { OperationOutcomeError, badRequest } from '../outcomes.ts';
import { matchesQuery } from './match.ts';
import { type IndexLookup, type SearchPlan, planSearch } from './plan.ts';
import { searchParamFor } from './parameters.ts';
import { referenceKey, stringParts, stringSk } from '../../store/search-index.ts';
import type { SearchClause, SearchQuery, SortRule } from './types.ts';
import { normalizeString, paramValues } from './values.ts';

/** How many candidates one request may examine when it must see all of them (sort, total). */
export const MAX_EXAMINED = 10_000;
/** How many targets a chain or `_has` may resolve to. */
export const MAX_CHAIN_TARGETS = 1_000;
const BATCH = 100;

export interface SearchPage {
  matches: Resource[];
  /** Cursor of the next page, when there is one. */
  next?: string;
  /** Number of all matches, when it was counted. */
  total?: number;
}

export async function runSearch(store: ResourceStore, query: SearchQuery): Promise<SearchPage> {
  const resolved = await resolveReferences(store, query);
  if (!resolved) return { matches: [], total: 0 };
  const plan = planSearch(resolved);
  const wantsTotal = resolved.total === 'accurate' || resolved.summary === 'count';
  if (resolved.sort.length > 0 || wantsTotal) {
    const all = await collect(store, resolved, plan, MAX_EXAMINED, undefined);
    if (all.truncated) {
      throw new OperationOutcomeError(
        badRequest(
          `This search examines more than ${MAX_EXAMINED} resources to sort or count them; add a more selective parameter`,
        ),
      );
    }
    return sortedPage(all.matches.map((m) => m.resource), resolved);
  }
  const after = resolved.cursor ? decodeCursor(resolved.cursor).after : undefined;
  const found = await collect(store, resolved, plan, resolved.count + 1, after);
  const page = found.matches.slice(0, resolved.count);
  const last = page[page.length - 1];
  return found.matches.length > resolved.count && last
    ? { matches: page.map((m) => m.resource), next: encodeCursor({ after: last.position }) }
    : { matches: page.map((m) => m.resource) };
}

interface Positioned {
  position: string;
  resource: Resource;
}

/** Up to `limit` matches in plan order after `after`; `truncated` when more were left. */
async function collect(
  store: ResourceStore,
  query: SearchQuery,
  plan: SearchPlan,
  limit: number,
  after: string | undefined,
): Promise<{ matches: Positioned[]; truncated: boolean }> {
  const matches: Positioned[] = [];
  const candidates = candidateStream(store, plan, after);
  let examined = 0;
  for (;;) {
    const batch: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      const next = await candidates.next();
      if (next.done) break;
      batch.push(next.value);
    }
    if (batch.length === 0) return { matches, truncated: false };
    const resources = new Map(
      (await store.readCurrentMany(batch.map((position) => ({ type: query.resourceType, id: idOf(position) }))))
        .filter((v) => v.resource)
        .map((v) => [v.id, v.resource as Resource]),
    );
    for (const position of batch) {
      examined++;
      const resource = resources.get(idOf(position));
      if (!resource || !matchesQuery(resource, query)) continue;
      if (plan.kind === 'index' && plan.sortKeyHasValue && !isFirstPosition(resource, plan, position)) continue;
      matches.push({ position, resource });
      if (matches.length >= limit) return { matches, truncated: true };
    }
    if (examined >= MAX_EXAMINED * 2) return { matches, truncated: true };
  }
}

/** Sort keys are `<id>` or, for string lookups, `<value>#<id>`. */
function idOf(position: string): string {
  return position.slice(position.lastIndexOf('#') + 1);
}

/**
 * A resource with several values under one string lookup appears once per value; it
 * counts only at its first position, so paging never returns it twice.
 */
function isFirstPosition(resource: Resource, plan: Extract<SearchPlan, { kind: 'index' }>, position: string): boolean {
  const driver = plan.driver;
  if (!driver) return true;
  const prefixes = plan.lookups.map((l) => l.prefix ?? '');
  let first: string | undefined;
  for (const value of paramValues(resource, driver.param)) {
    for (const text of stringParts(value)) {
      const normalized = normalizeString(text);
      if (!prefixes.some((p) => normalized.startsWith(p))) continue;
      const key = stringSk(normalized, resource.id as string);
      if (first === undefined || key < first) first = key;
    }
  }
  return first === undefined || first === position;
}

/** The plan's sort keys after `after`, in order, each once. */
async function* candidateStream(
  store: ResourceStore,
  plan: SearchPlan,
  after: string | undefined,
): AsyncGenerator<string> {
  if (plan.kind === 'ids') {
    for (const id of plan.ids) if (after === undefined || id > after) yield id;
    return;
  }
  const readers = plan.lookups.map((lookup) => new LookupReader(store, lookup, after));
  let previous: string | undefined;
  for (;;) {
    let smallest: LookupReader | undefined;
    for (const reader of readers) {
      const head = await reader.peek();
      if (head !== undefined && (smallest === undefined || head < ((await smallest.peek()) as string))) {
        smallest = reader;
      }
    }
    if (!smallest) return;
    const head = smallest.take();
    if (head !== previous) yield head;
    previous = head;
  }
}

/** Reads one index partition page by page. */
class LookupReader {
  private buffer: string[] = [];
  private done = false;

  constructor(
    private readonly store: ResourceStore,
    private readonly lookup: IndexLookup,
    private after: string | undefined,
  ) {}

  async peek(): Promise<string | undefined> {
    if (this.buffer.length === 0 && !this.done) {
      const page = await this.store.queryIndex(this.lookup.pk, {
        after: this.after,
        prefix: this.lookup.prefix,
        limit: BATCH,
      });
      this.buffer = page.sks;
      this.done = !page.more;
      this.after = page.sks[page.sks.length - 1] ?? this.after;
    }
    return this.buffer[0];
  }

  take(): string {
    return this.buffer.shift() as string;
  }
}

/** Replaces chained clauses and `_has` by the references they resolve to; undefined when nothing can match. */
async function resolveReferences(store: ResourceStore, query: SearchQuery): Promise<SearchQuery | undefined> {
  const clauses: SearchClause[] = [];
  for (const clause of query.clauses) {
    if (!clause.chain) {
      clauses.push(clause);
      continue;
    }
    // An untyped chain (`owner.name=`) may point at a match of any of its target types.
    const references: string[] = [];
    for (const target of [clause.chain, ...(clause.chain.alternatives ?? [])]) {
      const ids = await targetIds(store, target.targetType, [target.clause]);
      references.push(...ids.map((id) => `${target.targetType}/${id}`));
    }
    if (references.length === 0) return undefined;
    const { chain: _chain, ...plain } = clause;
    clauses.push({ ...plain, modifier: undefined, values: references.map((raw) => ({ raw })) });
  }
  for (const has of query.has) {
    const sources = await innerMatches(store, has.sourceType, [has.clause]);
    const param = searchParamFor(has.sourceType, has.referenceParam);
    if (!param) throw new OperationOutcomeError(badRequest(`Unknown parameter ${has.referenceParam} on ${has.sourceType}`));
    const ids = new Set<string>();
    for (const source of sources) {
      for (const value of paramValues(source, param)) {
        const key = referenceKey(value);
        if (key?.startsWith(`${query.resourceType}/`)) ids.add(key.slice(query.resourceType.length + 1));
      }
    }
    if (ids.size === 0) return undefined;
    const idParam = searchParamFor(query.resourceType, '_id');
    if (!idParam) return undefined;
    clauses.push({ code: '_id', param: idParam, values: [...ids].map((raw) => ({ raw })) });
  }
  return { ...query, clauses, has: [] };
}

async function targetIds(store: ResourceStore, type: string, clauses: SearchClause[]): Promise<string[]> {
  return (await innerMatches(store, type, clauses)).map((r) => r.id as string);
}

async function innerMatches(store: ResourceStore, type: string, clauses: SearchClause[]): Promise<Resource[]> {
  const inner: SearchQuery = {
    resourceType: type,
    clauses,
    has: [],
    sort: [],
    count: MAX_CHAIN_TARGETS,
    include: [],
    revinclude: [],
    ignored: [],
  };
  const found = await collect(store, inner, planSearch(inner), MAX_CHAIN_TARGETS + 1, undefined);
  if (found.matches.length > MAX_CHAIN_TARGETS) {
    throw new OperationOutcomeError(
      badRequest(`A chained or _has parameter on ${type} matches more than ${MAX_CHAIN_TARGETS} resources; narrow it`),
    );
  }
  return found.matches.map((m) => m.resource);
}

/** Sorts all matches and returns the page after the cursor's key. */
function sortedPage(all: Resource[], query: SearchQuery): SearchPage {
  const keyed = all.map((resource) => ({ resource, key: sortKey(resource, query.sort) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, query.sort));
  let start = 0;
  if (query.cursor) {
    const { key } = decodeCursor(query.cursor);
    if (!key) throw new OperationOutcomeError(badRequest('_cursor does not belong to this sort'));
    const index = keyed.findIndex((k) => compareKeys(k.key, key, query.sort) > 0);
    start = index < 0 ? keyed.length : index;
  }
  const page = keyed.slice(start, start + query.count);
  const last = page[page.length - 1];
  const result: SearchPage = { matches: page.map((k) => k.resource), total: all.length };
  if (start + query.count < keyed.length && last) result.next = encodeCursor({ key: last.key });
  return result;
}

type SortKey = (string | null)[];

function sortKey(resource: Resource, rules: SortRule[]): SortKey {
  const values = rules.map((rule) => sortValue(resource, rule));
  return [...values, resource.id as string];
}

function sortValue(resource: Resource, rule: SortRule): string | null {
  if (rule.code === '_lastUpdated') return resource.meta?.lastUpdated ?? null;
  if (rule.code === '_id') return resource.id ?? null;
  const param = searchParamFor(resource.resourceType, rule.code);
  if (!param) return null;
  const values = paramValues(resource, param)
    .map((v) => sortableText(v.value))
    .filter((v): v is string => v !== undefined)
    .sort();
  // Ascending sorts by the smallest value, descending by the largest, as the spec says.
  return (rule.descending ? values[values.length - 1] : values[0]) ?? null;
}

function sortableText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const time = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
    return Number.isNaN(time) ? value : new Date(time).toISOString();
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null) {
    const o = value as { start?: string; code?: string; coding?: { code?: string }[]; family?: string; value?: unknown };
    return sortableText(o.start ?? o.code ?? o.coding?.[0]?.code ?? o.family ?? o.value);
  }
  return undefined;
}

/** Missing values sort last in either direction; the id breaks ties. */
function compareKeys(a: SortKey, b: SortKey, rules: SortRule[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const order = x < y ? -1 : 1;
    return rules[i]?.descending ? -order : order;
  }
  return 0;
}

interface Cursor {
  after?: string;
  key?: SortKey;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    return parsed;
  } catch {
    throw new OperationOutcomeError(badRequest('_cursor is not a cursor this server issued'));
  }
}
