/**
 * Region documents: egenvårdsbedömning (Observation) and vårdbegäran (ServiceRequest),
 * mapped (unit) and posted to `/ingest/{format}` (end to end, DynamoDB Local).
 */
import type { Bundle, Observation, ServiceRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapEgenvardsbedomning } from '../../mappings/region.egenvardsbedomning.v1/map.ts';
import { egenvardsbedomningSchema } from '../../mappings/region.egenvardsbedomning.v1/schema.ts';
import { mapOrdination } from '../../mappings/region.ordination.v1/map.ts';
import { ordinationSchema } from '../../mappings/region.ordination.v1/schema.ts';
import { mapVardbegaran } from '../../mappings/region.vardbegaran.v1/map.ts';
import { vardbegaranSchema } from '../../mappings/region.vardbegaran.v1/schema.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { all, assertBundleValid, exampleJson, ingest, itemCount, statuses } from './support.ts';

const EVB = 'region.egenvardsbedomning.v1';
const VB = 'region.vardbegaran.v1';
const ORD = 'region.ordination.v1';

describe('region.egenvardsbedomning.v1 mapping', () => {
  it('maps the example to resources that meet the profiles', () => {
    const mapped = mapEgenvardsbedomning(egenvardsbedomningSchema.parse(exampleJson(`${EVB}.json`)));
    expect(mapped.bundle.entry?.map((e) => e.resource?.resourceType)).toEqual([
      'Patient',
      'Practitioner',
      'Organization',
      'PractitionerRole',
      'Observation',
    ]);
    assertBundleValid(mapped);
  });
});

describe('region.vardbegaran.v1 mapping', () => {
  it('maps the example to resources that meet the profiles', () => {
    const doc = vardbegaranSchema.parse(exampleJson(`${VB}.json`));
    const mapped = mapVardbegaran(doc, { egenvardsbedomning: { resourceType: 'Observation', id: 'evb-1' } as Observation });
    const request = mapped.bundle.entry?.at(-1)?.resource as ServiceRequest;
    expect(request.supportingInfo).toEqual([{ reference: 'Observation/evb-1', type: 'Observation' }]);
    expect(request.occurrenceTiming?.repeat).toMatchObject({ frequency: 3, period: 1, periodUnit: 'd' });
    assertBundleValid(mapped);
  });

  it('is a pure function: the same document gives the same Bundle', () => {
    const doc = vardbegaranSchema.parse({ ...exampleJson(`${VB}.json`), egenvardsbedomning: undefined });
    expect(mapVardbegaran(doc)).toEqual(mapVardbegaran(doc));
  });
});

describe('region.ordination.v1 mapping', () => {
  it('maps the example to resources that meet the profiles', () => {
    const mapped = mapOrdination(ordinationSchema.parse(exampleJson(`${ORD}.json`)));
    const order = mapped.bundle.entry?.at(-1)?.resource as ServiceRequest;
    expect(order.category?.[0]?.coding?.[0]?.code).toBe('ordination');
    expect(order.requester?.type).toBe('PractitionerRole');
    // A samordningsnummer (day + 60) is matched as one.
    expect(mapped.bundle.entry?.[0]?.request?.ifNoneExist).toBe(
      'identifier=http://electronichealth.se/identifier/samordningsnummer|197010634231',
    );
    assertBundleValid(mapped);
  });
});

describe('region documents through /ingest', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });

  it('a vårdbegäran naming an egenvårdsbedömning not yet posted is a 409 and stores nothing', async () => {
    const before = await itemCount(api);
    const res = await ingest(api, VB, exampleJson(`${VB}.json`));
    expect(res.status).toBe(409);
    expect((await json(res)).issue[0].expression).toEqual(['egenvardsbedomning.documentId']);
    expect(await itemCount(api)).toBe(before);
  });

  it('posts the egenvårdsbedömning, then the vårdbegäran that refers to it', async () => {
    const first = await ingest(api, EVB, exampleJson(`${EVB}.json`));
    expect(first.status).toBe(200);
    const evb = (await json(first)) as Bundle;
    expect(evb.type).toBe('transaction-response');
    expect(statuses(evb)).toEqual(Array(5).fill('201 Created'));

    const second = await ingest(api, VB, exampleJson(`${VB}.json`));
    expect(second.status).toBe(200);
    const vb = (await json(second)) as Bundle;
    // Patient, Practitioner, the region unit and the role exist already; the kommun unit and the request are new.
    expect(statuses(vb)).toEqual(['200 OK', '200 OK', '200 OK', '200 OK', '201 Created', '201 Created']);

    const [observation] = await all<Observation>(api, 'Observation');
    const [request] = await all<ServiceRequest>(api, 'ServiceRequest');
    const [patient] = await all(api, 'Patient');
    expect(request?.subject?.reference).toBe(`Patient/${patient?.id}`);
    expect(request?.supportingInfo?.[0]?.reference).toBe(`Observation/${observation?.id}`);
    expect(request?.requester?.reference).toMatch(/^PractitionerRole\//);
    expect(request?.identifier).toEqual([{ system: 'https://samvard.se/fhir/sid/vardbegaran/SE2321000016-A1B2', value: 'VB-2026-000123' }]);
    expect(await all(api, 'Patient')).toHaveLength(1);
    expect(await all(api, 'Organization')).toHaveLength(2);
    expect(await all(api, 'Practitioner')).toHaveLength(1);
    expect(await all(api, 'PractitionerRole')).toHaveLength(1);
  });

  it('posting the same documents again creates and changes nothing', async () => {
    const before = await itemCount(api);
    for (const format of [EVB, VB]) {
      const res = await ingest(api, format, exampleJson(`${format}.json`));
      expect(res.status).toBe(200);
      expect(statuses(await json(res)).every((s) => s === '200 OK')).toBe(true);
    }
    expect(await itemCount(api)).toBe(before);
    const [request] = await all<ServiceRequest>(api, 'ServiceRequest');
    expect(request?.meta?.versionId).toBe('1');
  });

  it('a newer version of the document updates the same ServiceRequest', async () => {
    const doc = exampleJson(`${VB}.json`);
    doc.frequency = { times: 2, per: 'day' };
    const res = await ingest(api, VB, doc);
    expect(res.status).toBe(200);
    expect(statuses(await json(res)).at(-1)).toBe('200 OK');
    const requests = await all<ServiceRequest>(api, 'ServiceRequest');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.meta?.versionId).toBe('2');
    expect(requests[0]?.occurrenceTiming?.repeat?.frequency).toBe(2);
  });

  it('a schema error is a 400 naming the field, and nothing is stored', async () => {
    const before = await itemCount(api);
    const doc = exampleJson(`${VB}.json`);
    doc.documentId = 'VB-new';
    doc.patient.personId = '191212121213';
    doc.measure.code = 'juggling';
    const res = await ingest(api, VB, doc);
    expect(res.status).toBe(400);
    const outcome = await json(res);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.map((i: { expression: string[] }) => i.expression[0]).sort()).toEqual(['measure.code', 'patient.personId']);
    expect(await itemCount(api)).toBe(before);
  });

  it('a dry run answers with the Bundle and stores nothing', async () => {
    const before = await itemCount(api);
    const doc = exampleJson(`${VB}.json`);
    doc.documentId = 'VB-dry';
    const res = await ingest(api, VB, doc, { query: { dryRun: 'true' } });
    expect(res.status).toBe(200);
    const bundle = (await json(res)) as Bundle;
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry?.at(-1)?.request).toMatchObject({ method: 'PUT' });
    expect(await itemCount(api)).toBe(before);
  });

  it('a wrong content type is a 415', async () => {
    const res = await ingest(api, VB, exampleJson(`${VB}.json`), { contentType: 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('an ordination answering the nurse\'s request: created once, linked to the request', async () => {
    const nurse = await api.send('POST', '/ServiceRequest', {
      resourceType: 'ServiceRequest',
      meta: { profile: ['https://samvard.se/fhir/StructureDefinition/samvard-vardbegaran'] },
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: 'https://samvard.se/fhir/CodeSystem/service-request-kind', code: 'ordination' }] }],
      code: { coding: [{ system: 'https://samvard.se/fhir/CodeSystem/hsl-task-kind', code: 'wound-care' }] },
      subject: { display: 'Britta Andersson' },
      authoredOn: '2026-11-27T19:05:00+01:00',
      requester: { display: 'Hemsjukvården Norrstad' },
      performer: [{ display: 'Jourcentralen Norrstad' }],
      reasonCode: [{ text: 'Bensår upptäckt vid läkemedelsgivning' }],
      note: [{ text: 'Behöver ordination för omläggning' }],
    });
    expect(nurse.status).toBe(201);
    const requestId = (await json(nurse)).id as string;
    const doc = { ...exampleJson(`${ORD}.json`), inResponseTo: { serviceRequestId: requestId } };
    const res = await ingest(api, ORD, doc);
    expect(res.status).toBe(200);
    const bundle = (await json(res)) as Bundle;
    const order = bundle.entry?.at(-1)?.resource as ServiceRequest;
    expect(order.basedOn).toEqual([{ reference: `ServiceRequest/${requestId}`, type: 'ServiceRequest' }]);
    const before = await itemCount(api);
    expect((await ingest(api, ORD, doc)).status).toBe(200);
    expect(await itemCount(api)).toBe(before);

    const unknown = await ingest(api, ORD, { ...doc, documentId: 'ORD-x', inResponseTo: { serviceRequestId: 'nope' } });
    expect(unknown.status).toBe(409);
    expect((await json(unknown)).issue[0].expression).toEqual(['inResponseTo.serviceRequestId']);
  });
});
