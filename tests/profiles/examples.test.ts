/**
 * Every FSH example instance, loaded from the generated output, goes through the same
 * check a write does (`assertValidResource`): the valid ones pass, and each invalid one
 * fails with the rule and the element listed here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../functions/core/outcomes.ts';
import { assertValidResource, loadDefinitions } from '../../functions/core/validation.ts';

const DIR = new URL('../../fhir-profiles/generated/examples/', import.meta.url);
const load = (file: string): Resource => JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Resource;
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const valid = files.filter((f) => !f.includes('-invalid-'));
const invalid = files.filter((f) => f.includes('-invalid-'));

/** For each invalid example: the message it must fail with and the element it names. */
const EXPECTED: Record<string, [RegExp, string]> = {
  'Patient-invalid-patient-pnr-check-digit': [/^se-pnr-luhn: .*check digit \(Luhn\) and it is wrong/, 'Patient.identifier[0]'],
  'Patient-invalid-patient-pnr-30-february': [/^se-pnr-date: .*real calendar date/, 'Patient.identifier[0]'],
  'Patient-invalid-patient-pnr-11-digits': [/^se-pnr-format: .*exactly 12 digits/, 'Patient.identifier[0]'],
  'Patient-invalid-patient-pnr-hyphen': [/^se-pnr-format: .*with no hyphen/, 'Patient.identifier[0]'],
  'Patient-invalid-patient-snr-day-without-60': [/^se-snr-date: .*60 added/, 'Patient.identifier[0]'],
  'Patient-invalid-patient-two-personnummer': [
    /slice identifier:personnummer: .*0\.\.1 identifier with system = http:\/\/electronichealth\.se\/identifier\/personnummer; found 2/,
    'Patient.identifier',
  ],
  'Organization-invalid-organization-no-hsaid': [
    /slice identifier:hsaId: .*1\.\.1 identifier with system = urn:oid:1\.2\.752\.29\.4\.19; found 0/,
    'Organization.identifier',
  ],
  'Organization-invalid-organization-orgnr-check-digit': [/^se-orgnr-luhn: /, 'Organization.identifier[1]'],
  'Organization-invalid-organization-unknown-kind': [
    /binding: .*required value set Huvudman .*region, kommun, privat; found .*#landsting/,
    'Organization.type[0]',
  ],
  'CareTeam-invalid-careteam-one-provider': [/^samvard-careteam-1: .*at least two care providers/, 'CareTeam'],
  'CarePlan-invalid-careplan-unknown-type': [/binding: .*Typ av vårdplan .*SIP, SPLPTLRV, SPU, VP, HP, RP, GP, SVP; found .*#XYZ/, 'CarePlan.category[0]'],
  'CarePlan-invalid-careplan-activity-without-performer': [
    /cardinality: CarePlan\.activity\[0\]\.detail\.performer is missing \(SamvardCarePlan requires 1\.\.\*, found 0\)/,
    'CarePlan.activity[0].detail.performer',
  ],
  'ServiceRequest-invalid-servicerequest-intent-plan': [/fixed value: ServiceRequest\.intent must be "order", found "plan"/, 'ServiceRequest.intent'],
  'ServiceRequest-invalid-servicerequest-no-medical-information': [/^samvard-sr-2: .*medical information/, 'ServiceRequest'],
  'Task-invalid-task-based-on-careplan': [/^samvard-task-2: .*must be based on a request/, 'Task'],
  'Task-invalid-task-no-delegated-care': [
    /slice extension:delegatedCare: .*1\.\.1 extension with url = https:\/\/samvard\.se\/fhir\/StructureDefinition\/samvard-delegated-care; found 0/,
    'Task.extension',
  ],
  'Task-invalid-task-unknown-kind': [/binding: Task\.code .*Typ av HSL-uppdrag.*found .*#hair-cut/, 'Task.code'],
  'Task-invalid-task-delegated-care-not-boolean': [/type: Task\.extension\[0\]\.valueString is a string; .*allows only boolean/, 'Task.extension[0].valueString'],
  'Task-invalid-task-rejected-without-reason': [/^samvard-task-1: .*must say why/, 'Task'],
  'Task-invalid-task-status-draft': [/binding: Task\.status .*Status för HSL-uppdrag.*found draft/, 'Task.status'],
  'Observation-invalid-observation-egenvard-no-performer': [
    /slice component:performedBy: .*1\.\.1 component with code = https:\/\/samvard\.se\/fhir\/CodeSystem\/observation-code#egenvard-utforare \(Utförare av egenvården\); found 0/,
    'Observation.component',
  ],
  'Observation-invalid-observation-blood-pressure-unit': [
    /fixed value: Observation\.component\[0\]\.valueQuantity\.code must be "mm\[Hg\]", found "mmHg"/,
    'Observation.component[0].valueQuantity.code',
  ],
  'Observation-invalid-observation-blood-pressure-no-diastolic': [
    /slice component:DiastolicBP: .*code\.coding\.code = 8462-4 and code\.coding\.system = http:\/\/loinc\.org; found 0/,
    'Observation.component',
  ],
  'Observation-invalid-observation-heart-rate-string': [/type: Observation\.valueString is a string; SamvardHeartRate allows only Quantity/, 'Observation.valueString'],
  'Observation-invalid-observation-temperature-fahrenheit': [/fixed value: Observation\.valueQuantity\.code must be "Cel", found "\[degF\]"/, 'Observation.valueQuantity.code'],
  'Observation-invalid-observation-oxygen-saturation-fraction': [/fixed value: Observation\.valueQuantity\.code must be "%", found "1"/, 'Observation.valueQuantity.code'],
  'Observation-invalid-observation-respiratory-rate-no-patient': [/cardinality: Observation\.subject is missing \(SamvardRespiratoryRate requires 1\.\.1/, 'Observation.subject'],
  'Observation-invalid-observation-weight-no-performer': [/cardinality: Observation\.performer is missing \(SamvardBodyWeight requires 1\.\.\*/, 'Observation.performer'],
};

function rejection(resource: Resource): OperationOutcomeIssue[] {
  try {
    assertValidResource(resource, resource.resourceType);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
  return [];
}

beforeAll(() => loadDefinitions());

describe('profile examples', () => {
  it('has a valid and an invalid example for every profile, and an expectation for every invalid one', () => {
    const profilesWithValid = new Set(valid.map((f) => load(f).meta?.profile?.[0]));
    const profilesWithInvalid = new Set(invalid.map((f) => load(f).meta?.profile?.[0]));
    expect(profilesWithValid.size).toBe(13);
    for (const p of profilesWithValid) expect(profilesWithInvalid, `no invalid example for ${p}`).toContain(p);
    expect(invalid.map((f) => f.replace('.json', '')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(valid)('%s conforms', (file) => {
    const resource = load(file);
    expect(resource.meta?.profile?.[0]).toMatch(/^https:\/\/samvard\.se\/fhir\/StructureDefinition\//);
    expect(rejection(resource)).toEqual([]);
  });

  it.each(invalid)('%s is rejected with the expected rule', (file) => {
    const [message, expression] = EXPECTED[file.replace('.json', '')] as [RegExp, string];
    const issues = rejection(load(file));
    const errors = issues.filter((i) => i.severity === 'error');
    expect(errors.length, JSON.stringify(issues)).toBeGreaterThan(0);
    const match = errors.find((i) => message.test(i.details?.text ?? ''));
    expect(match, `${file}: ${JSON.stringify(errors.map((i) => i.details?.text))}`).toBeDefined();
    expect(match?.expression).toEqual([expression]);
    expect(match?.diagnostics).toMatch(/^Profile https:\/\/samvard\.se\/fhir\/StructureDefinition\//);
  });
});
