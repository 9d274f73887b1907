/**
 * Transactions, batches and conditional operations on DynamoDB Local.
 * @see https://hl7.org/fhir/R4/http.html#transaction
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_BUNDLE_ENTRIES } from '../../functions/core/bundle.ts';
import { hslTask, vardbegaran } from '../support/conforming.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

const PNR = 'http://electronichealth.se/identifier/personnummer';

async function itemCount(): Promise<number> {
  const result = await api.client.send(new ScanCommand({ TableName: api.tableName, Select: 'COUNT' }));
  return result.Count ?? 0;
}

function patientEntry(fullUrl: string, family: string, identifier?: string) {
  return {
    fullUrl,
    resource: {
      resourceType: 'Patient',
      name: [{ family }],
      ...(identifier ? { identifier: [{ system: PNR, value: identifier }] } : {}),
    },
    request: { method: 'POST', url: 'Patient', ...(identifier ? { ifNoneExist: `identifier=${PNR}|${identifier}` } : {}) },
  };
}

describe('transaction', () => {
  it('creates everything, resolving urn:uuid references, and answers per entry', async () => {
    const res = await api.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        patientEntry('urn:uuid:11111111-1111-4111-8111-111111111111', 'Lindqvist'),
        {
          fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
          resource: vardbegaran({ subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' } }),
          request: { method: 'POST', url: 'ServiceRequest' },
        },
        {
          resource: hslTask({
            for: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
            basedOn: [{ reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' }],
          }),
          request: { method: 'POST', url: 'Task' },
        },
      ],
    });
    expect(res.status).toBe(200);
    const bundle = await json(res);
    expect(bundle.type).toBe('transaction-response');
    expect(bundle.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    const [patient, request, task] = bundle.entry.map((e: any) => e.resource);
    expect(bundle.entry[0].response.location).toBe(`${BASE}/Patient/${patient.id}/_history/1`);
    expect(bundle.entry[0].response.etag).toBe('W/"1"');
    expect(request.subject.reference).toBe(`Patient/${patient.id}`);
    expect(task.for.reference).toBe(`Patient/${patient.id}`);
    expect(task.basedOn[0].reference).toBe(`ServiceRequest/${request.id}`);
    const stored = await json(await api.send('GET', `/Task/${task.id}`));
    expect(stored.basedOn[0].reference).toBe(`ServiceRequest/${request.id}`);
  });

  it('with one invalid entry leaves the store unchanged and names the entry', async () => {
    const before = await itemCount();
    const res = await api.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        patientEntry('urn:uuid:33333333-3333-4333-8333-333333333333', 'Berg'),
        { resource: { resourceType: 'Patient', birthDate: 'yesterday' }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect(res.status).toBe(400);
    const outcome = await json(res);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].details.text).toContain('Entry 1');
    expect(await itemCount()).toBe(before);
  });

  it('processes DELETE, POST, PUT, GET in that order and reads the committed state', async () => {
    const doomed = await json(await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Doomed' }] }));
    const kept = await json(await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Kept' }] }));
    const res = await api.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: `Patient/${kept.id}` } },
        { resource: { ...kept, gender: 'female' }, request: { method: 'PUT', url: `Patient/${kept.id}`, ifMatch: 'W/"1"' } },
        { request: { method: 'DELETE', url: `Patient/${doomed.id}` } },
      ],
    });
    expect(res.status).toBe(200);
    const bundle = await json(res);
    expect(bundle.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '200 OK', '200 OK']);
    expect(bundle.entry[0].resource.gender).toBe('female');
    expect((await api.send('GET', `/Patient/${doomed.id}`)).status).toBe(410);
  });

  it('fails whole on a stale ifMatch with 412', async () => {
    const p = await json(await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Stale' }] }));
    const before = await itemCount();
    const res = await api.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        patientEntry('urn:uuid:44444444-4444-4444-8444-444444444444', 'New'),
        { resource: p, request: { method: 'PUT', url: `Patient/${p.id}`, ifMatch: 'W/"9"' } },
      ],
    });
    expect(res.status).toBe(412);
    expect(await itemCount()).toBe(before);
  });

  // Seconds on a quiet machine; the timeout allows for a CI machine shared with other work.
  it(`of ${MAX_BUNDLE_ENTRIES} entries (a multi-step commit) succeeds; one more is 413`, { timeout: 180_000 }, async () => {
    const entries = Array.from({ length: MAX_BUNDLE_ENTRIES }, (_, i) =>
      patientEntry(`urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, `Max${i}`),
    );
    const ok = await api.send('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: entries });
    expect(ok.status).toBe(200);
    const bundle = await json(ok);
    expect(bundle.entry).toHaveLength(MAX_BUNDLE_ENTRIES);
    const count = await json(await api.send('GET', '/Patient?family=max&_summary=count'));
    expect(count.total).toBe(MAX_BUNDLE_ENTRIES);

    const before = await itemCount();
    const tooMany = await api.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [...entries, patientEntry('urn:uuid:99999999-9999-4999-8999-999999999999', 'OneMore')],
    });
    expect(tooMany.status).toBe(413);
    expect((await json(tooMany)).issue[0].details.text).toContain(String(MAX_BUNDLE_ENTRIES));
    expect(await itemCount()).toBe(before);
  });
});

describe('batch', () => {
  it('runs each entry on its own and reports failures per entry', async () => {
    const res = await api.send('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        patientEntry('urn:uuid:55555555-5555-4555-8555-555555555555', 'Batch'),
        { resource: { resourceType: 'Patient', active: 'yes' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      ],
    });
    expect(res.status).toBe(200);
    const bundle = await json(res);
    expect(bundle.type).toBe('batch-response');
    expect(bundle.entry.map((e: any) => e.response.status.slice(0, 3))).toEqual(['201', '400', '404']);
    expect(bundle.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
  });
});

describe('conditional operations', () => {
  it('If-None-Exist: zero matches create, one match returns it, several are 412', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: PNR, value: '194003022383' }] };
    const criteria = { 'If-None-Exist': `identifier=${PNR}|194003022383` };
    const first = await api.send('POST', '/Patient', body, criteria);
    expect(first.status).toBe(201);
    const again = await api.send('POST', '/Patient', body, criteria);
    expect(again.status).toBe(200);
    expect((await json(again)).id).toBe((await json(first)).id);
    await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Twin' }] });
    await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Twin' }] });
    const several = await api.send('POST', '/Patient', body, { 'If-None-Exist': 'family=twin' });
    expect(several.status).toBe(412);
  });

  it('10 clients racing a conditional create for one identifier create exactly one resource', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: PNR, value: '199602282380' }] };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => api.send('POST', '/Patient', body, { 'If-None-Exist': `identifier=${PNR}|199602282380` })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 201 || s === 200)).toBe(true);
    const ids = new Set(await Promise.all(results.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    const found = await json(await api.send('GET', `/Patient?identifier=${PNR}|199602282380`));
    expect(found.entry).toHaveLength(1);
  });

  it('a retried transaction with conditional creates creates nothing twice', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        patientEntry('urn:uuid:66666666-6666-4666-8666-666666666666', 'Retry', '191212121212'),
        {
          resource: vardbegaran({
            identifier: [{ system: 'urn:samvard:test', value: 'vb-1' }],
            subject: { reference: 'urn:uuid:66666666-6666-4666-8666-666666666666' },
          }),
          request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: 'identifier=urn:samvard:test|vb-1' },
        },
      ],
    };
    const first = await json(await api.send('POST', '', bundle));
    const second = await json(await api.send('POST', '', bundle));
    expect(first.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created']);
    expect(second.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '200 OK']);
    expect(second.entry.map((e: any) => e.resource.id)).toEqual(first.entry.map((e: any) => e.resource.id));
    expect((await json(await api.send('GET', '/ServiceRequest?identifier=urn:samvard:test|vb-1'))).entry).toHaveLength(1);
  });

  it('conditional update: none creates, one updates, several are 412', async () => {
    const created = await api.send('PUT', `/Patient?identifier=${PNR}|200001012380`, {
      resourceType: 'Patient',
      identifier: [{ system: PNR, value: '200001012380' }],
    });
    expect(created.status).toBe(201);
    const id = (await json(created)).id;
    const updated = await api.send('PUT', `/Patient?identifier=${PNR}|200001012380`, {
      resourceType: 'Patient',
      identifier: [{ system: PNR, value: '200001012380' }],
      gender: 'male',
    });
    expect(updated.status).toBe(200);
    expect((await json(updated)).id).toBe(id);
    expect((await api.send('PUT', '/Patient?family=twin', { resourceType: 'Patient' })).status).toBe(412);
  });

  it('conditional delete: one match is deleted, none is fine, several are 412', async () => {
    await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Ensam' }] });
    expect((await api.send('DELETE', '/Patient?family=ensam')).status).toBe(200);
    expect((await json(await api.send('GET', '/Patient?family=ensam'))).entry).toHaveLength(0);
    expect((await api.send('DELETE', '/Patient?family=nobody-has-this')).status).toBe(200);
    expect((await api.send('DELETE', '/Patient?family=twin')).status).toBe(412);
  });

  it('conditional criteria the server does not know are a 400, not a match-all', async () => {
    expect((await api.send('DELETE', '/Patient?colour=blue')).status).toBe(400);
  });
});

describe('PATCH (JSON Patch)', () => {
  const patch = (path: string, ops: unknown, headers: Record<string, string> = {}) =>
    api.send('PATCH', path, JSON.stringify(ops), { 'Content-Type': 'application/json-patch+json', ...headers });

  it('applies a patch as a new version, honouring If-Match', async () => {
    const p = await json(await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Patch' }] }));
    const res = await patch(`/Patient/${p.id}`, [{ op: 'add', path: '/gender', value: 'female' }], { 'If-Match': 'W/"1"' });
    expect(res.status).toBe(200);
    const patched = await json(res);
    expect(patched.gender).toBe('female');
    expect(patched.meta.versionId).toBe('2');
    const stale = await patch(`/Patient/${p.id}`, [{ op: 'replace', path: '/gender', value: 'male' }], { 'If-Match': 'W/"1"' });
    expect(stale.status).toBe(412);
  });

  it('rejects a failing test op, an invalid result and a wrong media type', async () => {
    const p = await json(await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Patch2' }] }));
    expect((await patch(`/Patient/${p.id}`, [{ op: 'test', path: '/gender', value: 'male' }])).status).toBe(400);
    expect((await patch(`/Patient/${p.id}`, [{ op: 'add', path: '/birthDate', value: 12 }])).status).toBe(400);
    const wrongType = await api.send('PATCH', `/Patient/${p.id}`, [{ op: 'remove', path: '/name' }]);
    expect(wrongType.status).toBe(415);
    expect((await json(await api.send('GET', `/Patient/${p.id}`))).meta.versionId).toBe('1');
  });
});

describe('Subscriptions in Bundles', () => {
  it('are refused: the server must run their handshake and set their secret', async () => {
    const before = await itemCount();
    const res = await api.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: {
            resourceType: 'Subscription',
            status: 'active',
            reason: 'bypass',
            criteria: 'Task?status=requested',
            channel: { type: 'rest-hook', endpoint: 'https://example.org/hook' },
          },
          request: { method: 'POST', url: 'Subscription' },
        },
      ],
    });
    expect(res.status).toBe(400);
    expect((await json(res)).issue[0].details.text).toContain('Subscription');
    expect(await itemCount()).toBe(before);
  });
});
