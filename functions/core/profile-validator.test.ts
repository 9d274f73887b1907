import type { ElementDefinition, Observation, StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { conformanceResources } from './profile-registry.ts';
import { compileProfile, validateAgainstProfile } from './profile-validator.ts';
import { loadDefinitions } from './validation.ts';

const URL = 'https://samvard.test/StructureDefinition/test-observation';

/** A hand-made profile on Observation: only the elements a test needs. */
function profile(elements: ElementDefinition[]): StructureDefinition {
  return {
    resourceType: 'StructureDefinition',
    url: `${URL}-${Math.random()}`,
    name: 'TestObservation',
    status: 'draft',
    kind: 'resource',
    abstract: false,
    type: 'Observation',
    derivation: 'constraint',
    snapshot: { element: [{ id: 'Observation', path: 'Observation', min: 0, max: '*' }, ...elements] },
  };
}
const el = (id: string, more: Partial<ElementDefinition> = {}): ElementDefinition => ({
  id,
  path: id.replace(/:[^.]+/g, ''),
  min: 0,
  max: '*',
  base: { path: id.replace(/:[^.]+/g, ''), min: 0, max: '*' },
  ...more,
});
const obs = (more: Partial<Observation>): Observation => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...more });
const check = (sd: StructureDefinition, o: Observation) =>
  validateAgainstProfile(o, compileProfile(sd)).map((i) => `${i.severity} ${i.expression?.[0]} ${i.details?.text}`);

beforeAll(() => loadDefinitions());

describe('profile validator', () => {
  it('compiles every samvard profile and extension without parts it cannot check', () => {
    const sds = conformanceResources('StructureDefinition') as StructureDefinition[];
    expect(sds.length).toBe(16); // 13 profiles and 3 extensions
    for (const sd of sds) expect(compileProfile(sd).warnings, sd.url).toEqual([]);
  });

  it('reports a warning invariant as a warning and an error invariant as an error', () => {
    const sd = profile([]);
    (sd.snapshot?.element[0] as ElementDefinition).constraint = [
      { key: 't-1', severity: 'warning', human: 'Should have a note', expression: 'note.exists()', source: URL },
      { key: 't-2', severity: 'error', human: 'Must be final', expression: "status = 'final'", source: URL },
      // Constraints from base definitions are the base validation's job and are skipped here.
      { key: 'obs-6', severity: 'error', human: 'base', expression: 'false', source: 'http://hl7.org/fhir/StructureDefinition/Observation' },
    ];
    expect(check(sd, obs({}))).toEqual(['warning Observation t-1: Should have a note']);
    expect(check(sd, obs({ status: 'amended', note: [{ text: 'n' }] }))).toEqual(['error Observation t-2: Must be final']);
  });

  it('reports an invariant that cannot be evaluated instead of passing it silently', () => {
    const sd = profile([]);
    (sd.snapshot?.element[0] as ElementDefinition).constraint = [
      { key: 't-3', severity: 'error', human: 'broken', expression: 'status.noSuchFunction()', source: URL },
    ];
    expect(check(sd, obs({}))).toEqual([expect.stringMatching(/^error Observation t-3: the rule could not be evaluated/)]);
  });

  it('enforces closed slicing and slice cardinality', () => {
    const sd = profile([
      el('Observation.category', {
        slicing: { discriminator: [{ type: 'value', path: 'coding.code' }], rules: 'closed' },
      }),
      el('Observation.category:vs', { sliceName: 'vs', min: 1, max: '1' }),
      el('Observation.category:vs.coding', {}),
      el('Observation.category:vs.coding.code', { max: '1', fixedCode: 'vital-signs' }),
    ]);
    const vs = { coding: [{ code: 'vital-signs' }] };
    expect(check(sd, obs({ category: [vs] }))).toEqual([]);
    expect(check(sd, obs({ category: [vs, { coding: [{ code: 'laboratory' }] }] }))).toEqual([
      'error Observation.category[1] closed slicing: TestObservation allows only vs at Observation.category',
    ]);
    expect(check(sd, obs({ category: [vs, vs] }))).toEqual([
      'error Observation.category slice category:vs: TestObservation requires 1..1 category with coding.code = vital-signs; found 2',
    ]);
  });

  it('matches exists discriminators', () => {
    const sd = profile([
      el('Observation.component', { slicing: { discriminator: [{ type: 'exists', path: 'dataAbsentReason' }], rules: 'open' } }),
      el('Observation.component:absent', { sliceName: 'absent', max: '0' }),
      el('Observation.component:absent.dataAbsentReason', { min: 1, max: '1', base: { path: 'Observation.component.dataAbsentReason', min: 0, max: '1' } }),
    ]);
    const component = { code: { text: 'c' } };
    expect(check(sd, obs({ component: [component] }))).toEqual([]);
    expect(check(sd, obs({ component: [{ ...component, dataAbsentReason: { text: 'asked' } }] }))).toEqual([
      'error Observation.component slice component:absent: TestObservation requires 0..0 component with dataAbsentReason present; found 1',
    ]);
  });

  it('tells the referenced type from relative, absolute, conditional, contained and typed references', () => {
    const sd = profile([
      el('Observation.subject', { max: '1', type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'] }] }),
    ]);
    const ok = ['Patient/p1', 'https://other.example/fhir/Patient/p1/_history/2', 'Patient?identifier=x', 'urn:uuid:2b8a4a2e-8a3c-4a4e-9c1e-0d4c1c0f0a11'];
    for (const reference of ok) expect(check(sd, obs({ subject: { reference } })), reference).toEqual([]);
    expect(check(sd, obs({ subject: { identifier: { value: '191212121212' } } }))).toEqual([]);
    const wrong: Observation['subject'][] = [
      { reference: 'Group/g1' },
      { reference: 'https://other.example/fhir/Group/g1' },
      { reference: 'Group?identifier=x' },
      { type: 'Group', identifier: { value: 'g' } },
    ];
    for (const subject of wrong) {
      expect(check(sd, obs({ subject })), JSON.stringify(subject)).toEqual([
        'error Observation.subject reference: Observation.subject must reference Patient (TestObservation); found Group',
      ]);
    }
    const contained = obs({ contained: [{ resourceType: 'Group', id: 'g', type: 'person', actual: true }], subject: { reference: '#g' } });
    expect(check(sd, contained)).toEqual([
      'error Observation.subject reference: Observation.subject must reference Patient (TestObservation); found Group',
    ]);
  });

  it('compares fixed values of primitives that carry extensions, and matches patterns loosely', () => {
    const sd = profile([
      el('Observation.status', { min: 1, max: '1', fixedCode: 'final', base: { path: 'Observation.status', min: 1, max: '1' } }),
      el('Observation.code', {
        min: 1,
        max: '1',
        base: { path: 'Observation.code', min: 1, max: '1' },
        patternCodeableConcept: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      }),
    ]);
    const code = {
      coding: [
        { system: 'http://snomed.info/sct', code: '364075005' },
        { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' },
      ],
      text: 'Puls',
    };
    const withExtension = { ...obs({ code }), _status: { extension: [{ url: 'https://x.test/e', valueString: 'v' }] } } as Observation;
    expect(check(sd, withExtension)).toEqual([]);
    expect(check(sd, obs({ code: { coding: [{ system: 'http://loinc.org', code: '8310-5' }] } }))).toEqual([
      expect.stringMatching(/^error Observation\.code pattern: Observation\.code must contain .*8867-4.*, found .*8310-5/),
    ]);
  });
});
