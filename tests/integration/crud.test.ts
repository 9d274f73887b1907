/**
 * FHIR RESTful interactions against DynamoDB Local, through the real Hono app.
 * @see https://hl7.org/fhir/R4/http.html
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { heartRate, hslTask, sipCarePlan, vardbegaran } from '../support/conforming.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

const patient = { resourceType: 'Patient', name: [{ family: 'Lindqvist', given: ['Britta'] }], birthDate: '1940-03-02' };

async function createPatient(): Promise<{ id: string; res: Response; body: any }> {
  const res = await api.send('POST', '/Patient', patient);
  const body = await json(res);
  return { id: body.id, res, body };
}

describe('create', () => {
  it('assigns id, versionId 1 and lastUpdated, and answers 201 with Location, ETag and Last-Modified', async () => {
    const { id, res, body } = await createPatient();
    expect(res.status).toBe(201);
    expect(res.headers.get('Content-Type')).toBe('application/fhir+json; charset=utf-8');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.meta.versionId).toBe('1');
    expect(Date.parse(body.meta.lastUpdated)).not.toBeNaN();
    expect(res.headers.get('Location')).toBe(`${BASE}/Patient/${id}/_history/1`);
    expect(res.headers.get('ETag')).toBe('W/"1"');
    expect(res.headers.get('Last-Modified')).toBe(new Date(body.meta.lastUpdated).toUTCString());
  });

  it('ignores an id in the body and overwrites client meta.versionId', async () => {
    const res = await api.send('POST', '/Patient', { ...patient, id: 'chosen', meta: { versionId: '99' } });
    const body = await json(res);
    expect(body.id).not.toBe('chosen');
    expect(body.meta.versionId).toBe('1');
  });

  it('accepts application/json as well as application/fhir+json', async () => {
    const res = await api.send('POST', '/Patient', patient, { 'Content-Type': 'application/json' });
    expect(res.status).toBe(201);
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await api.send('POST', '/Patient', patient, { Prefer: 'return=minimal' });
    expect(minimal.status).toBe(201);
    expect(await minimal.text()).toBe('');
    expect(minimal.headers.get('Location')).toMatch(/\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
    const outcome = await api.send('POST', '/Patient', patient, { Prefer: 'return=OperationOutcome' });
    expect((await json(outcome)).resourceType).toBe('OperationOutcome');
  });

  it('serves every type the issue names', async () => {
    const bodies = [
      // These four types must meet samvard's Swedish profiles by default (functions/core/profiles.ts).
      sipCarePlan({ subject: { reference: 'Patient/p1' } }),
      vardbegaran({ subject: { reference: 'Patient/p1' } }),
      heartRate(),
      hslTask(),
      { resourceType: 'Organization', name: 'Hemtjänst Norr' },
      { resourceType: 'Practitioner', name: [{ family: 'Berg' }] },
      { resourceType: 'PractitionerRole', active: true },
      { resourceType: 'CareTeam', status: 'active' },
    ];
    for (const body of bodies) {
      const res = await api.send('POST', `/${body.resourceType}`, body);
      expect(res.status, body.resourceType).toBe(201);
    }
  });
});

describe('read and vread', () => {
  it('reads the current version with its ETag', async () => {
    const { id } = await createPatient();
    const res = await api.send('GET', `/Patient/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('W/"1"');
    expect((await json(res)).name[0].family).toBe('Lindqvist');
  });

  it('reads each version by versionId', async () => {
    const { id, body } = await createPatient();
    await api.send('PUT', `/Patient/${id}`, { ...body, gender: 'female' });
    const v1 = await json(await api.send('GET', `/Patient/${id}/_history/1`));
    const v2 = await json(await api.send('GET', `/Patient/${id}/_history/2`));
    expect(v1.gender).toBeUndefined();
    expect(v2.gender).toBe('female');
    expect((await api.send('GET', `/Patient/${id}/_history/3`)).status).toBe(404);
    expect((await api.send('GET', `/Patient/${id}/_history/abc`)).status).toBe(404);
  });

  it('gives 404 for an unknown id and for an unknown type, as OperationOutcomes', async () => {
    const unknownId = await api.send('GET', '/Patient/does-not-exist');
    expect(unknownId.status).toBe(404);
    expect((await json(unknownId)).resourceType).toBe('OperationOutcome');
    const unknownType = await api.send('GET', '/Medication/1');
    expect(unknownType.status).toBe(404);
    expect((await json(unknownType)).issue[0].details.text).toContain('Medication');
  });
});

describe('update', () => {
  it('creates version 2 with a later lastUpdated, keeping version 1', async () => {
    const { id, body } = await createPatient();
    const res = await api.send('PUT', `/Patient/${id}`, { ...body, gender: 'female' });
    expect(res.status).toBe(200);
    const updated = await json(res);
    expect(updated.meta.versionId).toBe('2');
    expect(updated.meta.lastUpdated >= body.meta.lastUpdated).toBe(true);
    expect(res.headers.get('ETag')).toBe('W/"2"');
  });

  it('creates with the client id when none exists (update-as-create)', async () => {
    const res = await api.send('PUT', '/Patient/client-chosen-1', { ...patient, id: 'client-chosen-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('Location')).toBe(`${BASE}/Patient/client-chosen-1/_history/1`);
    expect((await api.send('GET', '/Patient/client-chosen-1')).status).toBe(200);
  });

  it('accepts If-Match with the current version and answers 412 on a stale one', async () => {
    const { id, body } = await createPatient();
    const ok = await api.send('PUT', `/Patient/${id}`, { ...body, gender: 'male' }, { 'If-Match': 'W/"1"' });
    expect(ok.status).toBe(200);
    const stale = await api.send('PUT', `/Patient/${id}`, { ...body, gender: 'other' }, { 'If-Match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect((await json(stale)).resourceType).toBe('OperationOutcome');
    expect((await json(await api.send('GET', `/Patient/${id}`))).gender).toBe('male');
  });

  it('answers 412 for If-Match on a resource that does not exist, and 400 for a malformed If-Match', async () => {
    const missing = await api.send('PUT', '/Patient/nope-1', { ...patient, id: 'nope-1' }, { 'If-Match': 'W/"1"' });
    expect(missing.status).toBe(412);
    const { id, body } = await createPatient();
    const malformed = await api.send('PUT', `/Patient/${id}`, body, { 'If-Match': 'yesterday' });
    expect(malformed.status).toBe(400);
  });

  it('answers 400 when the body id is missing or differs from the URL, and stores nothing', async () => {
    const { id, body } = await createPatient();
    const { id: _omit, ...noId } = body;
    expect((await api.send('PUT', `/Patient/${id}`, noId)).status).toBe(400);
    const other = await api.send('PUT', `/Patient/${id}`, { ...body, id: 'someone-else' });
    expect(other.status).toBe(400);
    expect((await json(other)).issue[0].expression).toEqual(['id']);
    expect((await json(await api.send('GET', `/Patient/${id}`))).meta.versionId).toBe('1');
  });

  it('answers 400 when the body resourceType differs from the URL', async () => {
    const res = await api.send('PUT', '/Patient/x-1', { resourceType: 'Organization', id: 'x-1', name: 'Fel' });
    expect(res.status).toBe(400);
    expect((await json(res)).issue[0].expression).toEqual(['resourceType']);
    expect((await api.send('GET', '/Patient/x-1')).status).toBe(404);
  });
});

describe('delete', () => {
  it('deletes: read gives 410, vread of old versions still works, a new version records the deletion', async () => {
    const { id } = await createPatient();
    const del = await api.send('DELETE', `/Patient/${id}`);
    expect(del.status).toBe(200);
    expect(del.headers.get('ETag')).toBe('W/"2"');
    const read = await api.send('GET', `/Patient/${id}`);
    expect(read.status).toBe(410);
    expect((await json(read)).resourceType).toBe('OperationOutcome');
    expect((await api.send('GET', `/Patient/${id}/_history/1`)).status).toBe(200);
    expect((await api.send('GET', `/Patient/${id}/_history/2`)).status).toBe(410);
  });

  it('is idempotent and answers 404 for what never existed', async () => {
    const { id } = await createPatient();
    await api.send('DELETE', `/Patient/${id}`);
    const again = await api.send('DELETE', `/Patient/${id}`);
    expect(again.status).toBe(200);
    expect(again.headers.get('ETag')).toBe('W/"2"');
    expect((await api.send('DELETE', '/Patient/never-was')).status).toBe(404);
  });

  it('honours If-Match', async () => {
    const { id } = await createPatient();
    expect((await api.send('DELETE', `/Patient/${id}`, undefined, { 'If-Match': 'W/"7"' })).status).toBe(412);
    expect((await api.send('GET', `/Patient/${id}`)).status).toBe(200);
  });

  it('lets a deleted resource be created again, continuing its versions', async () => {
    const { id, body } = await createPatient();
    await api.send('DELETE', `/Patient/${id}`);
    const res = await api.send('PUT', `/Patient/${id}`, body);
    expect(res.status).toBe(201);
    expect((await json(res)).meta.versionId).toBe('3');
  });
});

describe('HTTP semantics', () => {
  it('answers 405 with Allow for a method a known path does not serve', async () => {
    const res = await api.send('POST', '/Patient/abc', patient);
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, PUT, PATCH, DELETE');
    expect((await json(res)).resourceType).toBe('OperationOutcome');
    expect((await api.send('DELETE', '/Patient/abc/_history')).status).toBe(405);
  });

  it('answers 404 with an OperationOutcome outside the FHIR API', async () => {
    const res = await api.app.request('http://samvard.test/nowhere');
    expect(res.status).toBe(404);
    expect((await json(res)).resourceType).toBe('OperationOutcome');
  });

  it('serves a CapabilityStatement listing exactly the implemented interactions', async () => {
    const res = await api.send('GET', '/metadata');
    expect(res.status).toBe(200);
    const cs = await json(res);
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const types = cs.rest[0].resource.map((r: { type: string }) => r.type).sort();
    expect(types).toEqual([
      'AuditEvent',
      'CarePlan',
      'CareTeam',
      'CodeSystem',
      'Consent',
      'Endpoint',
      'Observation',
      'Organization',
      'Patient',
      'Practitioner',
      'PractitionerRole',
      'Provenance',
      'ServiceRequest',
      'StructureDefinition',
      'Subscription',
      'Task',
      'ValueSet',
    ]);
    const task = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Task');
    expect(task.interaction.map((i: { code: string }) => i.code).sort()).toEqual(
      ['create', 'delete', 'history-instance', 'history-type', 'read', 'search-type', 'update', 'vread'].sort(),
    );
  });
});
