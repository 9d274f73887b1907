/**
 * A consumer of the resource table's stream: the change-event publisher
 * (`event-path.ts`) and the subscription matcher (`subscription-path.ts`) read it the
 * same way, set here once. A DynamoDB stream serves at most two concurrent readers per
 * shard without throttling: those two.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type EventSourceMapping, FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { VERSION_SK_PREFIX } from '../../functions/store/keys.ts';
import { acknowledge } from '../nag.ts';
import type { DataTable } from './data-table.ts';
import type { SamvardFunction } from './samvard-function.ts';

/**
 * The on-failure destination of a stream consumer: the batches it gave up on, as shard
 * and sequence numbers, never an item, so SSE-SQS suffices.
 */
export function streamFailureQueue(scope: Construct, id: string, consumer: string): Queue {
  const queue = new Queue(scope, id, {
    retentionPeriod: Duration.days(14),
    enforceSSL: true,
    encryption: QueueEncryption.SQS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledge(
    queue,
    ['AwsSolutions-SQS3'],
    `This queue is the on-failure destination of the ${consumer}'s stream event source mapping, i.e. itself a dead-letter queue; it is alarmed on depth.`,
  );
  return queue;
}

/**
 * Feeds `consumer` the resource table's stream records that are writes: version items,
 * inserted, or for a multi-step commit modified when it is applied (current items would
 * double every change). The consumer decides which of these is a committed change
 * (`functions/store/stream-records.ts`).
 */
export function consumeResourceStream(consumer: SamvardFunction, resources: DataTable, failureQueue: Queue): EventSourceMapping {
  consumer.grantStreamRead(resources);
  const mapping = consumer.addEventSourceMapping('ResourceStream', {
    eventSourceArn: resources.streamArn,
    startingPosition: StartingPosition.TRIM_HORIZON,
    batchSize: 100,
    maxBatchingWindow: Duration.seconds(1),
    reportBatchItemFailures: true,
    bisectBatchOnError: true,
    retryAttempts: 10,
    // The stream keeps records 24 hours; give up well before they expire.
    maxRecordAge: Duration.hours(6),
    onFailure: new SqsDlq(failureQueue),
    filters: [
      FilterCriteria.filter({
        eventName: FilterRule.or('INSERT', 'MODIFY'),
        dynamodb: { Keys: { sk: { S: FilterRule.beginsWith(VERSION_SK_PREFIX) } } },
      }),
    ],
  });
  // Lambda checks the role can read the stream when the mapping is created.
  if (consumer.role) mapping.node.addDependency(consumer.role);
  return mapping;
}
