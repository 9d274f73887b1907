/**
 * `$validate` at type level (`POST [base]/[type]/$validate`) and instance level
 * (`POST [base]/[type]/[id]/$validate`, or `GET` to validate the stored version), with the
 * optional `profile` and `mode` parameters, in the query or in a Parameters body.
 *
 * What is checked: the base R4 definitions, then the profiles of samvard its
 * `meta.profile` names, and
 * - without `profile`: the profiles its type must meet on write (profiles.ts), so the
 *   answer is "would samvard accept this write";
 * - with `profile`: that profile too; the per-type requirement only for `mode` create or
 *   update.
 * The answer is 200 with an OperationOutcome listing every issue (errors, warnings, and
 * profiles it did not check), or one informational "All OK"; a 4xx means the validation
 * could not be done (unknown type, unknown profile, malformed request).
 *
 * @see https://hl7.org/fhir/R4/resource-operation-validate.html
 */
import type { OperationOutcome, OperationOutcomeIssue, Parameters, Resource } from '@medplum/fhirtypes';
import type { FhirContext, FhirResult } from './context.ts';
import { OperationOutcomeError, allOk, badRequest, gone, notFound } from './outcomes.ts';
import { assertServedType, assertValidId } from './preconditions.ts';
import { canonicalUrl } from './profile-registry.ts';
import { findProfile, profileIssues } from './profiles.ts';
import type { SearchParams } from './search/search.ts';
import { baseValidationIssues } from './validation.ts';

const MODES = ['create', 'update', 'delete'] as const;
type Mode = (typeof MODES)[number];

export interface ValidateRequest {
  /** The instance id, for `[type]/[id]/$validate`. */
  id?: string;
  /** The request body: the resource, or a Parameters resource; undefined for GET. */
  body?: unknown;
  /** Query parameters (`profile`, `mode`). */
  params?: SearchParams;
}

/** @see https://hl7.org/fhir/R4/resource-operation-validate.html */
export async function validateOperation(ctx: FhirContext, type: string, request: ValidateRequest): Promise<FhirResult> {
  assertServedType(type);
  if (request.id !== undefined) assertValidId(request.id);
  const input = readInput(request);
  if ((input.mode === 'update' || input.mode === 'delete') && request.id === undefined) {
    throw new OperationOutcomeError(badRequest(`mode ${input.mode} needs the instance: POST ${type}/[id]/$validate`, ['mode']));
  }
  if (input.profile !== undefined && !findProfile(input.profile)) {
    throw new OperationOutcomeError(
      badRequest(`${input.profile} is not a profile samvard validates against`, ['profile']),
    );
  }
  if (input.mode === 'delete') {
    // samvard has no rules that forbid a delete (no referential integrity is enforced).
    return answer([]);
  }

  let resource = input.resource;
  if (resource === undefined) {
    if (request.id === undefined) {
      throw new OperationOutcomeError(badRequest('$validate needs a resource in the body', ['resource']));
    }
    resource = await storedResource(ctx, type, request.id);
  }
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    throw new OperationOutcomeError(badRequest('The resource to validate must be a JSON object', ['resource']));
  }
  const resourceType = (resource as { resourceType?: unknown }).resourceType;
  if (resourceType !== type) {
    throw new OperationOutcomeError(
      badRequest(`resourceType is ${JSON.stringify(resourceType)} but the URL names ${type}`, ['resourceType']),
    );
  }

  const issues: OperationOutcomeIssue[] = [];
  const candidate = resource as Resource;
  if (input.mode === 'update' && candidate.id !== request.id) {
    issues.push(error('invalid', `The resource id must be "${request.id}" as in the URL`, `${type}.id`));
  }
  const base = baseValidationIssues(candidate);
  issues.push(...base);
  if (!base.some(isError)) {
    const enforceRequired = input.profile === undefined || input.mode === 'create' || input.mode === 'update';
    issues.push(...profileIssues(candidate, { profile: input.profile, enforceRequired }));
  }
  return answer(issues);
}

interface Input {
  resource?: unknown;
  profile?: string;
  mode?: Mode;
}

/** The operation's parameters, from a Parameters body or a plain resource body and the query. */
function readInput(request: ValidateRequest): Input {
  const input: Input = {};
  const body = request.body as { resourceType?: unknown } | undefined;
  const query = new Map(request.params ?? []);
  let profile = query.get('profile');
  let mode = query.get('mode');
  if (body?.resourceType === 'Parameters') {
    for (const p of (body as Parameters).parameter ?? []) {
      if (p.name === 'resource') input.resource = p.resource;
      else if (p.name === 'profile') profile = p.valueCanonical ?? p.valueUri ?? p.valueString;
      else if (p.name === 'mode') mode = p.valueCode ?? p.valueString;
    }
  } else if (body !== undefined) {
    input.resource = body;
  }
  if (profile !== undefined) input.profile = canonicalUrl(profile);
  if (mode !== undefined) {
    if (!(MODES as readonly string[]).includes(mode)) {
      throw new OperationOutcomeError(badRequest(`mode must be one of ${MODES.join(', ')}, got ${mode}`, ['mode']));
    }
    input.mode = mode as Mode;
  }
  return input;
}

async function storedResource(ctx: FhirContext, type: string, id: string): Promise<Resource> {
  const current = await ctx.store.readCurrent(type, id);
  if (!current) throw new OperationOutcomeError(notFound(`${type}/${id} not found`));
  if (current.operation === 'delete' || !current.resource) {
    throw new OperationOutcomeError(gone(`${type}/${id} was deleted`));
  }
  return current.resource;
}

function answer(issues: OperationOutcomeIssue[]): FhirResult {
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: issues.length > 0 ? issues : [{ severity: 'information', code: 'informational', details: { text: 'All OK' } }],
  };
  return { outcome: allOk(issues.some(isError) ? 'Validation found errors' : 'All OK'), resource: outcome };
}

function isError(issue: OperationOutcomeIssue): boolean {
  return issue.severity === 'error' || issue.severity === 'fatal';
}

function error(code: OperationOutcomeIssue['code'], text: string, expression: string): OperationOutcomeIssue {
  return { severity: 'error', code, details: { text }, expression: [expression] };
}
