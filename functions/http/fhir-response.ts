/**
 * Turns a FhirResult or an error into an HTTP response: status from the outcome,
 * ETag / Last-Modified / Location from the version, body as `Prefer` asks.
 *
 * @see https://hl7.org/fhir/R4/http.html#ops
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { FhirResult } from '../core/context.ts';
import { OperationOutcomeError, httpStatus, isRetryable, serverError } from '../core/outcomes.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Seconds a client should wait before retrying after a 503. */
const RETRY_AFTER_SECONDS = '1';

export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';

export function parsePreferReturn(header: string | undefined): PreferReturn {
  const match = /(?:^|[;,\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/.exec(header ?? '');
  return (match?.[1] as PreferReturn | undefined) ?? 'representation';
}

export function fhirResponse(
  result: FhirResult,
  options: { baseUrl: string; prefer?: PreferReturn } = { baseUrl: '' },
): Response {
  const status = httpStatus(result.outcome);
  const headers = new Headers({ 'Content-Type': FHIR_JSON });
  const { version, resource } = result;
  if (version) {
    headers.set('ETag', `W/"${version.versionId}"`);
    headers.set('Last-Modified', new Date(version.lastUpdated).toUTCString());
  }
  if (status === 201 && resource?.id) {
    headers.set('Location', `${options.baseUrl}/${resource.resourceType}/${resource.id}/_history/${version?.versionId}`);
  }
  const prefer = options.prefer ?? 'representation';
  if (prefer === 'minimal') return new Response(null, { status, headers });
  const body = prefer === 'OperationOutcome' ? result.outcome : (resource ?? result.outcome);
  return new Response(JSON.stringify(body), { status, headers });
}

/** The response for anything thrown while handling a request. */
export function errorResponse(err: unknown): Response {
  let outcome: OperationOutcome;
  if (err instanceof OperationOutcomeError) {
    outcome = err.outcome;
  } else {
    console.error('Unhandled error', err);
    outcome = serverError();
  }
  const headers = new Headers({ 'Content-Type': FHIR_JSON });
  if (isRetryable(outcome)) headers.set('Retry-After', RETRY_AFTER_SECONDS);
  return new Response(JSON.stringify(outcome), { status: httpStatus(outcome), headers });
}
