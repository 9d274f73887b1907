/**
 * Planning a write: the new version a create, update or delete produces, before it is
 * committed. Single interactions commit one plan; a transaction Bundle commits many at once.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Change, StoredVersion, WriteOperation } from '../store/resource-store.ts';
import type { FhirContext, FhirResult } from './context.ts';
import { MAX_RESOURCE_BYTES } from './limits.ts';
import { OperationOutcomeError, payloadTooLarge, preconditionFailed } from './outcomes.ts';

/** A write ready to commit, with the result to answer once it is. */
export interface PlannedWrite {
  change: Change;
  result: FhirResult;
}

/** The stored form of a new version: server-set id, `meta.versionId` and `meta.lastUpdated`. */
export function buildVersion(
  ctx: FhirContext,
  type: string,
  id: string,
  body: Resource | undefined,
  current: StoredVersion | undefined,
  operation: WriteOperation,
): StoredVersion {
  const version = (current?.version ?? 0) + 1;
  const lastUpdated = nextTimestamp(ctx, current);
  const stored: StoredVersion = { type, id, version, lastUpdated, operation };
  if (body) {
    const resource = { ...body, id, meta: { ...body.meta, versionId: String(version), lastUpdated } } as Resource;
    const bytes = Buffer.byteLength(JSON.stringify(resource));
    if (bytes > MAX_RESOURCE_BYTES) {
      throw new OperationOutcomeError(
        payloadTooLarge(`The resource is ${bytes} bytes; samvard stores at most ${MAX_RESOURCE_BYTES} bytes`),
      );
    }
    stored.resource = resource;
  }
  return stored;
}

/** Time of a new version: now, but never before the version it replaces. */
function nextTimestamp(ctx: FhirContext, current: StoredVersion | undefined): string {
  const now = (ctx.now?.() ?? new Date()).toISOString();
  return current && current.lastUpdated > now ? current.lastUpdated : now;
}

/** `If-Match` must name the current version (and a resource must exist for it to). */
export function checkIfMatch(ifMatch: number | undefined, current: StoredVersion | undefined, ref: string): void {
  if (ifMatch === undefined) return;
  if (!current) throw new OperationOutcomeError(preconditionFailed(`${ref} does not exist; If-Match cannot hold`));
  if (current.version !== ifMatch) {
    throw new OperationOutcomeError(
      preconditionFailed(`${ref} is at version ${current.version}, not ${ifMatch} as If-Match says`),
    );
  }
}

export function isLive(current: StoredVersion | undefined): current is StoredVersion & { resource: Resource } {
  return current !== undefined && current.operation !== 'delete' && current.resource !== undefined;
}

export function resultOf(stored: StoredVersion): Pick<FhirResult, 'resource' | 'version'> {
  return { resource: stored.resource, version: { versionId: String(stored.version), lastUpdated: stored.lastUpdated } };
}
