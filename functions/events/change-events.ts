/**
 * Compact change events: what an AWS-native consumer is told about each write.
 *
 * One event per stream record that makes a version visible (`store/stream-records.ts`
 * says which records those are), so an event never announces a version readers cannot see.
 *
 * The event names the version and the operation and never carries the resource: the
 * body is patient data and stays in the table, behind the API's access rules. A
 * consumer that needs the body reads `<type>/<id>/_history/<versionId>` through the API.
 */
import type { WriteOperation } from '../store/resource-store.ts';
import { type StreamRecord, isCommittedVersion } from '../store/stream-records.ts';

/** The `detail-type` of every change event. */
export const RESOURCE_CHANGED = 'FHIR resource changed';

/** The `detail` of a change event. `type/id/_history/versionId` identifies it. */
export interface ResourceChanged {
  type: string;
  id: string;
  /** FHIR `meta.versionId`. */
  versionId: string;
  operation: WriteOperation;
  /** FHIR `meta.lastUpdated` of the version (an instant). */
  lastUpdated: string;
}

/** A stream record of the resource table (the shared shape, `store/stream-records.ts`). */
export type ChangeStreamRecord = StreamRecord;

const OPERATIONS: ReadonlySet<string> = new Set<WriteOperation>(['create', 'update', 'delete']);

/** Thrown for a version item that lacks what an event needs: a bug in the writer, not a transient fault. */
export class MalformedVersionRecordError extends Error {
  constructor(sequenceNumber: string | undefined, missing: string) {
    super(`Stream record ${sequenceNumber ?? '(no sequence number)'} is a version item without ${missing}`);
    this.name = 'MalformedVersionRecordError';
  }
}

/**
 * The change event of a record that makes a version visible (see
 * {@link isCommittedVersion}), or `undefined` for any other record (current items,
 * pending versions, index entries, removals).
 *
 * @throws MalformedVersionRecordError when a version item lacks a field
 */
export function toResourceChanged(record: ChangeStreamRecord): ResourceChanged | undefined {
  if (!isCommittedVersion(record)) return undefined;
  const image = record.dynamodb?.NewImage ?? {};
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  const text = (name: string): string => {
    const value = image[name]?.S;
    if (!value) throw new MalformedVersionRecordError(sequenceNumber, name);
    return value;
  };
  const version = image.version?.N;
  if (!version || !/^[1-9]\d*$/.test(version)) throw new MalformedVersionRecordError(sequenceNumber, 'version');
  const operation = text('operation');
  if (!OPERATIONS.has(operation)) throw new MalformedVersionRecordError(sequenceNumber, 'a known operation');
  return {
    type: text('type'),
    id: text('id'),
    versionId: version,
    operation: operation as WriteOperation,
    lastUpdated: text('lastUpdated'),
  };
}
