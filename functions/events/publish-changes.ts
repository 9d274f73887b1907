/**
 * The DynamoDB-stream consumer that publishes one compact change event per write to an
 * EventBridge bus (see `change-events.ts` for the event). Its Lambda entry is
 * `handler.ts`, which builds the EventBridge client once per container.
 *
 * Records are published in order, in PutEvents batches of at most 10. At the first
 * record that cannot be published (the call throws, or the response marks its entry
 * failed), the handler stops and reports that record's sequence number as its only
 * batch item failure: Lambda then retries the shard from that record
 * (`ReportBatchItemFailures`), so nothing after it is skipped and nothing before it is
 * sent again. Delivery is at least once (entries after the failed one in the same
 * PutEvents call were accepted and will be sent again on the retry); consumers
 * deduplicate on `type/id/versionId`.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResponse,
} from '@aws-sdk/client-eventbridge';
import { type ChangeStreamRecord, RESOURCE_CHANGED, type ResourceChanged, toResourceChanged } from './change-events.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_BATCH_SIZE = 10;

/**
 * Time kept in reserve before the Lambda timeout: no PutEvents call starts with less
 * left, so a slow EventBridge ends the invocation with a partial batch failure (a
 * retry from the first unsent record) instead of a timeout (a retry of the whole
 * batch). One call takes at most about 13 s with the client of `dependencies.ts`
 * (3 attempts of at most 1 s to connect and 3 s to answer, plus backoff).
 */
export const DEADLINE_RESERVE_MS = 15_000;

/** A change event as PutEvents takes it. */
export type ChangeEventEntry = PutEventsRequestEntry & {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
  Time: Date;
};

export interface PublishChangesOptions {
  /** The EventBridge client, built once per container (see `handler.ts`). */
  client: EventBridgeClient;
  /** Name or ARN of the bus. */
  eventBusName: string;
  /** The events' `source`, e.g. `samvard`. */
  source: string;
  log?: Pick<Console, 'info' | 'error'>;
}

export interface ChangeStreamEvent {
  Records: ChangeStreamRecord[];
}

/** The part of the Lambda context the publisher reads. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** Lambda's partial batch response for stream event sources. */
export interface StreamBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

interface Pending {
  record: ChangeStreamRecord;
  entry: ChangeEventEntry;
}

/**
 * Publishes the change events of one stream batch; see the module comment for failure
 * handling.
 *
 * @throws Error when a record that could not be published has no sequence number
 *   (Lambda then retries the whole batch)
 */
export async function publishChanges(
  event: ChangeStreamEvent,
  options: PublishChangesOptions,
  context?: InvocationContext,
): Promise<StreamBatchResponse> {
  const log = options.log ?? console;
  let batch: Pending[] = [];
  let published = 0;

  /** Sends the pending batch; the first record not published, if any. */
  const flush = async (): Promise<ChangeStreamRecord | undefined> => {
    if (batch.length === 0) return undefined;
    const sent = batch;
    batch = [];
    const remainingMs = context?.getRemainingTimeInMillis();
    if (remainingMs !== undefined && remainingMs < DEADLINE_RESERVE_MS) {
      log.error('Too little time left to call PutEvents; Lambda retries from the first unsent record', {
        remainingMs,
        unsent: sent.length,
      });
      return sent[0]?.record;
    }
    let result: PutEventsResponse;
    try {
      result = await options.client.send(new PutEventsCommand({ Entries: sent.map((p) => p.entry) }));
    } catch (err) {
      log.error('PutEvents failed', { entries: sent.length, error: err instanceof Error ? err.name : String(err) });
      return sent[0]?.record;
    }
    const entries = result.Entries ?? [];
    const firstFailed = sent.findIndex((_, i) => entries[i] === undefined || entries[i]?.ErrorCode !== undefined);
    if (firstFailed === -1 && !result.FailedEntryCount) {
      published += sent.length;
      return undefined;
    }
    // A response claiming failures without marking any entry: retry the whole batch.
    const failedAt = firstFailed === -1 ? 0 : firstFailed;
    published += failedAt;
    log.error('PutEvents rejected an entry', {
      failed: result.FailedEntryCount,
      entries: sent.length,
      errorCode: entries[failedAt]?.ErrorCode,
    });
    return sent[failedAt]?.record;
  };

  const firstUnpublished = async (): Promise<ChangeStreamRecord | undefined> => {
    for (const record of event.Records) {
      let change: ResourceChanged | undefined;
      try {
        change = toResourceChanged(record);
      } catch (err) {
        // Publish what precedes it, then fail here: retries and the on-failure
        // destination of the event source mapping deal with it.
        log.error(err instanceof Error ? err.message : String(err));
        return (await flush()) ?? record;
      }
      if (!change) continue;
      batch.push({ record, entry: toEntry(change, options) });
      if (batch.length === PUT_EVENTS_BATCH_SIZE) {
        const failed = await flush();
        if (failed) return failed;
      }
    }
    return flush();
  };

  const failed = await firstUnpublished();
  log.info('Published change events', { records: event.Records.length, published, failed: failed !== undefined });
  if (!failed) return { batchItemFailures: [] };
  const itemIdentifier = failed.dynamodb?.SequenceNumber;
  if (!itemIdentifier) {
    // Without a sequence number Lambda cannot resume at the record: fail the whole batch.
    throw new Error('A record that could not be published has no sequence number');
  }
  return { batchItemFailures: [{ itemIdentifier }] };
}

function toEntry(change: ResourceChanged, options: PublishChangesOptions): ChangeEventEntry {
  const time = new Date(change.lastUpdated);
  return {
    EventBusName: options.eventBusName,
    Source: options.source,
    DetailType: RESOURCE_CHANGED,
    Detail: JSON.stringify(change),
    Time: Number.isNaN(time.getTime()) ? new Date() : time,
  };
}

/** A Lambda handler for a DynamoDB stream event source with `ReportBatchItemFailures`. */
export function createPublishChangesHandler(
  options: PublishChangesOptions,
): (event: ChangeStreamEvent, context?: InvocationContext) => Promise<StreamBatchResponse> {
  return (event, context) => publishChanges(event, options, context);
}
