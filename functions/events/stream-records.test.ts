/**
 * The publisher fed with the stream records the store really produces: writes through
 * `ResourceStore` on DynamoDB Local, the table's stream read with the DynamoDB Streams
 * API, the records handed to `publishChanges` (EventBridge mocked). One event per
 * visible version, for single-transaction writes and multi-step commits alike, and none
 * for a multi-step commit that was rolled back.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient, type PutEventsCommandInput, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDbClient } from '../store/dynamodb-client.ts';
import { ensureTable } from '../store/ensure-tables.ts';
import { type Change, MAX_TRANSACTION_ITEMS, ResourceStore, type StoredVersion } from '../store/resource-store.ts';
import { resourceTable } from '../store/tables.ts';
import type { ChangeStreamRecord } from './change-events.ts';
import { publishChanges } from './publish-changes.ts';

const endpoint = inject('dynamoDbEndpoint');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const client = createDynamoDbClient({ region: 'eu-north-1', endpoint });
const streams = new DynamoDBStreamsClient({ region: 'eu-north-1', endpoint, credentials });
const eventBridge = new EventBridgeClient({ region: 'eu-north-1', credentials });
const eventBridgeMock = mockClient(eventBridge);
afterEach(() => eventBridgeMock.reset());

let tableName: string;
let store: ResourceStore;
beforeAll(async () => {
  tableName = `events-${randomUUID()}`;
  await ensureTable(client, resourceTable, tableName);
  store = new ResourceStore(client, tableName);
});

/** Every record of the table's stream so far, in order (DynamoDB Local: one shard). */
async function streamRecords(): Promise<_Record[]> {
  const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const StreamArn = table.Table?.LatestStreamArn;
  const shards = (await streams.send(new DescribeStreamCommand({ StreamArn }))).StreamDescription?.Shards ?? [];
  const records: _Record[] = [];
  for (const shard of shards) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}

/** `records` published; the `type/id/versionId operation` of each event sent. */
async function publish(records: _Record[]): Promise<{ events: string[]; failures: unknown[] }> {
  eventBridgeMock.reset();
  eventBridgeMock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
  }));
  const response = await publishChanges({ Records: records as ChangeStreamRecord[] }, {
    client: eventBridge,
    eventBusName: 'samvard-test-changes',
    source: 'samvard',
    log: { info: () => {}, error: () => {} },
  });
  const events = eventBridgeMock
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => {
      const detail = JSON.parse(entry.Detail ?? '{}') as { type: string; id: string; versionId: string; operation: string };
      return `${detail.type}/${detail.id}/${detail.versionId} ${detail.operation}`;
    });
  return { events, failures: response.batchItemFailures };
}

const isPendingVersionInsert = (r: _Record) => r.eventName === 'INSERT' && r.dynamodb?.NewImage?.txId !== undefined;

const observation = (id: string, version: number): StoredVersion => ({
  type: 'Observation',
  id,
  version,
  lastUpdated: new Date(Date.UTC(2025, 10, 22, 12, 0, version)).toISOString(),
  operation: version === 1 ? 'create' : 'update',
  resource: {
    resourceType: 'Observation',
    id,
    meta: { versionId: String(version) },
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: 'Patient/britta' },
  },
});

/** Enough creates that their items do not fit one transaction. */
const manyCreates = (prefix: string, count = MAX_TRANSACTION_ITEMS / 2 + 10): Change[] =>
  Array.from({ length: count }, (_, i) => ({ next: observation(`${prefix}-${i}`, 1), previous: undefined }));

describe('change events from the store’s stream records', () => {
  let seen = 0;
  /** The stream records added since the last call. */
  const newRecords = async (): Promise<_Record[]> => {
    const records = (await streamRecords()).slice(seen);
    seen += records.length;
    return records;
  };

  it('one per write that fits one transaction: create, update, delete', async () => {
    const first = observation('single', 1);
    await store.writeVersion(first, undefined);
    const second = observation('single', 2);
    await store.writeVersion(second, first);
    await store.writeVersion({ ...observation('single', 3), operation: 'delete', resource: undefined }, second);

    const { events, failures } = await publish(await newRecords());
    expect(failures).toEqual([]);
    expect(events).toEqual(['Observation/single/1 create', 'Observation/single/2 update', 'Observation/single/3 delete']);
  });

  it('one per resource of a multi-step commit, none before its commit point', async () => {
    const changes = manyCreates('bulk');
    await store.commit(changes);
    const records = await newRecords();
    // The commit went the multi-step way: pending version items were inserted first.
    expect(records.some(isPendingVersionInsert)).toBe(true);
    const commitPoint = records.findIndex((r) => r.dynamodb?.NewImage?.status?.S === 'committed');
    expect(commitPoint).toBeGreaterThan(0);

    const prepared = await publish(records.slice(0, commitPoint));
    expect(prepared.failures).toEqual([]);
    expect(prepared.events).toEqual([]);

    const applied = await publish(records.slice(commitPoint));
    expect(applied.failures).toEqual([]);
    expect(applied.events).toHaveLength(changes.length);
    expect(new Set(applied.events)).toEqual(new Set(changes.map((c) => `Observation/${c.next.id}/1 create`)));
  });

  it('none for a multi-step commit that was rolled back', async () => {
    await store.writeVersion(observation('taken', 1), undefined);
    // The last create conflicts with the existing resource: its chunk is prepared after
    // the first one landed, so the first chunk's pending versions are rolled back.
    const changes = [...manyCreates('doomed'), { next: observation('taken', 1), previous: undefined }];
    await expect(store.commit(changes)).rejects.toThrow();
    const records = await newRecords();
    expect(records.some(isPendingVersionInsert)).toBe(true);
    expect(records.some((r) => r.eventName === 'REMOVE' && r.dynamodb?.Keys?.sk?.S?.startsWith('v#'))).toBe(true);

    const { events, failures } = await publish(records);
    expect(failures).toEqual([]);
    expect(events).toEqual(['Observation/taken/1 create']);
  });
});
