/**
 * The change-event path: the resource table's stream feeds a function
 * (`functions/events/handler.ts`) that publishes a compact event per write to an
 * EventBridge bus, for AWS-native consumers. Batches that cannot be published after the
 * retries land, as stream positions, in a failure queue.
 *
 * The subscription matcher (`subscription-path.ts`) is the second consumer of the same
 * stream. A DynamoDB stream serves at most two concurrent readers per shard without
 * throttling: this publisher and that matcher.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping, FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../nag.ts';
import { Construct } from 'constructs';
import { RESOURCE_CHANGED } from '../../functions/events/change-events.ts';
import { VERSION_SK_PREFIX } from '../../functions/store/keys.ts';
import type { DataTable } from './data-table.ts';
import { SamvardFunction, functionEntry } from './samvard-function.ts';

export const CHANGE_EVENT_SOURCE = 'samvard';

export interface EventPathProps {
  stage: string;
  resources: DataTable;
  logRetention: RetentionDays;
  /** Encrypts the bus and the publisher's logs; AWS-owned/managed keys when unset. */
  encryptionKey?: IKey | undefined;
}

export class EventPath extends Construct {
  readonly bus: EventBus;
  readonly publisher: SamvardFunction;
  /** Stream batches the publisher gave up on (their shard and sequence numbers, no data). */
  readonly failureQueue: Queue;
  readonly mapping: EventSourceMapping;

  constructor(scope: Construct, id: string, props: EventPathProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: `samvard-${props.stage}-changes`,
      description: `One '${RESOURCE_CHANGED}' event per write to samvard (${props.stage}); ids and versions, never resource bodies`,
      kmsKey: props.encryptionKey,
    });

    this.failureQueue = new Queue(this, 'PublishFailures', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      // Failure records name a shard and sequence numbers, never an item: SSE-SQS suffices.
      encryption: QueueEncryption.SQS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.publisher = new SamvardFunction(this, 'Publisher', {
      entry: functionEntry('events/handler.ts'),
      description: `samvard ${props.stage}: publishes change events from the resource stream`,
      memorySize: 256,
      // The publisher starts no PutEvents call with less than 15 s left
      // (DEADLINE_RESERVE_MS): it reports a partial failure rather than time out.
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      logEncryptionKey: props.encryptionKey,
      environment: {
        SAMVARD_EVENT_BUS: this.bus.eventBusName,
        SAMVARD_EVENT_SOURCE: CHANGE_EVENT_SOURCE,
      },
    });
    this.publisher.grantStreamRead(props.resources);
    this.bus.grantPutEventsTo(this.publisher);

    this.mapping = this.publisher.addEventSourceMapping('ResourceStream', {
      eventSourceArn: props.resources.streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: 10,
      // The stream keeps records 24 hours; give up well before they expire.
      maxRecordAge: Duration.hours(6),
      onFailure: new SqsDlq(this.failureQueue),
      // Only version items are writes (current items would double every event): their
      // INSERT, or for a multi-step commit the MODIFY that applies it. The publisher
      // decides which of these is a change (functions/events/change-events.ts).
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.or('INSERT', 'MODIFY'),
          dynamodb: { Keys: { sk: { S: FilterRule.beginsWith(VERSION_SK_PREFIX) } } },
        }),
      ],
    });

    // Lambda checks the role can read the stream when the mapping is created.
    if (this.publisher.role) this.mapping.node.addDependency(this.publisher.role);

    acknowledge(
      this.failureQueue,
      ['AwsSolutions-SQS3'],
      'This queue is the on-failure destination of the stream event source mapping, i.e. itself a dead-letter queue; it is alarmed on depth.',
    );
  }
}
