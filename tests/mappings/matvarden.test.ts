/** kommun.matvarden.v1: vital signs measured at home, as JSON and as CSV, into vital-sign Observations. */
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMatvardenCsv } from '../../mappings/kommun.matvarden.v1/csv.ts';
import { mapMatvarden } from '../../mappings/kommun.matvarden.v1/map.ts';
import { matvardenSchema } from '../../mappings/kommun.matvarden.v1/schema.ts';
import { stockholmDateTime } from '../../mappings/common/time.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { all, assertBundleValid, exampleJson, exampleText, ingest, itemCount, statuses } from './support.ts';

const MV = 'kommun.matvarden.v1';
const CSV_PARAMS = { sourceSystem: 'SE2120000142-HT02' };

const fromCsv = (text: string) => matvardenSchema.parse(readMatvardenCsv(text, CSV_PARAMS).value);

describe('kommun.matvarden.v1 mapping', () => {
  it('maps the JSON example to Observations that meet the vital-sign profiles', () => {
    const mapped = mapMatvarden(matvardenSchema.parse(exampleJson(`${MV}.json`)));
    const observations = mapped.bundle.entry?.filter((e) => e.resource?.resourceType === 'Observation').map((e) => e.resource as Observation);
    expect(observations?.map((o) => o.meta?.profile?.[0]?.split('/').pop())).toEqual([
      'samvard-blood-pressure',
      'samvard-heart-rate',
      'samvard-oxygen-saturation',
      'samvard-body-temperature',
      'samvard-body-weight',
    ]);
    // Self-measured: the patient is the performer.
    const weight = observations?.at(-1);
    expect(weight?.performer?.[0]).toEqual(weight?.subject);
    assertBundleValid(mapped);
  });

  it('maps the CSV example: `;`, decimal commas, quoted cells, Swedish local times', () => {
    const doc = fromCsv(exampleText(`${MV}.csv`));
    expect(doc.measurements).toHaveLength(6);
    expect(doc.measurements[3]).toMatchObject({ value: 37.8, unit: '°C', comment: 'Lätt feber; sköterskan informerad', time: '2026-11-23T08:02:00+01:00' });
    expect(doc.measurements[5]).toMatchObject({ time: '2026-07-23T07:30:00+02:00', measuredBy: { by: 'patient' } });
    assertBundleValid(mapMatvarden(doc));
  });

  it('reads comma-separated CSV with quotes and CRLF too', () => {
    const text = 'id,personId,time,type,value,measuredBy,unitHsaId,unitName\r\nA1,191212121212,2026-11-23T08:00:00+01:00,heart-rate,70,,SE2120000142-HTJ7,"Hemtjänsten ""Norra"""\r\n';
    const doc = fromCsv(text);
    expect(doc.measurements[0]).toMatchObject({ value: 70, measuredBy: { by: 'staff', unit: { name: 'Hemtjänsten "Norra"' } } });
  });

  it('Stockholm local time: CET in winter, CEST in summer', () => {
    expect(stockholmDateTime(2026, 1, 15, 12, 0)).toBe('2026-01-15T12:00:00+01:00');
    expect(stockholmDateTime(2026, 6, 15, 12, 0)).toBe('2026-06-15T12:00:00+02:00');
    expect(stockholmDateTime(2026, 2, 30, 12, 0)).toBeUndefined();
  });

  it('checks values against the type: blood pressure needs both pressures, implausible values and wrong units fail', () => {
    const doc = exampleJson(`${MV}.json`);
    doc.measurements[0].systolic = undefined;
    doc.measurements[1].value = 720;
    doc.measurements[3].unit = '°F';
    const issues = matvardenSchema.safeParse(doc).error?.issues.map((i) => i.path.join('.'));
    expect(issues).toEqual(['measurements.0.systolic', 'measurements.1.value', 'measurements.3.unit']);
  });
});

describe('kommun.matvarden.v1 through /ingest', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });

  it('posting the JSON example creates one Observation per measurement, and twice creates nothing', async () => {
    const res = await ingest(api, MV, exampleJson(`${MV}.json`));
    expect(res.status).toBe(200);
    expect(await all(api, 'Observation')).toHaveLength(5);
    expect(await all(api, 'Patient')).toHaveLength(2);
    expect(await all(api, 'Organization')).toHaveLength(1);

    const before = await itemCount(api);
    const again = await ingest(api, MV, exampleJson(`${MV}.json`));
    expect(statuses(await json(again)).every((s) => s === '200 OK')).toBe(true);
    expect(await itemCount(api)).toBe(before);
  });

  it('posting the CSV example with its source system creates its Observations once', async () => {
    const csv = exampleText(`${MV}.csv`);
    const res = await ingest(api, MV, csv, { contentType: 'text/csv; charset=utf-8', query: CSV_PARAMS });
    expect(res.status).toBe(200);
    const bundle = (await json(res)) as Bundle;
    expect(statuses(bundle).filter((s) => s === '201 Created')).toHaveLength(6);
    const pulse = await all<Observation>(api, 'Observation', 'code=http://loinc.org|8867-4');
    expect(pulse.map((o) => o.valueQuantity?.value).sort()).toEqual([72, 76]);

    const before = await itemCount(api);
    expect((await ingest(api, MV, csv, { contentType: 'text/csv', query: CSV_PARAMS })).status).toBe(200);
    expect(await itemCount(api)).toBe(before);
  });

  it('a CSV with a bad cell is a 400 naming the field, line and column, and stores nothing', async () => {
    const before = await itemCount(api);
    const csv = exampleText(`${MV}.csv`).replace('MV-200102;191212121212;2026-11-23 08:00;heart-rate;76', 'MV-200902;191212121212;2026-11-23 08:00;heart-rate;sjuttiosex');
    const res = await ingest(api, MV, csv, { contentType: 'text/csv', query: CSV_PARAMS });
    expect(res.status).toBe(400);
    const issue = (await json(res)).issue[0];
    expect(issue.expression).toEqual(['measurements[1].value']);
    expect(issue.details.text).toContain('CSV line 3, column value');
    expect(await itemCount(api)).toBe(before);
  });

  it('a CSV without its source system, or with an unknown column, is a 400', async () => {
    const csv = exampleText(`${MV}.csv`);
    const noSource = await ingest(api, MV, csv, { contentType: 'text/csv' });
    expect(noSource.status).toBe(400);
    expect((await json(noSource)).issue[0]).toMatchObject({ expression: ['sourceSystem'], details: { text: expect.stringContaining('query parameter') } });
    const unknown = await ingest(api, MV, csv.replace('comment', 'kommentar'), { contentType: 'text/csv', query: CSV_PARAMS });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).issue[0].details.text).toContain('kommentar');
  });

  it('CSV is refused (415) for a format that only takes JSON', async () => {
    const res = await ingest(api, 'region.vardbegaran.v1', 'a;b\n1;2\n', { contentType: 'text/csv' });
    expect(res.status).toBe(415);
  });
});
