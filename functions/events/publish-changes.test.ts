/**
 * The publisher against the real EventBridge client, its `send` replaced by
 * aws-sdk-client-mock: what goes into each PutEvents request, and which record Lambda
 * is told to resume at when a call throws or an entry is rejected.
 */
import {
  EventBridgeClient,
  type PutEventsCommandInput,
  type PutEventsResultEntry,
  PutEventsCommand,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { versionSk } from '../store/keys.ts';
import { type ChangeStreamRecord, MalformedVersionRecordError, toResourceChanged } from './change-events.ts';
import { readPublisherConfig } from './dependencies.ts';
import { DEADLINE_RESERVE_MS, createPublishChangesHandler, publishChanges } from './publish-changes.ts';

const silent = { info: () => {}, error: () => {} };

let sequence = 100;
function versionInsert(id: string, version = 1, operation = version === 1 ? 'create' : 'update'): ChangeStreamRecord {
  const sk = versionSk(version);
  return {
    eventID: `e${sequence}`,
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: String(sequence++),
      Keys: { pk: { S: `Observation/${id}` }, sk: { S: sk } },
      NewImage: {
        pk: { S: `Observation/${id}` },
        sk: { S: sk },
        type: { S: 'Observation' },
        id: { S: id },
        version: { N: String(version) },
        lastUpdated: { S: '2025-11-22T12:00:00.000Z' },
        operation: { S: operation },
        resource: { S: JSON.stringify({ resourceType: 'Observation', id, subject: { reference: 'Patient/britta' } }) },
      },
    },
  };
}

function currentItemWrite(id: string, eventName = 'MODIFY'): ChangeStreamRecord {
  return {
    eventName,
    dynamodb: { SequenceNumber: String(sequence++), Keys: { pk: { S: `Observation/${id}` }, sk: { S: 'current' } } },
  };
}

const client = new EventBridgeClient({ region: 'eu-north-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const eventBridge = mockClient(client);
afterEach(() => eventBridge.reset());

const options = { client, eventBusName: 'samvard-test-changes', source: 'samvard', log: silent };
const idOf = (entry: { Detail?: string | undefined } | undefined) => JSON.parse(entry?.Detail ?? '{}').id;
const sentBatches = (): NonNullable<PutEventsCommandInput['Entries']>[] =>
  eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);

/** PutEvents answers entry by entry: `fail` names the ErrorCode of an entry it rejects. */
function answerEntries(fail: (id: string) => string | undefined = () => undefined): void {
  eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
    const results: PutEventsResultEntry[] = (input.Entries ?? []).map((entry, i) => {
      const errorCode = fail(idOf(entry));
      return errorCode ? { ErrorCode: errorCode, ErrorMessage: 'Rate exceeded' } : { EventId: `event-${i}` };
    });
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  });
}

describe('toResourceChanged', () => {
  it('turns a version insert into a compact event without the resource', () => {
    const event = toResourceChanged(versionInsert('obs-1', 3, 'update'));
    expect(event).toEqual({
      type: 'Observation',
      id: 'obs-1',
      versionId: '3',
      operation: 'update',
      lastUpdated: '2025-11-22T12:00:00.000Z',
    });
  });

  it('ignores current items, modifications and removals', () => {
    expect(toResourceChanged(currentItemWrite('a', 'INSERT'))).toBeUndefined();
    expect(toResourceChanged(currentItemWrite('a', 'MODIFY'))).toBeUndefined();
    expect(toResourceChanged({ ...versionInsert('a'), eventName: 'REMOVE' })).toBeUndefined();
  });

  it('takes a multi-step commit’s version when it is applied, not when it is prepared', () => {
    const applied = versionInsert('bulk-1');
    const image = applied.dynamodb?.NewImage ?? {};
    const pending = { ...applied, dynamodb: { ...applied.dynamodb, NewImage: { ...image, txId: { S: 'tx-1' } } } };
    const modify = (oldImage: typeof image, newImage: typeof image) => ({
      ...applied,
      eventName: 'MODIFY',
      dynamodb: { ...applied.dynamodb, OldImage: oldImage, NewImage: newImage },
    });
    expect(toResourceChanged(pending)).toBeUndefined();
    expect(toResourceChanged(modify({ ...image, txId: { S: 'tx-1' } }, image))).toMatchObject({ id: 'bulk-1', versionId: '1' });
    // Any other change of a version item is not a write.
    expect(toResourceChanged(modify(image, image))).toBeUndefined();
    expect(toResourceChanged(modify({ ...image, txId: { S: 'tx-1' } }, { ...image, txId: { S: 'tx-1' } }))).toBeUndefined();
  });

  it('rejects a version item without an id', () => {
    const record = versionInsert('a');
    delete record.dynamodb?.NewImage?.id;
    expect(() => toResourceChanged(record)).toThrow(MalformedVersionRecordError);
  });
});

describe('publishChanges', () => {
  it('publishes one event per version insert, in PutEvents batches of 10, with no patient data', async () => {
    answerEntries();
    const records = [
      ...Array.from({ length: 12 }, (_, i) => versionInsert(`obs-${i}`)),
      currentItemWrite('obs-0'),
      versionInsert('obs-12', 2),
    ];
    const response = await publishChanges({ Records: records }, options);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(sentBatches().map((entries) => entries.length)).toEqual([10, 3]);
    const entries = sentBatches().flat();
    expect(entries.map(idOf)).toEqual(Array.from({ length: 13 }, (_, i) => `obs-${i}`));
    expect(entries[0]).toEqual({
      EventBusName: 'samvard-test-changes',
      Source: 'samvard',
      DetailType: 'FHIR resource changed',
      Detail: JSON.stringify({
        type: 'Observation',
        id: 'obs-0',
        versionId: '1',
        operation: 'create',
        lastUpdated: '2025-11-22T12:00:00.000Z',
      }),
      Time: new Date('2025-11-22T12:00:00.000Z'),
    });
    for (const entry of entries) {
      expect(entry.Detail).not.toContain('resourceType');
      expect(entry.Detail).not.toContain('Patient/britta');
    }
  });

  it('does not call PutEvents for a batch without version inserts', async () => {
    answerEntries();
    const response = await publishChanges({ Records: [currentItemWrite('a'), currentItemWrite('b', 'INSERT')] }, options);
    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('resumes at the first record of a PutEvents call that is throttled', async () => {
    const records = Array.from({ length: 25 }, (_, i) => versionInsert(`obs-${i}`));
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: Array.from({ length: 10 }, (_, i) => ({ EventId: `e${i}` })) })
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    const response = await publishChanges({ Records: records }, options);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[10]?.dynamodb?.SequenceNumber }]);
    // The third batch (obs-20..24) is not sent: Lambda resumes at obs-10 and sends it then.
    expect(sentBatches().map((entries) => entries.length)).toEqual([10, 10]);
  });

  it('resumes at the first entry a partial failure (FailedEntryCount) rejects, and sends nothing after it', async () => {
    const records = Array.from({ length: 25 }, (_, i) => versionInsert(`obs-${i}`));
    answerEntries((id) => (['obs-13', 'obs-15'].includes(id) ? 'ThrottlingException' : undefined));
    const log = { info: vi.fn(), error: vi.fn() };
    const response = await publishChanges({ Records: records }, { ...options, log });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[13]?.dynamodb?.SequenceNumber }]);
    expect(sentBatches().map((entries) => entries.length)).toEqual([10, 10]);
    expect(log.error).toHaveBeenCalledWith('PutEvents rejected an entry', {
      failed: 2,
      entries: 10,
      errorCode: 'ThrottlingException',
    });
    expect(log.info).toHaveBeenCalledWith('Published change events', { records: 25, published: 13, failed: true });
  });

  it('retries the whole call when the response counts failures it does not mark', async () => {
    const records = [versionInsert('obs-1'), versionInsert('obs-2')];
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { EventId: 'b' }] });
    const response = await publishChanges({ Records: records }, options);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber }]);
  });

  it('publishes what precedes a malformed version item and fails at it', async () => {
    answerEntries();
    const malformed = versionInsert('bad');
    delete malformed.dynamodb?.NewImage?.type;
    const records = [versionInsert('obs-1'), versionInsert('obs-2'), malformed, versionInsert('obs-3')];
    const response = await publishChanges({ Records: records }, options);

    expect(sentBatches().flat().map(idOf)).toEqual(['obs-1', 'obs-2']);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: malformed.dynamodb?.SequenceNumber }]);
  });

  it('stops before the Lambda timeout and resumes at the first unsent record', async () => {
    answerEntries();
    const records = Array.from({ length: 15 }, (_, i) => versionInsert(`obs-${i}`));
    // 20 s left before the first call, 14 s before the second: under the reserve.
    const remaining = [20_000, 14_000];
    const context = { getRemainingTimeInMillis: () => remaining.shift() ?? 0 };
    const response = await publishChanges({ Records: records }, options, context);

    expect(14_000).toBeLessThan(DEADLINE_RESERVE_MS);
    expect(sentBatches().map((entries) => entries.length)).toEqual([10]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[10]?.dynamodb?.SequenceNumber }]);
  });

  it('fails the whole batch when the record to resume at has no sequence number', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('socket hang up'));
    const record = versionInsert('obs-1');
    delete record.dynamodb?.SequenceNumber;
    await expect(publishChanges({ Records: [record] }, options)).rejects.toThrow(/no sequence number/);
  });
});

describe('createPublishChangesHandler', () => {
  it('is a Lambda handler that passes the context on', async () => {
    answerEntries();
    const handler = createPublishChangesHandler(options);
    const records = [versionInsert('obs-1')];
    await expect(handler({ Records: records }, { getRemainingTimeInMillis: () => 1_000 })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber }],
    });
    await expect(handler({ Records: records }, { getRemainingTimeInMillis: () => 30_000 })).resolves.toEqual({
      batchItemFailures: [],
    });
  });
});

describe('the Lambda entry', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('reads the bus and the source from the environment, and needs the bus', () => {
    expect(readPublisherConfig({ SAMVARD_EVENT_BUS: 'samvard-prod-changes' })).toEqual({
      SAMVARD_EVENT_BUS: 'samvard-prod-changes',
      SAMVARD_EVENT_SOURCE: 'samvard',
      AWS_REGION: 'eu-north-1',
    });
    expect(() => readPublisherConfig({})).toThrow(/SAMVARD_EVENT_BUS/);
  });

  it('exports a handler that publishes through an EventBridge client to the configured bus', async () => {
    vi.stubEnv('SAMVARD_EVENT_BUS', 'samvard-entry-changes');
    vi.stubEnv('SAMVARD_EVENT_SOURCE', 'samvard.test');
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    // Mocks `send` of every EventBridgeClient, including the one the entry builds.
    const anyClient = mockClient(EventBridgeClient);
    try {
      anyClient.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
      const { handler } = await import('./handler.ts');
      const response = await handler({ Records: [versionInsert('obs-entry')] });

      expect(response).toEqual({ batchItemFailures: [] });
      const [call] = anyClient.commandCalls(PutEventsCommand);
      expect(call?.args[0].input.Entries).toEqual([
        expect.objectContaining({ EventBusName: 'samvard-entry-changes', Source: 'samvard.test' }),
      ]);
      expect(await (call?.thisValue as EventBridgeClient).config.region()).toBe('eu-central-1');
    } finally {
      anyClient.restore();
    }
  });
});
