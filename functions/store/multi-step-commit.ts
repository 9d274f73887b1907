/**
 * Atomic commit of changes too many for one DynamoDB transaction (100 items).
 *
 * 1. Prepare, in chunks of at most 100 items: write a transaction record (`prepared`),
 *    lock each current item (`lockTx`, or a placeholder for a create), put each new
 *    version item marked `txId`, the new search index entries and any guards. Nothing is
 *    visible yet: readers resolve a locked item through the record, which is not committed.
 * 2. Commit point: one conditional update turns the record `committed`. From here every
 *    reader sees every new version (readers of a locked item read the pending version).
 * 3. Apply, in chunks: put the new current items (releasing the locks), put the versions
 *    on the type-history index, delete the old index entries; then delete the record.
 *
 * A crash before the commit point leaves a `prepared` record that {@link MultiStepCommit.recover}
 * rolls back once its lease has passed; after it, a `committed` record that recovery
 * rolls forward. Readers and writers that meet a stale lock trigger recovery themselves.
 *
 * **The record's size.** The record keeps every change's index entries (what recovery
 * must add or remove), which for hundreds of resources is more than one DynamoDB item
 * holds (400 KB). So the changes are kept as gzip'd JSON, split into parts of at most
 * {@link RECORD_PART_BYTES}: the first part in the record item, the others in items of
 * their own (`tx#<id>` / `part#<n>`) written in the same DynamoDB transaction as the
 * record and deleted with it. A commit whose record would need more than
 * {@link MAX_RECORD_PARTS} parts ({@link MAX_RECORD_BYTES} compressed) is refused before
 * anything is written ({@link CommitTooLargeError}). Readers that meet a lock read only
 * the record's status (a projection), never its parts.
 *
 * **Steps in parallel.** The record goes first, alone or with the first changes; the
 * other prepare chunks then run {@link STEP_CONCURRENCY} at a time (before the commit point,
 * so their order does not matter; after a failure the running ones are waited for before
 * the roll back, so nothing lands behind it), and so do the apply chunks and, on a roll
 * back, the changes undone.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mapConcurrently } from '../core/concurrency.ts';
import { CURRENT_SK, resourcePk, shardOf, typeHistoryPk, typeHistorySk, versionSk } from './keys.ts';
import { type Change, type GuardItem, type Item, guardItems, indexDiff, toItem } from './items.ts';
import type { IndexEntry } from './search-index.ts';

export const MAX_TRANSACTION_ITEMS = 100;
/**
 * What the items of one DynamoDB transaction may add up to: DynamoDB allows 4 MB; the
 * item sizes here are estimates ({@link itemBytes}), so with a margin.
 */
export const MAX_TRANSACTION_BYTES = 3_600_000;
/** Most gzip'd bytes of the record's changes in one item (DynamoDB items hold 400 KB with names and keys). */
export const RECORD_PART_BYTES = 300_000;
/** Most items the record's changes may span; all are written in the record's own transaction. */
export const MAX_RECORD_PARTS = 10;
/** The largest record a multi-step commit keeps (gzip'd): its size limit. */
export const MAX_RECORD_BYTES = RECORD_PART_BYTES * MAX_RECORD_PARTS;
/** DynamoDB transactions of one commit in flight at once (prepare, apply, roll back). */
export const STEP_CONCURRENCY = 4;
const OPEN_TRANSACTIONS_PK = 'txopen';
const txPk = (txId: string): string => `tx#${txId}`;
const TX_SK = 'tx';
const partSk = (n: number): string => `part#${String(n).padStart(3, '0')}`;

export type TransactionStatus = 'prepared' | 'committed' | 'aborted';

/** What the record keeps of each change, enough to roll it forward or back. */
interface RecordedChange {
  type: string;
  id: string;
  version: number;
  lastUpdated: string;
  previousVersion: number | null;
  puts: IndexEntry[];
  deletes: IndexEntry[];
  guards: { pk: string; sk: string }[];
}

export interface TransactionRecord {
  txId: string;
  status: TransactionStatus;
  startedAt: number;
  changes: RecordedChange[];
  /** Items the gzip'd changes span (the record item itself and `part#001` …); 1 when absent. */
  parts?: number;
}

/** The changes are too many for one multi-step commit: its record would exceed {@link MAX_RECORD_BYTES}. */
export class CommitTooLargeError extends Error {
  constructor(readonly recordBytes: number) {
    super(
      `The commit's transaction record would take ${recordBytes} bytes compressed; at most ${MAX_RECORD_BYTES} fit ` +
        `(${MAX_RECORD_PARTS} parts of ${RECORD_PART_BYTES})`,
    );
    this.name = 'CommitTooLargeError';
  }
}

/** A change could not be prepared because another writer got there first. */
export class PrepareConflictError extends Error {
  constructor(readonly changeIndex: number | undefined) {
    super('A resource in the transaction was changed by another writer');
    this.name = 'PrepareConflictError';
  }
}

export class MultiStepCommit {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** After this long a prepared transaction is presumed crashed. */
    readonly leaseMs = 30_000,
  ) {}

  async run(changes: Change[]): Promise<void> {
    const txId = randomUUID();
    const recorded = changes.map(recordChange);
    const record: TransactionRecord = { txId, status: 'prepared', startedAt: Date.now(), changes: recorded };
    const recordItems = this.recordItems(record);

    const prepareGroups = changes.map((change, i) => this.prepareItems(txId, change, recorded[i] as RecordedChange));
    const head: TransactWriteItem[] = [
      ...recordItems,
      { Put: { TableName: this.tableName, Item: { pk: { S: OPEN_TRANSACTIONS_PK }, sk: { S: txId } } } },
    ];
    const [first, ...rest] = chunked(prepareGroups, head);
    let prepared = false;
    try {
      // The record first (its condition is the one that may fail); then the rest, in parallel.
      if (first) await this.transact(first.items, first.groupIndexes);
      await mapConcurrently(rest, STEP_CONCURRENCY, (chunk) => this.transact(chunk.items, chunk.groupIndexes));
      prepared = true;
      await this.markCommitted(txId);
    } catch (err) {
      if (prepared && (await this.status(txId).catch(() => undefined)) === 'committed') {
        // The commit point was passed even though its answer was lost: go forward.
      } else {
        await this.rollBack(txId).catch(() => undefined); // otherwise recovery does it after the lease
        throw err;
      }
    }
    const versions = new Map(changes.map((c) => [resourcePk(c.next.type, c.next.id), toItem(c.next)]));
    await this.rollForward(record, versions).catch(() => undefined); // committed: recovery finishes what is left
  }

  /** Finishes or undoes the transaction, whatever state a crash left it in. */
  async recover(txId: string): Promise<TransactionStatus | undefined> {
    const record = await this.read(txId);
    if (!record) return undefined;
    if (record.status === 'committed') {
      await this.rollForward(record);
      return 'committed';
    }
    await this.rollBack(txId);
    return 'aborted';
  }

  /** Recovers every transaction whose lease has passed; returns how many. */
  async recoverStale(now = Date.now()): Promise<number> {
    const open = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: OPEN_TRANSACTIONS_PK } },
        ConsistentRead: true,
      }),
    );
    let recovered = 0;
    for (const item of open.Items ?? []) {
      const txId = item.sk?.S as string;
      const record = await this.read(txId);
      if (!record) {
        await this.forget(txId);
      } else if (record.status === 'committed' || now - record.startedAt > this.leaseMs) {
        await this.recover(txId);
        recovered++;
      }
    }
    return recovered;
  }

  /** The whole record, its changes included (for recovery). */
  async read(txId: string): Promise<TransactionRecord | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: key(txPk(txId), TX_SK), ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      txId,
      status: item.status?.S as TransactionStatus,
      startedAt: Number(item.startedAt?.N),
      changes: await this.readChanges(txId, item),
      parts: Number(item.parts?.N ?? '1'),
    };
  }

  /** The record's status and start, without its changes: what a reader meeting a lock needs. */
  async readStatus(txId: string): Promise<Pick<TransactionRecord, 'status' | 'startedAt'> | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: key(txPk(txId), TX_SK),
        ConsistentRead: true,
        ProjectionExpression: '#status, startedAt',
        ExpressionAttributeNames: { '#status': 'status' },
      }),
    );
    if (!result.Item) return undefined;
    return { status: result.Item.status?.S as TransactionStatus, startedAt: Number(result.Item.startedAt?.N) };
  }

  async status(txId: string): Promise<TransactionStatus | undefined> {
    return (await this.readStatus(txId))?.status;
  }

  /** The changes of a record item: gzip'd parts (the first in the item), or JSON text from before parts. */
  private async readChanges(txId: string, item: Item): Promise<RecordedChange[]> {
    if (item.changes?.S !== undefined) return JSON.parse(item.changes.S) as RecordedChange[];
    const parts = [item.changes?.B ?? new Uint8Array()];
    const count = Number(item.parts?.N ?? '1');
    for (let n = 1; n < count; n++) {
      const part = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: key(txPk(txId), partSk(n)), ConsistentRead: true }),
      );
      const data = part.Item?.data?.B;
      if (!data) throw new Error(`Transaction record ${txId} lacks ${partSk(n)}`);
      parts.push(data);
    }
    return JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')) as RecordedChange[];
  }

  /**
   * The record as items: the record itself (status, start, the number of parts and the
   * first part of the gzip'd changes) and one item per further part.
   * Throws {@link CommitTooLargeError} when the parts would be more than {@link MAX_RECORD_PARTS}.
   */
  private recordItems(record: TransactionRecord): TransactWriteItem[] {
    const packed = gzipSync(Buffer.from(JSON.stringify(record.changes), 'utf8'));
    const count = Math.max(1, Math.ceil(packed.length / RECORD_PART_BYTES));
    if (count > MAX_RECORD_PARTS) throw new CommitTooLargeError(packed.length);
    record.parts = count;
    const part = (n: number): Uint8Array => packed.subarray(n * RECORD_PART_BYTES, (n + 1) * RECORD_PART_BYTES);
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...key(txPk(record.txId), TX_SK),
            status: { S: record.status },
            startedAt: { N: String(record.startedAt) },
            parts: { N: String(count) },
            changes: { B: part(0) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...Array.from({ length: count - 1 }, (_, i) => ({
        Put: { TableName: this.tableName, Item: { ...key(txPk(record.txId), partSk(i + 1)), data: { B: part(i + 1) } } },
      })),
    ];
  }

  private prepareItems(txId: string, change: Change, recorded: RecordedChange): TransactWriteItem[] {
    const { next, previous } = change;
    const pk = resourcePk(next.type, next.id);
    const lock: TransactWriteItem =
      previous === undefined
        ? {
            Put: {
              TableName: this.tableName,
              Item: {
                pk: { S: pk },
                sk: { S: CURRENT_SK },
                type: { S: next.type },
                id: { S: next.id },
                version: { N: '0' },
                placeholder: { BOOL: true },
                lockTx: { S: txId },
                pendingVersion: { N: String(next.version) },
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          }
        : {
            Update: {
              TableName: this.tableName,
              Key: key(pk, CURRENT_SK),
              UpdateExpression: 'SET lockTx = :tx, pendingVersion = :pending',
              ConditionExpression: 'version = :expected AND attribute_not_exists(lockTx)',
              ExpressionAttributeValues: {
                ':tx': { S: txId },
                ':pending': { N: String(next.version) },
                ':expected': { N: String(previous.version) },
              },
            },
          };
    return [
      lock,
      {
        Put: {
          TableName: this.tableName,
          Item: { ...toItem(next), sk: { S: versionSk(next.version) }, txId: { S: txId } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...guardItems(this.tableName, change.guards as GuardItem[] | undefined),
      ...recorded.puts.map((e) => ({ Put: { TableName: this.tableName, Item: key(e.pk, e.sk) } })),
    ];
  }

  private async markCommitted(txId: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(txPk(txId), TX_SK),
        UpdateExpression: 'SET #status = :committed',
        ConditionExpression: '#status = :prepared',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':committed': { S: 'committed' }, ':prepared': { S: 'prepared' } },
      }),
    );
  }

  /**
   * Makes every change current, then forgets the transaction. Idempotent: a change whose
   * lock is already gone was applied before. `versions` are the new version items when
   * the caller has them (the normal path); recovery reads them.
   */
  private async rollForward(record: TransactionRecord, versions?: Map<string, Item>): Promise<void> {
    const groups: TransactWriteItem[][] = [];
    for (const change of record.changes) {
      const pk = resourcePk(change.type, change.id);
      let item = versions?.get(pk);
      if (!item) {
        const read = await this.client.send(
          new GetItemCommand({ TableName: this.tableName, Key: key(pk, versionSk(change.version)), ConsistentRead: true }),
        );
        item = read.Item;
      }
      if (!item) continue;
      const { txId: _tx, thPk: _thPk, thSk: _thSk, ...fields } = item;
      groups.push([
        {
          Put: {
            TableName: this.tableName,
            Item: { ...fields, sk: { S: CURRENT_SK } },
            ConditionExpression: 'lockTx = :tx',
            ExpressionAttributeValues: { ':tx': { S: record.txId } },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: key(pk, versionSk(change.version)),
            UpdateExpression: 'SET thPk = :thPk, thSk = :thSk REMOVE txId',
            ExpressionAttributeValues: {
              ':thPk': { S: typeHistoryPk(change.type, shardOf(change.id)) },
              ':thSk': { S: typeHistorySk(change.lastUpdated, change.id, change.version) },
            },
          },
        },
        ...change.deletes.map((e) => ({ Delete: { TableName: this.tableName, Key: key(e.pk, e.sk) } })),
      ]);
    }
    await mapConcurrently(chunked(groups, []), STEP_CONCURRENCY, async (chunk) => {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: chunk.items }));
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // Some change of this chunk was applied already (by an earlier attempt): apply one by one.
        const indexes = [...new Set(chunk.groupIndexes)];
        for (const index of indexes) {
          try {
            await this.client.send(new TransactWriteItemsCommand({ TransactItems: groups[index] }));
          } catch (single) {
            if (!isConditionFailure(single)) throw single;
          }
        }
      }
    });
    await this.forget(record.txId, record.parts);
  }

  /** Undoes what a prepared transaction wrote, once it is marked aborted. */
  private async rollBack(txId: string): Promise<void> {
    const record = await this.read(txId);
    if (!record) return;
    if (record.status === 'prepared') {
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key(txPk(txId), TX_SK),
            UpdateExpression: 'SET #status = :aborted',
            ConditionExpression: '#status = :prepared',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':aborted': { S: 'aborted' }, ':prepared': { S: 'prepared' } },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return this.recover(txId).then(() => undefined); // it committed meanwhile: go forward
      }
    } else if (record.status === 'committed') {
      return this.rollForward(record);
    }
    await mapConcurrently(record.changes, STEP_CONCURRENCY * 2, async (change) => {
      const pk = resourcePk(change.type, change.id);
      const current = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: key(pk, CURRENT_SK), ConsistentRead: true }),
      );
      // Only a change whose prepare chunk landed holds our lock; its writes are ours to undo.
      if (current.Item?.lockTx?.S !== txId) return;
      for (const e of change.puts) {
        await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: key(e.pk, e.sk) }));
      }
      for (const g of change.guards) {
        await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: key(g.pk, g.sk) }));
      }
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: key(pk, versionSk(change.version)),
          ConditionExpression: 'txId = :tx',
          ExpressionAttributeValues: { ':tx': { S: txId } },
        }),
      ).catch(ignoreConditionFailure);
      await this.client.send(
        current.Item.placeholder?.BOOL
          ? new DeleteItemCommand({
              TableName: this.tableName,
              Key: key(pk, CURRENT_SK),
              ConditionExpression: 'lockTx = :tx',
              ExpressionAttributeValues: { ':tx': { S: txId } },
            })
          : new UpdateItemCommand({
              TableName: this.tableName,
              Key: key(pk, CURRENT_SK),
              UpdateExpression: 'REMOVE lockTx, pendingVersion',
              ConditionExpression: 'lockTx = :tx',
              ExpressionAttributeValues: { ':tx': { S: txId } },
            }),
      ).catch(ignoreConditionFailure);
    });
    await this.forget(txId, record.parts);
  }

  /** Deletes the record, its parts and its entry among the open transactions, at once. */
  private async forget(txId: string, parts = 1): Promise<void> {
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: key(txPk(txId), TX_SK) } },
          ...Array.from({ length: parts - 1 }, (_, i) => ({ Delete: { TableName: this.tableName, Key: key(txPk(txId), partSk(i + 1)) } })),
          { Delete: { TableName: this.tableName, Key: key(OPEN_TRANSACTIONS_PK, txId) } },
        ],
      }),
    );
  }

  private async transact(items: TransactWriteItem[], groupIndexes: number[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (err) {
      const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      const failed = reasons?.findIndex((r) => r.Code === 'ConditionalCheckFailed') ?? -1;
      if (failed >= 0) throw new PrepareConflictError(groupIndexes[failed]);
      throw err;
    }
  }
}

function recordChange(change: Change): RecordedChange {
  const { puts, deletes } = indexDiff(change);
  return {
    type: change.next.type,
    id: change.next.id,
    version: change.next.version,
    lastUpdated: change.next.lastUpdated,
    previousVersion: change.previous?.version ?? null,
    puts,
    deletes,
    guards: (change.guards ?? []).map((g) => ({ pk: g.pk, sk: g.sk })),
  };
}

/**
 * Packs groups of items (one group per change, never split) into chunks of at most
 * {@link MAX_TRANSACTION_ITEMS} items and {@link MAX_TRANSACTION_BYTES}; the first chunk
 * starts with `head`. Each chunk also says, per item, which change it belongs to (-1 for the head).
 */
function chunked(groups: TransactWriteItem[][], head: TransactWriteItem[]): { items: TransactWriteItem[]; groupIndexes: number[]; bytes: number }[] {
  const chunks = [{ items: [...head], groupIndexes: head.map(() => -1), bytes: head.reduce((n, i) => n + writeBytes(i), 0) }];
  if (head.length === 0) chunks.length = 0;
  groups.forEach((group, index) => {
    const bytes = group.reduce((n, i) => n + writeBytes(i), 0);
    let last = chunks[chunks.length - 1];
    if (!last || last.items.length + group.length > MAX_TRANSACTION_ITEMS || last.bytes + bytes > MAX_TRANSACTION_BYTES) {
      last = { items: [], groupIndexes: [], bytes: 0 };
      chunks.push(last);
    }
    last.items.push(...group);
    last.groupIndexes.push(...group.map(() => index));
    last.bytes += bytes;
  });
  return chunks;
}

/** What one write adds to a transaction's size, estimated from its item or key (names and values). */
function writeBytes(write: TransactWriteItem): number {
  const item = write.Put?.Item ?? write.Update?.Key ?? write.Delete?.Key ?? write.ConditionCheck?.Key ?? {};
  return itemBytes(item) + (write.Update ? 200 : 0);
}

/** An item's size as DynamoDB counts it, near enough: attribute names plus values. */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return value.N.length;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.M !== undefined) return 3 + itemBytes(value.M);
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + valueBytes(v), 0);
  return 1;
}

function key(pk: string, sk: string): Item {
  return { pk: { S: pk }, sk: { S: sk } };
}

function isConditionFailure(err: unknown): boolean {
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] };
  return (
    e.name === 'ConditionalCheckFailedException' ||
    (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}

function ignoreConditionFailure(err: unknown): void {
  if (!isConditionFailure(err)) throw err;
}
