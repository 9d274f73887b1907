/**
 * A samvard API on DynamoDB Local with a table of its own, for integration tests.
 * Requests go through the real Hono app (`app.request()`), as on Lambda.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Hono } from 'hono';
import { inject } from 'vitest';
import { createApp } from '../../functions/http/app.ts';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client.ts';
import { ensureTable } from '../../functions/store/ensure-tables.ts';
import { ResourceStore } from '../../functions/store/resource-store.ts';
import { resourceTable } from '../../functions/store/tables.ts';

export const BASE = 'http://samvard.test/fhir';

export interface TestApi {
  app: Hono;
  store: ResourceStore;
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  /** Sends a request with a JSON body (as application/fhir+json unless headers say otherwise). */
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function createTestApi(): Promise<TestApi> {
  const endpoint = inject('dynamoDbEndpoint');
  const client = createDynamoDbClient({ region: 'eu-north-1', endpoint });
  const tableName = `test-${randomUUID()}`;
  await ensureTable(client, resourceTable, tableName);
  const store = new ResourceStore(client, tableName);
  const app = createApp({ store, baseUrl: BASE });
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(`${BASE}${path}`, {
      method,
      headers: body === undefined ? headers : { 'Content-Type': 'application/fhir+json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { app, store, client, tableName, endpoint, send };
}

/** The JSON body of a response; `any` so tests can reach into resources tersely. */
// biome-ignore lint/suspicious/noExplicitAny: test convenience
export async function json(res: Response): Promise<any> {
  return res.json();
}
