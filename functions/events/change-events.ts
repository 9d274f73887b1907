/**
 * Compact change events: what an AWS-native consumer is told about each write.
 *
 * Every write puts one version item (`sk = "v#..."`, see `store/keys.ts`), so one
 * stream INSERT of a version item is one change. The event names the version and the
 * operation and never carries the resource: the body is patient data and stays in the
 * table, behind the API's access rules. A consumer that needs the body reads
 * `<type>/<id>/_history/<versionId>` through the API.
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
    SequenceNumber?: string;
  };
}

const OPERATIONS: ReadonlySet<string> = new Set<WriteOperation>(['create', 'update', 'delete']);

/** Thrown for a version item that lacks what an event needs: a bug in the writer, not a transient fault. */
export class MalformedVersionRecordError extends Error {
  constructor(sequenceNumber: string | undefined, missing: string) {
    super(`Stream record ${sequenceNumber ?? '(no sequence number)'} is a version item without ${missing}`);
    this.name = 'MalformedVersionRecordError';
  }
}

/** Whether the record is the insertion of a version item, i.e. one write. */
export function isVersionInsert(record: ChangeStreamRecord): boolean {
  return record.eventName === 'INSERT' && (record.dynamodb?.Keys?.sk?.S ?? '').startsWith(VERSION_SK_PREFIX);
}

/**
 * The change event of a version-item insertion, or `undefined` for any other record
 * (current items, modifications, removals by TTL).
 *
 * @throws MalformedVersionRecordError when a version item lacks a field
 */
export function toResourceChanged(record: ChangeStreamRecord): ResourceChanged | undefined {
  if (!isVersionInsert(record)) return undefined;
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
