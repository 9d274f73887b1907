/**
 * Search end to end on DynamoDB Local: each parameter type driven by the index or
 * checked on candidates, chains, _has, includes, sorting, paging, compartments.
 * @see https://hl7.org/fhir/R4/search.html
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleBody, heartRate, hslTask, vardbegaran } from '../support/conforming.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
const PNR = 'http://electronichealth.se/identifier/personnummer';
const ids: Record<string, string> = {};

async function create(resource: object): Promise<string> {
  const res = await api.send('POST', `/${(resource as { resourceType: string }).resourceType}`, resource);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
  return (await json(res)).id;
}

/** The CarePlan the workflow broker linked a Task to. */
async function planOf(taskId: string): Promise<string> {
  const task = await json(await api.send('GET', `/Task/${taskId}`));
  return task.basedOn.find((r: { reference: string }) => r.reference.startsWith('CarePlan/')).reference.slice('CarePlan/'.length);
}

async function search(path: string, headers: Record<string, string> = {}): Promise<any> {
  const res = await api.send('GET', path, undefined, headers);
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return json(res);
}

async function idsOf(path: string): Promise<string[]> {
  const bundle = await search(path);
  return (bundle.entry ?? []).filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id).sort();
}

const sorted = (...xs: string[]): string[] => [...xs].sort();

beforeAll(async () => {
  api = await createTestApi();
  ids.britta = await create({
    resourceType: 'Patient',
    identifier: [{ system: PNR, value: '194003022383' }],
    name: [{ family: 'Åström', given: ['Britta'] }],
    birthDate: '1940-03-02',
    gender: 'female',
  });
  ids.anna = await create({
    resourceType: 'Patient',
    identifier: [{ system: PNR, value: '199602282380' }],
    name: [{ family: 'Nilsson', given: ['Anna', 'Maria'] }],
    birthDate: '1996-02',
  });
  ids.hemtjanst = await create({
    resourceType: 'Organization',
    identifier: [{ system: 'urn:oid:1.2.752.29.4.19', value: 'SE2321000016-15HT' }],
    name: 'Hemtjänst Norr',
  });
  ids.vc = await create({ resourceType: 'Organization', name: 'Vårdcentralen Väst' });
  // Observations, ServiceRequests and Tasks must meet samvard's profiles: start from their examples.
  const obs = (patient: string, code: string, value: number, when: string) => {
    const base =
      code === '8867-4' ? heartRate(value) : exampleBody<any>('Observation-observation-example-oxygen-saturation');
    return {
      ...base,
      subject: { reference: `Patient/${patient}` },
      effectiveDateTime: when,
      valueQuantity: { ...base.valueQuantity, value },
    };
  };
  ids.pulse1 = await create(obs(ids.britta, '8867-4', 72, '2026-11-20T08:00:00+01:00'));
  ids.pulse2 = await create(obs(ids.britta, '8867-4', 95, '2026-11-21T08:00:00+01:00'));
  ids.spo2 = await create(obs(ids.britta, '2708-6', 97, '2026-11-21T08:05:00+01:00'));
  ids.annaPulse = await create(obs(ids.anna, '8867-4', 60, '2026-10-01'));
  ids.sr = await create(
    vardbegaran({
      subject: { reference: `Patient/${ids.britta}` },
      requester: { reference: `Organization/${ids.vc}` },
      performer: [{ reference: `Organization/${ids.hemtjanst}` }],
    }),
  );
  ids.task1 = await create(
    hslTask({
      status: 'requested',
      for: { reference: `Patient/${ids.britta}` },
      basedOn: [{ reference: `ServiceRequest/${ids.sr}` }],
      owner: { reference: `Organization/${ids.hemtjanst}` },
      authoredOn: '2026-11-21T09:00:00Z',
    }),
  );
  ids.task2 = await create(
    hslTask({
      status: 'requested',
      for: { reference: `Patient/${ids.britta}` },
      owner: { reference: `Organization/${ids.hemtjanst}` },
      authoredOn: '2026-11-20T09:00:00Z',
    }),
  );
  // A Task is created as requested; its owner accepts it (the workflow state machine, docs/workflow.md).
  const task2 = await json(await api.send('GET', `/Task/${ids.task2}`));
  expect((await api.send('PUT', `/Task/${ids.task2}`, { ...task2, status: 'accepted' })).status).toBe(200);
  ids.task3 = await create(
    hslTask({
      status: 'requested',
      for: { reference: `Patient/${ids.anna}` },
      owner: { reference: `Organization/${ids.vc}` },
      authoredOn: '2026-11-19T09:00:00Z',
    }),
  );
});

describe('token', () => {
  it.each([
    ['status=requested', ['task1', 'task3']],
    ['status=requested,accepted', ['task1', 'task2', 'task3']],
    ['status:not=requested', ['task2']],
    ['status=http://hl7.org/fhir/task-status|requested', ['task1', 'task3']],
  ])('Task?%s', async (query, expected) => {
    expect(await idsOf(`/Task?${query}`)).toEqual(sorted(...expected.map((k) => ids[k] as string)));
  });

  it('system|code, |code and code on a Coding', async () => {
    expect(await idsOf('/Observation?code=http://loinc.org|8867-4')).toEqual(sorted(ids.pulse1!, ids.pulse2!, ids.annaPulse!));
    expect(await idsOf('/Observation?code=http://snomed.info/sct|8867-4')).toEqual([]);
    expect(await idsOf('/Observation?code=|8867-4')).toEqual([]);
    expect(await idsOf('/Observation?code=2708-6')).toEqual([ids.spo2]);
  });

  it('identifier', async () => {
    expect(await idsOf(`/Patient?identifier=${PNR}|194003022383`)).toEqual([ids.britta]);
    expect(await idsOf('/Patient?identifier=199602282380')).toEqual([ids.anna]);
  });

  it(':missing', async () => {
    expect(await idsOf('/Patient?gender:missing=true')).toEqual([ids.anna]);
    expect(await idsOf('/Patient?gender:missing=false')).toEqual([ids.britta]);
  });
});

describe('string', () => {
  it('starts-with, case and accent insensitive; :exact; :contains', async () => {
    expect(await idsOf('/Patient?family=astr')).toEqual([ids.britta]);
    expect(await idsOf('/Patient?family=ÅSTRÖM')).toEqual([ids.britta]);
    expect(await idsOf('/Patient?family:exact=Åström')).toEqual([ids.britta]);
    expect(await idsOf('/Patient?family:exact=åström')).toEqual([]);
    expect(await idsOf('/Patient?family:contains=lss')).toEqual([ids.anna]);
    expect(await idsOf('/Patient?name=mar')).toEqual([ids.anna]);
    expect(await idsOf('/Organization?name=hemtj')).toEqual([ids.hemtjanst]);
  });

  it('a resource with several matching names appears once', async () => {
    expect(await idsOf('/Patient?given=an,ma')).toEqual([ids.anna]);
  });
});

describe('reference', () => {
  it('Type/id, bare id, and :identifier through a chain', async () => {
    expect(await idsOf(`/Task?owner=Organization/${ids.hemtjanst}`)).toEqual(sorted(ids.task1!, ids.task2!));
    expect(await idsOf(`/Task?owner=${ids.hemtjanst}`)).toEqual(sorted(ids.task1!, ids.task2!));
    expect(await idsOf(`/Task?owner=Organization/${ids.hemtjanst}&status=requested`)).toEqual([ids.task1]);
    expect(await idsOf(`/Observation?patient=Patient/${ids.anna}`)).toEqual([ids.annaPulse]);
    expect(await idsOf(`/Observation?subject=${BASE}/Patient/${ids.anna}`)).toEqual([ids.annaPulse]);
  });

  it('one level of chaining', async () => {
    expect(await idsOf(`/Task?patient.identifier=${PNR}|194003022383`)).toEqual(sorted(ids.task1!, ids.task2!));
    expect(await idsOf('/Task?owner.name=vårdcentralen')).toEqual([ids.task3]);
    expect(await idsOf(`/Task?patient.identifier=${PNR}|000000000000`)).toEqual([]);
  });

  it('_has, one level', async () => {
    expect(await idsOf('/Patient?_has:Observation:patient:code=2708-6')).toEqual([ids.britta]);
    expect(await idsOf('/Patient?_has:Task:patient:status=accepted')).toEqual([ids.britta]);
  });
});

describe('date and quantity', () => {
  it.each([
    ['date=2026-11-20', ['pulse1']],
    ['date=2026-11', ['pulse1', 'pulse2', 'spo2']],
    ['date=ge2026-11-21', ['pulse2', 'spo2']],
    ['date=lt2026-11-20T08:00:00Z', ['pulse1', 'annaPulse']],
    ['date=gt2026-10-01&date=lt2026-11-21', ['pulse1']],
    ['value-quantity=gt90', ['pulse2', 'spo2']],
    ['value-quantity=72||/min', ['pulse1']],
    ['value-quantity=lt65,gt96', ['annaPulse', 'spo2']],
  ])('Observation?%s', async (query, expected) => {
    expect(await idsOf(`/Observation?${query}`)).toEqual(sorted(...expected.map((k) => ids[k] as string)));
  });

  it('birthdate with partial precision', async () => {
    expect(await idsOf('/Patient?birthdate=1996')).toEqual([ids.anna]);
    expect(await idsOf('/Patient?birthdate=1996-02-10')).toEqual([]);
    expect(await idsOf('/Patient?birthdate=ge1996-02-10')).toEqual([ids.anna]);
  });
});

describe('results', () => {
  it('_include and _revinclude', async () => {
    const bundle = await search(`/Task?_id=${ids.task1}&_include=Task:owner&_include=Task:based-on`);
    const included = bundle.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource.id);
    // based-on: the vårdbegäran, and the CarePlan samvard linked the Task to (docs/workflow.md).
    expect(included.sort()).toEqual(sorted(ids.hemtjanst!, ids.sr!, await planOf(ids.task1!)));
    const rev = await search(`/Patient?_id=${ids.anna}&_revinclude=Observation:patient`);
    expect(rev.entry.map((e: any) => `${e.search.mode}:${e.resource.id}`).sort()).toEqual(
      [`include:${ids.annaPulse}`, `match:${ids.anna}`].sort(),
    );
  });

  it('_include:iterate follows one more level', async () => {
    const bundle = await search(
      `/Task?_id=${ids.task1}&_include=Task:based-on&_include:iterate=ServiceRequest:requester`,
    );
    const included = bundle.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource.id);
    expect(included.sort()).toEqual(sorted(ids.sr!, ids.vc!, await planOf(ids.task1!)));
  });

  it('_sort ascending and descending', async () => {
    const asc = await search(`/Observation?patient=${ids.britta}&_sort=date`);
    expect(asc.entry.map((e: any) => e.resource.id)).toEqual([ids.pulse1, ids.pulse2, ids.spo2]);
    const desc = await search(`/Observation?patient=${ids.britta}&_sort=-date`);
    expect(desc.entry.map((e: any) => e.resource.id)).toEqual([ids.spo2, ids.pulse2, ids.pulse1]);
    const tasks = await search('/Task?_sort=-authored-on');
    expect(tasks.entry.map((e: any) => e.resource.id)).toEqual([ids.task1, ids.task2, ids.task3]);
  });

  it('_summary=count and _total=accurate', async () => {
    const count = await search('/Observation?code=8867-4&_summary=count');
    expect(count.total).toBe(3);
    expect(count.entry).toBeUndefined();
    const total = await search('/Observation?code=8867-4&_count=1&_total=accurate');
    expect(total.total).toBe(3);
    expect(total.entry).toHaveLength(1);
  });

  it('_elements keeps the named elements and marks the result SUBSETTED', async () => {
    const bundle = await search(`/Patient?_id=${ids.britta}&_elements=birthDate`);
    const patient = bundle.entry[0].resource;
    expect(patient.birthDate).toBe('1940-03-02');
    expect(patient.name).toBeUndefined();
    expect(patient.meta.tag).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'SUBSETTED' })]));
  });

  it('the self link shows the applied parameters only; strict handling rejects unknown ones', async () => {
    const bundle = await search('/Task?status=requested&colour=blue');
    const self = bundle.link.find((l: any) => l.relation === 'self').url;
    expect(self).toContain('status=requested');
    expect(self).not.toContain('colour');
    const strict = await api.send('GET', '/Task?status=requested&colour=blue', undefined, { Prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    expect(JSON.stringify(await json(strict))).toContain('colour');
  });

  it('POST _search with a form body', async () => {
    const res = await api.app.request(`${BASE}/Task/_search`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `owner=Organization/${ids.vc}`,
    });
    expect(res.status).toBe(200);
    expect((await json(res)).entry.map((e: any) => e.resource.id)).toEqual([ids.task3]);
  });
});

describe('CapabilityStatement', () => {
  it('lists the search parameters of each type and the search interactions', async () => {
    const cs = await json(await api.send('GET', '/metadata'));
    const task = cs.rest[0].resource.find((r: any) => r.type === 'Task');
    const params = Object.fromEntries(task.searchParam.map((p: any) => [p.name, p.type]));
    expect(params).toMatchObject({ _id: 'token', _lastUpdated: 'date', owner: 'reference', status: 'token', 'authored-on': 'date' });
    expect(cs.rest[0].interaction).toEqual([{ code: 'search-system' }]);
    const patient = cs.rest[0].resource.find((r: any) => r.type === 'Patient');
    expect(patient.operation.map((o: any) => o.name)).toEqual(['everything']);
  });
});

describe('system, compartment and $everything', () => {
  it('system search with _type', async () => {
    const bundle = await search(`?_type=Task,ServiceRequest&_id=${ids.sr},${ids.task3}`);
    expect(bundle.entry.map((e: any) => e.resource.id).sort()).toEqual(sorted(ids.sr!, ids.task3!));
  });

  it('compartment search', async () => {
    expect(await idsOf(`/Patient/${ids.anna}/Task`)).toEqual([ids.task3]);
    expect(await idsOf(`/Patient/${ids.britta}/Observation?code=8867-4`)).toEqual(sorted(ids.pulse1!, ids.pulse2!));
  });

  it('$everything pages through the patient and their compartment', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${BASE}/Patient/${ids.britta}/$everything?_count=2`;
    while (next) {
      const bundle = await json(await api.app.request(next));
      expect(bundle.entry.length).toBeLessThanOrEqual(2);
      seen.push(...bundle.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.id}`));
      next = bundle.link.find((l: any) => l.relation === 'next')?.url;
    }
    // With the plans and care teams samvard keeps for her Tasks (docs/workflow.md).
    const kept = async (type: string) =>
      ((await search(`/${type}?patient=${ids.britta}`)).entry ?? []).map((e: any) => `${type}/${e.resource.id}`);
    expect(seen.sort()).toEqual(
      [
        ...(await kept('CarePlan')),
        ...(await kept('CareTeam')),
        `Patient/${ids.britta}`,
        `Observation/${ids.pulse1}`,
        `Observation/${ids.pulse2}`,
        `Observation/${ids.spo2}`,
        `ServiceRequest/${ids.sr}`,
        `Task/${ids.task1}`,
        `Task/${ids.task2}`,
      ].sort(),
    );
  });
});

describe('consistency and cost', () => {
  it('a search reads its own writes, and deleted or updated resources leave the index', async () => {
    const id = await create(hslTask({ owner: { reference: 'Organization/fresh' } }));
    expect(await idsOf('/Task?owner=Organization/fresh')).toEqual([id]);
    const task = await json(await api.send('GET', `/Task/${id}`));
    await api.send('PUT', `/Task/${id}`, { ...task, owner: { reference: 'Organization/other' } });
    expect(await idsOf('/Task?owner=Organization/fresh')).toEqual([]);
    expect(await idsOf('/Task?owner=Organization/other')).toEqual([id]);
    await api.send('DELETE', `/Task/${id}`);
    expect(await idsOf('/Task?owner=Organization/other')).toEqual([]);
  });

  it('no search issues a Scan', async () => {
    const calls: string[] = [];
    api.client.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    try {
      for (const q of ['/Observation?date=ge2026-01-01', '/Task?status=requested', '/Patient?name=a', `/Task?patient.identifier=${PNR}|194003022383`]) {
        await search(q);
      }
    } finally {
      api.client.middlewareStack.remove('countCommands');
    }
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c === ScanCommand.name)).toEqual([]);
    expect(calls).toContain(QueryCommand.name);
  });
});

describe('paging', () => {
  it('following next links yields every match exactly once while inserts happen', async () => {
    const before: string[] = [];
    for (let i = 0; i < 30; i++) {
      before.push(await create({ resourceType: 'CareTeam', status: 'active', name: `paging ${i}` }));
    }
    const seen: string[] = [];
    let next: string | undefined = `${BASE}/CareTeam?status=active&_count=4`;
    let pages = 0;
    while (next) {
      const bundle = await json(await api.app.request(next));
      seen.push(...(bundle.entry ?? []).map((e: any) => e.resource.id));
      next = bundle.link.find((l: any) => l.relation === 'next')?.url;
      await create({ resourceType: 'CareTeam', status: 'active', name: `inserted ${pages}` });
      pages++;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });
});
