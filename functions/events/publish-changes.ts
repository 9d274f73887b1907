/**
 * The DynamoDB-stream consumer that publishes one compact change event per write to an
 * EventBridge bus (see `change-events.ts` for the event).
 *
 * Records are published in order, in PutEvents batches of at most 10. At the first
 * record that cannot be published, the handler stops and reports that record's
 * sequence number as its only batch item failure: Lambda then retries the shard from
 * that record, so nothing after it is published out of order and nothing before it
 * is published twice. Delivery is at least once (a retried PutEvents batch may repeat
 * entries that succeeded); consumers deduplicate on `type/id/versionId`.
 *
 * The EventBridge client is injected as {@link PutEvents}: its request and response
 * are the subset of `PutEventsCommand`'s that this module uses, so
 * `(entries) => client.send(new PutEventsCommand({ Entries: entries }))` fits.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
import { type ChangeStreamRecord, RESOURCE_CHANGED, type ResourceChanged, toResourceChanged } from './change-events.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_BATCH_SIZE = 10;

export interface ChangeEventEntry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
  Time: Date;
}

export interface PutEventsResult {
  FailedEntryCount?: number;
  /** One per request entry, in the same order; a failed one has an `ErrorCode`. */
  Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}

export type PutEvents = (entries: ChangeEventEntry[]) => Promise<PutEventsResult>;

export interface PublishChangesOptions {
  putEvents: PutEvents;
  eventBusName: string;
  /** The events' `source`, e.g. `samvard`. */
  source: string;
  log?: Pick<Console, 'info' | 'error'>;
}

export interface ChangeStreamEvent {
  Records: ChangeStreamRecord[];
}

/** Lambda's partial batch response for stream event sources. */
export interface StreamBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

interface Pending {
  record: ChangeStreamRecord;
  entry: ChangeEventEntry;
}

/** Publishes the change events of one stream batch; see the module comment for failure handling. */
export async function publishChanges(event: ChangeStreamEvent, options: PublishChangesOptions): Promise<StreamBatchResponse> {
  const log = options.log ?? console;
  let batch: Pending[] = [];
  let published = 0;

  const flush = async (): Promise<ChangeStreamRecord | undefined> => {
    if (batch.length === 0) return undefined;
    const sent = batch;
    batch = [];
    let result: PutEventsResult;
    try {
      result = await options.putEvents(sent.map((p) => p.entry));
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
    const failure = entries[failedAt];
    log.error('PutEvents rejected an entry', {
      failed: result.FailedEntryCount,
      entries: sent.length,
      errorCode: failure?.ErrorCode,
    });
    return sent[failedAt]?.record;
  };

  const failedAt = async (): Promise<ChangeStreamRecord | undefined> => {
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

  const failed = await failedAt();
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
): (event: ChangeStreamEvent) => Promise<StreamBatchResponse> {
  return (event) => publishChanges(event, options);
}
