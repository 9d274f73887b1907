/**
 * HTTP routes of document ingest (mappings/ingest.ts), served by a Lambda function of
 * their own (functions/ingest/handler.ts, `createIngestApp`), so mappings/ (classic zod,
 * fast-xml-parser, the vendors' schemas) stays out of the FHIR API function.
 *
 * The routes, beside the FHIR API (`/ingest` at the same origin as `/fhir`):
 * - `GET /ingest`: the formats, with links to their JSON Schemas.
 * - `GET /ingest/{format}`: one format's entry of that list.
 * - `GET /ingest/{format}.schema.json`: one format's JSON Schema.
 * - `POST /ingest/{format}[?dryRun=true]`: the document as `application/json` (or
 *   `text/csv`, `application/xml` where the format takes them); answers with the
 *   transaction-response Bundle, or with the Bundle it would commit on a dry run. An
 *   unknown format is a 404 naming the known ones.
 * Ingest is not a FHIR operation: `[base]/$ingest` is a 404 pointing here (fhir-routes.ts).
 *
 * Guarded as `/fhir` is, by the same code (guarded-app.ts, access-control.ts):
 * authentication, scopes, the access rules and the access log on `/ingest` and
 * `/ingest/*`; a POST is classified as a transaction (a write, which needs some write
 * scope; each write is then checked by the store view the transaction goes through).
 */
import type { Context, Hono } from 'hono';
import type { FhirContext, FhirResult } from '../core/context.ts';
import {
  OperationOutcomeError,
  badRequest,
  methodNotAllowed,
  notFound,
  payloadTooLarge,
  unsupportedMediaType,
} from '../core/outcomes.ts';
import type { DocumentFormat, MediaKind } from '../../mappings/common/format.ts';
import { jsonSchemaOf } from '../../mappings/json-schema.ts';
import { FORMATS } from '../../mappings/formats.ts';
import { ingestDocument } from '../../mappings/ingest.ts';
import { errorResponse } from './fhir-response.ts';
import { type AppDependencies, type RouteHelpers, createGuardedApp } from './guarded-app.ts';
import { MAX_REQUEST_BYTES } from './request-body.ts';

/** `{format}.schema.json` as a path segment. */
const SCHEMA_FILE = ':file{[A-Za-z0-9.\\-]+\\.schema\\.json}';

const MEDIA: Record<string, MediaKind> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/xml': 'xml',
  'text/xml': 'xml',
};
const MEDIA_TYPE_OF: Record<MediaKind, string> = { json: 'application/json', csv: 'text/csv', xml: 'application/xml' };

/** Where `/ingest` is for a request: beside the FHIR base (`…/fhir` → `…/ingest`). */
export function ingestBaseOf(fhirBase: string): string {
  return fhirBase.endsWith('/fhir') ? `${fhirBase.slice(0, -'/fhir'.length)}/ingest` : `${new URL(fhirBase).origin}/ingest`;
}

/** The ingest function's app: the ingest routes behind the access control. */
export function createIngestApp(dependencies: AppDependencies): Hono {
  return createGuardedApp(dependencies, [registerIngestRoutes]);
}

export function registerIngestRoutes(app: Hono, { fhirContext, respond }: RouteHelpers): void {
  const ingestBase = (c: Context): string => ingestBaseOf(fhirContext(c).baseUrl);

  app.get('/ingest', (c) => {
    const base = ingestBase(c);
    return c.json({ formats: FORMATS.map((f) => entryOf(f, `${base}/${f.id}.schema.json`, `${base}/${f.id}`)) });
  });
  app.get(`/ingest/${SCHEMA_FILE}`, (c) => schemaResponse(c, knownFormat(c.req.param('file').replace(/\.schema\.json$/, ''))));
  app.get('/ingest/:format', (c) => {
    const format = knownFormat(c.req.param('format'));
    const base = ingestBase(c);
    return c.json(entryOf(format, `${base}/${format.id}.schema.json`, `${base}/${format.id}`));
  });
  app.post('/ingest/:format', async (c) => respond(c, await postDocument(c, fhirContext(c), knownFormat(c.req.param('format')))));
  app.on(['PUT', 'PATCH', 'DELETE', 'POST'], '/ingest', notAllowed('GET'));
  app.on(['PUT', 'PATCH', 'DELETE'], '/ingest/:format', notAllowed('GET, POST'));
}

/** A format's entry in the list: what it is, the media types it takes, its schema and where to post it. */
function entryOf(f: DocumentFormat, schema: string, ingest: string) {
  return { format: f.id, title: f.title, description: f.description, mediaTypes: mediaKinds(f).map((m) => MEDIA_TYPE_OF[m]), schema, ingest };
}

/** The format a path names; 404 naming the known formats otherwise. */
function knownFormat(id: string): DocumentFormat {
  const format = FORMATS.find((f) => f.id === id);
  if (!format) {
    const outcome = notFound(`Unknown format "${id}"; samvard takes ${FORMATS.map((f) => f.id).join(', ')} (GET /ingest lists them)`);
    throw new OperationOutcomeError({ ...outcome, issue: (outcome.issue ?? []).map((issue) => ({ ...issue, expression: ['format'] })) });
  }
  return format;
}

function schemaResponse(c: Context, format: DocumentFormat): Response {
  return c.json(jsonSchemaOf(format), 200, { 'Content-Type': 'application/schema+json' });
}

/** Reads the posted document (media type 415, size 413, JSON syntax 400) and ingests it. */
async function postDocument(c: Context, ctx: FhirContext, format: DocumentFormat): Promise<FhirResult> {
  const query = new URL(c.req.url).searchParams;
  const contentType = c.req.header('Content-Type');
  const media = MEDIA[contentType?.split(';')[0]?.trim().toLowerCase() ?? ''];
  const accepted = mediaKinds(format);
  if (!media || !accepted.includes(media)) {
    throw new OperationOutcomeError(
      unsupportedMediaType(`${format.id} takes Content-Type ${accepted.map((m) => MEDIA_TYPE_OF[m]).join(' or ')}, got ${contentType ?? 'none'}`),
    );
  }
  const declaredLength = Number(c.req.header('Content-Length') ?? 0);
  if (declaredLength > MAX_REQUEST_BYTES) {
    throw new OperationOutcomeError(payloadTooLarge(`The document is larger than ${MAX_REQUEST_BYTES} bytes`));
  }
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) {
    throw new OperationOutcomeError(payloadTooLarge(`The document is larger than ${MAX_REQUEST_BYTES} bytes`));
  }
  let body: unknown = text;
  if (media === 'json') {
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new OperationOutcomeError(badRequest(`Malformed JSON: ${(err as Error).message}`));
    }
  }
  const dryRun = query.get('dryRun');
  if (dryRun !== null && dryRun !== 'true' && dryRun !== 'false') {
    throw new OperationOutcomeError(badRequest('dryRun is true or false', ['dryRun']));
  }
  const params = Object.fromEntries([...query.entries()].filter(([k]) => k !== 'format' && k !== 'dryRun'));
  return ingestDocument(ctx, { format: format.id, media, body, params, dryRun: dryRun === 'true' });
}

function notAllowed(allow: string) {
  return (c: Context): Response => {
    const response = errorResponse(new OperationOutcomeError(methodNotAllowed(`${c.req.method} is not supported on ${c.req.path}`)));
    response.headers.set('Allow', allow);
    return response;
  };
}

function mediaKinds(format: DocumentFormat): MediaKind[] {
  return ['json', ...(Object.keys(format.readers ?? {}) as MediaKind[])];
}
