/**
 * HTTP routes of document ingest (mappings/ingest.ts), a system-level operation:
 *
 * - `POST /fhir/$ingest?format=region.vardbegaran.v1[&dryRun=true]`: the document as
 *   `application/json` (or `text/csv`, `application/xml` where the format takes them);
 *   answers with the transaction-response Bundle, or with the Bundle it would commit on a
 *   dry run.
 * - `GET /fhir/$ingest`: the formats, with links to their JSON Schemas.
 * - `GET /fhir/$ingest/{format}.schema.json`: one format's JSON Schema.
 *
 * Under `/fhir` on purpose: authentication, scopes, the access rules (the store view the
 * transaction writes through) and the access log apply to ingest exactly as to a
 * transaction Bundle, with no route of its own to protect.
 */
import type { Context, Hono } from 'hono';
import type { FhirContext, FhirResult } from '../core/context.ts';
import { OperationOutcomeError, badRequest, methodNotAllowed, payloadTooLarge, unsupportedMediaType } from '../core/outcomes.ts';
import type { MediaKind } from '../../mappings/common/format.ts';
import { jsonSchemaOf } from '../../mappings/json-schema.ts';
import { FORMATS } from '../../mappings/formats.ts';
import { formatById, ingestDocument } from '../../mappings/ingest.ts';
import { errorResponse } from './fhir-response.ts';
import { MAX_REQUEST_BYTES } from './request-body.ts';

export interface IngestRouteHelpers {
  fhirContext: (c: Context) => FhirContext;
  respond: (c: Context, result: FhirResult, isWrite?: boolean) => Response;
}

/** `$ingest` as a path segment, as `$validate` in app.ts. */
const INGEST = ':operation{\\$ingest}';

const MEDIA: Record<string, MediaKind> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/xml': 'xml',
  'text/xml': 'xml',
};
const MEDIA_TYPE_OF: Record<MediaKind, string> = { json: 'application/json', csv: 'text/csv', xml: 'application/xml' };

export function registerIngestRoutes(app: Hono, { fhirContext, respond }: IngestRouteHelpers): void {
  app.get(`/fhir/${INGEST}`, (c) => {
    const base = fhirContext(c).baseUrl;
    const formats = FORMATS.map((f) => ({
      format: f.id,
      title: f.title,
      description: f.description,
      mediaTypes: mediaKinds(f.id).map((m) => MEDIA_TYPE_OF[m]),
      schema: `${base}/$ingest/${f.id}.schema.json`,
      ingest: `${base}/$ingest?format=${f.id}`,
    }));
    return c.json({ formats });
  });

  app.get(`/fhir/${INGEST}/:file{[A-Za-z0-9.\\-]+\\.schema\\.json}`, (c) => {
    const id = c.req.param('file').replace(/\.schema\.json$/, '');
    const format = FORMATS.find((f) => f.id === id);
    if (!format) return errorResponse(new OperationOutcomeError(badRequest(`Unknown format "${id}"`, ['format'])));
    return c.json(jsonSchemaOf(format), 200, { 'Content-Type': 'application/schema+json' });
  });

  app.post(`/fhir/${INGEST}`, async (c) => {
    const query = new URL(c.req.url).searchParams;
    const formatId = query.get('format');
    if (!formatId) throw new OperationOutcomeError(badRequest('$ingest needs ?format=, e.g. region.vardbegaran.v1', ['format']));
    const format = formatById(formatId);
    const contentType = c.req.header('Content-Type');
    const media = MEDIA[contentType?.split(';')[0]?.trim().toLowerCase() ?? ''];
    const accepted = mediaKinds(format.id);
    if (!media || !accepted.includes(media)) {
      throw new OperationOutcomeError(
        unsupportedMediaType(`${format.id} takes Content-Type ${accepted.map((m) => MEDIA_TYPE_OF[m]).join(' or ')}, got ${contentType ?? 'none'}`),
      );
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
    const result = await ingestDocument(fhirContext(c), { format: format.id, media, body, params, dryRun: dryRun === 'true' });
    return respond(c, result);
  });

  app.on(['PUT', 'PATCH', 'DELETE'], `/fhir/${INGEST}`, (c) => {
    const response = errorResponse(new OperationOutcomeError(methodNotAllowed(`${c.req.method} is not supported on ${c.req.path}`)));
    response.headers.set('Allow', 'GET, POST');
    return response;
  });
}

function mediaKinds(formatId: string): MediaKind[] {
  const format = FORMATS.find((f) => f.id === formatId);
  return ['json', ...(Object.keys(format?.readers ?? {}) as MediaKind[])];
}
