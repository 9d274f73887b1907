/**
 * The FHIR API for a bench section: the Hono app as `buildDependencies` makes it, on
 * `@hono/node-server` at 127.0.0.1, with a store on the section's own table and client
 * (so the section may record what the store sends, see `recordCommands`).
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { serve } from '@hono/node-server';
import { buildDependencies } from '../../functions/api/dependencies.ts';
import { readConfig } from '../../functions/config.ts';
import { createApp } from '../../functions/http/app.ts';
import { ResourceStore } from '../../functions/store/resource-store.ts';
import { createTableInput, resourceTable } from '../../functions/store/tables.ts';

export interface BenchApi {
  /** e.g. `http://127.0.0.1:1234/fhir` */
  fhirBase: string;
  store: ResourceStore;
  close(): Promise<void>;
}

/**
 * The bench measures the FHIR and storage path without authentication (SAMVARD_AUTH=off
 * where the configuration knows it), as the issue 2 figures always have.
 */
export function benchConfig(endpoint: string, region: string, tableName: string) {
  return readConfig({ DYNAMODB_ENDPOINT: endpoint, AWS_REGION: region, SAMVARD_RESOURCE_TABLE: tableName, SAMVARD_AUTH: 'off' });
}

/**
 * A resource table as `tables.ts` defines it (keys, typeHistory index), with its DynamoDB
 * stream only if asked. In DynamoDB Local a stream-enabled table takes every write
 * several times longer (~250-900 instead of ~2,500-4,000 items/s on the loaded 2-core
 * machine) and answers reads more slowly as it grows (see search.ts): the emulator's
 * stream bookkeeping, which DynamoDB's streams (read from their own log) do not add to a
 * table's reads or writes. The transaction and search sections write hundreds of
 * thousands of items, so they use tables without it unless BENCH_STREAM=1.
 */
export async function createResourceTable(client: DynamoDBClient, tableName: string, stream: boolean): Promise<void> {
  const input = createTableInput(resourceTable, tableName);
  if (!stream) delete input.StreamSpecification;
  await client.send(new CreateTableCommand(input));
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
}

let shared: ReturnType<typeof buildDependencies> | undefined;

export async function startApi(options: {
  endpoint: string;
  region: string;
  client: DynamoDBClient;
  tableName: string;
}): Promise<BenchApi> {
  // Definitions and profiles are loaded once per process; only the store differs per table.
  shared ??= buildDependencies(benchConfig(options.endpoint, options.region, options.tableName));
  const store = new ResourceStore(options.client, options.tableName);
  const app = createApp({ ...shared, store });
  let server: ReturnType<typeof serve> | undefined;
  const port = await new Promise<number>((done) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => done(info.port));
  });
  return {
    fhirBase: `http://127.0.0.1:${port}/fhir`,
    store,
    close: () => new Promise<void>((done) => (server ? server.close(() => done()) : done())),
  };
}

export const FHIR_JSON = 'application/fhir+json';

/** Sends a request with a JSON body and returns the parsed answer; throws unless `status`. */
export async function fhirJson<T = unknown>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> },
  status: number,
): Promise<T> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'Content-Type': FHIR_JSON }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text(); // always drain, so the connection is reused
  if (res.status !== status) throw new Error(`${init.method ?? 'GET'} ${url}: expected ${status}, got ${res.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text) as T;
}
