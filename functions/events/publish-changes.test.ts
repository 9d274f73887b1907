import { describe, expect, it } from 'vitest';
import { versionSk } from '../store/keys.ts';
import { type ChangeStreamRecord, MalformedVersionRecordError, toResourceChanged } from './change-events.ts';
import { type ChangeEventEntry, type PutEventsResult, publishChanges } from './publish-changes.ts';

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

/** A fake PutEvents that records calls and fails the entries `fail` picks. */
function fakePutEvents(fail: (entry: ChangeEventEntry, call: number) => string | undefined = () => undefined) {
  const calls: ChangeEventEntry[][] = [];
  const putEvents = async (entries: ChangeEventEntry[]): Promise<PutEventsResult> => {
    calls.push(entries);
    const results = entries.map((entry) => {
      const errorCode = fail(entry, calls.length);
      return errorCode ? { ErrorCode: errorCode, ErrorMessage: 'nope' } : { EventId: `id-${entry.Detail.length}` };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  };
  return { putEvents, calls };
}

const options = { eventBusName: 'samvard-test', source: 'samvard', log: silent };
const idOf = (entry: ChangeEventEntry | undefined) => JSON.parse(entry?.Detail ?? '{}').id;

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

  it('rejects a version item without an id', () => {
    const record = versionInsert('a');
    delete record.dynamodb?.NewImage?.id;
    expect(() => toResourceChanged(record)).toThrow(MalformedVersionRecordError);
  });
});

describe('publishChanges', () => {
  it('publishes one event per version insert, in batches of 10, with no patient data', async () => {
    const fake = fakePutEvents();
    const records = [
      ...Array.from({ length: 12 }, (_, i) => versionInsert(`obs-${i}`)),
      currentItemWrite('obs-0'),
      versionInsert('obs-12', 2),
    ];
    const response = await publishChanges({ Records: records }, { ...options, putEvents: fake.putEvents });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(fake.calls.map((c) => c.length)).toEqual([10, 3]);
    const entries = fake.calls.flat();
    expect(entries.map(idOf)).toEqual([...Array.from({ length: 13 }, (_, i) => `obs-${i}`)]);
    expect(entries[0]).toEqual({
      EventBusName: 'samvard-test',
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
    const fake = fakePutEvents();
    const response = await publishChanges(
      { Records: [currentItemWrite('a'), currentItemWrite('b', 'INSERT')] },
      { ...options, putEvents: fake.putEvents },
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(fake.calls).toHaveLength(0);
  });

  it('reports the first rejected entry and publishes nothing after it', async () => {
    const records = Array.from({ length: 25 }, (_, i) => versionInsert(`obs-${i}`));
    const fake = fakePutEvents((entry) => (['obs-13', 'obs-15'].includes(idOf(entry)) ? 'ThrottlingException' : undefined));
    const response = await publishChanges({ Records: records }, { ...options, putEvents: fake.putEvents });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[13]?.dynamodb?.SequenceNumber }]);
    // The third batch (obs-20..24) is not sent: Lambda resumes at obs-13 and sends it then.
    expect(fake.calls.map((c) => c.length)).toEqual([10, 10]);
  });

  it('reports the first record of a batch whose PutEvents call throws', async () => {
    const records = Array.from({ length: 15 }, (_, i) => versionInsert(`obs-${i}`));
    let call = 0;
    const response = await publishChanges(
      { Records: records },
      {
        ...options,
        putEvents: async (entries) => {
          call++;
          if (call === 2) throw new Error('socket hang up');
          return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'x' })) };
        },
      },
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[10]?.dynamodb?.SequenceNumber }]);
  });

  it('publishes what precedes a malformed version item and fails at it', async () => {
    const malformed = versionInsert('bad');
    delete malformed.dynamodb?.NewImage?.type;
    const records = [versionInsert('obs-1'), versionInsert('obs-2'), malformed, versionInsert('obs-3')];
    const fake = fakePutEvents();
    const response = await publishChanges({ Records: records }, { ...options, putEvents: fake.putEvents });

    expect(fake.calls.flat().map(idOf)).toEqual(['obs-1', 'obs-2']);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: malformed.dynamodb?.SequenceNumber }]);
  });

  it('retries the whole batch when the response counts failures it does not mark', async () => {
    const records = [versionInsert('obs-1'), versionInsert('obs-2')];
    const response = await publishChanges(
      { Records: records },
      { ...options, putEvents: async () => ({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { EventId: 'b' }] }) },
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber }]);
  });
});
