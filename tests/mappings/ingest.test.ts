/**
 * The ingest routes themselves (`/ingest…`; `[base]/$ingest` is a 404 pointing there):
 * listing the formats and their JSON Schemas, profile errors pointed back into the
 * document, size limits, unknown formats; and the same authentication, scopes and access
 * log as `/fhir`.
 */
import type { ServiceRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../functions/core/outcomes.ts';
import { FORMATS } from '../../mappings/formats.ts';
import { GUARDED_PATHS } from '../../functions/http/access-control.ts';
import { MAX_INGEST_ENTRIES, assertMappedResourcesValid } from '../../mappings/ingest.ts';
import { mapVardbegaran } from '../../mappings/region.vardbegaran.v1/map.ts';
import { vardbegaranSchema } from '../../mappings/region.vardbegaran.v1/schema.ts';
import { MAX_MEASUREMENTS } from '../../mappings/kommun.matvarden.v1/schema.ts';
import { as, vardcentral } from '../support/access.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { INGEST_BASE, exampleJson, ingest, ingestRoute, itemCount } from './support.ts';

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

describe('the ingest routes', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });

  it('GET /ingest lists every format with its media types and links to its JSON Schema and route', async () => {
    const res = await ingestRoute(api, 'GET', '');
    expect(res.status).toBe(200);
    const { formats } = await json(res);
    expect(formats.map((f: { format: string }) => f.format)).toEqual(FORMATS.map((f) => f.id));
    const matvarden = formats.find((f: { format: string }) => f.format === 'kommun.matvarden.v1');
    expect(matvarden).toMatchObject({
      mediaTypes: ['application/json', 'text/csv'],
      schema: `${INGEST_BASE}/kommun.matvarden.v1.schema.json`,
      ingest: `${INGEST_BASE}/kommun.matvarden.v1`,
    });
    // Every link answers.
    for (const f of formats) {
      const schema = await api.app.request(f.schema);
      expect(schema.status, f.schema).toBe(200);
      expect(schema.headers.get('Content-Type')).toMatch(/^application\/schema\+json/);
      expect(await json(schema)).toMatchObject({ $id: `https://samvard.se/fhir/ingest/${f.format}.schema.json`, type: 'object' });
      const one = await api.app.request(f.ingest);
      expect(one.status, f.ingest).toBe(200);
      expect(await json(one)).toEqual(f);
    }
  });

  it('the CapabilityStatement names the ingest routes and the entry limit, and lists no $ingest operation', async () => {
    const cs = await json(await api.send('GET', '/metadata'));
    expect(cs.rest[0].operation.map((o: { name: string }) => o.name)).not.toContain('ingest');
    expect(cs.rest[0].documentation).toContain('POST /ingest/{format}');
    expect(cs.rest[0].documentation).toContain('GET /ingest lists the formats');
    expect(cs.rest[0].documentation).toContain(`${MAX_INGEST_ENTRIES} resources`);
  });

  it('[base]/$ingest is no FHIR operation: every method and sub-path is a 404 pointing at /ingest, and nothing is stored', async () => {
    const before = await itemCount(api);
    const doc = JSON.stringify(exampleJson('sip.v1.json'));
    const requests: [string, string, string?][] = [
      ['GET', '/$ingest'],
      ['GET', '/$ingest/kommun.matvarden.v1.schema.json'],
      ['POST', '/$ingest?format=sip.v1', doc],
      ['POST', '/$ingest?format=sip.v1&dryRun=true', doc],
      ['DELETE', '/$ingest'],
    ];
    for (const [method, path, body] of requests) {
      const res = await api.send(method, path, body, { 'Content-Type': 'application/json' });
      expect(res.status, `${method} ${path}`).toBe(404);
      const outcome = await json(res);
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].details.text).toContain(`POST ${INGEST_BASE}/{format}`);
    }
    expect(await itemCount(api)).toBe(before);
  });

  it('an unknown format is a 404 naming the known formats; other methods are 405', async () => {
    const before = await itemCount(api);
    const unknown = await ingest(api, 'region.remiss.v9', exampleJson('region.vardbegaran.v1.json'));
    expect(unknown.status).toBe(404);
    const outcome = await json(unknown);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].expression).toEqual(['format']);
    for (const f of FORMATS) expect(outcome.issue[0].details.text).toContain(f.id);
    expect((await ingestRoute(api, 'GET', '/region.remiss.v9.schema.json')).status).toBe(404);
    expect((await ingestRoute(api, 'GET', '/region.remiss.v9')).status).toBe(404);
    expect(await itemCount(api)).toBe(before);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await ingestRoute(api, method, '/sip.v1');
      expect(res.status).toBe(405);
      expect(res.headers.get('Allow')).toBe('GET, POST');
    }
    expect((await ingestRoute(api, 'POST', '')).status).toBe(405);
  });

  it('a dry run answers with the transaction Bundle and stores nothing; dryRun is true or false', async () => {
    const before = await itemCount(api);
    const doc = exampleJson('sip.v1.json');
    const route = await ingest(api, 'sip.v1', doc, { query: { dryRun: 'true' } });
    expect(route.status).toBe(200);
    const bundle = await json(route);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    expect(await itemCount(api)).toBe(before);
    expect((await ingest(api, 'sip.v1', doc, { query: { dryRun: 'maybe' } })).status).toBe(400);
  });

  it('malformed JSON is a 400, a body that is not an object a 400 at the document', async () => {
    expect((await ingest(api, 'sip.v1', '{"title": ')).status).toBe(400);
    const notObject = await ingest(api, 'sip.v1', '[1,2]');
    expect(notObject.status).toBe(400);
    expect((await json(notObject)).resourceType).toBe('OperationOutcome');
  });

  it(`a document that maps to more than ${MAX_INGEST_ENTRIES} resources is a 413, and stores nothing`, async () => {
    // The most measurements a document takes, each for another patient measured by another
    // person: four resources each (Observation, Patient, Practitioner, PractitionerRole).
    const luhn = (s: string) => {
      let t = 0;
      for (const [i, c] of [...s].entries()) {
        const d = Number(c) * (i % 2 === 0 ? 2 : 1);
        t += d > 9 ? d - 9 : d;
      }
      return String((10 - (t % 10)) % 10);
    };
    const measurements = Array.from({ length: MAX_MEASUREMENTS }, (_, i) => {
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
    expect(MAX_MEASUREMENTS * 4).toBeGreaterThan(MAX_INGEST_ENTRIES);
    const before = await itemCount(api);
    const res = await ingest(api, 'kommun.matvarden.v1', { sourceSystem: 'SE2120000142-HT02', measurements });
    expect(res.status).toBe(413);
    expect((await json(res)).issue[0].details.text).toMatch(/Split it/);
    expect(await itemCount(api)).toBe(before);
  });
});

describe('the ingest routes with authentication on', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ auth: true });
  });
  const VB = 'region.egenvardsbedomning.v1';

  it('every route of the app is under a path the access control guards', () => {
    const under = (path: string, guarded: string) =>
      guarded.endsWith('/*') ? path.startsWith(guarded.slice(0, -1)) : path === guarded;
    const paths = [...new Set(api.app.routes.map((r) => r.path))].filter((p) => !p.startsWith('/oauth2')); // the test's dev issuer
    expect(paths.some((p) => p.startsWith('/ingest'))).toBe(true);
    for (const path of paths) expect(GUARDED_PATHS.some((g) => under(path, g)), path).toBe(true);
  });

  it('without a token every ingest route is a 401 with WWW-Authenticate, and nothing is stored', async () => {
    const before = await itemCount(api);
    const res = await ingest(api, VB, exampleJson(`${VB}.json`));
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="samvard"');
    expect((await json(res)).resourceType).toBe('OperationOutcome');
    const dry = await ingest(api, VB, exampleJson(`${VB}.json`), { query: { dryRun: 'true' } });
    expect(dry.status).toBe(401);
    // The former operation is behind the guard too: a 401 before its 404.
    expect((await api.send('POST', `/$ingest?format=${VB}`, exampleJson(`${VB}.json`))).status).toBe(401);
    for (const path of ['', `/${VB}`, `/${VB}.schema.json`, '/region.remiss.v9']) {
      expect((await ingestRoute(api, 'GET', path)).status, path).toBe(401);
    }
    const bad = await ingest(api, VB, exampleJson(`${VB}.json`), { headers: { Authorization: 'Bearer not-a-token' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
    expect(await itemCount(api)).toBe(before);
  });

  it('a token whose scopes allow no writes is refused (403), a dry run too, and nothing is stored', async () => {
    const before = await itemCount(api);
    const headers = await authHeader(api, 'system/*.rs');
    expect((await api.send('GET', '/Patient', undefined, headers)).status).toBe(200); // a token that reads
    const res = await ingest(api, VB, exampleJson(`${VB}.json`), { headers });
    expect(res.status).toBe(403);
    expect(res.headers.get('WWW-Authenticate')).toContain('insufficient_scope');
    const dry = await ingest(api, VB, exampleJson(`${VB}.json`), { headers, query: { dryRun: 'true' } });
    expect(dry.status).toBe(403);
    // Reading the list and the schemas needs a token, not a scope.
    expect((await ingestRoute(api, 'GET', '', headers)).status).toBe(200);
    expect((await ingestRoute(api, 'GET', `/${VB}.schema.json`, headers)).status).toBe(200);
    expect(await itemCount(api)).toBe(before);
  });

  it('a token that may write some types but not what the document maps to is refused, and nothing is stored', async () => {
    const before = await itemCount(api);
    // An egenvårdsbedömning maps to an Observation (and Patient, Organization, Practitioner): Patient writes only.
    const headers = await authHeader(api, 'system/Patient.cruds');
    const res = await ingest(api, VB, exampleJson(`${VB}.json`), { headers });
    expect(res.status).toBe(403);
    expect(await itemCount(api)).toBe(before);
  });

  it('with write scopes it commits, and the access log records the ingest as a write to the patient', async () => {
    const headers = await authHeader(api, 'system/*.cruds');
    const res = await ingest(api, VB, exampleJson(`${VB}.json`), { headers });
    expect(res.status).toBe(200);
    const send = await as(api, vardcentral);
    const [request] = (await json(await send('GET', '/Observation?_count=10'))).entry ?? [];
    const patient = request.resource.subject.reference.split('/')[1];
    const log = await json(await send('GET', `/AuditEvent?patient=${patient}&_count=100`));
    const events = (log.entry ?? []).map((e: { resource: any }) => e.resource);
    // Logged as a transaction is, with the write (functions/access/guard.ts): who, the patient, what was written.
    const ingestEvent = events.find((e: any) => e.subtype?.[0]?.code === 'transaction');
    expect(ingestEvent, JSON.stringify(events)).toBeDefined();
    expect(ingestEvent.agent[0].who.identifier.value).toBe(vardcentral.name);
    expect(ingestEvent.outcomeDesc).toMatch(/written/);
    expect(ingestEvent.entity.map((e: any) => e.what?.reference)).toContain(`Observation/${request.resource.id}`);
  });
});

/** An Authorization header for the vårdcentral with `scope`. */
async function authHeader(api: TestApi, scope: string): Promise<Record<string, string>> {
  const token = await (api.devAuth as NonNullable<TestApi['devAuth']>).issue({
    sub: vardcentral.name,
    client_id: vardcentral.name,
    scope,
    hsa_care_provider: vardcentral.careProvider,
    hsa_care_unit: vardcentral.careUnit,
  });
  return { Authorization: `Bearer ${token}` };
}
