/** Optimistic locking under real contention on DynamoDB Local. */
import { beforeAll, describe, expect, it } from 'vitest';
import { hslTask } from '../support/conforming.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

describe('concurrent writers', () => {
  it('20 parallel If-Match updates of one version: exactly one 200, 19 × 412, one new version', async () => {
    const created = await json(
      await api.send('POST', '/Task', hslTask()),
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.send('PUT', `/Task/${created.id}`, { ...created, description: `writer ${i}` }, { 'If-Match': 'W/"1"' }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);

    const history = await json(await api.send('GET', `/Task/${created.id}/_history`));
    expect(history.entry.map((e: any) => e.response.etag)).toEqual(['W/"2"', 'W/"1"']);
    const winner = await json(results.find((r) => r.status === 200) as Response);
    const current = await json(await api.send('GET', `/Task/${created.id}`));
    expect(current.description).toBe(winner.description);
  });

  it('parallel updates without If-Match all land as distinct consecutive versions or a retryable 409', async () => {
    const created = await json(
      await api.send('POST', '/Task', hslTask()),
    );
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.send('PUT', `/Task/${created.id}`, { ...created, description: `w${i}` })),
    );
    const succeeded = results.filter((r) => r.status === 200).length;
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const history = await json(await api.send('GET', `/Task/${created.id}/_history`));
    const versions = history.entry.map((e: any) => Number(e.resource.meta.versionId));
    expect(versions).toEqual(Array.from({ length: succeeded + 1 }, (_, i) => succeeded + 1 - i));
  });
});
