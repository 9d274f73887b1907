/** Bad input: each a 4xx OperationOutcome naming the problem, and nothing stored. */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_RESOURCE_BYTES } from '../../functions/core/limits.ts';
import { MAX_REQUEST_BYTES } from '../../functions/http/request-body.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

async function itemCount(): Promise<number> {
  const result = await api.client.send(new ScanCommand({ TableName: api.tableName, Select: 'COUNT' }));
  return result.Count ?? 0;
}

async function expectRejected(res: Response, status: number, text?: RegExp): Promise<any> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toContain('application/fhir+json');
  const outcome = await json(res);
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].severity).toBe('error');
  if (text) expect(JSON.stringify(outcome.issue)).toMatch(text);
  expect(await itemCount()).toBe(0);
  return outcome;
}

describe('bad input stores nothing', () => {
  it('malformed JSON: 400', async () => {
    await expectRejected(await api.send('POST', '/Patient', '{"resourceType": "Patient",'), 400, /Malformed JSON/);
  });

  it('a JSON array or string instead of a resource: 400', async () => {
    await expectRejected(await api.send('POST', '/Patient', '[1,2]'), 400, /JSON object/);
    await expectRejected(await api.send('POST', '/Patient', '"Patient"'), 400, /JSON object/);
  });

  it('wrong element types: 400 with expression paths', async () => {
    const outcome = await expectRejected(
      await api.send('POST', '/Patient', { resourceType: 'Patient', birthDate: 19400302, active: 'yes' }),
      400,
    );
    const expressions = outcome.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(expressions).toContain('Patient.birthDate');
    expect(expressions).toContain('Patient.active');
  });

  it('unknown elements: 400 naming the element', async () => {
    const outcome = await expectRejected(
      await api.send('POST', '/Patient', { resourceType: 'Patient', favouriteColour: 'blue' }),
      400,
      /favouriteColour/,
    );
    expect(outcome.issue[0].expression).toEqual(['Patient.favouriteColour']);
  });

  it('missing required elements: 400', async () => {
    const outcome = await expectRejected(await api.send('POST', '/Task', { resourceType: 'Task' }), 400);
    const expressions = outcome.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['Task.status', 'Task.intent']));
  });

  it('wrong or missing resourceType: 400', async () => {
    await expectRejected(await api.send('POST', '/Patient', { resourceType: 'Task' }), 400, /resourceType/);
    await expectRejected(await api.send('POST', '/Patient', { name: [{ family: 'X' }] }), 400, /resourceType/);
  });

  it('unsupported content type: 415', async () => {
    await expectRejected(
      await api.send('POST', '/Patient', '<Patient xmlns="http://hl7.org/fhir"/>', { 'Content-Type': 'application/fhir+xml' }),
      415,
      /Content-Type/,
    );
    await expectRejected(
      await api.app.request('http://samvard.test/fhir/Patient', { method: 'POST', body: '{"resourceType":"Patient"}' }),
      415,
    );
  });

  it('a body over the request limit: 413', async () => {
    const huge = { resourceType: 'Patient', name: [{ family: 'x'.repeat(MAX_REQUEST_BYTES) }] };
    await expectRejected(await api.send('POST', '/Patient', huge), 413, /at most/);
  });

  it('a resource over the storable limit but under the request limit: 413', async () => {
    const big = { resourceType: 'Patient', name: [{ family: 'x'.repeat(MAX_RESOURCE_BYTES) }] };
    await expectRejected(await api.send('POST', '/Patient', big), 413, /stores at most/);
  });

  it('an invalid id in the URL of an update: 400', async () => {
    const id = 'not_a_valid*id';
    await expectRejected(
      await api.send('PUT', `/Patient/${encodeURIComponent(id)}`, { resourceType: 'Patient', id }),
      400,
      /valid FHIR id/,
    );
  });

  it('bad history parameters: 400', async () => {
    await expectRejected(await api.send('GET', '/Patient/_history?_count=zero'), 400, /_count/);
    await expectRejected(await api.send('GET', '/Patient/_history?_since=last-week'), 400, /_since/);
    await expectRejected(await api.send('GET', '/Patient/_history?_cursor=%%%'), 400, /_cursor/);
  });
});
