/** sip.v1: a SIP into CarePlan and CareTeam. */
import type { Bundle, CarePlan, CareTeam } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapSip } from '../../mappings/sip.v1/map.ts';
import { sipSchema } from '../../mappings/sip.v1/schema.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { all, assertBundleValid, exampleJson, ingest, itemCount, statuses } from './support.ts';

const SIP = 'sip.v1';

describe('sip.v1 mapping', () => {
  it('maps the example to a CarePlan and CareTeam that meet the profiles', () => {
    const mapped = mapSip(sipSchema.parse(exampleJson(`${SIP}.json`)));
    const plan = mapped.bundle.entry?.at(-1)?.resource as CarePlan;
    const team = mapped.bundle.entry?.at(-2)?.resource as CareTeam;
    expect(team.participant).toHaveLength(4);
    expect(plan.category?.[0]?.coding?.[0]?.code).toBe('SIP');
    expect(plan.description).toMatch(/^Mål: 1\) Greta får sin näring/);
    expect(plan.activity?.[0]?.detail?.reasonCode?.[0]?.text).toMatch(/^Mål: Greta får sin näring/);
    // Four activities and the follow-up, which the whole team does.
    expect(plan.activity).toHaveLength(5);
    expect(plan.activity?.[4]?.detail?.performer).toEqual([{ reference: plan.careTeam?.[0]?.reference, type: 'CareTeam' }]);
    expect(plan.activity?.[0]?.detail?.performer?.map((p) => p.type)).toEqual(['Organization', 'Practitioner']);
    assertBundleValid(mapped);
  });

  it('an activity whose responsible party is not a participant fails at activities[i].responsible', () => {
    const doc = exampleJson(`${SIP}.json`);
    doc.activities[2].responsible = { unitHsaId: 'SE2120000142-XXX9' };
    doc.activities[3].goals = ['nutrition', 'okand'];
    const issues = sipSchema.safeParse(doc).error?.issues.map((i) => i.path.join('.'));
    expect(issues).toEqual(['activities.2.responsible', 'activities.3.goals.1']);
  });

  it('participants from one unit only fail', () => {
    const doc = exampleJson(`${SIP}.json`);
    doc.participants = doc.participants.slice(0, 1).concat(doc.participants.slice(0, 1));
    doc.activities = doc.activities.slice(0, 0).concat([{ description: 'x', responsible: { unitHsaId: 'SE2321000016-STR4' } }]);
    expect(sipSchema.safeParse(doc).error?.issues.map((i) => i.path.join('.'))).toEqual(['participants']);
  });
});

describe('sip.v1 through /ingest', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });

  it('creates the CarePlan, its CareTeam, the patient, units and professionals; twice creates nothing', async () => {
    const res = await ingest(api, SIP, exampleJson(`${SIP}.json`));
    expect(res.status).toBe(200);
    const bundle = (await json(res)) as Bundle;
    expect(statuses(bundle).every((s) => s === '201 Created')).toBe(true);
    const [plan] = await all<CarePlan>(api, 'CarePlan', 'identifier=https://samvard.se/fhir/sid/sip/SE2321000016-SIP1|SIP-2026-0042');
    const [team] = await all<CareTeam>(api, 'CareTeam');
    expect(plan?.careTeam?.[0]?.reference).toBe(`CareTeam/${team?.id}`);
    expect(await all(api, 'Organization')).toHaveLength(4);
    expect(await all(api, 'Practitioner')).toHaveLength(3);

    const before = await itemCount(api);
    const again = await ingest(api, SIP, exampleJson(`${SIP}.json`));
    expect(statuses(await json(again)).every((s) => s === '200 OK')).toBe(true);
    expect(await itemCount(api)).toBe(before);
  });

  it('a revised SIP (same document id) updates the same plan', async () => {
    const doc = exampleJson(`${SIP}.json`);
    doc.activities[0].status = 'in-progress';
    doc.nextFollowUp = '2027-01-12';
    expect((await ingest(api, SIP, doc)).status).toBe(200);
    const plans = await all<CarePlan>(api, 'CarePlan');
    expect(plans).toHaveLength(1);
    expect(plans[0]?.meta?.versionId).toBe('2');
    expect(plans[0]?.activity?.[4]?.detail?.scheduledPeriod?.start).toBe('2027-01-12');
  });

  it('a schema error is a 400 naming activities[i].responsible, and stores nothing', async () => {
    const before = await itemCount(api);
    const doc = { ...exampleJson(`${SIP}.json`), documentId: 'SIP-2026-0043' };
    doc.activities[2].responsible = { unitHsaId: 'SE2120000142-XXX9' };
    const res = await ingest(api, SIP, doc);
    expect(res.status).toBe(400);
    expect((await json(res)).issue.map((i: { expression: string[] }) => i.expression)).toEqual([['activities[2].responsible']]);
    expect(await itemCount(api)).toBe(before);
  });
});
