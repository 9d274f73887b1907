/**
 * The design notes' stories 1, 2 and 5 (../shared/design.md §2), end to end: region and
 * kommun systems post their own documents to `/ingest/{format}`; every party sees each step with
 * plain FHIR searches.
 */
import type { Bundle, Observation, ServiceRequest, Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { exampleJson, ingest } from './support.ts';

const HSA = 'urn:oid:1.2.752.29.4.19';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

async function search<T>(query: string): Promise<T[]> {
  const res = await api.send('GET', query);
  expect(res.status, query).toBe(200);
  return (((await json(res)) as Bundle).entry ?? []).map((e) => e.resource as T);
}

async function post(format: string, doc: unknown): Promise<void> {
  const res = await ingest(api, format, doc);
  expect(res.status, `${format}: ${JSON.stringify(await res.clone().json())}`).toBe(200);
}

describe('story 1: hip fracture, home again', () => {
  it('egenvårdsbedömning and vårdbegäran from the region, HSL-uppdrag from kommunrehab, accepted by hemtjänst', async () => {
    // Primärvårdsrehab posts one egenvårdsbedömning and one vårdbegäran (not two faxed forms).
    await post('region.egenvardsbedomning.v1', exampleJson('region.egenvardsbedomning.v1.json'));
    await post('region.vardbegaran.v1', exampleJson('region.vardbegaran.v1.json'));

    // Kommunrehab finds what is addressed to it, with the assessment it rests on.
    const requests = await search<ServiceRequest>(`/ServiceRequest?performer.identifier=${HSA}|SE2120000142-KR1&status=active`);
    expect(requests).toHaveLength(1);
    const request = requests[0] as ServiceRequest;
    const [assessment] = await search<Observation>(`/Observation?_id=${request.supportingInfo?.[0]?.reference?.split('/')[1]}`);
    expect(assessment?.valueCodeableConcept?.coding?.[0]?.code).toBe('halso-och-sjukvard');

    // Kommunrehab's system posts the HSL-uppdrag to hemtjänst: delegated, 3 times a day.
    await post('kommun.hsl-uppdrag.v1', exampleJson('kommun.hsl-uppdrag.v1.json'));
    const forHemtjanst = await search<Task>(`/Task?owner.identifier=${HSA}|SE2120000142-HTJ7&status=requested`);
    expect(forHemtjanst).toHaveLength(1);
    const task = forHemtjanst[0] as Task;
    expect(task.basedOn?.[0]?.reference).toBe(`ServiceRequest/${request.id}`);
    expect(task.extension?.find((e) => e.url.endsWith('samvard-task-frequency'))?.valueTiming?.repeat).toMatchObject({ frequency: 3, periodUnit: 'd' });

    // Hemtjänst accepts; the region sees it on the Tasks based on its request.
    await post('kommun.hsl-uppdrag-status.v1', exampleJson('kommun.hsl-uppdrag-status.v1.json'));
    const seenByRegion = await search<Task>(`/Task?based-on=ServiceRequest/${request.id}`);
    expect(seenByRegion.map((t) => t.status)).toEqual(['accepted']);
  });
});

describe('story 2: Friday evening, the vårdcentral is closed', () => {
  it('the nurse asks the on-call unit; the on-call doctor\'s ordination answers it', async () => {
    const nurse = await api.send('POST', '/ServiceRequest', {
      resourceType: 'ServiceRequest',
      meta: { profile: ['https://samvard.se/fhir/StructureDefinition/samvard-vardbegaran'] },
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: 'https://samvard.se/fhir/CodeSystem/service-request-kind', code: 'ordination' }] }],
      code: { coding: [{ system: 'https://samvard.se/fhir/CodeSystem/hsl-task-kind', code: 'wound-care' }], text: 'Bensår, behöver ordination' },
      subject: { display: 'Britta Andersson' },
      authoredOn: '2026-11-27T19:05:00+01:00',
      requester: { display: 'Hemsjukvården Norrstad' },
      performer: [{ display: 'Jourcentralen Norrstad' }],
      reasonCode: [{ text: 'Bensår vänster underben, upptäckt vid läkemedelsgivning' }],
      note: [{ text: 'Oplanerat besök behövs i kväll' }],
    });
    expect(nurse.status).toBe(201);
    const requestId = (await json(nurse)).id as string;

    await post('region.ordination.v1', { ...exampleJson('region.ordination.v1.json'), inResponseTo: { serviceRequestId: requestId } });

    // The nurse's system finds the answer to its request.
    const answers = await search<ServiceRequest>(`/ServiceRequest?based-on=ServiceRequest/${requestId}`);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.category?.[0]?.coding?.[0]?.code).toBe('ordination');
    expect(answers[0]?.note?.[0]?.text).toMatch(/^Rengör såret/);
    expect(answers[0]?.requester?.reference).toMatch(/^PractitionerRole\//);
  });
});

describe('story 5: home monitoring', () => {
  it('hemtjänst\'s measurements are the patient\'s vital-sign Observations for the region to read', async () => {
    await post('kommun.matvarden.v1', exampleJson('kommun.matvarden.v1.json'));
    const vitals = await search<Observation>(
      `/Observation?subject.identifier=http://electronichealth.se/identifier/personnummer|191212121212&category=vital-signs`,
    );
    expect(vitals.map((o) => o.code?.coding?.[0]?.code).sort()).toEqual(['2708-6', '8310-5', '85354-9', '8867-4']);
    const bp = vitals.find((o) => o.code?.coding?.[0]?.code === '85354-9');
    expect(bp?.component?.map((c) => c.valueQuantity?.value)).toEqual([128, 82]);
  });
});
