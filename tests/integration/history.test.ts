/** Instance and type history. @see https://hl7.org/fhir/R4/http.html#history */
import { beforeAll, describe, expect, it } from 'vitest';
import { hslTask } from '../support/conforming.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

async function followAll(url: string): Promise<any[]> {
  const entries: any[] = [];
  let next: string | undefined = url;
  while (next) {
    const bundle = await json(await api.app.request(next));
    expect(bundle.type).toBe('history');
    entries.push(...(bundle.entry ?? []));
    next = bundle.link.find((l: { relation: string }) => l.relation === 'next')?.url;
  }
  return entries;
}

describe('instance history', () => {
  it('lists every version newest first, including the deletion', async () => {
    const created = await json(await api.send('POST', '/Task', hslTask()));
    await api.send('PUT', `/Task/${created.id}`, { ...created, status: 'accepted' });
    await api.send('DELETE', `/Task/${created.id}`);
    const bundle = await json(await api.send('GET', `/Task/${created.id}/_history`));
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry.map((e: any) => e.response.etag)).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);
    expect(bundle.entry.map((e: any) => e.request.method)).toEqual(['DELETE', 'PUT', 'POST']);
    expect(bundle.entry[0].resource).toBeUndefined();
    expect(bundle.entry[1].resource.status).toBe('accepted');
    expect(bundle.entry[2].fullUrl).toBe(`${BASE}/Task/${created.id}`);
  });

  it('pages with _count and filters with _since', async () => {
    const created = await json(await api.send('POST', '/Task', hslTask()));
    let current = created;
    for (let i = 0; i < 4; i++) {
      current = await json(await api.send('PUT', `/Task/${created.id}`, { ...current, description: `v${i + 2}` }));
    }
    const all = await followAll(`${BASE}/Task/${created.id}/_history?_count=2`);
    expect(all.map((e) => e.resource.meta.versionId)).toEqual(['5', '4', '3', '2', '1']);
    const v3 = await json(await api.send('GET', `/Task/${created.id}/_history/3`));
    const since = await json(
      await api.send('GET', `/Task/${created.id}/_history?_since=${encodeURIComponent(v3.meta.lastUpdated)}`),
    );
    expect(since.entry.map((e: any) => e.resource.meta.versionId)).toEqual(['5', '4', '3']);
  });

  it('answers 404 for a resource that never existed', async () => {
    expect((await api.send('GET', '/Task/never/_history')).status).toBe(404);
  });
});

describe('type history', () => {
  it('lists versions of all resources of the type across shards, each exactly once while paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await api.send('POST', '/CareTeam', { resourceType: 'CareTeam', status: 'active', name: `team ${i}` });
      ids.push((await json(res)).id);
    }
    await api.send('DELETE', `/CareTeam/${ids[0]}`);
    // Without the care teams samvard keeps for the Tasks above (functions/core/workflow/).
    const maintained = (e: any) => e.resource?.meta?.tag?.some((t: { code: string }) => t.code === 'maintained-care-team');
    const entries = (await followAll(`${BASE}/CareTeam/_history?_count=7`)).filter((e) => !maintained(e));
    expect(entries).toHaveLength(26);
    const keys = entries.map((e) => `${e.fullUrl}@${e.response.etag}`);
    expect(new Set(keys).size).toBe(26);
    const times = entries.map((e) => e.response.lastModified);
    expect([...times].sort().reverse()).toEqual(times);
    expect(entries[0].request.method).toBe('DELETE');
  });

  it('filters with _since and does not mix in other types', async () => {
    const marker = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await api.send('POST', '/PractitionerRole', { resourceType: 'PractitionerRole', active: true });
    await api.send('POST', '/Practitioner', { resourceType: 'Practitioner', active: true });
    const bundle = await json(await api.send('GET', `/PractitionerRole/_history?_since=${encodeURIComponent(marker)}`));
    expect(bundle.entry).toHaveLength(1);
    expect(bundle.entry[0].resource.resourceType).toBe('PractitionerRole');
  });
});
