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
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CURRENT_SK, resourcePk, shardOf, typeHistoryPk, typeHistorySk, versionSk } from './keys.ts';
import { type Change, type GuardItem, type Item, guardItems, indexDiff, toItem } from './items.ts';
import type { IndexEntry } from './search-index.ts';

export const MAX_TRANSACTION_ITEMS = 100;
const OPEN_TRANSACTIONS_PK = 'txopen';
const txPk = (txId: string): string => `tx#${txId}`;
const TX_SK = 'tx';

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

    const prepareGroups = changes.map((change, i) => this.prepareItems(txId, change, recorded[i] as RecordedChange));
    const head: TransactWriteItem[] = [
      { Put: { TableName: this.tableName, Item: recordItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: { pk: { S: OPEN_TRANSACTIONS_PK }, sk: { S: txId } } } },
    ];
    let prepared = false;
    try {
      for (const chunk of chunked(prepareGroups, head)) await this.transact(chunk.items, chunk.groupIndexes);
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

  async read(txId: string): Promise<TransactionRecord | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: key(txPk(txId), TX_SK), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    return {
      txId,
      status: result.Item.status?.S as TransactionStatus,
      startedAt: Number(result.Item.startedAt?.N),
      changes: JSON.parse(result.Item.changes?.S ?? '[]') as RecordedChange[],
    };
  }

  async status(txId: string): Promise<TransactionStatus | undefined> {
    return (await this.read(txId))?.status;
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
    for (const chunk of chunked(groups, [])) {
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
    }
    await this.forget(record.txId);
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
    for (const change of record.changes) {
      const pk = resourcePk(change.type, change.id);
      const current = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: key(pk, CURRENT_SK), ConsistentRead: true }),
      );
      // Only a change whose prepare chunk landed holds our lock; its writes are ours to undo.
      if (current.Item?.lockTx?.S !== txId) continue;
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
    }
    await this.forget(txId);
  }

  private async forget(txId: string): Promise<void> {
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: key(txPk(txId), TX_SK) } },
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

function recordItem(record: TransactionRecord): Item {
  return {
    ...key(txPk(record.txId), TX_SK),
    status: { S: record.status },
    startedAt: { N: String(record.startedAt) },
    changes: { S: JSON.stringify(record.changes) },
  };
}

/**
 * Packs groups of items (one group per change, never split) into chunks of at most
 * {@link MAX_TRANSACTION_ITEMS}; the first chunk starts with `head`. Each chunk also says,
 * per item, which change it belongs to (-1 for the head).
 */
function chunked(groups: TransactWriteItem[][], head: TransactWriteItem[]): { items: TransactWriteItem[]; groupIndexes: number[] }[] {
  const chunks = [{ items: [...head], groupIndexes: head.map(() => -1) }];
  if (head.length === 0) chunks.length = 0;
  groups.forEach((group, index) => {
    let last = chunks[chunks.length - 1] as { items: TransactWriteItem[]; groupIndexes: number[] } | undefined;
    if (!last || last.items.length + group.length > MAX_TRANSACTION_ITEMS) {
      last = { items: [], groupIndexes: [] };
      chunks.push(last);
    }
    last.items.push(...group);
    last.groupIndexes.push(...group.map(() => index));
  });
  return chunks;
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
