/**
 * The instance-level write and read interactions: create, read, vread, update, delete.
 * Each takes a transport-free request and returns a {@link FhirResult}; failures throw
 * an OperationOutcomeError.
 *
 * @see https://hl7.org/fhir/R4/http.html
 */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { type StoredVersion, VersionConflictError, type WriteOperation } from '../store/resource-store.ts';
import type { FhirContext, FhirResult } from './context.ts';
import {
  OperationOutcomeError,
  allOk,
  badRequest,
  conflict,
  createdOutcome,
  gone,
  notFound,
  preconditionFailed,
} from './outcomes.ts';
import { assertServedType, assertValidId } from './preconditions.ts';
import { assertValidResource } from './validation.ts';
import { buildVersion, checkIfMatch, resultOf } from './writes.ts';
import { commitWrites } from './workflow/broker.ts';

/** How often an update without If-Match re-reads after losing a race before giving up. */
const OPTIMISTIC_RETRIES = 3;

/** @see https://hl7.org/fhir/R4/http.html#create */
export async function createResource(ctx: FhirContext, type: string, body: unknown): Promise<FhirResult> {
  assertServedType(type);
  assertValidResource(body, type);
  // The server assigns the id; one in the body is ignored, as the spec says.
  const stored = await writeNewVersion(ctx, type, randomUUID(), body, undefined, 'create');
  return { outcome: createdOutcome(), ...resultOf(stored) };
}

/** @see https://hl7.org/fhir/R4/http.html#read */
export async function readResource(ctx: FhirContext, type: string, id: string): Promise<FhirResult> {
  assertServedType(type);
  const current = await ctx.store.readCurrent(type, id);
  return found(current, `${type}/${id}`);
}

/** @see https://hl7.org/fhir/R4/http.html#vread */
export async function readVersion(ctx: FhirContext, type: string, id: string, versionId: string): Promise<FhirResult> {
  assertServedType(type);
  const version = /^[1-9]\d{0,9}$/.test(versionId) ? Number(versionId) : undefined;
  const stored = version === undefined ? undefined : await ctx.store.readVersion(type, id, version);
  return found(stored, `${type}/${id}/_history/${versionId}`);
}

/**
 * Update, or create with the client's id when there is none (update-as-create).
 * `ifMatch` is the version the client last saw; a newer one gives 412.
 *
 * @see https://hl7.org/fhir/R4/http.html#update
 */
export async function updateResource(
  ctx: FhirContext,
  type: string,
  id: string,
  body: unknown,
  ifMatch?: number,
): Promise<FhirResult> {
  assertServedType(type);
  assertValidId(id);
  assertValidResource(body, type);
  if (body.id !== id) {
    throw new OperationOutcomeError(
      badRequest(
        body.id === undefined
          ? `The resource must carry id "${id}" as in the URL`
          : `The resource id "${body.id}" does not match the URL id "${id}"`,
        ['id'],
      ),
    );
  }
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.store.readCurrent(type, id);
    checkIfMatch(ifMatch, current, `${type}/${id}`);
    const isCreate = !current || current.operation === 'delete';
    try {
      const stored = await writeNewVersion(ctx, type, id, body, current, isCreate ? 'create' : 'update');
      return { outcome: isCreate ? createdOutcome() : allOk('Updated'), ...resultOf(stored) };
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      if (ifMatch !== undefined) {
        throw new OperationOutcomeError(preconditionFailed(`${type}/${id} was changed since version ${ifMatch}`));
      }
      if (attempt >= OPTIMISTIC_RETRIES) {
        throw new OperationOutcomeError(conflict(`${type}/${id} is being changed by others; retry the update`));
      }
    }
  }
}

/**
 * Delete: a new version marks the resource deleted; read then gives 410 Gone and the
 * history keeps every version. Deleting a deleted resource changes nothing.
 *
 * @see https://hl7.org/fhir/R4/http.html#delete
 */
export async function deleteResource(ctx: FhirContext, type: string, id: string, ifMatch?: number): Promise<FhirResult> {
  assertServedType(type);
  const current = await ctx.store.readCurrent(type, id);
  if (!current) throw new OperationOutcomeError(notFound(`${type}/${id} not found`));
  checkIfMatch(ifMatch, current, `${type}/${id}`);
  if (current.operation === 'delete') {
    return { outcome: allOk(`${type}/${id} was already deleted`), version: versionOf(current) };
  }
  const deletion = buildVersion(ctx, type, id, undefined, current, 'delete');
  try {
    // Through the workflow broker: a deleted Task leaves the care team; a maintained CareTeam is refused.
    await commitWrites(ctx, [{ next: deletion, previous: current }]);
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    throw new OperationOutcomeError(
      ifMatch === undefined
        ? conflict(`${type}/${id} was changed while deleting; retry the delete`)
        : preconditionFailed(`${type}/${id} was changed since version ${ifMatch}`),
    );
  }
  return { outcome: allOk(`Deleted ${type}/${id}`), version: versionOf(deletion) };
}

async function writeNewVersion(
  ctx: FhirContext,
  type: string,
  id: string,
  body: Resource,
  current: StoredVersion | undefined,
  operation: WriteOperation,
): Promise<StoredVersion> {
  const stored = buildVersion(ctx, type, id, body, current, operation);
  // Through the workflow broker: Task transitions and the care team they change commit together.
  await commitWrites(ctx, [{ next: stored, previous: current }]);
  return stored;
}

function found(stored: StoredVersion | undefined, ref: string): FhirResult {
  if (!stored) throw new OperationOutcomeError(notFound(`${ref} not found`));
  if (stored.operation === 'delete' || !stored.resource) {
    throw new OperationOutcomeError(gone(`${ref} was deleted`));
  }
  return { outcome: allOk(), ...resultOf(stored) };
}

function versionOf(stored: StoredVersion): { versionId: string; lastUpdated: string } {
  return { versionId: String(stored.version), lastUpdated: stored.lastUpdated };
}
