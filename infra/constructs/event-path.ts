/**
 * The change-event path: the resource table's stream feeds a function
 * (`functions/events/handler.ts`) that publishes a compact event per write to an
 * EventBridge bus, for AWS-native consumers. Batches that cannot be published after the
 * retries land, as stream positions, in a failure queue.
 *
 * The subscription matcher (`subscription-path.ts`) is the second consumer of the same
 * stream (`resource-stream.ts`).
 */
import { Duration } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RESOURCE_CHANGED } from '../../functions/events/change-events.ts';
import type { DataTable } from './data-table.ts';
import { consumeResourceStream, streamFailureQueue } from './resource-stream.ts';
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

    this.failureQueue = streamFailureQueue(this, 'PublishFailures', 'publisher');

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
    this.bus.grantPutEventsTo(this.publisher);

    this.mapping = consumeResourceStream(this.publisher, props.resources, this.failureQueue);
  }
}
