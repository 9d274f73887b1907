/**
 * What the subscription Lambdas need, built once per container from the environment:
 * SAMVARD_RESOURCE_TABLE, SAMVARD_SUBSCRIPTION_TABLE, SAMVARD_DELIVERY_QUEUE_URL,
 * SAMVARD_DELIVERY_DLQ_URL, SAMVARD_BASE_URL (required here: notifications carry
 * absolute URLs), the delivery settings of `config.ts`, and SAMVARD_AUTH: unless it is
 * `off`, the matcher asks the access rules (`functions/access/subscriptions.ts`) whether
 * the subscription's creator may read each change.
 */
import { Agent as HttpsAgent } from 'node:https';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { subscriptionCanRead } from '../access/subscriptions.ts';
import { readConfig } from '../config.ts';
import { loadDefinitions } from '../core/validation.ts';
import { createDynamoDbClient } from '../store/dynamodb-client.ts';
import { ResourceStore } from '../store/resource-store.ts';
import { allowAll } from './authorization.ts';
import { type SubscriptionConfig, deliverySettings, readSubscriptionConfig, subscriptionRules } from './config.ts';
import { type DeliveryDependencies, SubscriptionCache } from './delivery.ts';
import type { MatcherDependencies } from './matcher.ts';
import { SqsDeliveryQueue } from './sqs-queue.ts';
import { SubscriptionStore } from './subscription-store.ts';

export type SubscriptionDependencies = MatcherDependencies & DeliveryDependencies;

export function buildSubscriptionDependencies(
  env: NodeJS.ProcessEnv = process.env,
  config: SubscriptionConfig = readSubscriptionConfig(env),
): SubscriptionDependencies {
  const core = readConfig(env);
  const missing = (['SAMVARD_DELIVERY_QUEUE_URL', 'SAMVARD_DELIVERY_DLQ_URL', 'SAMVARD_BASE_URL'] as const).filter((k) => !config[k]);
  if (missing.length > 0) throw new Error(`Invalid subscription configuration: ${missing.join(', ')} must be set`);
  const client = createDynamoDbClient({ region: core.AWS_REGION, endpoint: core.DYNAMODB_ENDPOINT });
  const sqs = new SQSClient({
    region: core.AWS_REGION,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    }),
  });
  loadDefinitions();
  const rules = subscriptionRules(config);
  const store = new ResourceStore(client, core.SAMVARD_RESOURCE_TABLE);
  // With authentication on (the default), a subscriber is told only what its creator may read.
  const canRead = core.SAMVARD_AUTH === 'off' ? allowAll : subscriptionCanRead(store);
  return {
    ctx: { store, baseUrl: config.SAMVARD_BASE_URL as string },
    canRead,
    subscriptions: new SubscriptionStore(client, config.SAMVARD_SUBSCRIPTION_TABLE, {
      retentionDays: config.SAMVARD_EVENT_RETENTION_DAYS,
    }),
    queue: new SqsDeliveryQueue(sqs, config.SAMVARD_DELIVERY_QUEUE_URL as string, config.SAMVARD_DELIVERY_DLQ_URL as string),
    rules,
    settings: deliverySettings(config),
    cache: new SubscriptionCache(),
  };
}
