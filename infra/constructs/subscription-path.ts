/**
 * The subscription path (FHIR Subscription, issue 7; docs/subscriptions.md §8):
 *
 * - the matcher (`functions/subscriptions/matcher-handler.ts`), the second consumer of
 *   the resource table's stream after the change-event publisher, matches each change
 *   against the active subscriptions and queues deliveries;
 * - the delivery queue (SQS) feeds the delivery function (`delivery-handler.ts`), which
 *   POSTs each notification, queues its next attempt itself (a new, delayed message) and
 *   after the last one sends it to the dead-letter queue; the queue's redrive policy to
 *   the same DLQ is the backstop for messages that make the function itself fail;
 * - the heartbeat function (`heartbeat-handler.ts`) runs every minute and queues the
 *   heartbeats due;
 * - the subscriptions table (`subscriptionTable` in functions/store/tables.ts) holds the
 *   match index, event counters and logs, and heartbeat schedules.
 *
 * Each function is granted the table actions behind the DynamoDB calls its code makes
 * (tests/infra/iam.test.ts checks them against functions/subscriptions).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { subscriptionTable } from '../../functions/store/tables.ts';
import { readSubscriptionConfig } from '../../functions/subscriptions/config.ts';
import { acknowledge } from '../nag.ts';
import { DataTable } from './data-table.ts';
import { consumeResourceStream, streamFailureQueue } from './resource-stream.ts';
import { ITEM_READ_WRITE_ACTIONS, SamvardFunction, type TableAccess, functionEntry } from './samvard-function.ts';

/**
 * Attempts per notification when SAMVARD_DELIVERY_MAX_ATTEMPTS is unset (the default of
 * functions/subscriptions/config.ts); the delivery queue's `maxReceiveCount` too.
 */
export const DELIVERY_MAX_ATTEMPTS = readSubscriptionConfig({}).SAMVARD_DELIVERY_MAX_ATTEMPTS;

/** Timeout of the delivery function: a batch of 10 is delivered in parallel, each POST at most 10 s. */
export const DELIVERY_FUNCTION_TIMEOUT = Duration.seconds(60);

/**
 * The resource table, for the matcher and the delivery function: they read current and
 * earlier versions (GetItem, Query, BatchGetItem) and change a Subscription's status
 * through the store (`status.ts` -> `updateResource`), the same TransactWriteItems (Put,
 * Delete of stale index entries, Update of multi-step locks) and stale-transaction
 * recovery as the API. No index: neither reads type history.
 */
export const SUBSCRIBER_RESOURCE_TABLE_ACCESS: TableAccess = {
  table: [...ITEM_READ_WRITE_ACTIONS],
};

/**
 * The subscriptions table, per function (`subscription-store.ts`):
 * - matcher: `register` and `recordEvents` (TransactWriteItems of Put, Delete, Update),
 *   `readRegistration`/`eventCount` (GetItem), `paramsInUse`/`candidates` (Query),
 *   the check for already-recorded events (BatchGetItem);
 * - delivery: `eventCount` and `readEvent` (GetItem);
 * - heartbeat: `dueHeartbeats` (Query) and `claimHeartbeat` (UpdateItem).
 */
export const MATCHER_SUBSCRIPTION_TABLE_ACCESS: TableAccess = {
  table: [...ITEM_READ_WRITE_ACTIONS],
};
export const DELIVERY_SUBSCRIPTION_TABLE_ACCESS: TableAccess = { table: ['dynamodb:GetItem'] };
export const HEARTBEAT_SUBSCRIPTION_TABLE_ACCESS: TableAccess = { table: ['dynamodb:Query', 'dynamodb:UpdateItem'] };
/** The API function: `$status` (`eventCount`, GetItem) and `$events` (`readEvents`, Query). */
export const API_SUBSCRIPTION_TABLE_ACCESS: TableAccess = { table: ['dynamodb:GetItem', 'dynamodb:Query'] };

export interface SubscriptionPathProps {
  stage: string;
  resources: DataTable;
  /** Absolute FHIR base URL, for the `fullUrl`s in notifications (SAMVARD_BASE_URL). */
  baseUrl: string;
  logRetention: RetentionDays;
  /** Encrypts the subscriptions table and the functions' logs; AWS-managed keys when unset. */
  encryptionKey?: IKey | undefined;
}

export class SubscriptionPath extends Construct {
  readonly subscriptions: DataTable;
  readonly deliveryQueue: Queue;
  /** Deliveries whose last attempt failed (sent by the function, or redriven by SQS). */
  readonly deadLetterQueue: Queue;
  /** Stream batches the matcher gave up on (their shard and sequence numbers, no data). */
  readonly matcherFailureQueue: Queue;
  readonly matcher: SamvardFunction;
  readonly delivery: SamvardFunction;
  readonly heartbeat: SamvardFunction;
  readonly matcherMapping: EventSourceMapping;
  readonly heartbeatSchedule: Rule;

  constructor(scope: Construct, id: string, props: SubscriptionPathProps) {
    super(scope, id);
    const { stage, resources, logRetention, encryptionKey } = props;

    this.subscriptions = new DataTable(this, 'Subscriptions', { definition: subscriptionTable, encryptionKey });

    // Messages name a subscription, an event number and the focus reference (ids), never
    // a resource body: SSE-SQS, so producers and consumers need no KMS grant.
    this.deadLetterQueue = new Queue(this, 'DeliveryDeadLetters', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deliveryQueue = new Queue(this, 'DeliveryQueue', {
      retentionPeriod: Duration.days(4),
      // At least six times the function timeout, as Lambda advises for SQS sources.
      visibilityTimeout: Duration.seconds(DELIVERY_FUNCTION_TIMEOUT.toSeconds() * 6),
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: DELIVERY_MAX_ATTEMPTS },
    });
    this.matcherFailureQueue = streamFailureQueue(this, 'MatchFailures', 'matcher');

    const environment = {
      SAMVARD_RESOURCE_TABLE: resources.table.tableName,
      SAMVARD_SUBSCRIPTION_TABLE: this.subscriptions.table.tableName,
      SAMVARD_DELIVERY_QUEUE_URL: this.deliveryQueue.queueUrl,
      SAMVARD_DELIVERY_DLQ_URL: this.deadLetterQueue.queueUrl,
      SAMVARD_BASE_URL: props.baseUrl,
      // A subscriber is told only what its creator may read (functions/access/subscriptions.ts).
      SAMVARD_AUTH: 'on',
    };
    const common = { logRetention, logEncryptionKey: encryptionKey, environment };

    this.matcher = new SamvardFunction(this, 'Matcher', {
      ...common,
      entry: functionEntry('subscriptions/matcher-handler.ts'),
      description: `samvard ${stage}: matches resource changes against subscriptions`,
      // Loads the FHIR definitions (search parameters) at cold start, like the API.
      memorySize: 1024,
      timeout: Duration.seconds(60),
    });
    this.delivery = new SamvardFunction(this, 'Delivery', {
      ...common,
      entry: functionEntry('subscriptions/delivery-handler.ts'),
      description: `samvard ${stage}: delivers subscription notifications`,
      memorySize: 512,
      timeout: DELIVERY_FUNCTION_TIMEOUT,
    });
    this.heartbeat = new SamvardFunction(this, 'Heartbeat', {
      ...common,
      entry: functionEntry('subscriptions/heartbeat-handler.ts'),
      description: `samvard ${stage}: queues subscription heartbeats`,
      memorySize: 512,
      timeout: Duration.seconds(30),
    });

    // Tables.
    this.matcher.grantTableAccess(resources, SUBSCRIBER_RESOURCE_TABLE_ACCESS);
    this.matcher.grantTableAccess(this.subscriptions, MATCHER_SUBSCRIPTION_TABLE_ACCESS);
    this.delivery.grantTableAccess(resources, SUBSCRIBER_RESOURCE_TABLE_ACCESS);
    this.delivery.grantTableAccess(this.subscriptions, DELIVERY_SUBSCRIPTION_TABLE_ACCESS);
    this.heartbeat.grantTableAccess(this.subscriptions, HEARTBEAT_SUBSCRIPTION_TABLE_ACCESS);

    // Queues: SendMessageBatch is authorized as sqs:SendMessage.
    const send = (fn: SamvardFunction, queues: Queue[]) =>
      fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: queues.map((q) => q.queueArn) }));
    send(this.matcher, [this.deliveryQueue]);
    send(this.delivery, [this.deliveryQueue, this.deadLetterQueue]);
    send(this.heartbeat, [this.deliveryQueue]);

    this.matcherMapping = consumeResourceStream(this.matcher, resources, this.matcherFailureQueue);

    this.delivery.addEventSource(
      new SqsEventSource(this.deliveryQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
      }),
    );

    this.heartbeatSchedule = new Rule(this, 'HeartbeatSchedule', {
      description: `samvard ${stage}: queues the subscription heartbeats due, every minute`,
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.heartbeat, { retryAttempts: 0 })],
    });

    acknowledge(
      this.deadLetterQueue,
      ['AwsSolutions-SQS3'],
      'This queue is the dead-letter queue of the delivery queue; it is alarmed on depth.',
    );
  }
}
