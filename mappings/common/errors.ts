/**
 * Errors against the posted document: every issue's `expression` is a path into the
 * document (`activities[2].responsible`), not into the FHIR resources it maps to.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { z } from 'zod';
import { OperationOutcomeError, conflict, invalid } from '../../functions/core/outcomes.ts';

/** `['activities', 2, 'responsible']` → `activities[2].responsible`. */
export function documentPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** A 400 with one issue per schema problem. */
export function schemaOutcome(issues: z.core.$ZodIssue[], describe?: (path: string) => string | undefined): OperationOutcome {
  const out: OperationOutcomeIssue[] = [];
  for (const issue of issues) {
    const paths =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => documentPath([...issue.path, key]))
        : [documentPath(issue.path)];
    for (const path of paths) {
      const where = describe?.(path);
      const text = issue.code === 'unrecognized_keys' ? 'Okänt fält. / Unknown field.' : issue.message;
      const entry: OperationOutcomeIssue = {
        severity: 'error',
        code: issue.code === 'unrecognized_keys' ? 'structure' : issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'required' : 'invalid',
        details: { text: `${path || '(document)'}: ${text}${where ? ` (${where})` : ''}` },
      };
      if (path) entry.expression = [path];
      out.push(entry);
    }
  }
  return invalid(out);
}

/** A 409: the document is well formed, but the record does not allow what it asks (e.g. the Task it updates does not exist). */
export function documentConflict(text: string, path: string): OperationOutcomeError {
  const outcome = conflict(text);
  const issue = outcome.issue?.[0] as OperationOutcomeIssue;
  return new OperationOutcomeError({ ...outcome, issue: [{ ...issue, expression: [path] }] });
}
