/**
 * Reading the resource table's DynamoDB stream: the record shape and which records are
 * writes. Shared by every stream consumer (change events, the subscription matcher).
 *
 * Every write puts one version item (`sk = "v#..."`, see `keys.ts`). A write that fits
 * one transaction inserts it as it is: that INSERT is the write. A multi-step commit
 * (`multi-step-commit.ts`) inserts it marked pending (`txId`) before its commit point and
 * removes the mark when it applies the committed change: that MODIFY is the write, and the
 * pending INSERT is none (a roll-back deletes the item). So a consumer never acts on a
 * version readers cannot see.
 */
import { VERSION_SK_PREFIX } from './keys.ts';

/** The parts of an attribute value consumers read (DynamoDB JSON, as in stream records). */
export interface StreamAttribute {
  S?: string;
  N?: string;
  BOOL?: boolean;
}

/**
 * One DynamoDB stream record, as Lambda delivers it and as the DynamoDB Streams API
 * returns it (only the fields read here).
 */
export interface StreamRecord {
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

/**
 * Whether the record makes a version visible, i.e. is one write: the insertion of a
 * version item that is not pending, or the removal of the pending mark from one.
 */
export function isCommittedVersion(record: StreamRecord): boolean {
  const data = record.dynamodb;
  if (!(data?.Keys?.sk?.S ?? '').startsWith(VERSION_SK_PREFIX)) return false;
  const pendingAfter = data?.NewImage?.[PENDING_TRANSACTION_ATTRIBUTE] !== undefined;
  if (record.eventName === 'INSERT') return !pendingAfter;
  if (record.eventName === 'MODIFY') return data?.OldImage?.[PENDING_TRANSACTION_ATTRIBUTE] !== undefined && !pendingAfter;
  return false;
}
