/**
 * Which profiles a write must meet: meta.profile, and the configured requirement per type
 * (functions/core/profiles.ts), through the write path's `assertValidResource`.
 */
import type { Observation, OperationOutcomeIssue, Patient, Resource } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../functions/core/outcomes.ts';
import {
  DEFAULT_REQUIRED_PROFILES,
  configureRequiredProfiles,
  parseRequiredProfiles,
  profileIssues,
  supportedProfiles,
} from '../../functions/core/profiles.ts';
import { assertValidResource, loadDefinitions } from '../../functions/core/validation.ts';
import { egenvardsbedomning, heartRate, hslTask } from '../support/conforming.ts';

const SD = 'https://samvard.se/fhir/StructureDefinition';

function rejection(resource: Resource): OperationOutcomeIssue[] {
  try {
    assertValidResource(resource, resource.resourceType);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
  return [];
}
const texts = (issues: OperationOutcomeIssue[]) => issues.map((i) => i.details?.text ?? '');
const withoutProfile = <T extends Resource>(r: T): T => ({ ...r, meta: undefined });

beforeAll(() => loadDefinitions());
afterEach(() => {
  configureRequiredProfiles(undefined);
});

describe('default requirement', () => {
  it('rejects a plain Task, naming the HSL-uppdrag rules it breaks', () => {
    const issues = rejection({ resourceType: 'Task', status: 'requested', intent: 'order' });
    expect(issues.length).toBeGreaterThan(3);
    expect(issues.every((i) => i.diagnostics === `Profile ${SD}/samvard-hsl-uppdrag`)).toBe(true);
    expect(texts(issues)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cardinality: Task\.owner is missing \(SamvardHslUppdrag requires 1\.\.1, found 0\)$/),
        expect.stringMatching(/^cardinality: Task\.basedOn is missing/),
        expect.stringMatching(/^slice extension:delegatedCare: /),
      ]),
    );
  });

  it('accepts conforming resources without meta.profile: the requirement applies anyway', () => {
    expect(rejection(withoutProfile(hslTask()))).toEqual([]);
    expect(rejection(withoutProfile(heartRate(64)))).toEqual([]);
    expect(rejection(withoutProfile(egenvardsbedomning()))).toEqual([]);
  });

  it('checks an Observation against the profile its code selects', () => {
    const pulse = withoutProfile(heartRate(64));
    const wrongUnit: Observation = { ...pulse, valueQuantity: { ...pulse.valueQuantity, code: 'beats/min' } };
    const issues = rejection(wrongUnit);
    expect(texts(issues)).toEqual([
      'fixed value: Observation.valueQuantity.code must be "/min", found "beats/min"',
    ]);
    expect(issues[0]?.diagnostics).toBe(`Profile ${SD}/samvard-heart-rate`);
  });

  it('rejects an Observation whose code matches none of the profiles, listing them', () => {
    const issues = rejection({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.expression).toEqual(['Observation.code']);
    expect(issues[0]?.details?.text).toMatch(
      /^profile: every Observation written to samvard must conform to one of its profiles, chosen by code; http:\/\/loinc\.org#2339-0 matches none of: Egenvårdsbedömning \(Observation\) \(https:\/\/samvard\.se\/fhir\/StructureDefinition\/samvard-egenvardsbedomning\); Blodtryck/,
    );
  });

  it('does not require a profile of Patient or Organization, but checks the one meta.profile names', () => {
    expect(rejection({ resourceType: 'Patient', name: [{ family: 'Andersson' }] })).toEqual([]);
    const named = rejection({
      resourceType: 'Patient',
      meta: { profile: [`${SD}/samvard-patient`] },
      identifier: [{ system: 'http://electronichealth.se/identifier/personnummer', value: '191212121213' }],
    });
    expect(texts(named)).toEqual([expect.stringMatching(/^se-pnr-luhn: /)]);
  });
});

describe('meta.profile', () => {
  it('rejects a name under samvard\'s canonical that is not one of its profiles, listing those that are', () => {
    const issues = rejection({ ...hslTask(), meta: { profile: [`${SD}/samvard-task`] } });
    expect(issues).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'not-found',
        expression: ['Task.meta.profile[0]'],
        details: { text: `profile: ${SD}/samvard-task is not a samvard profile; profiles on Task: ${SD}/samvard-hsl-uppdrag` },
      }),
    ]);
  });

  it('ignores profiles that are not samvard\'s (e.g. HL7 Sweden base), telling $validate it did not check them', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      meta: { profile: ['http://hl7.se/fhir/ig/base/StructureDefinition/SEBasePatient'] },
    };
    expect(rejection(patient)).toEqual([]);
    expect(profileIssues(patient)).toEqual([
      expect.objectContaining({ severity: 'information', expression: ['Patient.meta.profile[0]'] }),
    ]);
  });

  it('rejects a samvard profile on another resource type', () => {
    const issues = rejection({ resourceType: 'Patient', meta: { profile: [`${SD}/samvard-hsl-uppdrag`] } });
    expect(texts(issues)).toEqual(['profile: SamvardHslUppdrag is a profile on Task, not Patient']);
  });

  it('a named required profile satisfies the requirement, and a version suffix is accepted', () => {
    expect(rejection({ ...hslTask(), meta: { profile: [`${SD}/samvard-hsl-uppdrag|0.1.0`] } })).toEqual([]);
  });
});

describe('configuration (SAMVARD_REQUIRED_PROFILES)', () => {
  it('"none" requires nothing', () => {
    configureRequiredProfiles('none');
    expect(rejection({ resourceType: 'Task', status: 'requested', intent: 'order' })).toEqual([]);
  });

  it('takes a JSON object of type → profile ids or URLs', () => {
    const required = configureRequiredProfiles(
      JSON.stringify({ Patient: ['samvard-patient'], Task: [`${SD}/samvard-hsl-uppdrag`] }),
    );
    expect(required).toEqual({ Patient: [`${SD}/samvard-patient`], Task: [`${SD}/samvard-hsl-uppdrag`] });
    expect(texts(rejection({ resourceType: 'Patient', name: [{ family: 'A' }] }))).toEqual([
      expect.stringMatching(/^cardinality: Patient\.identifier is missing/),
    ]);
    // Types the setting does not name have no requirement any more.
    expect(rejection({ resourceType: 'Observation', status: 'final', code: { text: 'Puls' } })).toEqual([]);
  });

  it('"default" and unset give the default', () => {
    expect(parseRequiredProfiles('default')).toBe(DEFAULT_REQUIRED_PROFILES);
    expect(parseRequiredProfiles(undefined)).toBe(DEFAULT_REQUIRED_PROFILES);
    expect(Object.keys(DEFAULT_REQUIRED_PROFILES).sort()).toEqual(['CarePlan', 'Observation', 'ServiceRequest', 'Task']);
  });

  it.each([
    ['not JSON', '{Task'],
    ['a list', '["samvard-hsl-uppdrag"]'],
    ['an unknown profile', '{"Task":["samvard-task"]}'],
    ['a profile on another type', '{"Task":["samvard-patient"]}'],
    ['an extension', '{"Task":["samvard-delegated-care"]}'],
  ])('refuses %s at start-up', (_what, setting) => {
    expect(() => parseRequiredProfiles(setting)).toThrow(/SAMVARD_REQUIRED_PROFILES/);
  });
});

describe('supportedProfiles', () => {
  it('lists our profiles per type for the CapabilityStatement', () => {
    expect(supportedProfiles('Observation')).toHaveLength(7);
    expect(supportedProfiles('Task')).toEqual([`${SD}/samvard-hsl-uppdrag`]);
    expect(supportedProfiles('Practitioner')).toEqual([]);
  });
});
