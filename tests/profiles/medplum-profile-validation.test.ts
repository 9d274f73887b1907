/**
 * Why samvard walks profile snapshots itself (functions/core/profile-validator.ts) instead
 * of calling @medplum/core's `validateResource(resource, { profile })`: what @medplum/core 5
 * does with our profiles. If one of these fails after an upgrade, @medplum/core changed and
 * the choice is worth revisiting.
 */
import { readFileSync } from 'node:fs';
import { validateResource } from '@medplum/core';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../functions/core/validation.ts';

const generated = (path: string) => JSON.parse(readFileSync(new URL(`../../fhir-profiles/generated/${path}`, import.meta.url), 'utf8'));
const example = (name: string): Resource => generated(`examples/${name}.json`);
/** The full StructureDefinition, as served (the runtime index keeps a cut-down snapshot). */
const structureDefinition = (url: string): StructureDefinition =>
  generated(`resources/StructureDefinition-${url.split('/').pop()}.json`);

function medplumErrors(resource: Resource): string[] {
  const profile = structureDefinition(resource.meta?.profile?.[0] as string);
  try {
    validateResource(resource, { profile });
    return [];
  } catch (err) {
    const issues = (err as { outcome?: { issue?: { details?: { text?: string } }[] } }).outcome?.issue ?? [];
    return issues.map((i) => i.details?.text ?? '');
  }
}

beforeAll(() => loadDefinitions());

describe('@medplum/core 5 validateResource with one of our profiles', () => {
  it('evaluates invariants on the resource root and counts slices', () => {
    expect(medplumErrors(example('ServiceRequest-invalid-servicerequest-no-medical-information'))).toEqual([
      expect.stringMatching(/^Constraint samvard-sr-2 not met/),
    ]);
    expect(medplumErrors(example('Organization-invalid-organization-no-hsaid'))).toEqual([
      expect.stringMatching(/slice 'hsaId'/),
    ]);
  });

  it.each([
    ['invariants on a slice (a wrong personnummer check digit)', 'Patient-invalid-patient-pnr-check-digit'],
    ['required bindings', 'Organization-invalid-organization-unknown-kind'],
    ['cardinality two backbone levels down', 'CarePlan-invalid-careplan-activity-without-performer'],
    ['type choices (value[x] only Quantity)', 'Observation-invalid-observation-heart-rate-string'],
    ['fixed values inside a slice (the unit)', 'Observation-invalid-observation-temperature-fahrenheit'],
  ])('misses %s', (_what, name) => {
    expect(medplumErrors(example(name))).toEqual([]);
  });

  it.each([
    ['extension slices by url (a valid HSL-uppdrag)', 'Task-task-example-hsl-uppdrag'],
    ['component slices whose code sits in a nested slice (a valid blood pressure)', 'Observation-observation-example-blood-pressure'],
  ])('rejects valid resources: it cannot match %s', (_what, name) => {
    expect(medplumErrors(example(name))).toEqual(expect.arrayContaining([expect.stringMatching(/Incorrect number of values provided for slice/)]));
  });
});
