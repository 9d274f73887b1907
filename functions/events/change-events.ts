/**
 * Compact change events: what an AWS-native consumer is told about each write.
 *
 * Every write puts one version item (`sk = "v#..."`, see `store/keys.ts`). A write that
 * fits one transaction inserts it as it is: that stream INSERT is the change. A
 * multi-step commit (`store/multi-step-commit.ts`, more than 100 items) inserts it
 * marked pending (`txId`) before its commit point, and removes the mark when it applies
 * the committed change: that MODIFY is the change, and the pending INSERT is none (it
 * may still be rolled back, which deletes the item). So an event never announces a
 * version readers cannot see.
 *
 * The event names the version and the operation and never carries the resource: the
 * body is patient data and stays in the table, behind the API's access rules. A
 * consumer that needs the body reads `<type>/<id>/_history/<versionId>` through the API.
 */
import { VERSION_SK_PREFIX } from '../store/keys.ts';
import type { WriteOperation } from '../store/resource-store.ts';

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

/** The parts of an attribute value this module reads (DynamoDB JSON, as in stream records). */
export interface StreamAttribute {
  S?: string;
  N?: string;
}

/**
 * One DynamoDB stream record, as Lambda delivers it and as the DynamoDB Streams API
 * returns it (only the fields read here).
 */
export interface ChangeStreamRecord {
  eventID?: string;
  eventName?: string;
  dynamodb?: {
    Keys?: Record<string, StreamAttribute>;
    NewImage?: Record<string, StreamAttribute>;
    OldImage?: Record<string, StreamAttribute>;
    SequenceNumber?: string;
  };
}

/** The attribute that marks a version item of a multi-step commit not yet applied. */
export const PENDING_TRANSACTION_ATTRIBUTE = 'txId';

const OPERATIONS: ReadonlySet<string> = new Set<WriteOperation>(['create', 'update', 'delete']);

/** Thrown for a version item that lacks what an event needs: a bug in the writer, not a transient fault. */
export class MalformedVersionRecordError extends Error {
  constructor(sequenceNumber: string | undefined, missing: string) {
    super(`Stream record ${sequenceNumber ?? '(no sequence number)'} is a version item without ${missing}`);
    this.name = 'MalformedVersionRecordError';
  }
}

/**
 * Whether the record makes a version visible, i.e. is one write: the insertion of a
 * version item that is not pending, or the removal of the pending mark from one.
 */
export function isCommittedVersion(record: ChangeStreamRecord): boolean {
  const data = record.dynamodb;
  if (!(data?.Keys?.sk?.S ?? '').startsWith(VERSION_SK_PREFIX)) return false;
  const pendingAfter = data?.NewImage?.[PENDING_TRANSACTION_ATTRIBUTE] !== undefined;
  if (record.eventName === 'INSERT') return !pendingAfter;
  if (record.eventName === 'MODIFY') return data?.OldImage?.[PENDING_TRANSACTION_ATTRIBUTE] !== undefined && !pendingAfter;
  return false;
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
