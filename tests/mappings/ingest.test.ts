/**
 * The ingest operation itself: listing the formats and their JSON Schemas, profile errors
 * pointed back into the document, size limits, unknown formats.
 */
import type { ServiceRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../functions/core/outcomes.ts';
import { FORMATS } from '../../mappings/formats.ts';
import { assertMappedResourcesValid } from '../../mappings/ingest.ts';
import { mapVardbegaran } from '../../mappings/region.vardbegaran.v1/map.ts';
import { vardbegaranSchema } from '../../mappings/region.vardbegaran.v1/schema.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';
import { exampleJson, ingest, itemCount } from './support.ts';

describe('profile errors point into the document', () => {
  it('a mapped resource that fails its profile is reported at the document field it came from', () => {
    const doc = vardbegaranSchema.parse({ ...exampleJson('region.vardbegaran.v1.json'), egenvardsbedomning: undefined });
    const mapped = mapVardbegaran(doc);
    // Break what the profile wants (samvard-sr-2: the medical information) and the patient's identifier.
    const request = mapped.bundle.entry?.at(-1)?.resource as ServiceRequest;
    delete request.note;
    const patient = mapped.bundle.entry?.[0]?.resource as { identifier: { value: string }[] };
    (patient.identifier[0] as { value: string }).value = '191212121213';
    let outcome: OperationOutcomeError['outcome'] | undefined;
    try {
      assertMappedResourcesValid(mapped);
    } catch (err) {
      outcome = (err as OperationOutcomeError).outcome;
    }
    const expressions = outcome?.issue?.map((i) => i.expression?.[0]);
    expect(expressions).toContain('patient.personId');
    expect(expressions).toContain('medicalInformation');
    expect(outcome?.issue?.find((i) => i.expression?.[0] === 'medicalInformation')?.diagnostics).toMatch(/FHIR: ServiceRequest/);
  });
});

describe('$ingest', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });

  it('GET lists every format with its media types and a link to its JSON Schema', async () => {
    const res = await api.send('GET', '/$ingest');
    expect(res.status).toBe(200);
    const { formats } = await json(res);
    expect(formats.map((f: { format: string }) => f.format)).toEqual(FORMATS.map((f) => f.id));
    const matvarden = formats.find((f: { format: string }) => f.format === 'kommun.matvarden.v1');
    expect(matvarden).toMatchObject({
      mediaTypes: ['application/json', 'text/csv'],
      schema: `${BASE}/$ingest/kommun.matvarden.v1.schema.json`,
      ingest: `${BASE}/$ingest?format=kommun.matvarden.v1`,
    });
    const schema = await api.send('GET', '/$ingest/kommun.matvarden.v1.schema.json');
    expect(schema.status).toBe(200);
    expect(schema.headers.get('Content-Type')).toMatch(/^application\/schema\+json/);
    expect(await json(schema)).toMatchObject({ $id: 'https://samvard.se/fhir/ingest/kommun.matvarden.v1.schema.json', type: 'object' });
  });

  it('an unknown or missing format is a 400 naming `format`; other methods are 405', async () => {
    const unknown = await ingest(api, 'region.remiss.v9', {});
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).issue[0].expression).toEqual(['format']);
    const missing = await api.send('POST', '/$ingest', '{}', { 'Content-Type': 'application/json' });
    expect(missing.status).toBe(400);
    expect((await api.send('DELETE', '/$ingest')).status).toBe(405);
  });

  it('malformed JSON is a 400, a body that is not an object a 400 at the document', async () => {
    expect((await ingest(api, 'sip.v1', '{"title": ')).status).toBe(400);
    const notObject = await ingest(api, 'sip.v1', '[1,2]');
    expect(notObject.status).toBe(400);
    expect((await json(notObject)).resourceType).toBe('OperationOutcome');
  });

  it('a document that maps to more than one transaction holds is a 413, and stores nothing', async () => {
    // 150 measurements, each for another patient measured by another person: 450 resources.
    const luhn = (s: string) => {
      let t = 0;
      for (const [i, c] of [...s].entries()) {
        const d = Number(c) * (i % 2 === 0 ? 2 : 1);
        t += d > 9 ? d - 9 : d;
      }
      return String((10 - (t % 10)) % 10);
    };
    const measurements = Array.from({ length: 150 }, (_, i) => {
      const base = `500101${String(i).padStart(3, '0')}`;
      return {
        id: `M-${i}`,
        patient: { personId: `19${base}${luhn(base)}` },
        time: '2026-11-22T08:00:00+01:00',
        type: 'heart-rate',
        value: 70,
        measuredBy: {
          by: 'staff',
          unit: { hsaId: 'SE2120000142-HTJ7', name: 'Hemtjänsten Norra' },
          professional: { hsaId: `SE2120000142-P${i}` },
        },
      };
    });
    const before = await itemCount(api);
    const res = await ingest(api, 'kommun.matvarden.v1', { sourceSystem: 'SE2120000142-HT02', measurements });
    expect(res.status).toBe(413);
    expect((await json(res)).issue[0].details.text).toMatch(/Split it/);
    expect(await itemCount(api)).toBe(before);
  });
});
