import { OperationOutcomeError, badRequest, notFound } from './outcomes.ts';
import { isServedResourceType } from './resource-types.ts';

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function assertServedType(type: string): void {
  if (!isServedResourceType(type)) {
    throw new OperationOutcomeError(notFound(`Resource type ${type} is not served here`));
  }
}

/** @see https://hl7.org/fhir/R4/datatypes.html#id */
export function assertValidId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new OperationOutcomeError(badRequest(`"${id}" is not a valid FHIR id ([A-Za-z0-9-.]{1,64})`, ['id']));
  }
}

/**
 * Reads the version an `If-Match` header names: `W/"3"` (what we send as ETag), `"3"` or `3`.
 * @see https://hl7.org/fhir/R4/http.html#concurrency
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?([1-9]\d{0,9})"?\s*$/.exec(header);
  if (!match) {
    throw new OperationOutcomeError(badRequest(`If-Match must name a version as W/"<versionId>", got ${header}`));
  }
  return Number(match[1]);
}
