/**
 * Where the time of a read goes, layer by layer (`npx tsx tests/bench/read-breakdown.ts`):
 * raw GetItem, the store's readCurrent, the Hono app in-process (`app.request`), the
 * Lambda handler with an API Gateway HTTP API (payload 2.0) event, an empty Hono route
 * over HTTP (the transport's floor), and the full GET over HTTP with fetch and with a
 * plain `node:http` keep-alive client. Each round runs every layer once, in rotating
 * order, so all see the same load. A diagnostic: `npm run bench` gives the figures.
 */
import { randomUUID } from 'node:crypto';
import { Agent, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { buildDependencies } from '../../functions/api/dependencies.ts';
import { readConfig } from '../../functions/config.ts';
import { createApp } from '../../functions/http/app.ts';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client.ts';
import { ensureTable } from '../../functions/store/ensure-tables.ts';
import { CURRENT_SK, resourcePk } from '../../functions/store/keys.ts';
import { resourceTable } from '../../functions/store/tables.ts';
import { samplePatient } from './api-latency.ts';
import { summarize } from './stats.ts';

const REGION = 'eu-north-1';
const ROUNDS = Number(process.env.BENCH_ITERATIONS ?? 400);
const WARMUP = 50;

async function main(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  const tableName = `bench-${randomUUID()}`;
  const client = createDynamoDbClient({ region: REGION, endpoint: dynamo.endpoint });
  await ensureTable(client, resourceTable, tableName);
  const deps = buildDependencies(
    readConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: REGION, SAMVARD_RESOURCE_TABLE: tableName, SAMVARD_AUTH: 'off' }),
  );
  const app = createApp(deps);
  const empty = new Hono().get('/ping', (c) => c.json({ resourceType: 'Patient', id: 'x' }));
  const listen = (fetch: Hono['fetch']) =>
    new Promise<{ port: number; close: () => void }>((done) => {
      const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        done({ port: info.port, close: () => server.close() }),
      );
    });
  const api = await listen(app.fetch);
  const floor = await listen(empty.fetch);

  const created = await fetch(`http://127.0.0.1:${api.port}/fhir/Patient`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(samplePatient(1)),
  });
  const { id } = (await created.json()) as { id: string };
  const lambda = handle(app);
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: `/fhir/Patient/${id}`,
    rawQueryString: '',
    headers: { host: 'api.example.se', accept: 'application/fhir+json' },
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      authentication: null,
      authorizer: {},
      domainName: 'api.example.se',
      domainPrefix: 'api',
      http: { method: 'GET', path: `/fhir/Patient/${id}`, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey: '$default',
      stage: '$default',
      time: '22/Nov/2026:12:00:00 +0000',
      timeEpoch: 0,
    },
  } as unknown as Parameters<typeof lambda>[0];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const nodeGet = (path: string) =>
    new Promise<void>((done, fail) => {
      get({ host: '127.0.0.1', port: api.port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error(`status ${res.statusCode}`))));
      }).on('error', fail);
    });

  const layers: [string, () => Promise<unknown>][] = [
    [
      'raw GetItem',
      () =>
        client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: { pk: { S: resourcePk('Patient', id) }, sk: { S: CURRENT_SK } },
            ConsistentRead: true,
          }),
        ),
    ],
    ['store.readCurrent', () => deps.store.readCurrent('Patient', id)],
    ['app.request (no socket)', async () => (await app.request(`http://x/fhir/Patient/${id}`)).text()],
    [
      'Lambda handler (payload 2.0 event)',
      async () => {
        const result = await lambda(event);
        if (result.statusCode !== 200) throw new Error(`Lambda handler answered ${result.statusCode}`);
      },
    ],
    ['fetch empty Hono route', async () => (await fetch(`http://127.0.0.1:${floor.port}/ping`)).text()],
    ['fetch GET /fhir/Patient/{id}', async () => (await fetch(`http://127.0.0.1:${api.port}/fhir/Patient/${id}`)).text()],
    ['node:http GET /fhir/Patient/{id}', () => nodeGet(`/fhir/Patient/${id}`)],
  ];
  const samples = layers.map(() => [] as number[]);
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (let k = 0; k < layers.length; k++) {
      const index = (round + k) % layers.length;
      const [, run] = layers[index] as [string, () => Promise<unknown>];
      const started = performance.now();
      await run();
      if (round >= WARMUP) samples[index]?.push(performance.now() - started);
    }
  }
  console.log(`read breakdown, ${ROUNDS} rounds (Node ${process.version})`);
  for (const [i, [name]] of layers.entries()) {
    const s = summarize(samples[i] ?? []);
    console.log(`${name.padEnd(36)} p50 ${s.p50.toFixed(3)} ms  p95 ${s.p95.toFixed(3)} ms`);
  }
  agent.destroy();
  api.close();
  floor.close();
  client.destroy();
  await dynamo.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
