/**
 * Kommun documents: HSL-uppdrag (Task) and its status updates (new Task versions), on
 * top of story 1's region documents.
 */
import type { Bundle, Patient, ServiceRequest, Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapHslUppdrag } from '../../mappings/kommun.hsl-uppdrag.v1/map.ts';
import { hslUppdragSchema } from '../../mappings/kommun.hsl-uppdrag.v1/schema.ts';
import { mapHslUppdragStatus } from '../../mappings/kommun.hsl-uppdrag-status.v1/map.ts';
import { hslUppdragStatusSchema } from '../../mappings/kommun.hsl-uppdrag-status.v1/schema.ts';
import { hslTask, vardbegaran } from '../support/conforming.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { all, assertBundleValid, exampleJson, ingest, itemCount, statuses } from './support.ts';

const UPPDRAG = 'kommun.hsl-uppdrag.v1';
const STATUS = 'kommun.hsl-uppdrag-status.v1';

const storedRequest: ServiceRequest = { ...vardbegaran(), id: 'sr-1', subject: { reference: 'Patient/p-1' } };
const storedPatient: Patient = { resourceType: 'Patient', id: 'p-1' };

describe('kommun.hsl-uppdrag.v1 mapping', () => {
  it('maps the example to a Task that meets the profile', () => {
    const doc = hslUppdragSchema.parse(exampleJson(`${UPPDRAG}.json`));
    const mapped = mapHslUppdrag(doc, { request: storedRequest, patient: storedPatient });
    const task = mapped.bundle.entry?.at(-1)?.resource as Task;
    expect(task.status).toBe('requested');
    expect(task.basedOn).toEqual([{ reference: 'ServiceRequest/sr-1', type: 'ServiceRequest' }]);
    expect(task.extension?.[0]).toEqual({ url: 'https://samvard.se/fhir/StructureDefinition/samvard-delegated-care', valueBoolean: true });
    assertBundleValid(mapped);
  });

  it('keeps the lifecycle of a Task that exists', () => {
    const doc = hslUppdragSchema.parse(exampleJson(`${UPPDRAG}.json`));
    const current = hslTask({ id: 't-1', status: 'in-progress', lastModified: '2026-11-24T08:00:00+01:00' });
    const task = mapHslUppdrag(doc, { request: storedRequest, patient: storedPatient, task: current }).bundle.entry?.at(-1)
      ?.resource as Task;
    expect(task.status).toBe('in-progress');
    expect(task.lastModified).toBe('2026-11-24T08:00:00+01:00');
  });

  it('needs exactly one of serviceRequestId and vardbegaran', () => {
    const doc = { ...exampleJson(`${UPPDRAG}.json`), basedOn: {} };
    expect(hslUppdragSchema.safeParse(doc).error?.issues.map((i) => i.path)).toEqual([['basedOn']]);
  });
});

describe('kommun.hsl-uppdrag-status.v1 mapping', () => {
  const current = hslTask({ id: 't-1', meta: { versionId: '1' } });
  it('a rejection carries its reason, as the profile requires', () => {
    const doc = hslUppdragStatusSchema.parse(exampleJson(`${STATUS}.rejected.json`));
    const mapped = mapHslUppdragStatus(doc, { task: current });
    const entry = mapped.bundle.entry?.[0];
    expect(entry?.request).toMatchObject({ method: 'PUT', ifMatch: 'W/"1"' });
    expect(entry?.resource).toMatchObject({ id: 't-1', status: 'rejected', statusReason: { text: doc.reason } });
    assertBundleValid(mapped);
  });

  it('the accepted example meets the profile', () => {
    const mapped = mapHslUppdragStatus(hslUppdragStatusSchema.parse(exampleJson(`${STATUS}.json`)), { task: current });
    expect(mapped.bundle.entry?.[0]?.resource).toMatchObject({ status: 'accepted', businessStatus: { text: 'Accepterat' } });
    assertBundleValid(mapped);
  });

  it('rejected without a reason fails the schema at `reason`', () => {
    const doc = { ...exampleJson(`${STATUS}.rejected.json`), reason: undefined };
    expect(hslUppdragStatusSchema.safeParse(doc).error?.issues.map((i) => i.path)).toEqual([['reason']]);
  });
});

describe('kommun documents through /ingest', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
    for (const format of ['region.egenvardsbedomning.v1', 'region.vardbegaran.v1']) {
      expect((await ingest(api, format, exampleJson(`${format}.json`))).status).toBe(200);
    }
  });

  const taskOf = async (documentId: string): Promise<Task> => {
    const tasks = await all<Task>(api, 'Task', `identifier=https://samvard.se/fhir/sid/hsl-uppdrag/SE2120000142-LC01|${documentId}`);
    expect(tasks).toHaveLength(1);
    return tasks[0] as Task;
  };

  it('an uppdrag before its vårdbegäran is a 409 naming basedOn, and stores nothing', async () => {
    const before = await itemCount(api);
    const doc = exampleJson(`${UPPDRAG}.json`);
    doc.basedOn.vardbegaran.documentId = 'VB-unknown';
    const res = await ingest(api, UPPDRAG, doc);
    expect(res.status).toBe(409);
    expect((await json(res)).issue[0].expression).toEqual(['basedOn.vardbegaran']);
    expect(await itemCount(api)).toBe(before);
  });

  it('an uppdrag for another patient than the vårdbegäran is a 409', async () => {
    const doc = { ...exampleJson(`${UPPDRAG}.json`), patient: { personId: '197010634231' } };
    const res = await ingest(api, UPPDRAG, doc);
    expect(res.status).toBe(409);
    expect((await json(res)).issue[0].expression).toEqual(['patient.personId']);
  });

  it('creates the Task based on the vårdbegäran, once', async () => {
    const res = await ingest(api, UPPDRAG, exampleJson(`${UPPDRAG}.json`));
    expect(res.status).toBe(200);
    const bundle = (await json(res)) as Bundle;
    // Patient and kommunrehab (the vårdbegäran's performer) exist; Practitioner, the role, hemtjänst and the Task are new.
    expect(statuses(bundle)).toEqual(['200 OK', '201 Created', '200 OK', '201 Created', '201 Created', '201 Created']);
    const task = await taskOf('HSL-2026-0815');
    const [request] = await all(api, 'ServiceRequest');
    expect(task.basedOn?.[0]?.reference).toBe(`ServiceRequest/${request?.id}`);
    expect(task.status).toBe('requested');

    const before = await itemCount(api);
    const again = await ingest(api, UPPDRAG, exampleJson(`${UPPDRAG}.json`));
    expect(statuses(await json(again)).every((s) => s === '200 OK')).toBe(true);
    expect(await itemCount(api)).toBe(before);
  });

  it('status updates make new versions of the Task, in time order; re-posting one changes nothing', async () => {
    const accepted = await ingest(api, STATUS, exampleJson(`${STATUS}.json`));
    expect(accepted.status).toBe(200);
    expect(statuses(await json(accepted))).toEqual(['200 OK']);
    let task = await taskOf('HSL-2026-0815');
    expect(task).toMatchObject({ status: 'accepted', meta: { versionId: '2' }, lastModified: '2026-11-21T11:20:00+01:00' });
    expect(task.note?.[0]?.text).toMatch(/^Accepterat: Delegering klar/);

    const before = await itemCount(api);
    expect((await ingest(api, STATUS, exampleJson(`${STATUS}.json`))).status).toBe(200);
    expect(await itemCount(api)).toBe(before);

    const started = {
      ...exampleJson(`${STATUS}.json`),
      documentId: 'HSL-2026-0815-S2',
      status: 'started',
      time: '2026-11-23T08:05:00+01:00',
      comment: undefined,
    };
    expect((await ingest(api, STATUS, started)).status).toBe(200);
    const performed = { ...started, documentId: 'HSL-2026-0815-S3', status: 'performed', time: '2026-11-23T08:30:00+01:00' };
    expect((await ingest(api, STATUS, performed)).status).toBe(200);
    task = await taskOf('HSL-2026-0815');
    expect(task).toMatchObject({
      status: 'in-progress',
      businessStatus: { text: 'Utfört' },
      executionPeriod: { start: '2026-11-23T08:05:00+01:00' },
      meta: { versionId: '4' },
    });

    // An older status arriving late changes nothing.
    const late = { ...started, documentId: 'HSL-2026-0815-S0', status: 'accepted', time: '2026-11-22T09:00:00+01:00' };
    expect((await ingest(api, STATUS, late)).status).toBe(200);
    expect((await taskOf('HSL-2026-0815')).meta?.versionId).toBe('4');

    const history = await api.send('GET', `/Task/${task.id}/_history`);
    const versions = ((await json(history)) as Bundle).entry?.map((e) => (e.resource as Task).status);
    expect(versions).toEqual(['in-progress', 'in-progress', 'accepted', 'requested']);
  });

  it('re-posting the uppdrag keeps the status the updates set', async () => {
    const doc = { ...exampleJson(`${UPPDRAG}.json`), description: 'Träningsprogram, reviderat' };
    expect((await ingest(api, UPPDRAG, doc)).status).toBe(200);
    expect(await taskOf('HSL-2026-0815')).toMatchObject({ status: 'in-progress', description: 'Träningsprogram, reviderat' });
  });

  it('a rejected uppdrag gets its reason; nothing can follow a rejection', async () => {
    const uppdrag = { ...exampleJson(`${UPPDRAG}.json`), documentId: 'HSL-2026-0816', kind: 'tube-feeding', description: 'Sondmatning' };
    expect((await ingest(api, UPPDRAG, uppdrag)).status).toBe(200);
    expect((await ingest(api, STATUS, exampleJson(`${STATUS}.rejected.json`))).status).toBe(200);
    expect(await taskOf('HSL-2026-0816')).toMatchObject({ status: 'rejected', statusReason: { text: /Ingen personal/ } });

    const before = await itemCount(api);
    const accept = { ...exampleJson(`${STATUS}.rejected.json`), documentId: 'x', status: 'accepted', reason: undefined, time: '2026-11-22T10:00:00+01:00' };
    const res = await ingest(api, STATUS, accept);
    expect(res.status).toBe(409);
    expect((await json(res)).issue[0].expression).toEqual(['status']);
    expect(await itemCount(api)).toBe(before);
  });

  it('a status for an uppdrag samvard does not have is a 409; a rejection without reason a 400', async () => {
    const unknown = { ...exampleJson(`${STATUS}.json`), uppdrag: { sourceSystem: 'SE2120000142-LC01', documentId: 'nope' } };
    const res = await ingest(api, STATUS, unknown);
    expect(res.status).toBe(409);
    expect((await json(res)).issue[0].expression).toEqual(['uppdrag.documentId']);

    const before = await itemCount(api);
    const bad = await ingest(api, STATUS, { ...exampleJson(`${STATUS}.rejected.json`), reason: undefined });
    expect(bad.status).toBe(400);
    expect((await json(bad)).issue[0].expression).toEqual(['reason']);
    expect(await itemCount(api)).toBe(before);
  });
});
