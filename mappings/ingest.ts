/**
 * Ingest of a region or municipal document: read, check against the format's schema,
 * look up what the mapping needs, map to a transaction Bundle, check every mapped
 * resource against samvard's profiles, and commit the Bundle in one transaction
 * (functions/core/bundle.ts). Nothing here knows HTTP: functions/http/ingest-routes.ts
 * adapts it.
 *
 * Idempotency: the mapped Bundle creates patients, units and professionals only if none
 * match, and creates-or-updates the document's own resources by its business identifier.
 * Before committing, each of those updates whose target already holds exactly what the
 * document says is turned into a conditional create that matches it, so posting the
 * same document again writes nothing (no new version either), while a changed document
 * updates the same resources.
 *
 * Errors point into the document: schema problems by the field's path, profile problems
 * of a mapped resource by the document field it came from (bundle-builder.ts `sources`).
 *
 * Size: a document may map to {@link MAX_INGEST_ENTRIES} resources, more than a client's
 * Bundle (MAX_BUNDLE_ENTRIES): a 500-row measurement CSV is one document, committed as
 * one transaction (the store's multi-step commit keeps it all or nothing). The lookups
 * (the format's, and the matches of every conditional entry) are made once each, several
 * at a time, and handed to the transaction so it does not search them again.
 */
import type { Bundle, BundleEntry, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { processBundle } from '../functions/core/bundle.ts';
import { MAX_INGEST_ENTRIES } from '../functions/core/limits.ts';
import { type Condition, conditionKey, findMatchesMany, matchesOf } from '../functions/core/conditional.ts';
import type { FhirContext, FhirResult } from '../functions/core/context.ts';
import { OperationOutcomeError, allOk, badRequest, conflict, invalid, payloadTooLarge } from '../functions/core/outcomes.ts';
import { assertValidResource } from '../functions/core/validation.ts';
import type { EntrySource, MappedBundle } from './common/bundle-builder.ts';
import { schemaOutcome } from './common/errors.ts';
import type { DocumentFormat, Found, MediaKind, ReadDocument } from './common/format.ts';
import { FORMATS } from './formats.ts';

export { MAX_INGEST_ENTRIES } from '../functions/core/limits.ts';

export interface IngestRequest {
  format: string;
  media: MediaKind;
  /** Parsed JSON for `json`, the text for `csv` and `xml`. */
  body: unknown;
  /** Further parameters (the CSV's `sourceSystem` and `documentId`). */
  params?: Record<string, string>;
  /** Map and check, but commit nothing: the answer is the Bundle that would be committed. */
  dryRun?: boolean;
}

export function formatById(id: string): DocumentFormat {
  const format = FORMATS.find((f) => f.id === id);
  if (!format) {
    throw new OperationOutcomeError(
      badRequest(`Unknown format "${id}"; samvard takes ${FORMATS.map((f) => f.id).join(', ')}`, ['format']),
    );
  }
  return format;
}

/** The document read and checked against its schema (400 with paths into the document otherwise). */
export function readDocument(format: DocumentFormat, media: MediaKind, body: unknown, params: Record<string, string> = {}): unknown {
  let read: ReadDocument = { value: body };
  if (media !== 'json') {
    const reader = format.readers?.[media];
    if (!reader) throw new OperationOutcomeError(badRequest(`${format.id} is not taken as ${media}`));
    read = reader(String(body), params);
  }
  const parsed = format.schema.safeParse(read.value);
  if (!parsed.success) throw new OperationOutcomeError(schemaOutcome(parsed.error.issues, read.describe));
  return parsed.data;
}

/** Reads, maps, checks and (unless a dry run) commits one document. */
export async function ingestDocument(ctx: FhirContext, request: IngestRequest): Promise<FhirResult> {
  const format = formatById(request.format);
  const doc = readDocument(format, request.media, request.body, request.params);
  const found = await lookup(ctx, format, doc);
  const mapped = format.map(doc, found);
  const entries = mapped.bundle.entry ?? [];
  if (entries.length > MAX_INGEST_ENTRIES) {
    throw new OperationOutcomeError(
      payloadTooLarge(
        `The document maps to ${entries.length} resources; one document (one transaction) holds at most ${MAX_INGEST_ENTRIES}. Split it into several documents.`,
      ),
    );
  }
  assertMappedResourcesValid(mapped);
  const { bundle, matches } = await skipUnchanged(ctx, mapped.bundle);
  if (request.dryRun) return { outcome: allOk('Dry run: nothing was stored'), resource: bundle };
  try {
    return await processBundle(ctx, bundle, { maxEntries: MAX_INGEST_ENTRIES, matches });
  } catch (err) {
    throw err instanceof OperationOutcomeError ? new OperationOutcomeError(pointIntoDocument(err.outcome, mapped.sources)) : err;
  }
}

async function lookup(ctx: FhirContext, format: DocumentFormat, doc: unknown): Promise<Found> {
  const found: Found = {};
  const lookups = Object.entries(format.lookups?.(doc) ?? {});
  const results = await findMatchesMany(ctx, lookups.map(([, l]) => ({ type: l.type, criteria: l.criteria })));
  for (const [key, l] of lookups) {
    const matches = matchesOf(results, l.type, l.criteria);
    if (matches.length > 1) {
      const outcome = conflict(`${l.path} matches more than one ${l.type} in samvard`);
      throw new OperationOutcomeError({ ...outcome, issue: [{ ...(outcome.issue?.[0] as OperationOutcomeIssue), expression: [l.path] }] });
    }
    found[key] = matches[0];
  }
  return found;
}

/**
 * Every mapped resource against the base definitions and samvard's profiles, as the
 * transaction will check it, with `urn:uuid:` references standing in as `Type/id`.
 * A failure is the mapping's bug or a document the schema let through; either way it is
 * reported against the document's fields.
 */
export function assertMappedResourcesValid(mapped: MappedBundle): void {
  const issues: OperationOutcomeIssue[] = [];
  const entries = mapped.bundle.entry ?? [];
  const ids = new Map<string, string>();
  for (const entry of entries) {
    if (entry.fullUrl && entry.resource) ids.set(entry.fullUrl, `${entry.resource.resourceType}/${entry.fullUrl.replace(/^urn:uuid:/, '')}`);
  }
  entries.forEach((entry, index) => {
    if (!entry.resource) return;
    try {
      assertValidResource(replaceReferences(entry.resource, ids), entry.resource.resourceType);
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) throw err;
      for (const issue of err.outcome.issue ?? []) issues.push(toDocumentIssue(issue, mapped.sources[index]));
    }
  });
  if (issues.length > 0) throw new OperationOutcomeError(invalid(issues));
}

/** A resource's issue, re-pointed at the document field it came from. */
function toDocumentIssue(issue: OperationOutcomeIssue, source: EntrySource | undefined): OperationOutcomeIssue {
  const fhirPaths = issue.expression ?? [];
  const rule = /^([a-z0-9-]+):/.exec(issue.details?.text ?? '')?.[1];
  const byRule = rule ? source?.rules?.[rule] : undefined;
  // No FHIR path (e.g. a conditional update matching several resources): the document part the entry came from.
  const fieldPaths = fhirPaths.length > 0 ? fhirPaths.map((p) => documentFieldOf(p, source)) : [source?.path];
  const paths = (byRule ? [byRule] : fieldPaths).filter((p): p is string => p !== undefined && p !== '');
  const out: OperationOutcomeIssue = {
    ...issue,
    diagnostics: [issue.diagnostics, fhirPaths.length ? `FHIR: ${fhirPaths.join(', ')}` : undefined].filter(Boolean).join('; '),
  };
  if (paths.length > 0) out.expression = [...new Set(paths)];
  else delete out.expression;
  return out;
}

function documentFieldOf(fhirPath: string, source: EntrySource | undefined): string | undefined {
  if (!source) return undefined;
  const plain = fhirPath.replace(/\[\d+\]/g, '');
  let best: [string, string] | undefined;
  for (const [element, field] of Object.entries(source.fields ?? {})) {
    if ((plain === element || plain.startsWith(`${element}.`)) && (!best || element.length > best[0].length)) best = [element, field];
  }
  return best?.[1] ?? source.path;
}

/** An error of the transaction (`Bundle.entry[3]…`) with the document field of that entry added. */
function pointIntoDocument(outcome: FhirResult['outcome'], sources: EntrySource[]): FhirResult['outcome'] {
  return {
    ...outcome,
    issue: (outcome.issue ?? []).map((issue) => {
      const index = /Entry (\d+)/.exec(issue.details?.text ?? '')?.[1] ?? /Bundle\.entry\[(\d+)\]/.exec(issue.expression?.[0] ?? '')?.[1];
      const source = index === undefined ? undefined : sources[Number(index)];
      return source ? toDocumentIssue(issue, source) : issue;
    }),
  };
}

/**
 * Turns each conditional update whose one match already holds what the document says
 * into a conditional create on the same criteria, which the transaction answers with the
 * existing resource without writing. References to other entries count as the same when
 * those entries, too, resolve to existing resources. Also answers every entry's matches,
 * by `conditionKey`, for the transaction to use rather than search again.
 */
export async function skipUnchanged(
  ctx: FhirContext,
  bundle: Bundle,
): Promise<{ bundle: Bundle; matches: Map<string, Resource[]> }> {
  const entries = bundle.entry ?? [];
  const criteriaOf = (entry: BundleEntry): string | undefined =>
    entry.request?.method === 'POST' ? entry.request.ifNoneExist : entry.request?.method === 'PUT' ? entry.request.url.split('?')[1] : undefined;
  const conditions: Condition[] = [];
  for (const entry of entries) {
    const type = entry.resource?.resourceType;
    const criteria = criteriaOf(entry);
    if (type && criteria && entry.fullUrl) conditions.push({ type, criteria });
  }
  // Each patient, unit, professional and document resource searched once, several at a time.
  const results = await findMatchesMany(ctx, conditions);
  const matches = new Map<string, Resource[]>();
  const resolved = new Map<string, string>();
  const current = new Map<number, Resource>();
  for (const [index, entry] of entries.entries()) {
    const type = entry.resource?.resourceType;
    const criteria = criteriaOf(entry);
    if (!type || !criteria || !entry.fullUrl) continue;
    const found = matchesOf(results, type, criteria);
    matches.set(conditionKey(type, criteria), found);
    if (found.length !== 1 || !found[0]) continue;
    resolved.set(entry.fullUrl, `${type}/${found[0].id}`);
    if (entry.request?.method === 'PUT') current.set(index, found[0]);
  }
  if (current.size === 0) return { bundle, matches };
  return {
    matches,
    bundle: {
      ...bundle,
      entry: entries.map((entry, index) => {
        const existing = current.get(index);
        if (!existing || !entry.resource || !entry.request) return entry;
        const proposed = replaceReferences(entry.resource, resolved);
        if (!sameContent(proposed, existing)) return entry;
        const criteria = entry.request.url.split('?')[1] as string;
        return { ...entry, request: { method: 'POST', url: entry.resource.resourceType, ifNoneExist: criteria } } satisfies BundleEntry;
      }),
    },
  };
}

function replaceReferences<T>(value: T, ids: Map<string, string>): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, k === 'reference' && typeof x === 'string' && ids.has(x) ? ids.get(x) : walk(x)]),
    );
  };
  return walk(value) as T;
}

/** The same resource content: ignoring `id` and `meta` (versions, stamps) but not the profiles claimed. */
export function sameContent(a: Resource, b: Resource): boolean {
  const strip = (r: Resource) => {
    const { id: _id, meta, ...rest } = r;
    return { ...rest, profile: [...(meta?.profile ?? [])].sort() };
  };
  return canonical(strip(a)) === canonical(strip(b));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
