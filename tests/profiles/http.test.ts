/**
 * The profiles over HTTP: $validate at type and instance level, the conformance resources
 * at /fhir/StructureDefinition, /fhir/ValueSet, /fhir/CodeSystem, and writes rejected with
 * the rule and the element.
 * @see https://hl7.org/fhir/R4/resource-operation-validate.html
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hslTask } from '../support/conforming.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';

const SD = 'https://samvard.se/fhir/StructureDefinition';
const PNR = 'http://electronichealth.se/identifier/personnummer';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

const texts = (outcome: { issue: { details?: { text?: string } }[] }) => outcome.issue.map((i) => i.details?.text);

describe('writes', () => {
  it('reject a resource that breaks its profile with 400, naming the element and the rule', async () => {
    const res = await api.send('POST', '/Patient', {
      resourceType: 'Patient',
      meta: { profile: [`${SD}/samvard-patient`] },
      identifier: [{ system: PNR, value: '191212121213' }],
    });
    expect(res.status).toBe(400);
    const outcome = await json(res);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'invariant',
        expression: ['Patient.identifier[0]'],
        details: { text: expect.stringMatching(/^se-pnr-luhn: .*The last digit of the personnummer is a check digit/) },
      }),
    ]);
  });

  it('accept a conforming HSL-uppdrag and reject a plain Task', async () => {
    expect((await api.send('POST', '/Task', hslTask())).status).toBe(201);
    const res = await api.send('POST', '/Task', { resourceType: 'Task', status: 'requested', intent: 'order' });
    expect(res.status).toBe(400);
    expect(texts(await json(res))).toContain('cardinality: Task.owner is missing (SamvardHslUppdrag requires 1..1, found 0)');
  });
});

describe('$validate', () => {
  it('answers 200 All OK for a resource samvard would accept', async () => {
    const res = await api.send('POST', '/Task/$validate', hslTask());
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', details: { text: 'All OK' } }],
    });
  });

  it('answers 200 with every issue for a resource samvard would refuse, without storing it', async () => {
    const res = await api.send('POST', '/Task/$validate', { resourceType: 'Task', status: 'draft', intent: 'order' });
    expect(res.status).toBe(200);
    const outcome = await json(res);
    expect(texts(outcome)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^binding: Task\.status .*found draft/),
        expect.stringMatching(/^cardinality: Task\.basedOn is missing/),
      ]),
    );
    expect(outcome.issue.every((i: { expression?: string[] }) => i.expression?.[0]?.startsWith('Task'))).toBe(true);
  });

  it('reports base-definition errors without going on to the profiles', async () => {
    const outcome = await json(await api.send('POST', '/Task/$validate', { resourceType: 'Task', status: 'requested' }));
    expect(outcome.issue).toEqual([expect.objectContaining({ severity: 'error', expression: ['Task.intent'] })]);
  });

  it('validates against the profile named in the query or in a Parameters body', async () => {
    const patient = { resourceType: 'Patient', identifier: [{ system: PNR, value: '202302301235' }] };
    const plain = await json(await api.send('POST', '/Patient/$validate', patient));
    expect(texts(plain)).toEqual(['All OK']);
    const query = await json(await api.send('POST', `/Patient/$validate?profile=${SD}/samvard-patient`, patient));
    expect(texts(query)).toEqual([expect.stringMatching(/^se-pnr-date: /)]);
    const parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: patient },
        { name: 'profile', valueCanonical: `${SD}/samvard-patient|0.1.0` },
      ],
    };
    expect(texts(await json(await api.send('POST', '/Patient/$validate', parameters)))).toEqual([
      expect.stringMatching(/^se-pnr-date: /),
    ]);
  });

  it('refuses a profile it cannot validate against with 400', async () => {
    const res = await api.send('POST', `/Patient/$validate?profile=${SD}/samvard-person`, { resourceType: 'Patient' });
    expect(res.status).toBe(400);
    expect((await json(res)).issue[0].expression).toEqual(['profile']);
  });

  it('validates a stored resource at instance level, and a proposed update', async () => {
    const created = await json(await api.send('POST', '/Task', hslTask()));
    const stored = await api.send('GET', `/Task/${created.id}/$validate`);
    expect(stored.status).toBe(200);
    expect(texts(await json(stored))).toEqual(['All OK']);

    const update = { ...created, status: 'rejected' };
    const proposed = await json(await api.send('POST', `/Task/${created.id}/$validate?mode=update`, update));
    expect(texts(proposed)).toEqual([expect.stringMatching(/^samvard-task-1: .*must say why/)]);

    const wrongId = await json(await api.send('POST', `/Task/${created.id}/$validate?mode=update`, { ...created, id: 'other' }));
    expect(texts(wrongId)).toEqual([`The resource id must be "${created.id}" as in the URL`]);

    const deletion = await api.send('POST', `/Task/${created.id}/$validate`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'mode', valueCode: 'delete' }],
    });
    expect(texts(await json(deletion))).toEqual(['All OK']);
  });

  it('answers 404 for an unknown instance, 400 for mode update at type level, 405 for GET at type level', async () => {
    expect((await api.send('GET', '/Task/no-such-task/$validate')).status).toBe(404);
    expect((await api.send('POST', '/Task/$validate?mode=update', hslTask())).status).toBe(400);
    expect((await api.send('POST', '/Task/$validate?mode=sideways', hslTask())).status).toBe(400);
    const get = await api.send('GET', '/Task/$validate');
    expect(get.status).toBe(405);
    expect(get.headers.get('Allow')).toBe('POST');
    expect((await api.send('POST', '/Task/$validate', { resourceType: 'Patient' })).status).toBe(400);
    expect((await api.send('POST', '/Basic/$validate', { resourceType: 'Basic' })).status).toBe(404);
  });
});

describe('conformance resources', () => {
  it('reads a profile in full, with snapshot and differential', async () => {
    const res = await api.send('GET', '/StructureDefinition/samvard-patient');
    expect(res.status).toBe(200);
    const sd = await json(res);
    expect(sd.url).toBe(`${SD}/samvard-patient`);
    expect(sd.snapshot.element.length).toBeGreaterThan(50);
    expect(sd.differential.element.length).toBeGreaterThan(5);
    expect(sd.snapshot.element.find((e: { id: string }) => e.id === 'Patient.identifier:personnummer').constraint).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'se-pnr-luhn' })]),
    );
  });

  it('reads ValueSets and CodeSystems, and 404s what is not there', async () => {
    expect((await json(await api.send('GET', '/ValueSet/hsl-task-kind'))).url).toBe('https://samvard.se/fhir/ValueSet/hsl-task-kind');
    const cs = await json(await api.send('GET', '/CodeSystem/care-plan-type'));
    expect(cs.concept.map((c: { code: string }) => c.code)).toEqual(['SIP', 'SPLPTLRV', 'SPU', 'VP', 'HP', 'RP', 'GP', 'SVP']);
    expect((await api.send('GET', '/CodeSystem/nope')).status).toBe(404);
  });

  it('searches by url (with or without |version)', async () => {
    const url = `${SD}/samvard-hsl-uppdrag`;
    const bundle = await json(await api.send('GET', `/StructureDefinition?url=${encodeURIComponent(url)}`));
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(bundle.entry[0]).toMatchObject({ fullUrl: `${BASE}/StructureDefinition/samvard-hsl-uppdrag`, search: { mode: 'match' } });
    expect(bundle.link).toEqual([{ relation: 'self', url: `${BASE}/StructureDefinition?url=${encodeURIComponent(url)}` }]);
    expect((await json(await api.send('GET', `/StructureDefinition?url=${url}|0.1.0`))).total).toBe(1);
    expect((await json(await api.send('GET', `/StructureDefinition?url=${url}|9.9.9`))).total).toBe(0);
    expect((await json(await api.send('GET', '/StructureDefinition'))).total).toBe(16);
    expect((await json(await api.send('GET', '/ValueSet?name=samvardhsl'))).total).toBe(2);
  });

  it('ignores unknown search parameters, or 400s them under Prefer: handling=strict', async () => {
    const lenient = await json(await api.send('GET', '/CodeSystem?publisher=samvard'));
    expect(lenient.total).toBe(12);
    expect(lenient.link[0].url).toBe(`${BASE}/CodeSystem`);
    const strict = await api.send('GET', '/CodeSystem?publisher=samvard', undefined, { Prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
  });

  it('is read-only', async () => {
    for (const [method, path] of [
      ['POST', '/StructureDefinition'],
      ['PUT', '/ValueSet/hsl-task-kind'],
      ['DELETE', '/CodeSystem/hsl-task-kind'],
    ] as const) {
      const res = await api.send(method, path, method === 'DELETE' ? undefined : { resourceType: 'ValueSet' });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('Allow')).toBe('GET');
    }
  });
});

describe('CapabilityStatement', () => {
  it('lists supportedProfile per type, the read-only conformance types and $validate', async () => {
    const cs = await json(await api.send('GET', '/metadata'));
    const byType = Object.fromEntries(cs.rest[0].resource.map((r: { type: string }) => [r.type, r]));
    expect(byType.Task.supportedProfile).toEqual([`${SD}/samvard-hsl-uppdrag`]);
    expect(byType.Observation.supportedProfile).toHaveLength(7);
    expect(byType.Patient.supportedProfile).toEqual([`${SD}/samvard-patient`]);
    expect(byType.Practitioner.supportedProfile).toBeUndefined();
    for (const type of ['StructureDefinition', 'ValueSet', 'CodeSystem']) {
      expect(byType[type].interaction).toEqual([{ code: 'read' }, { code: 'search-type' }]);
      expect(byType[type].searchParam.map((p: { name: string }) => p.name)).toContain('url');
    }
    // Document ingest is served at /ingest (its own function), not as a FHIR operation (tests/mappings/ingest.test.ts).
    expect(cs.rest[0].operation).toEqual([
      { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
    ]);
    expect(cs.rest[0].documentation).toContain(
      'a CarePlan, Observation, ServiceRequest, Task must conform to one of the samvard profiles on its type',
    );
  });
});
