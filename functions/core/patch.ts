/**
 * PATCH with JSON Patch (RFC 6902): applied to the current version, validated like any
 * write, committed only if the version is still the one patched (or the one If-Match names).
 *
 * @see https://hl7.org/fhir/R4/http.html#patch
 */
import type { Resource } from '@medplum/fhirtypes';
import { type Operation, applyPatch } from 'rfc6902';
import type { FhirContext, FhirResult } from './context.ts';
import { updateResource } from './crud.ts';
import { OperationOutcomeError, badRequest, gone, notFound } from './outcomes.ts';
import { assertServedType } from './preconditions.ts';

export async function patchResource(
  ctx: FhirContext,
  type: string,
  id: string,
  patch: unknown,
  ifMatch?: number,
): Promise<FhirResult> {
  assertServedType(type);
  if (!Array.isArray(patch) || patch.some((op) => typeof op !== 'object' || op === null || !('op' in op))) {
    throw new OperationOutcomeError(badRequest('A JSON Patch is an array of operations ({ "op": ..., "path": ... })'));
  }
  const current = await ctx.store.readCurrent(type, id);
  if (!current) throw new OperationOutcomeError(notFound(`${type}/${id} not found`));
  if (!current.resource) throw new OperationOutcomeError(gone(`${type}/${id} was deleted`));
  const patched = structuredClone(current.resource) as Resource;
  const errors = applyPatch(patched, patch as Operation[]);
  const failed = errors.findIndex((e) => e !== null);
  if (failed >= 0) {
    throw new OperationOutcomeError(
      badRequest(`Patch operation ${failed} (${(patch[failed] as Operation).op} ${(patch[failed] as Operation).path}) failed: ${errors[failed]?.name}`),
    );
  }
  if (patched.resourceType !== type || patched.id !== id) {
    throw new OperationOutcomeError(badRequest('A patch may not change resourceType or id'));
  }
  // The patch was computed on this version: if someone wrote meanwhile, the update is 412.
  return updateResource(ctx, type, id, patched, ifMatch ?? current.version);
}
