/**
 * The Lambda handlers of the subscription path, built from injected dependencies so the
 * tests can drive them with real event shapes. The entries (`*-handler.ts`) build the
 * dependencies once per container from the environment (`dependencies.ts`).
 *
 * - matcher: DynamoDB stream event source on the resource table (NEW_AND_OLD_IMAGES,
 *   `ReportBatchItemFailures`). A failed batch is reported from its first record, so
 *   Lambda retries it whole; the matcher is idempotent (see `matcher.ts`).
 * - delivery: SQS event source on the delivery queue (`ReportBatchItemFailures`). Each
 *   message is delivered once; its next attempt or its dead-lettering is a new message
 *   (`settle`), so the record itself succeeds. Only when that fails is it reported, and
 *   SQS offers it again.
 * - heartbeat: an EventBridge schedule (every minute) queuing the heartbeats due.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
import { type DeliveryDependencies, deliver, settle } from './delivery.ts';
import { enqueueDueHeartbeats } from './heartbeat.ts';
import { type MatcherDependencies, type StreamRecord, processChangeRecords } from './matcher.ts';
import { type DeliveryMessage, type DeliveryQueue, describeMessage, parseDeliveryMessage } from './queue.ts';
import type { SubscriptionStore } from './subscription-store.ts';

export interface DynamoDbStreamEvent {
  Records: StreamRecord[];
}

export interface SqsEvent {
  Records: { messageId: string; body: string; attributes?: { ApproximateReceiveCount?: string } }[];
}

export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export function createMatcherHandler(deps: MatcherDependencies): (event: DynamoDbStreamEvent) => Promise<BatchResponse> {
  const log = deps.log ?? console;
  return async (event) => {
    try {
      const summary = await processChangeRecords(event.Records, deps);
      log.info('Matched stream batch', { records: event.Records.length, ...summary });
      return { batchItemFailures: [] };
    } catch (err) {
      log.error('Matching failed; the batch will be retried', { error: (err as Error).message });
      const first = event.Records[0]?.dynamodb?.SequenceNumber;
      if (!first) throw err;
      return { batchItemFailures: [{ itemIdentifier: first }] };
    }
  };
}

/** Deliveries run concurrently within one SQS batch, at most this many at a time. */
const DELIVERY_CONCURRENCY = 10;

export function createDeliveryHandler(
  deps: DeliveryDependencies & { queue: DeliveryQueue },
): (event: SqsEvent) => Promise<BatchResponse> {
  const log = deps.log ?? console;
  return async (event) => {
    const failures: { itemIdentifier: string }[] = [];
    const records = [...event.Records];
    const work = async (): Promise<void> => {
      for (let record = records.shift(); record; record = records.shift()) {
        let message: DeliveryMessage;
        try {
          message = parseDeliveryMessage(record.body);
        } catch (err) {
          log.error('Not a delivery message; dropped', { messageId: record.messageId, error: (err as Error).message });
          continue;
        }
        try {
          const result = await deliver(message, deps);
          await settle(deps.queue, message, result, log);
          log.info('Delivery', { message: describeMessage(message), outcome: result.outcome });
        } catch (err) {
          log.error('Delivery could not be processed; SQS will offer it again', {
            message: describeMessage(message),
            error: (err as Error).message,
          });
          failures.push({ itemIdentifier: record.messageId });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELIVERY_CONCURRENCY, records.length) }, work));
    return { batchItemFailures: failures };
  };
}

export function createHeartbeatHandler(deps: {
  subscriptions: SubscriptionStore;
  queue: DeliveryQueue;
}): () => Promise<{ queued: number }> {
  return async () => ({ queued: await enqueueDueHeartbeats(deps.subscriptions, deps.queue) });
}
