/**
 * The subscription path of `npm start`: the shared matcher on DynamoDB Local's stream
 * (`stream-poller.ts`), the shared delivery code on a durable queue in DynamoDB Local
 * (`local-queue.ts`), and a heartbeat timer. The same code as the Lambdas; only the
 * stream reader and the queue differ.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createDynamoDbClient } from '../../store/dynamodb-client.ts';
import { ensureTable } from '../../store/ensure-tables.ts';
import { ResourceStore } from '../../store/resource-store.ts';
import { subscriptionTable } from '../../store/tables.ts';
import type { CanRead } from '../authorization.ts';
import { type DeliverySettings, type SubscriptionConfig, type SubscriptionRules, deliverySettings, readSubscriptionConfig, subscriptionRules } from '../config.ts';
import { type DeliveryDependencies, SubscriptionCache } from '../delivery.ts';
import type { Lookup } from '../endpoint-address.ts';
import { enqueueDueHeartbeats } from '../heartbeat.ts';
import { type Logger, type MatcherDependencies, processChangeRecords } from '../matcher.ts';
import { SubscriptionStore } from '../subscription-store.ts';
import { LocalDeliveryQueue, LocalDeliveryWorker } from './local-queue.ts';
import { DynamoDbStreamPoller } from './stream-poller.ts';

export interface LocalSubscriptionsOptions {
  /** DynamoDB (Local) endpoint and region. */
  endpoint: string | undefined;
  region?: string;
  resourceTable: string;
  /** Base URL of the FHIR API as subscribers see it. */
  baseUrl: string;
  /** Defaults to the environment (`config.ts`). */
  config?: SubscriptionConfig;
  /** Override parts of the configuration (tests use short backoffs). */
  settings?: Partial<DeliverySettings>;
  rules?: Partial<SubscriptionRules>;
  streamPollIntervalMs?: number;
  queuePollIntervalMs?: number;
  heartbeatCheckIntervalMs?: number;
  concurrency?: number;
  canRead?: CanRead;
  fetch?: typeof fetch;
  /** Resolves endpoint host names for delivery's private-address check (tests; default: node:dns). */
  lookup?: Lookup;
  log?: Logger;
}

export interface LocalSubscriptions {
  subscriptions: SubscriptionStore;
  queue: LocalDeliveryQueue;
  /** Stops reading the stream, lets deliveries in flight finish; pending ones stay queued. */
  stop(): Promise<void>;
}

export async function startLocalSubscriptions(options: LocalSubscriptionsOptions): Promise<LocalSubscriptions> {
  const config = options.config ?? readSubscriptionConfig();
  const region = options.region ?? 'eu-north-1';
  const client: DynamoDBClient = createDynamoDbClient({ region, endpoint: options.endpoint });
  await ensureTable(client, subscriptionTable, config.SAMVARD_SUBSCRIPTION_TABLE);
  const streams = new DynamoDBStreamsClient({
    region,
    endpoint: options.endpoint,
    ...(options.endpoint && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  const log = options.log ?? console;
  const ctx = { store: new ResourceStore(client, options.resourceTable), baseUrl: options.baseUrl };
  const subscriptions = new SubscriptionStore(client, config.SAMVARD_SUBSCRIPTION_TABLE, {
    retentionDays: config.SAMVARD_EVENT_RETENTION_DAYS,
  });
  const queue = new LocalDeliveryQueue(client, config.SAMVARD_SUBSCRIPTION_TABLE);
  const rules = { ...subscriptionRules(config), ...options.rules };

  const matcherDeps: MatcherDependencies = { ctx, subscriptions, queue, rules, log, ...(options.canRead ? { canRead: options.canRead } : {}) };
  const deliveryDeps: DeliveryDependencies = {
    ctx,
    subscriptions,
    settings: { ...deliverySettings(config), ...options.settings },
    rules,
    cache: new SubscriptionCache(),
    log,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
  };

  const poller = new DynamoDbStreamPoller({
    client,
    streams,
    tableName: options.resourceTable,
    positionTable: config.SAMVARD_SUBSCRIPTION_TABLE,
    handler: (records) => processChangeRecords(records, matcherDeps),
    pollIntervalMs: options.streamPollIntervalMs ?? 100,
    log,
  });
  const worker = new LocalDeliveryWorker(queue, deliveryDeps, {
    concurrency: options.concurrency ?? 16,
    pollIntervalMs: options.queuePollIntervalMs ?? 1_000,
    log,
  });
  let heartbeatRunning: Promise<unknown> = Promise.resolve();
  const heartbeats = setInterval(() => {
    heartbeatRunning = enqueueDueHeartbeats(subscriptions, queue).catch((err: unknown) =>
      log.error('Heartbeat check failed', { error: (err as Error).message }),
    );
  }, options.heartbeatCheckIntervalMs ?? 5_000);

  poller.start();
  worker.start();
  return {
    subscriptions,
    queue,
    stop: async () => {
      clearInterval(heartbeats);
      await Promise.all([poller.stop(), heartbeatRunning]);
      await worker.stop();
      client.destroy();
      streams.destroy();
    },
  };
}
