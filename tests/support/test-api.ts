/**
 * A samvard API on DynamoDB Local with a table of its own, for integration tests.
 * Requests go through the real Hono app (`app.request()`), as on Lambda.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Hono } from 'hono';
import { inject } from 'vitest';
import { AuditLog } from '../../functions/access/audit.ts';
import { createApp } from '../../functions/http/app.ts';
import { type DevAuth, type DevClient, createDevAuth, loadDevClients } from '../../functions/local/dev-auth.ts';
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
  /** With `auth`: the dev issuer (its `issue(claims)` mints tokens; `/oauth2/token` is mounted). */
  devAuth?: DevAuth;
}

export interface TestApiOptions {
  /**
   * Authentication, scopes, access rules and the access log on, with a dev issuer
   * (functions/local/dev-auth.ts) at `http://samvard.test/oauth2`; `clients` default to
   * functions/local/dev-clients.json.
   */
  auth?: boolean | { clients?: DevClient[]; now?: () => Date };
}

export async function createTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const endpoint = inject('dynamoDbEndpoint');
  // The shared DynamoDB Local is slow under the suite's parallel load (see requestTimeoutMs).
  const client = createDynamoDbClient({ region: 'eu-north-1', endpoint, requestTimeoutMs: 15_000 });
  const tableName = `test-${randomUUID()}`;
  await ensureTable(client, resourceTable, tableName);
  const store = new ResourceStore(client, tableName);
  const auth = options.auth === true ? {} : options.auth || undefined;
  const devAuth = auth
    ? await createDevAuth({ origin: new URL(BASE).origin, clients: auth.clients ?? loadDevClients() })
    : undefined;
  const app = createApp({
    store,
    baseUrl: BASE,
    accessControl: devAuth
      ? { authenticator: devAuth.authenticator, auditLog: new AuditLog(client, tableName), now: auth?.now }
      : undefined,
  });
  if (devAuth) app.route('/oauth2', devAuth.routes);
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(`${BASE}${path}`, {
      method,
      headers: body === undefined ? headers : { 'Content-Type': 'application/fhir+json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { app, store, client, tableName, endpoint, send, ...(devAuth ? { devAuth } : {}) };
}

/** The JSON body of a response; `any` so tests can reach into resources tersely. */
// biome-ignore lint/suspicious/noExplicitAny: test convenience
export async function json(res: Response): Promise<any> {
  return res.json();
}
