/**
 * DynamoDB storage of resources and their versions. Every write puts the current item
 * and the new version item in one TransactWriteItems with condition expressions, so a
 * reader sees both or neither and a stale writer changes nothing.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { OperationOutcomeError, badRequest, payloadTooLarge } from '../core/outcomes.ts';
import { type Change, type Item, type StoredVersion, changeItems, fromItem } from './items.ts';
import { CURRENT_SK, VERSION_SK_PREFIX, resourcePk, typeHistoryPk, typeHistorySk, versionSk } from './keys.ts';
import { CommitTooLargeError, MAX_TRANSACTION_ITEMS, MultiStepCommit, PrepareConflictError } from './multi-step-commit.ts';
import { storeFault } from './store-errors.ts';
import { TYPE_HISTORY_SHARDS } from './tables.ts';

export type { Change, GuardItem, StoredVersion, WriteOperation } from './items.ts';
export { MAX_TRANSACTION_ITEMS } from './multi-step-commit.ts';

/** A condition of the write failed: another writer got there first. `changeIndex` says whose. */
export class VersionConflictError extends Error {
  constructor(readonly changeIndex?: number) {
    super('The resource was changed by another writer');
    this.name = 'VersionConflictError';
  }
}

export interface HistoryPage {
  versions: StoredVersion[];
  /** Opaque position after the last returned version, when there may be more. */
  next?: string;
}

const TRANSACTION_CONFLICT_RETRIES = 4;
const BATCH_GET_LIMIT = 100;
const BATCH_GET_ATTEMPTS = 5;

export class ResourceStore {
  private readonly multiStep: MultiStepCommit;
  /**
   * This store itself, also when reached through a view that applies a caller's access
   * rules (functions/access/guard.ts builds its view on this object): for what samvard
   * reads on its own account, such as the workflow broker's care teams. Never for what is
   * returned to a client.
   */
  readonly unguarded: ResourceStore = this;

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    options: { transactionLeaseMs?: number } = {},
  ) {
    this.multiStep = new MultiStepCommit(client, tableName, options.transactionLeaseMs);
  }

  async readCurrent(type: string, id: string): Promise<StoredVersion | undefined> {
    const item = await this.getItem(resourcePk(type, id), CURRENT_SK);
    return item ? this.resolveCurrent(item) : undefined;
  }

  async readVersion(type: string, id: string, version: number): Promise<StoredVersion | undefined> {
    const item = await this.getItem(resourcePk(type, id), versionSk(version));
    return item && (await this.isVisible(item)) ? fromItem(item) : undefined;
  }

  /** One write: see {@link commit}. */
  async writeVersion(next: StoredVersion, previous: StoredVersion | undefined): Promise<void> {
    await this.commit([{ next, previous }]);
  }

  /**
   * Writes every change, or none: each new current item, version item, its search index
   * changes and guards. Up to 100 items this is one DynamoDB transaction; above, a
   * multi-step commit that readers never see half-done (`multi-step-commit.ts`).
   * Throws {@link VersionConflictError} when another writer got there first.
   */
  async commit(changes: Change[]): Promise<void> {
    const groups = changes.map((change) => changeItems(this.tableName, change));
    for (const [index, group] of groups.entries()) {
      if (group.length > MAX_TRANSACTION_ITEMS - 2) {
        throw new OperationOutcomeError(
          badRequest(
            `${changes[index]?.next.type}/${changes[index]?.next.id} changes ${group.length - 2} search index ` +
              `entries at once; at most ${MAX_TRANSACTION_ITEMS - 4} fit one atomic write`,
          ),
        );
      }
    }
    const items = groups.flat();
    if (items.length > MAX_TRANSACTION_ITEMS) {
      try {
        await this.multiStep.run(changes);
        return;
      } catch (err) {
        if (err instanceof PrepareConflictError) throw new VersionConflictError(err.changeIndex);
        if (err instanceof CommitTooLargeError) {
          throw new OperationOutcomeError(payloadTooLarge(`${changes.length} changes are too many for one atomic commit: ${err.message}`));
        }
        throw storeFault(err);
      }
    }
    const owner = groups.flatMap((group, index) => group.map(() => index));
    const command = new TransactWriteItemsCommand({ TransactItems: items });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(command);
        return;
      } catch (err) {
        const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
        const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
        if (failed >= 0) throw new VersionConflictError(owner[failed]);
        // A concurrent transaction on the same items: nothing was written, so try again.
        if (reasons.some((r) => r.Code === 'TransactionConflict') && attempt < TRANSACTION_CONFLICT_RETRIES) {
          await sleep(Math.random() * 20 * attempt);
          continue;
        }
        throw storeFault(err);
      }
    }
  }

  /** What a guard item (e.g. of a conditional create) points at, if it exists. */
  async readGuard(pk: string, sk: string): Promise<string | undefined> {
    return (await this.getItem(pk, sk))?.target?.S;
  }

  /** Finishes or undoes transactions whose lease has passed (run at start-up and by a schedule). */
  async recoverStaleTransactions(): Promise<number> {
    try {
      return await this.multiStep.recoverStale();
    } catch (err) {
      throw storeFault(err);
    }
  }

  /** Versions of one resource, newest first. */
  async instanceHistory(
    type: string,
    id: string,
    options: { count: number; since?: string; after?: string },
  ): Promise<HistoryPage> {
    // `after` is exclusive: the page continues below the last version already returned.
    const upper = options.after ? versionSk(Number(options.after) - 1) : `${VERSION_SK_PREFIX}~`;
    const items = await this.query({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: {
        ':pk': { S: resourcePk(type, id) },
        ':lower': { S: VERSION_SK_PREFIX },
        ':upper': { S: upper },
      },
      ScanIndexForward: false,
      Limit: options.count + 1,
    });
    let versions = (await this.visibleOnly(items)).map(fromItem);
    // Versions are written in time order, so the first one before `since` ends the list.
    if (options.since) versions = versions.filter((v) => v.lastUpdated >= (options.since as string));
    return page(versions, options.count, (v) => String(v.version));
  }

  /**
   * Versions of all resources of a type, newest first: each shard of the type-history
   * index is read for at most one page and the pages are merged.
   */
  async typeHistory(type: string, options: { count: number; since?: string; after?: string }): Promise<HistoryPage> {
    const shards = await Promise.all(
      Array.from({ length: TYPE_HISTORY_SHARDS }, (_, shard) => {
        const values: Record<string, AttributeValue> = { ':pk': { S: typeHistoryPk(type, shard) } };
        const conditions = ['thPk = :pk'];
        if (options.since && options.after) {
          conditions.push('thSk BETWEEN :since AND :after');
        } else if (options.since) {
          conditions.push('thSk >= :since');
        } else if (options.after) {
          conditions.push('thSk < :after');
        }
        if (options.since) values[':since'] = { S: options.since };
        if (options.after) values[':after'] = { S: options.after };
        return this.query({
          TableName: this.tableName,
          IndexName: 'typeHistory',
          KeyConditionExpression: conditions.join(' AND '),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          // BETWEEN includes `after` itself, which is dropped below: read one more.
          Limit: options.count + 2,
        });
      }),
    );
    const merged = shards
      .flat()
      .filter((item) => !options.after || (item.thSk?.S ?? '') < (options.after as string))
      .sort((a, b) => ((a.thSk?.S ?? '') < (b.thSk?.S ?? '') ? 1 : -1))
      .map(fromItem);
    return page(merged, options.count, (v) => typeHistorySk(v.lastUpdated, v.id, v.version));
  }

  /**
   * One page of a search index partition in sort-key order, strongly consistent so a
   * search reads its own writes. `after` is exclusive; `prefix` limits to sort keys that
   * begin with it.
   */
  async queryIndex(
    pk: string,
    options: { after?: string; prefix?: string; limit: number },
  ): Promise<{ sks: string[]; more: boolean }> {
    const values: Record<string, AttributeValue> = { ':pk': { S: pk } };
    let condition = 'pk = :pk';
    if (options.prefix !== undefined || options.after !== undefined) {
      const afterExclusive = options.after !== undefined ? `${options.after}\u0000` : '';
      const from = afterExclusive > (options.prefix ?? '') ? afterExclusive : (options.prefix ?? '');
      const to = `${options.prefix ?? ''}\uffff`;
      if (from >= to) return { sks: [], more: false };
      condition += ' AND sk BETWEEN :from AND :to';
      values[':from'] = { S: from };
      values[':to'] = { S: to };
    }
    try {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          Limit: options.limit,
        }),
      );
      return { sks: (result.Items ?? []).map((i) => i.sk?.S as string), more: result.LastEvaluatedKey !== undefined };
    } catch (err) {
      throw storeFault(err);
    }
  }

  /** The current versions of many resources (strongly consistent), in no particular order. */
  async readCurrentMany(refs: { type: string; id: string }[]): Promise<StoredVersion[]> {
    const unique = [...new Map(refs.map((r) => [resourcePk(r.type, r.id), r])).keys()];
    const found: StoredVersion[] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, AttributeValue>[] = unique
        .slice(i, i + BATCH_GET_LIMIT)
        .map((pk) => ({ pk: { S: pk }, sk: { S: CURRENT_SK } }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        if (attempt > BATCH_GET_ATTEMPTS) {
          throw storeFault(Object.assign(new Error('Unprocessed keys'), { name: 'ThrottlingException' }));
        }
        try {
          const result = await this.client.send(
            new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
          );
          for (const item of result.Responses?.[this.tableName] ?? []) {
            const version = await this.resolveCurrent(item);
            if (version) found.push(version);
          }
          keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, AttributeValue>[];
        } catch (err) {
          throw storeFault(err);
        }
        if (keys.length > 0) await sleep(25 * 2 ** attempt);
      }
    }
    return found;
  }

  private async getItem(pk: string, sk: string): Promise<Item | undefined> {
    try {
      const result = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
      );
      return result.Item;
    } catch (err) {
      throw storeFault(err);
    }
  }

  /**
   * The version a current item stands for. An item locked by a multi-step transaction
   * stands for its pending version once that transaction committed, and for itself (or
   * nothing, for a placeholder) before; a lock older than the lease is recovered first.
   */
  private async resolveCurrent(item: Item, attempt = 1): Promise<StoredVersion | undefined> {
    const txId = item.lockTx?.S;
    if (!txId) return fromItem(item);
    const record = await this.readTransaction(txId);
    if (record && (record.status === 'committed' || Date.now() - record.startedAt > this.multiStep.leaseMs)) {
      if (Date.now() - record.startedAt > this.multiStep.leaseMs) await this.recover(txId);
      if (record.status === 'committed') {
        const pending = await this.getItem(item.pk?.S as string, versionSk(Number(item.pendingVersion?.N)));
        return pending ? fromItem(pending) : undefined;
      }
    }
    if (!record && attempt < 3) {
      // The transaction finished between our two reads: read the item again.
      const fresh = await this.getItem(item.pk?.S as string, CURRENT_SK);
      return fresh ? this.resolveCurrent(fresh, attempt + 1) : undefined;
    }
    return item.placeholder?.BOOL ? undefined : fromItem(item);
  }

  /** A version item written by a multi-step transaction is visible once it committed. */
  private async isVisible(item: Item): Promise<boolean> {
    const txId = item.txId?.S;
    if (!txId) return true;
    const record = await this.readTransaction(txId);
    // No record: the transaction finished; a rolled-back version would have been deleted.
    return !record || record.status === 'committed';
  }

  private async visibleOnly(items: Item[]): Promise<Item[]> {
    const visible: Item[] = [];
    for (const item of items) if (await this.isVisible(item)) visible.push(item);
    return visible;
  }

  /** A multi-step transaction's status and start (not its record of changes). */
  private async readTransaction(txId: string) {
    try {
      return await this.multiStep.readStatus(txId);
    } catch (err) {
      throw storeFault(err);
    }
  }

  private async recover(txId: string): Promise<void> {
    try {
      await this.multiStep.recover(txId);
    } catch (err) {
      throw storeFault(err);
    }
  }

  private async query(input: QueryCommandInput): Promise<Record<string, AttributeValue>[]> {
    try {
      const result = await this.client.send(new QueryCommand(input));
      return result.Items ?? [];
    } catch (err) {
      throw storeFault(err);
    }
  }
}

function page(versions: StoredVersion[], count: number, positionOf: (v: StoredVersion) => string): HistoryPage {
  if (versions.length <= count) return { versions };
  const kept = versions.slice(0, count);
  return { versions: kept, next: positionOf(kept[kept.length - 1] as StoredVersion) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
