/**
 * samvard's one error model: every result is a FHIR OperationOutcome whose `id` is a
 * stable code, and {@link httpStatus} is the only place that turns a code into a status.
 * Modelled on Medplum's `packages/core/src/outcomes.ts`.
 *
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 * @see https://hl7.org/fhir/R4/http.html#Status-Codes
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

const STATUS_BY_CODE = {
  ok: 200,
  created: 201,
  'bad-request': 400,
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  gone: 410,
  'precondition-failed': 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'server-error': 500,
  unavailable: 503,
} as const;

export type OutcomeCode = keyof typeof STATUS_BY_CODE;
type Severity = OperationOutcomeIssue['severity'];
type IssueType = OperationOutcomeIssue['code'];

/** An error that carries the OperationOutcome to answer with. */
export class OperationOutcomeError extends Error {
  constructor(readonly outcome: OperationOutcome) {
    super(outcome.issue?.[0]?.details?.text ?? outcome.id);
    this.name = 'OperationOutcomeError';
  }
}

function outcome(
  code: OutcomeCode,
  severity: Severity,
  issueType: IssueType,
  text: string,
  expression?: string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code: issueType, details: { text } };
  if (expression && expression.length > 0) issue.expression = expression;
  return { resourceType: 'OperationOutcome', id: code, issue: [issue] };
}

export const allOk = (text = 'All OK'): OperationOutcome => outcome('ok', 'information', 'informational', text);
export const createdOutcome = (text = 'Created'): OperationOutcome =>
  outcome('created', 'information', 'informational', text);
export const badRequest = (text: string, expression?: string[]): OperationOutcome =>
  outcome('bad-request', 'error', 'invalid', text, expression);
export const notFound = (text: string): OperationOutcome => outcome('not-found', 'error', 'not-found', text);
/** No valid access token (missing, malformed, expired, wrong issuer or audience). */
export const unauthorized = (text: string): OperationOutcome => outcome('unauthorized', 'error', 'login', text);
/** A valid token whose scopes or access rules do not allow the interaction. */
export const forbidden = (text: string): OperationOutcome => outcome('forbidden', 'error', 'forbidden', text);
export const gone = (text: string): OperationOutcome => outcome('gone', 'error', 'deleted', text);
export const methodNotAllowed = (text: string): OperationOutcome =>
  outcome('method-not-allowed', 'error', 'not-supported', text);
export const conflict = (text: string): OperationOutcome => outcome('conflict', 'error', 'conflict', text);
export const preconditionFailed = (text: string): OperationOutcome =>
  outcome('precondition-failed', 'error', 'conflict', text);
export const payloadTooLarge = (text: string): OperationOutcome =>
  outcome('payload-too-large', 'error', 'too-costly', text);
export const unsupportedMediaType = (text: string): OperationOutcome =>
  outcome('unsupported-media-type', 'error', 'not-supported', text);
/** A fault in a dependency: the request did nothing and may be retried. */
export const unavailable = (text: string): OperationOutcome => outcome('unavailable', 'error', 'transient', text);
export const serverError = (): OperationOutcome =>
  outcome('server-error', 'fatal', 'exception', 'Internal server error; the request may not have been applied');

/** An outcome with several validation issues, each with its own `expression`. */
export function invalid(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', id: 'invalid', issue: issues };
}

/** The HTTP status for an outcome. Unknown codes are server errors. */
export function httpStatus(result: OperationOutcome): number {
  return STATUS_BY_CODE[result.id as OutcomeCode] ?? 500;
}

export function isOk(result: OperationOutcome): boolean {
  return httpStatus(result) < 400;
}

export function isRetryable(result: OperationOutcome): boolean {
  return result.id === 'unavailable';
}
