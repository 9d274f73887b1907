import { beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

describe('smoke', () => {
  it('creates and reads a Patient', async () => {
    const created = await api.send('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Andersson' }] });
    expect(created.status).toBe(201);
    const patient = await json(created);
    const read = await api.send('GET', `/Patient/${patient.id}`);
    expect(read.status).toBe(200);
    expect((await json(read)).name[0].family).toBe('Andersson');
  });
});
