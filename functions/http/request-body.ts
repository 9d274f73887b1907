import type { Context } from 'hono';
import { OperationOutcomeError, badRequest, payloadTooLarge, unsupportedMediaType } from '../core/outcomes.ts';

/** Largest request body read at all; the stored-resource limit (`limits.ts`) applies after. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

const JSON_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/fhir+json', 'application/json']);
const JSON_PATCH_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/json-patch+json']);

/**
 * Reads a JSON request body: checks the media type (415), the size (413) and the
 * syntax (400) before any FHIR processing.
 */
export async function readJsonBody(c: Context, mediaTypes: ReadonlySet<string> = JSON_MEDIA_TYPES): Promise<unknown> {
  const contentType = c.req.header('Content-Type');
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!mediaType || !mediaTypes.has(mediaType)) {
    throw new OperationOutcomeError(
      unsupportedMediaType(`Content-Type must be ${[...mediaTypes].join(' or ')}, got ${contentType ?? 'none'}`),
    );
  }
  const declaredLength = Number(c.req.header('Content-Length') ?? 0);
  if (declaredLength > MAX_REQUEST_BYTES) throw tooLarge(declaredLength);
  const text = await c.req.text();
  const length = Buffer.byteLength(text);
  if (length > MAX_REQUEST_BYTES) throw tooLarge(length);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new OperationOutcomeError(badRequest(`Malformed JSON: ${(err as Error).message}`));
  }
}

/** A JSON Patch document (RFC 6902) for PATCH. */
export function readJsonPatchBody(c: Context): Promise<unknown> {
  return readJsonBody(c, JSON_PATCH_MEDIA_TYPES);
}

function tooLarge(bytes: number): OperationOutcomeError {
  return new OperationOutcomeError(
    payloadTooLarge(`The request body is ${bytes} bytes; samvard accepts at most ${MAX_REQUEST_BYTES} bytes`),
  );
}

/** Reads an `application/x-www-form-urlencoded` search body (`POST [type]/_search`). */
export async function readFormBody(c: Context): Promise<[string, string][]> {
  const mediaType = c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new OperationOutcomeError(
      unsupportedMediaType('POST _search takes Content-Type application/x-www-form-urlencoded'),
    );
  }
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) throw tooLarge(Buffer.byteLength(text));
  return [...new URLSearchParams(text).entries()];
}
