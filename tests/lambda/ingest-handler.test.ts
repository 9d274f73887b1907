/**
 * The ingest function's Lambda entry (functions/ingest/handler.ts) with API Gateway HTTP
 * API payload 2.0 events as the `ANY /ingest/{proxy+}` route delivers them, against
 * DynamoDB Local; and the API function's entry beside it, which no longer serves ingest.
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyResult, LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, createTestApi } from '../support/test-api.ts';

type Handler = (event: LambdaEvent, context: LambdaContext) => Promise<APIGatewayProxyResult>;
const HOST = 'abc123.execute-api.eu-north-1.amazonaws.com';

let api: TestApi;
let ingestHandler: Handler;
let apiHandler: Handler;

/** A payload 2.0 event of the HTTP API (as in @types/aws-lambda's APIGatewayProxyEventV2). */
function event(method: string, path: string, options: { query?: string; body?: string; contentType?: string } = {}): LambdaEvent {
  const proxy = path.replace(/^\/ingest\/?/, '');
  const routeKey = path.startsWith('/ingest') ? (proxy ? 'ANY /ingest/{proxy+}' : 'ANY /ingest') : '$default';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: {
      accept: 'application/json',
      host: HOST,
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      ...(options.contentType ? { 'content-type': options.contentType } : {}),
      ...(options.body ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
    },
    ...(options.query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(options.query)) } : {}),
    ...(routeKey === 'ANY /ingest/{proxy+}' ? { pathParameters: { proxy } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: HOST,
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'Kommun-Export/1.0' },
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      routeKey,
      stage: '$default',
      time: '22/Nov/2026:12:00:00 +0000',
      timeEpoch: 1795348800000,
    },
    ...(options.body ? { body: options.body } : {}),
    isBase64Encoded: false,
  } as unknown as LambdaEvent;
}

const context = { awsRequestId: 'test', functionName: 'samvard-ingest' } as LambdaContext;
const csv = readFileSync(new URL('../../mappings/examples/kommun.matvarden.v1.csv', import.meta.url), 'utf8');

beforeAll(async () => {
  api = await createTestApi();
  // The handlers read their configuration from the environment once, at import, as on Lambda.
  process.env.DYNAMODB_ENDPOINT = api.endpoint;
  process.env.SAMVARD_RESOURCE_TABLE = api.tableName;
  // These tests are about the payload 2.0 translation; tokens and access rules are tested in tests/access/ and tests/mappings/.
  process.env.SAMVARD_AUTH = 'off';
  ({ handler: ingestHandler } = (await import('../../functions/ingest/handler.ts')) as unknown as { handler: Handler });
  ({ handler: apiHandler } = (await import('../../functions/api/handler.ts')) as unknown as { handler: Handler });
});

describe('ingest Lambda handler (HTTP API payload 2.0)', () => {
  it('ingests a measurement CSV posted to /ingest/{format}, and the API function reads what it stored', async () => {
    const result = await ingestHandler(
      event('POST', '/ingest/kommun.matvarden.v1', {
        query: 'sourceSystem=SE2120000142-HT02',
        body: csv,
        contentType: 'text/csv; charset=utf-8',
      }),
      context,
    );
    expect(result.statusCode).toBe(200);
    const bundle = JSON.parse(result.body);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
    const created = bundle.entry
      .map((e: { response: { status: string; location?: string } }) => e.response)
      .filter((r: { status: string }) => r.status.startsWith('201'));
    const observation = created.find((r: { location?: string }) => r.location?.includes('/Observation/'));
    // Locations on the API Gateway host, under the FHIR base.
    expect(observation.location).toMatch(new RegExp(`^https://${HOST}/fhir/Observation/[^/]+/_history/1$`));
    const path = new URL(observation.location).pathname.replace(/\/_history\/1$/, '');
    const read = await apiHandler(event('GET', path), context);
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body).resourceType).toBe('Observation');
  });

  it('lists the formats at GET /ingest, linked on the API Gateway host', async () => {
    const result = await ingestHandler(event('GET', '/ingest'), context);
    expect(result.statusCode).toBe(200);
    const { formats } = JSON.parse(result.body);
    expect(formats.find((f: { format: string }) => f.format === 'kommun.matvarden.v1')).toMatchObject({
      schema: `https://${HOST}/ingest/kommun.matvarden.v1.schema.json`,
      ingest: `https://${HOST}/ingest/kommun.matvarden.v1`,
    });
  });
});

describe('API Lambda handler without ingest', () => {
  it('answers /fhir/$ingest with a 404 that points at /ingest', async () => {
    const result = await apiHandler(event('POST', '/fhir/$ingest', { query: 'format=sip.v1', body: '{}', contentType: 'application/json' }), context);
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).issue[0].details.text).toContain(`POST https://${HOST}/ingest/{format}`);
  });

  it('serves no /ingest route (API Gateway sends those to the ingest function)', async () => {
    const result = await apiHandler(event('GET', '/ingest'), context);
    expect(result.statusCode).toBe(404);
  });
});
