/**
 * The Lambda entry (functions/api/handler.ts) with API Gateway HTTP API payload 2.0
 * events, against DynamoDB Local: the same app as the local server, through hono/aws-lambda.
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyResult, LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, createTestApi } from '../support/test-api.ts';

type Handler = (event: LambdaEvent, context: LambdaContext) => Promise<APIGatewayProxyResult>;
/** The payload 2.0 shape of API Gateway HTTP API events (as in @types/aws-lambda). */
type APIGatewayProxyEventV2 = LambdaEvent & {
  rawPath: string;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: { http: { path: string } };
};

let api: TestApi;
let handler: Handler;

const fixture = (name: string): APIGatewayProxyEventV2 =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

function getEvent(path: string): APIGatewayProxyEventV2 {
  const event = fixture('http-api-v2-get.json');
  event.rawPath = path;
  event.requestContext.http.path = path;
  return event;
}

const context = { awsRequestId: 'test', functionName: 'samvard-api' } as LambdaContext;

beforeAll(async () => {
  api = await createTestApi();
  // The handler reads its configuration from the environment once, at import, as on Lambda.
  process.env.DYNAMODB_ENDPOINT = api.endpoint;
  process.env.SAMVARD_RESOURCE_TABLE = api.tableName;
  // These tests are about the payload 2.0 translation; tokens and access rules are tested in tests/access/.
  process.env.SAMVARD_AUTH = 'off';
  ({ handler } = (await import('../../functions/api/handler.ts')) as unknown as { handler: Handler });
});

describe('Lambda handler (HTTP API payload 2.0)', () => {
  it('serves the CapabilityStatement with the API Gateway host as base', async () => {
    const result = await handler(getEvent('/fhir/metadata'), context);
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/fhir+json; charset=utf-8');
    const cs = JSON.parse(result.body);
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.implementation.url).toBe('https://abc123.execute-api.eu-north-1.amazonaws.com/fhir');
  });

  it('creates a Patient from a POST event and reads it back with a GET event', async () => {
    const created = await handler(fixture('http-api-v2-post-patient.json'), context);
    expect(created.statusCode).toBe(201);
    const patient = JSON.parse(created.body);
    expect(created.headers?.etag).toBe('W/"1"');
    expect(created.headers?.location).toBe(
      `https://abc123.execute-api.eu-north-1.amazonaws.com/fhir/Patient/${patient.id}/_history/1`,
    );
    const read = await handler(getEvent(`/fhir/Patient/${patient.id}`), context);
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body).name[0].family).toBe('Nilsson');
  });

  it('decodes a base64 body', async () => {
    const event = fixture('http-api-v2-post-patient.json');
    event.body = Buffer.from(event.body as string).toString('base64');
    event.isBase64Encoded = true;
    const created = await handler(event, context);
    expect(created.statusCode).toBe(201);
  });

  it('answers an unknown id with a 404 OperationOutcome', async () => {
    const result = await handler(getEvent('/fhir/Task/unknown'), context);
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).resourceType).toBe('OperationOutcome');
  });
});
