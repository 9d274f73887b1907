/**
 * Bearer tokens and SMART scopes through the HTTP API: 401 without a valid token
 * (missing, malformed, tampered, expired, another issuer or audience), 403 when the
 * scopes do not allow the interaction, both as OperationOutcomes; the public discovery
 * documents; the dev token endpoint (client_secret_basic and private_key_jwt).
 */
import { readFileSync } from 'node:fs';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { heartRate } from '../support/conforming.ts';
import { type Send, as, hemsjukvard, vardcentral, withToken } from '../support/access.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
let region: Send;
let patientId: string;

beforeAll(async () => {
  api = await createTestApi({ auth: true });
  region = await as(api, vardcentral);
  const res = await region('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Lindqvist' }] });
  patientId = (await json(res)).id;
});

async function expectOutcome(res: Response, status: number, code: string): Promise<any> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/fhir\+json/);
  const body = await json(res);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.id).toBe(code);
  return body;
}

describe('401 without a valid token', () => {
  it('refuses a request without a token, with WWW-Authenticate', async () => {
    const res = await api.send('GET', `/Patient/${patientId}`);
    await expectOutcome(res, 401, 'unauthorized');
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="samvard"');
  });

  it('refuses every kind of route: search, create, history, $everything, system search', async () => {
    for (const [method, path, body] of [
      ['GET', '/Observation'],
      ['POST', '/Observation', heartRate()],
      ['GET', '/Patient/_history'],
      ['GET', `/Patient/${patientId}/$everything`],
      ['GET', '?_type=Patient'],
      ['GET', '/StructureDefinition'],
    ] as [string, string, unknown?][]) {
      await expectOutcome(await api.send(method, path, body), 401, 'unauthorized');
    }
  });

  it('refuses a malformed header and a token that is not a JWT', async () => {
    await expectOutcome(await api.send('GET', '/Patient', undefined, { Authorization: 'Basic abc' }), 401, 'unauthorized');
    const res = await api.send('GET', '/Patient', undefined, { Authorization: 'Bearer not-a-jwt' });
    await expectOutcome(res, 401, 'unauthorized');
    expect(res.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a tampered token (claims changed after signing)', async () => {
    const token = await api.devAuth!.issue({
      sub: 'x',
      scope: 'system/Patient.rs',
      hsa_care_provider: vardcentral.careProvider,
      hsa_care_unit: vardcentral.careUnit,
    });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.scope = 'system/*.cruds';
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const body = await expectOutcome(await withToken(api, tampered)('GET', '/Patient'), 401, 'unauthorized');
    expect(body.issue[0].details.text).toMatch(/signature/);
  });

  it('refuses an expired token', async () => {
    const token = await api.devAuth!.issue({
      sub: 'x',
      scope: 'system/*.cruds',
      hsa_care_provider: vardcentral.careProvider,
      hsa_care_unit: vardcentral.careUnit,
      exp: Math.floor(Date.now() / 1000) - 60,
    });
    const body = await expectOutcome(await withToken(api, token)('GET', '/Patient'), 401, 'unauthorized');
    expect(body.issue[0].details.text).toMatch(/expired/);
  });

  it('refuses a token from another issuer, and one signed by a key the issuer does not publish', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const claims = {
      sub: 'x',
      scope: 'system/*.cruds',
      hsa_care_provider: vardcentral.careProvider,
      hsa_care_unit: vardcentral.careUnit,
    };
    const sign = (issuer: string) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(issuer)
        .setAudience('samvard')
        .setExpirationTime('5m')
        .sign(privateKey);
    await expectOutcome(await withToken(api, await sign('https://evil.example/oauth2'))('GET', '/Patient'), 401, 'unauthorized');
    await expectOutcome(await withToken(api, await sign(api.devAuth!.issuer))('GET', '/Patient'), 401, 'unauthorized');
  });

  it('refuses a token for another audience', async () => {
    const token = await api.devAuth!.issue({
      sub: 'x',
      aud: 'another-api',
      scope: 'system/*.cruds',
      hsa_care_provider: vardcentral.careProvider,
      hsa_care_unit: vardcentral.careUnit,
    });
    const body = await expectOutcome(await withToken(api, token)('GET', '/Patient'), 401, 'unauthorized');
    expect(body.issue[0].details.text).toMatch(/aud/);
  });

  it('refuses a care provider token without the HSA-ids of provider and unit', async () => {
    const token = await api.devAuth!.issue({ sub: 'x', scope: 'system/*.cruds' });
    const body = await expectOutcome(await withToken(api, token)('GET', '/Patient'), 401, 'unauthorized');
    expect(body.issue[0].details.text).toMatch(/hsa_care_provider/);
  });

  it('refuses emergency access without a professional (system token)', async () => {
    const system = await as(api, hemsjukvard, { emergency: 'Medvetslös patient' });
    await expectOutcome(await system('GET', `/Patient/${patientId}`), 403, 'forbidden');
  });
});

describe('public discovery documents', () => {
  it('serves the CapabilityStatement without a token', async () => {
    const res = await api.send('GET', '/metadata');
    expect(res.status).toBe(200);
    expect((await json(res)).resourceType).toBe('CapabilityStatement');
  });

  it('serves the SMART configuration without a token', async () => {
    const res = await api.send('GET', '/.well-known/smart-configuration');
    expect(res.status).toBe(200);
    const config = await json(res);
    expect(config.token_endpoint).toBe('http://samvard.test/oauth2/token');
    expect(config.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'private_key_jwt']);
    expect(config.capabilities).toContain('permission-v2');
    expect(config.grant_types_supported).toContain('client_credentials');
  });
});

describe('403 when the scopes do not allow the interaction', () => {
  const cases: [string, string, string, (id: string) => [string, string, unknown?]][] = [
    // [scope that is NOT enough, needed letter, interaction, request]
    ['system/Patient.s', 'r', 'read', (id) => ['GET', `/Patient/${id}`]],
    ['system/Patient.s', 'r', 'vread', (id) => ['GET', `/Patient/${id}/_history/1`]],
    ['system/Patient.s', 'r', 'history-instance', (id) => ['GET', `/Patient/${id}/_history`]],
    ['system/Patient.r', 's', 'search-type', () => ['GET', '/Patient?name=Lindqvist']],
    ['system/Patient.r', 's', 'search-type (POST _search)', () => ['POST', '/Patient/_search', 'name=Lindqvist']],
    ['system/Patient.r', 's', 'history-type', () => ['GET', '/Patient/_history']],
    ['system/Patient.rs', 'c', 'create', () => ['POST', '/Patient', { resourceType: 'Patient' }]],
    ['system/Patient.crs', 'u', 'update', (id) => ['PUT', `/Patient/${id}`, { resourceType: 'Patient', id }]],
    ['system/Patient.crus', 'd', 'delete', (id) => ['DELETE', `/Patient/${id}`]],
    ['system/Patient.rs', 's', 'compartment search', (id) => ['GET', `/Patient/${id}/Observation`]],
    ['system/Observation.rs', 'r', '$everything', (id) => ['GET', `/Patient/${id}/$everything`]],
    ['system/Patient.rs', 's', 'system search with _type', () => ['GET', '?_type=Patient,Observation']],
    ['system/Observation.read', 'r', 'v1 read scope on another type', (id) => ['GET', `/Patient/${id}`]],
    ['patient/Patient.rs', 'r', 'patient scope without patient context', (id) => ['GET', `/Patient/${id}`]],
    ['system/Patient.rs?name=x', 'r', 'scope with a query restriction', (id) => ['GET', `/Patient/${id}`]],
  ];
  for (const [scope, letter, interaction, request] of cases) {
    it(`${interaction} needs "${letter}": ${scope} is not enough`, async () => {
      const send = await as(api, vardcentral, { scope });
      const [method, path, body] = request(patientId);
      const headers: Record<string, string> =
        typeof body === 'string' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {};
      const res = await send(method, path, body, headers);
      const outcome = await expectOutcome(res, 403, 'forbidden');
      expect(outcome.issue[0].code).toBe('forbidden');
      expect(res.headers.get('WWW-Authenticate')).toContain('insufficient_scope');
    });
  }

  const allowed: [string, (id: string) => [string, string, unknown?], number][] = [
    ['system/Patient.r', (id) => ['GET', `/Patient/${id}`], 200],
    ['user/Patient.r', (id) => ['GET', `/Patient/${id}/_history/1`], 200],
    ['system/Patient.read', (id) => ['GET', `/Patient/${id}/_history`], 200],
    ['system/Patient.s', () => ['GET', '/Patient?name=Lindqvist'], 200],
    ['system/Patient.c', () => ['POST', '/Patient', { resourceType: 'Patient' }], 201],
    ['system/Patient.write', () => ['POST', '/Patient', { resourceType: 'Patient' }], 201],
    ['system/*.cruds', () => ['GET', '/Patient/_history'], 200],
    ['system/Patient.*', () => ['GET', '/Patient/_history'], 200],
  ];
  for (const [scope, request, status] of allowed) {
    it(`${scope} allows ${request('id')[0]} ${request('id')[1]}`, async () => {
      const send = await as(api, vardcentral, { scope });
      const [method, path, body] = request(patientId);
      expect((await send(method, path, body)).status).toBe(status);
    });
  }

  it('update needs "u" and delete "d" also for resources written moments before', async () => {
    const writer = await as(api, vardcentral, { scope: 'system/Patient.cu' });
    const created = await json(await writer('POST', '/Patient', { resourceType: 'Patient' }));
    expect((await writer('PUT', `/Patient/${created.id}`, { ...created, gender: 'female' })).status).toBe(200);
    await expectOutcome(await writer('DELETE', `/Patient/${created.id}`), 403, 'forbidden');
  });

  it('leaves out of a system search the types the scopes do not cover', async () => {
    const send = await as(api, vardcentral, { scope: 'system/Patient.rs' });
    const res = await send('GET', `?_id=${patientId}`);
    expect(res.status).toBe(200);
    const bundle = await json(res);
    expect(bundle.entry.map((e: any) => e.resource.resourceType)).toEqual(['Patient']);
  });

  it('leaves out of _include the types the scopes do not cover', async () => {
    const writer = await as(api, vardcentral);
    const obs = await json(await writer('POST', '/Observation', heartRate(70, { subject: { reference: `Patient/${patientId}` } })));
    const reader = await as(api, vardcentral, { scope: 'system/Observation.rs' });
    const bundle = await json(await reader('GET', `/Observation?_id=${obs.id}&_include=Observation:subject`));
    expect(bundle.entry.map((e: any) => e.resource.resourceType)).toEqual(['Observation']);
  });
});

describe('dev token endpoint', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const post = (body: string, headers: Record<string, string> = {}) =>
    api.app.request('http://samvard.test/oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('issues a token for client_secret_basic that the API accepts', async () => {
    const res = await post(form({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }), {
      Authorization: basic('vardcentral-norr', 'dev-secret-vardcentral-norr'),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const token = await json(res);
    expect(token).toMatchObject({ token_type: 'Bearer', scope: 'system/Patient.rs', expires_in: 3600 });
    expect((await withToken(api, token.access_token)('GET', `/Patient/${patientId}`)).status).toBe(200);
  });

  it('refuses a wrong secret and an unknown client with invalid_client', async () => {
    for (const auth of [basic('vardcentral-norr', 'wrong-secret'), basic('nobody', 'dev-secret-vardcentral-norr')]) {
      const res = await post(form({ grant_type: 'client_credentials' }), { Authorization: auth });
      expect(res.status).toBe(401);
      expect((await json(res)).error).toBe('invalid_client');
    }
  });

  it('refuses scopes beyond the client\'s and grants only those within', async () => {
    const auth = { Authorization: basic('hemtjanst-exempel', 'dev-secret-hemtjanst-exempel') };
    const refused = await post(form({ grant_type: 'client_credentials', scope: 'system/Consent.r' }), auth);
    expect(refused.status).toBe(400);
    expect((await json(refused)).error).toBe('invalid_scope');
    const narrowed = await post(form({ grant_type: 'client_credentials', scope: 'system/Task.r system/Consent.r' }), auth);
    expect((await json(narrowed)).scope).toBe('system/Task.r');
  });

  it('issues a token for a SMART Backend Services client assertion (private_key_jwt), once per assertion', async () => {
    const jwk = JSON.parse(
      readFileSync(new URL('../../functions/local/dev-keys/ortopedi-lanssjukhuset.private.jwk.json', import.meta.url), 'utf8'),
    );
    const key = await importJWK(jwk, 'ES384');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid: jwk.kid, typ: 'JWT' })
      .setIssuer('ortopedi-lanssjukhuset')
      .setSubject('ortopedi-lanssjukhuset')
      .setAudience('http://samvard.test/oauth2/token')
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    const body = form({
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    const res = await post(body);
    expect(res.status).toBe(200);
    const token = await json(res);
    expect((await withToken(api, token.access_token)('GET', `/Patient/${patientId}`)).status).toBe(200);
    const replay = await post(body);
    expect(replay.status).toBe(401);
    expect((await json(replay)).error_description).toMatch(/used before/);
  });

  it('refuses a client assertion signed with another key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid: (await exportJWK(publicKey)).x ?? 'k' })
      .setIssuer('ortopedi-lanssjukhuset')
      .setSubject('ortopedi-lanssjukhuset')
      .setAudience('http://samvard.test/oauth2/token')
      .setJti(crypto.randomUUID())
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await post(
      form({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    );
    expect(res.status).toBe(401);
  });

  it('gives a patient app a patient token for the patient it names', async () => {
    const res = await post(form({ grant_type: 'client_credentials', patient: patientId }), {
      Authorization: basic('patient-app', 'dev-secret-patient-app'),
    });
    const token = await json(res);
    expect(token.patient).toBe(patientId);
    const send = withToken(api, token.access_token);
    expect((await send('GET', `/Patient/${patientId}`)).status).toBe(200);
  });

  it('refuses other grant types', async () => {
    const res = await post(form({ grant_type: 'password' }), {
      Authorization: basic('vardcentral-norr', 'dev-secret-vardcentral-norr'),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toBe('unsupported_grant_type');
  });
});
