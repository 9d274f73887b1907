/** Helpers for the mapping tests: examples, posting documents to `/ingest/{format}`, counting what was stored. */
import { readFileSync } from 'node:fs';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import type { MappedBundle } from '../../mappings/common/bundle-builder.ts';
import { assertValidResource } from '../../functions/core/validation.ts';
import { BASE, type TestApi, json } from '../support/test-api.ts';

const EXAMPLES = new URL('../../mappings/examples/', import.meta.url);

/** An example document as text. */
export const exampleText = (file: string): string => readFileSync(new URL(file, EXAMPLES), 'utf8');
/** An example JSON document, as a fresh object. */
// biome-ignore lint/suspicious/noExplicitAny: test convenience
export const exampleJson = (file: string): any => JSON.parse(exampleText(file));

/** The documented ingest routes of the test API: `http://samvard.test/ingest`. */
export const INGEST_BASE = `${new URL(BASE).origin}/ingest`;

export interface IngestOptions {
  contentType?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** POSTs a document to `/ingest/{format}`. */
export async function ingest(api: TestApi, format: string, body: unknown, options: IngestOptions = {}): Promise<Response> {
  const headers = { 'Content-Type': options.contentType ?? 'application/json', ...options.headers };
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const query = new URLSearchParams(options.query).toString();
  return api.app.request(`${INGEST_BASE}/${encodeURIComponent(format)}${query ? `?${query}` : ''}`, { method: 'POST', headers, body: payload });
}

/** A request to the ingest routes (`path` below `/ingest`, e.g. `''` or `/sip.v1.schema.json`). */
export async function ingestRoute(api: TestApi, method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return api.app.request(`${INGEST_BASE}${path}`, { method, headers });
}

/** How many items the table holds: "nothing was stored" means this did not change. */
export async function itemCount(api: TestApi): Promise<number> {
  // A Scan reads at most 1 MB per page: follow the pages, or a large table is under-counted.
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await api.client.send(new ScanCommand({ TableName: api.tableName, Select: 'COUNT', ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** The live resources of a type (first 1000). */
export async function all<T extends Resource = Resource>(api: TestApi, type: string, query = ''): Promise<T[]> {
  const res = await api.send('GET', `/${type}?_count=1000${query ? `&${query}` : ''}`);
  expect(res.status).toBe(200);
  const bundle = (await json(res)) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as T);
}

/**
 * Every resource of a mapped Bundle through the write path's validation (base R4 and
 * samvard's profiles), with the Bundle's `urn:uuid:` references standing in as `Type/id`
 * as the transaction rewrites them.
 */
export function assertBundleValid(mapped: MappedBundle): void {
  const entries = mapped.bundle.entry ?? [];
  const ids = new Map(entries.map((e) => [e.fullUrl as string, `${e.resource?.resourceType}/${e.fullUrl?.slice('urn:uuid:'.length)}`]));
  for (const entry of entries) {
    const resource = JSON.parse(JSON.stringify(entry.resource), (key, value) =>
      key === 'reference' && typeof value === 'string' && ids.has(value) ? ids.get(value) : value,
    );
    try {
      assertValidResource(resource, resource.resourceType);
    } catch (err) {
      const outcome = (err as { outcome?: unknown }).outcome;
      throw new Error(`${resource.resourceType} does not validate: ${JSON.stringify(outcome ?? String(err))}`);
    }
  }
}

/** The transaction-response entries' statuses, e.g. `['201 Created', '200 OK']`. */
export const statuses = (bundle: Bundle): string[] => (bundle.entry ?? []).map((e) => e.response?.status ?? '');
