/** riv.getcareplans.v2: the RIV-TA GetCarePlans 2.0 response (XML and its JSON form) into CarePlans. */
import type { Bundle, CarePlan, CareTeam, Organization } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapGetCarePlans } from '../../mappings/riv.getcareplans.v2/map.ts';
import { getCarePlansSchema, rivTime } from '../../mappings/riv.getcareplans.v2/schema.ts';
import { readGetCarePlansXml } from '../../mappings/riv.getcareplans.v2/xml.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { all, assertBundleValid, exampleJson, exampleText, ingest, itemCount, statuses } from './support.ts';

const RIV = 'riv.getcareplans.v2';

describe('riv.getcareplans.v2 mapping', () => {
  it('maps the example to a CarePlan with its category, participants and content that meet the profiles', () => {
    const mapped = mapGetCarePlans(getCarePlansSchema.parse(exampleJson(`${RIV}.json`)));
    const plan = mapped.bundle.entry?.at(-1)?.resource as CarePlan;
    const team = mapped.bundle.entry?.at(-2)?.resource as CareTeam;
    expect(plan.category?.[0]?.coding?.[0]).toMatchObject({ code: 'SPU' });
    expect(plan.created).toBe('2026-11-20T14:30:00+01:00');
    expect(plan.author?.type).toBe('PractitionerRole');
    const content = plan.extension?.[0]?.valueAttachment;
    expect(content?.contentType).toBe('text/plain; charset=utf-8');
    expect(Buffer.from(content?.data ?? '', 'base64').toString('utf8')).toMatch(/^Samordnad plan vid utskrivning för Greta Lind/);
    expect(team.participant?.map((p) => p.role?.[0]?.text)).toEqual(['Sjuksköterska', 'Deltagande vårdenhet', 'Deltagande vårdenhet']);
    // Units known only by HSA-id: a kommun's and a region's claim the profile only with a name.
    const orgs = mapped.bundle.entry?.filter((e) => e.resource?.resourceType === 'Organization').map((e) => e.resource as Organization);
    expect(orgs?.map((o) => [o.name, o.meta?.profile?.length ?? 0])).toEqual([
      ['Strokeavdelningen, Norrstads sjukhus', 1],
      [undefined, 0],
      [undefined, 0],
    ]);
    assertBundleValid(mapped);
  });

  it('RIV-TA times are Swedish local time', () => {
    expect(rivTime('20260701120000')).toBe('2026-07-01T12:00:00+02:00');
    expect(rivTime('20260230120000')).toBeUndefined();
  });

  it('a plan with one unit only, a reservnummer or an error response fails the schema at the element', () => {
    const doc = exampleJson(`${RIV}.json`);
    const plan = doc.GetCarePlansResponse.carePlan[0];
    plan.carePlanBody.participatingCareUnitHSAId = ['SE2321000016-STR4'];
    plan.carePlanHeader.patientId.type = '1.2.752.97.3.1.3';
    doc.GetCarePlansResponse.result.resultCode = 'ERROR';
    const paths = getCarePlansSchema.safeParse(doc).error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual([
      'GetCarePlansResponse.carePlan.0.carePlanHeader.patientId.type',
      'GetCarePlansResponse.result.resultCode',
    ]);
    plan.carePlanHeader.patientId.type = '1.2.752.129.2.1.3.1';
    doc.GetCarePlansResponse.result.resultCode = 'OK';
    const oneUnit = getCarePlansSchema.safeParse(doc).error?.issues.map((i) => i.path.join('.'));
    expect(oneUnit).toEqual(['GetCarePlansResponse.carePlan.0.carePlanBody.participatingCareUnitHSAId']);
  });
});

describe('riv.getcareplans.v2 through /ingest', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });

  it('creates the CarePlan and its CareTeam once', async () => {
    const res = await ingest(api, RIV, exampleJson(`${RIV}.json`));
    expect(res.status).toBe(200);
    expect(statuses((await json(res)) as Bundle).every((s) => s === '201 Created')).toBe(true);
    const [plan] = await all<CarePlan>(api, 'CarePlan', 'identifier=https://samvard.se/fhir/sid/riv-careplan/SE2321000016-COS1|CP-7f3e2a91-0042');
    expect(plan?.status).toBe('active');

    const before = await itemCount(api);
    const again = await ingest(api, RIV, exampleJson(`${RIV}.json`));
    expect(statuses(await json(again)).every((s) => s === '200 OK')).toBe(true);
    expect(await itemCount(api)).toBe(before);
  });

  it('a nullified plan (same document) is marked entered-in-error', async () => {
    const doc = exampleJson(`${RIV}.json`);
    Object.assign(doc.GetCarePlansResponse.carePlan[0].carePlanHeader, { nullified: 'true', nullifiedReason: 'Fel patient' });
    expect((await ingest(api, RIV, doc)).status).toBe(200);
    const plans = await all<CarePlan>(api, 'CarePlan');
    expect(plans.map((p) => [p.status, p.meta?.versionId])).toEqual([['entered-in-error', '2']]);
  });

  it('a schema error is a 400 naming the element, and stores nothing', async () => {
    const before = await itemCount(api);
    const doc = exampleJson(`${RIV}.json`);
    doc.GetCarePlansResponse.carePlan[0].carePlanHeader.documentId = 'CP-other';
    doc.GetCarePlansResponse.carePlan[0].carePlanBody.typeOfCarePlanEnum = 'XYZ';
    const res = await ingest(api, RIV, doc);
    expect(res.status).toBe(400);
    expect((await json(res)).issue[0].expression).toEqual(['GetCarePlansResponse.carePlan[0].carePlanBody.typeOfCarePlanEnum']);
    expect(await itemCount(api)).toBe(before);
  });

  it('text/plain is not taken (415)', async () => {
    const res = await ingest(api, RIV, '<GetCarePlansResponse/>', { contentType: 'text/plain' });
    expect(res.status).toBe(415);
  });
});

describe('riv.getcareplans.v2 as XML', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });

  it('the XML example reads to the same tree as the JSON example', () => {
    expect(readGetCarePlansXml(exampleText(`${RIV}.xml`)).value).toEqual(exampleJson(`${RIV}.json`));
  });

  it('posting the XML creates the CarePlan and its CareTeam; the JSON form of it then changes nothing', async () => {
    const res = await ingest(api, RIV, exampleText(`${RIV}.xml`), { contentType: 'application/xml; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(statuses((await json(res)) as Bundle).every((s) => s === '201 Created')).toBe(true);
    const [plan] = await all<CarePlan>(api, 'CarePlan', 'identifier=https://samvard.se/fhir/sid/riv-careplan/SE2321000016-COS1|CP-7f3e2a91-0042');
    expect(plan?.category?.[0]?.coding?.[0]?.code).toBe('SPU');
    expect(plan?.title).toBe('Samordnad plan vid utskrivning, stroke');
    const content = plan?.extension?.find((e) => e.valueAttachment)?.valueAttachment;
    expect(Buffer.from(content?.data ?? '', 'base64').toString('utf8')).toMatch(/Uppföljning: 2026-12-15\.$/);
    expect(await all<CareTeam>(api, 'CareTeam')).toHaveLength(1);

    const before = await itemCount(api);
    const again = await ingest(api, RIV, exampleJson(`${RIV}.json`));
    expect(statuses(await json(again)).every((s) => s === '200 OK')).toBe(true);
    const asTextXml = await ingest(api, RIV, exampleText(`${RIV}.xml`), { contentType: 'text/xml' });
    expect(asTextXml.status).toBe(200);
    expect(await itemCount(api)).toBe(before);
  });

  it('a SOAP envelope is unwrapped; CDATA content is text', () => {
    const xml = exampleText(`${RIV}.xml`)
      .replace(/<\?xml[^>]*>/, '')
      .replace('<ns2:content>', '<ns2:content><![CDATA[<p>Plan & mål</p>]]>')
      .replace(/<\/ns2:content>/, '</ns2:content>');
    const soap = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${xml}</soap:Body></soap:Envelope>`;
    const doc = getCarePlansSchema.parse(readGetCarePlansXml(soap).value);
    expect(doc.GetCarePlansResponse.carePlan[0]?.carePlanBody.content).toMatch(/^<p>Plan & mål<\/p>Samordnad plan/);
  });

  it('malformed XML, a DOCTYPE or a schema error is a 400 and stores nothing', async () => {
    const before = await itemCount(api);
    const malformed = await ingest(api, RIV, '<GetCarePlansResponse><carePlan></GetCarePlansResponse>', { contentType: 'application/xml' });
    expect(malformed.status).toBe(400);
    expect((await json(malformed)).issue[0].details.text).toMatch(/Malformed XML.*line 1/);
    const doctype = await ingest(api, RIV, `<!DOCTYPE a [<!ENTITY x "x">]>${exampleText(`${RIV}.xml`).replace(/<\?xml[^>]*>/, '')}`, {
      contentType: 'application/xml',
    });
    expect(doctype.status).toBe(400);
    const proto = await ingest(api, RIV, '<GetCarePlansResponse><__proto__>x</__proto__></GetCarePlansResponse>', { contentType: 'application/xml' });
    expect(proto.status).toBe(400);
    const wrongType = exampleText(`${RIV}.xml`).replace('<ns2:typeOfCarePlanEnum>SPU<', '<ns2:typeOfCarePlanEnum>XYZ<');
    const res = await ingest(api, RIV, wrongType, { contentType: 'application/xml' });
    expect(res.status).toBe(400);
    const issue = (await json(res)).issue[0];
    expect(issue.expression).toEqual(['GetCarePlansResponse.carePlan[0].carePlanBody.typeOfCarePlanEnum']);
    expect(issue.details.text).toMatch(/XML element GetCarePlansResponse\/carePlan\[1\]\/carePlanBody\/typeOfCarePlanEnum/);
    expect(await itemCount(api)).toBe(before);
  });
});
