/**
 * Subscriptions (issue 7):
 * 1. Latency from a write to its notification received, p50/p95, locally: a Task created
 *    through the API (the Hono app) to the signed POST arriving at a receiver on loopback,
 *    through the local pipeline with its default settings (stream read every 100 ms,
 *    delivery woken by the matcher). Writes are spaced so this is latency, not a queue.
 *    Target p95 ≤ 1 s (HAPI batches every 5 s; FHIR Works on AWS waits up to 10 s).
 * 2. Matcher throughput with 1,000 active subscriptions (each filed under its own owner,
 *    plus a few wildcard ones): stream batches of Task versions through
 *    `processChangeRecords`, the event numbering included, the queue a counter; each change
 *    matches its unit's subscription and the wildcard ones. Also how many match-index
 *    entries were read per change, beside the 1,000 subscriptions a scan would test.
 *
 * Standalone: `tsx tests/bench/subscriptions.ts` (starts its own DynamoDB Local), or
 * `benchSubscriptions` from `run.ts`. Environment: BENCH_SUB_LATENCY (200 writes),
 * BENCH_SUB_SUBSCRIPTIONS (1000), BENCH_SUB_CHANGES (5000), BENCH_SUB_BATCH (100 records).
 */
import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Subscription, Task } from '@medplum/fhirtypes';
import { createApp } from '../../functions/http/app.ts';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client.ts';
import { ensureTable } from '../../functions/store/ensure-tables.ts';
import { versionItem } from '../../functions/store/items.ts';
import { ResourceStore } from '../../functions/store/resource-store.ts';
import { resourceTable, subscriptionTable } from '../../functions/store/tables.ts';
import { readSubscriptionConfig } from '../../functions/subscriptions/config.ts';
import { startLocalSubscriptions } from '../../functions/subscriptions/local/pipeline.ts';
import { type StreamRecord, processChangeRecords } from '../../functions/subscriptions/matcher.ts';
import type { DeliveryMessage, DeliveryQueue } from '../../functions/subscriptions/queue.ts';
import { configureSubscriptionApi } from '../../functions/subscriptions/routes.ts';
import { SECRET_URL, compileSubscription } from '../../functions/subscriptions/subscription-model.ts';
import { SubscriptionStore } from '../../functions/subscriptions/subscription-store.ts';
import { hslTask } from '../support/conforming.ts';
import { intFromEnv, isMain, withDynamoDbLocal } from './standalone.ts';
import { type Summary, round, summarize } from './stats.ts';

export interface SubscriptionBenchOptions {
  endpoint: string;
  region: string;
  latencyWrites: number;
  subscriptions: number;
  changes: number;
  batchSize: number;
  log: (line: string) => void;
}

export interface SubscriptionBenchResults {
  latency: { fromWriteStartMs: Summary; fromWriteAckMs: Summary };
  matcher: {
    subscriptions: number;
    changes: number;
    batchSize: number;
    changesPerSecond: number;
    eventsPerSecond: number;
    /** Match-index entries read from DynamoDB per change (each partition once per batch). */
    candidatesPerChange: number;
  };
}

const BASE = 'http://samvard.bench/fhir';
const RULES = { allowHttp: true, minHeartbeatSeconds: 1, allowPrivateEndpoints: true };
const SILENT = { info: () => {}, error: (m: string, d?: unknown) => console.error(m, d) };

export async function benchSubscriptions(options: SubscriptionBenchOptions): Promise<SubscriptionBenchResults> {
  const latency = await benchLatency(options);
  const matcher = await benchMatcher(options);
  return { latency, matcher };
}

async function benchLatency(options: SubscriptionBenchOptions): Promise<SubscriptionBenchResults['latency']> {
  const client = createDynamoDbClient({ region: options.region, endpoint: options.endpoint });
  const resources = `bench-sub-res-${randomUUID()}`;
  const subscriptionsTable = `bench-sub-${randomUUID()}`;
  await ensureTable(client, resourceTable, resources);
  const store = new ResourceStore(client, resources);
  const config = readSubscriptionConfig({ SAMVARD_SUBSCRIPTION_TABLE: subscriptionsTable });
  const pipeline = await startLocalSubscriptions({
    endpoint: options.endpoint,
    region: options.region,
    resourceTable: resources,
    baseUrl: BASE,
    config,
    rules: RULES,
    settings: { allowHttp: true },
    log: SILENT,
  });
  configureSubscriptionApi({ subscriptions: pipeline.subscriptions, rules: RULES });
  const app = createApp({ store, baseUrl: BASE });

  const arrivals = new Map<string, number>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const headers: IncomingHttpHeaders = req.headers;
      if (headers['x-samvard-notification-type'] === 'event-notification') arrivals.set(String(headers['x-samvard-event-number']), performance.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const post = (path: string, body: unknown) =>
    app.request(`${BASE}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body) });
  const owner = 'Organization/bench-hemtjanst';
  const created = (await (await post('/Subscription', subscriptionBody(owner, url))).json()) as Subscription;
  for (;;) {
    const current = (await (await app.request(`${BASE}/Subscription/${created.id}`)).json()) as Subscription;
    if (current.status === 'active') break;
    await sleep(50);
  }

  const fromStart: number[] = [];
  const fromAck: number[] = [];
  const warmup = 10;
  for (let i = 1; i <= warmup + options.latencyWrites; i++) {
    const started = performance.now();
    const res = await post('/Task', hslTask({ owner: { reference: owner } }));
    if (res.status !== 201) throw new Error(`Task create answered ${res.status}: ${await res.text()}`);
    const acked = performance.now();
    const number = String(i);
    const deadline = Date.now() + 10_000;
    while (!arrivals.has(number)) {
      if (Date.now() > deadline) throw new Error(`Notification ${number} did not arrive within 10 s`);
      await sleep(2);
    }
    if (i > warmup) {
      fromStart.push((arrivals.get(number) as number) - started);
      fromAck.push((arrivals.get(number) as number) - acked);
    }
    await sleep(20);
  }
  await pipeline.stop();
  receiver.close();
  client.destroy();
  const results = { fromWriteStartMs: summarize(fromStart), fromWriteAckMs: summarize(fromAck) };
  options.log(
    `  write → notification received: p50 ${round(results.fromWriteStartMs.p50, 0)} ms, p95 ${round(results.fromWriteStartMs.p95, 0)} ms ` +
      `(from the 201: p50 ${round(results.fromWriteAckMs.p50, 0)} ms, p95 ${round(results.fromWriteAckMs.p95, 0)} ms; n=${fromStart.length})` +
      ` target p95 ≤ 1000 ms: ${results.fromWriteStartMs.p95 <= 1000 ? 'met' : 'NOT met'}`,
  );
  return results;
}

async function benchMatcher(options: SubscriptionBenchOptions): Promise<SubscriptionBenchResults['matcher']> {
  const client = createDynamoDbClient({ region: options.region, endpoint: options.endpoint });
  const resources = `bench-sub-res-${randomUUID()}`;
  const table = `bench-sub-${randomUUID()}`;
  await ensureTable(client, resourceTable, resources);
  await ensureTable(client, subscriptionTable, table);
  const subscriptions = new SubscriptionStore(client, table);

  // 1,000 active subscriptions, each to one unit's Tasks, and 1 in 100 to all requested Tasks.
  const owners = Array.from({ length: options.subscriptions }, (_, i) => `Organization/unit-${i}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < owners.length; i = next++) {
        const id = `bench-sub-${i}`;
        const body = subscriptionBody(i % 100 === 99 ? undefined : owners[i], 'https://example.org/hook');
        const subscription: Subscription = { ...body, id, status: 'active', meta: { ...body.meta, versionId: '1' } };
        await subscriptions.register(id, 1, compileSubscription(subscription, RULES));
      }
    }),
  );

  let candidates = 0;
  const counting: SubscriptionStore = Object.create(subscriptions) as SubscriptionStore;
  counting.candidates = async (type: string, key: string) => {
    const found = await subscriptions.candidates(type, key);
    candidates += found.length;
    return found;
  };
  let events = 0;
  const queue: DeliveryQueue = {
    send: async (messages: DeliveryMessage[]) => {
      events += messages.length;
    },
    deadLetter: async () => {},
  };
  const deps = { ctx: { store: new ResourceStore(client, resources), baseUrl: BASE }, subscriptions: counting, queue, rules: RULES, log: SILENT };

  const records: StreamRecord[] = Array.from({ length: options.changes }, (_, i) => {
    const id = randomUUID();
    const lastUpdated = new Date().toISOString();
    const task = { ...hslTask({ owner: { reference: owners[i % owners.length] as string } }), id, meta: { versionId: '1', lastUpdated } } as Task;
    const item = versionItem({ type: 'Task', id, version: 1, lastUpdated, operation: 'create', resource: task });
    return { eventName: 'INSERT', dynamodb: { Keys: { pk: item.pk, sk: item.sk }, NewImage: item, SequenceNumber: String(i) } } as StreamRecord;
  });
  // Warm up (definitions, FHIRPath, connections) on a separate owner range.
  await processChangeRecords(records.slice(0, options.batchSize), deps);
  events = 0;
  candidates = 0;
  const measured = records.slice(options.batchSize);
  const started = performance.now();
  for (let i = 0; i < measured.length; i += options.batchSize) {
    await processChangeRecords(measured.slice(i, i + options.batchSize), deps);
  }
  const seconds = (performance.now() - started) / 1000;
  client.destroy();
  const results = {
    subscriptions: options.subscriptions,
    changes: measured.length,
    batchSize: options.batchSize,
    changesPerSecond: round(measured.length / seconds, 0),
    eventsPerSecond: round(events / seconds, 0),
    candidatesPerChange: round(candidates / measured.length, 2),
  };
  options.log(
    `  matcher with ${results.subscriptions} active subscriptions: ${results.changesPerSecond} changes/s, ` +
      `${results.eventsPerSecond} events/s (batches of ${results.batchSize}); ` +
      `${round(results.eventsPerSecond / results.changesPerSecond, 1)} events per change; ` +
      `${results.candidatesPerChange} match-index entries read per change (partitions cached per batch; a scan would test all ${results.subscriptions})`,
  );
  return results;
}

function subscriptionBody(owner: string | undefined, endpoint: string): Subscription {
  const backport = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
  return {
    resourceType: 'Subscription',
    meta: { profile: [`${backport}/backport-subscription`] },
    status: 'requested',
    reason: 'bench',
    criteria: 'https://samvard.se/fhir/SubscriptionTopic/task-owner',
    _criteria: {
      extension: [{ url: `${backport}/backport-filter-criteria`, valueString: owner ? `Task?owner=${owner}` : 'Task?status=requested' }],
    },
    channel: {
      type: 'rest-hook',
      endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: `${backport}/backport-payload-content`, valueCode: 'id-only' }] },
      extension: [{ url: SECRET_URL, valueString: 'bench-secret-bench-secret' }],
    },
  } as Subscription;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (isMain(import.meta.url)) {
  await withDynamoDbLocal(async (endpoint) => {
    console.log('Subscriptions (issue 7)');
    const results = await benchSubscriptions({
      endpoint,
      region: 'eu-north-1',
      latencyWrites: intFromEnv('BENCH_SUB_LATENCY', 200),
      subscriptions: intFromEnv('BENCH_SUB_SUBSCRIPTIONS', 1000),
      changes: intFromEnv('BENCH_SUB_CHANGES', 5000),
      batchSize: intFromEnv('BENCH_SUB_BATCH', 100),
      log: (line) => console.log(line),
    });
    console.log(JSON.stringify(results, null, 2));
  });
}
