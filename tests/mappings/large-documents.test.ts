/**
 * A document as large as the issue's benchmark: a 500-row measurement CSV is one POST,
 * one atomic transaction (well over 100 DynamoDB items: the store's multi-step commit,
 * with its record of changes split over several items if need be). All of it is stored
 * and read back, or, when one row is bad, none of it.
 */
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_INGEST_ENTRIES } from '../../mappings/ingest.ts';
import { MAX_MEASUREMENTS } from '../../mappings/kommun.matvarden.v1/schema.ts';
import { heartRate } from '../support/conforming.ts';
import {
  MEASUREMENT_PERSON_IDS as PERSON_IDS,
  MEASUREMENT_ROW_TYPES as ROW_TYPES,
  MEASUREMENT_SOURCE_SYSTEM as SOURCE_SYSTEM,
  measurementDocument as csvOf,
  measurementRows,
} from '../support/measurements.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { all, ingest, itemCount, statuses } from './support.ts';

const MV = 'kommun.matvarden.v1';
const ROWS = 500;

/** `ROWS` measurement rows for five patients, one hemtjänst unit and one professional; ids `<tag>-<row>`. */
const csvRows = (tag: string): string[] => measurementRows(ROWS, tag);
const postCsv = (api: TestApi, csv: string) => ingest(api, MV, csv, { contentType: 'text/csv; charset=utf-8', query: { sourceSystem: SOURCE_SYSTEM } });

describe('a 500-row measurement CSV through POST /ingest/kommun.matvarden.v1', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });

  it('the limits take it: 500 rows, their patients, unit and professional in one document', () => {
    expect(MAX_MEASUREMENTS).toBeGreaterThanOrEqual(ROWS);
    expect(ROWS + PERSON_IDS.length + 3).toBeLessThanOrEqual(MAX_INGEST_ENTRIES);
  });

  it('is stored in one POST, and every Observation reads back; posting it again stores nothing', { timeout: 240_000 }, async () => {
    const res = await postCsv(api, csvOf(csvRows('MVL')));
    expect(res.status).toBe(200);
    const bundle = (await json(res)) as Bundle;
    expect(bundle.type).toBe('transaction-response');
    // 500 Observations, 5 patients, the unit, the professional and their role: all created.
    expect(statuses(bundle).filter((s) => s === '201 Created')).toHaveLength(ROWS + PERSON_IDS.length + 3);

    const observations = await all<Observation>(api, 'Observation');
    expect(observations).toHaveLength(ROWS);
    const ids = new Set(observations.map((o) => o.identifier?.[0]?.value));
    for (let i = 0; i < ROWS; i++) expect(ids.has(`MVL-${i}`), `MVL-${i}`).toBe(true);
    // Read back by patient as well: each patient has their own hundred.
    const patients = await all(api, 'Patient');
    expect(patients).toHaveLength(PERSON_IDS.length);
    for (const patient of patients) {
      expect(await all(api, 'Observation', `patient=Patient/${patient.id}`)).toHaveLength(ROWS / PERSON_IDS.length);
    }
    const pulse = await all<Observation>(api, 'Observation', 'code=http://loinc.org|8867-4');
    expect(pulse).toHaveLength(Math.ceil((ROWS - 1) / ROW_TYPES.length));

    const before = await itemCount(api);
    const again = await postCsv(api, csvOf(csvRows('MVL')));
    expect(again.status).toBe(200);
    expect(statuses((await json(again)) as Bundle).every((s) => s === '200 OK')).toBe(true);
    expect(await itemCount(api)).toBe(before);
  });

  it('with one bad row stores nothing and is a 400 pointing at that row', { timeout: 240_000 }, async () => {
    const before = await itemCount(api);
    const rows = csvRows('MVB');
    // Row 317 (CSV line 319): a pulse that is not a number.
    rows[317] = (rows[317] as string).replace(/;(?:blood-pressure|heart-rate|oxygen-saturation|body-temperature|respiratory-rate|body-weight);[^;]*;[^;]*;[^;]*;[^;]*;/, ';heart-rate;sjuttio;;;/min;');
    const res = await postCsv(api, csvOf(rows));
    expect(res.status).toBe(400);
    const issues = (await json(res)).issue;
    expect(issues).toHaveLength(1);
    expect(issues[0].expression).toEqual(['measurements[317].value']);
    expect(issues[0].details.text).toContain('CSV line 319, column value');
    expect(await itemCount(api)).toBe(before);
    expect((await all(api, 'Observation', 'identifier=MVB-0')).length).toBe(0);
  });

  it('with one row the transaction refuses (its id matches two Observations) stores nothing and is a 412 at that row', { timeout: 240_000 }, async () => {
    // Two Observations already carry row 400's business identifier.
    const identifier = { system: `https://samvard.se/fhir/sid/matvarde/${SOURCE_SYSTEM}`, value: 'MVC-400' };
    for (let i = 0; i < 2; i++) {
      const created = await api.send('POST', '/Observation', heartRate(70, { identifier: [identifier] }));
      expect(created.status, await created.clone().text()).toBe(201);
    }
    const before = await itemCount(api);
    const res = await postCsv(api, csvOf(csvRows('MVC')));
    expect(res.status).toBe(412);
    const issue = (await json(res)).issue[0];
    expect(issue.expression).toEqual(['measurements[400]']);
    expect(issue.details.text).toContain('matches more than one Observation');
    expect(await itemCount(api)).toBe(before);
    expect((await all(api, 'Observation', 'identifier=MVC-0')).length).toBe(0);
  });
});
