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
import type { Resource } from '@medplum/fhirtypes';
import { CURRENT_SK, VERSION_SK_PREFIX, resourcePk, shardOf, typeHistoryPk, typeHistorySk, versionSk } from './keys.ts';
import { OperationOutcomeError, badRequest } from '../core/outcomes.ts';
import { type IndexEntry, indexEntries } from './search-index.ts';
import { storeFault } from './store-errors.ts';
import { TYPE_HISTORY_SHARDS } from './tables.ts';

export type WriteOperation = 'create' | 'update' | 'delete';

/** One version of a resource as stored; `resource` is absent for a deletion. */
export interface StoredVersion {
  type: string;
  id: string;
  version: number;
  lastUpdated: string;
  operation: WriteOperation;
  resource?: Resource;
}

/** The condition on the current version failed: someone else wrote first. */
export class VersionConflictError extends Error {
  constructor() {
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
/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
const BATCH_GET_LIMIT = 100;
const BATCH_GET_ATTEMPTS = 5;

export class ResourceStore {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async readCurrent(type: string, id: string): Promise<StoredVersion | undefined> {
    return this.get(resourcePk(type, id), CURRENT_SK);
  }

  async readVersion(type: string, id: string, version: number): Promise<StoredVersion | undefined> {
    return this.get(resourcePk(type, id), versionSk(version));
  }

  /**
   * Writes `next` as the new current version, as a version item, and the changes to its
   * search index entries, in one transaction. `previous` is the current version `next`
   * replaces (`undefined`: the resource must not exist); when another writer got there
   * first, nothing is written and {@link VersionConflictError} is thrown.
   */
  async writeVersion(next: StoredVersion, previous: StoredVersion | undefined): Promise<void> {
    const item = toItem(next);
    const oldEntries = indexEntries(previous?.resource);
    const newEntries = indexEntries(next.resource);
    const key = (e: IndexEntry): string => `${e.pk}\n${e.sk}`;
    const oldKeys = new Set(oldEntries.map(key));
    const newKeys = new Set(newEntries.map(key));
    const puts = newEntries.filter((e) => !oldKeys.has(key(e)));
    const deletes = oldEntries.filter((e) => !newKeys.has(key(e)));
    if (2 + puts.length + deletes.length > MAX_TRANSACTION_ITEMS) {
      throw new OperationOutcomeError(
        badRequest(
          `This write changes ${puts.length + deletes.length} search index entries; at most ` +
            `${MAX_TRANSACTION_ITEMS - 2} fit one atomic write. Write fewer identifiers, codes or names at once.`,
        ),
      );
    }
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...item, sk: { S: CURRENT_SK } },
            ...(previous === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :expected',
                  ExpressionAttributeValues: { ':expected': { N: String(previous.version) } },
                }),
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...item,
              sk: { S: versionSk(next.version) },
              thPk: { S: typeHistoryPk(next.type, shardOf(next.id)) },
              thSk: { S: typeHistorySk(next.lastUpdated, next.id, next.version) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...puts.map((e) => ({ Put: { TableName: this.tableName, Item: { pk: { S: e.pk }, sk: { S: e.sk } } } })),
        ...deletes.map((e) => ({ Delete: { TableName: this.tableName, Key: { pk: { S: e.pk }, sk: { S: e.sk } } } })),
      ],
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(command);
        return;
      } catch (err) {
        const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) throw new VersionConflictError();
        // A concurrent transaction on the same items: nothing was written, so try again.
        if (reasons.some((r) => r.Code === 'TransactionConflict') && attempt < TRANSACTION_CONFLICT_RETRIES) {
          await sleep(Math.random() * 20 * attempt);
          continue;
        }
        throw storeFault(err);
      }
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
    let versions = items.map(fromItem);
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
          found.push(...(result.Responses?.[this.tableName] ?? []).map(fromItem));
          keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, AttributeValue>[];
        } catch (err) {
          throw storeFault(err);
        }
        if (keys.length > 0) await sleep(25 * 2 ** attempt);
      }
    }
    return found;
  }

  private async get(pk: string, sk: string): Promise<StoredVersion | undefined> {
    try {
      const result = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
      );
      return result.Item ? fromItem(result.Item) : undefined;
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

function toItem(v: StoredVersion): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: resourcePk(v.type, v.id) },
    type: { S: v.type },
    id: { S: v.id },
    version: { N: String(v.version) },
    lastUpdated: { S: v.lastUpdated },
    operation: { S: v.operation },
  };
  // Stored as JSON text: cheaper to write and read than a nested DynamoDB map.
  if (v.resource) item.resource = { S: JSON.stringify(v.resource) };
  return item;
}

function fromItem(item: Record<string, AttributeValue>): StoredVersion {
  const version: StoredVersion = {
    type: item.type?.S as string,
    id: item.id?.S as string,
    version: Number(item.version?.N),
    lastUpdated: item.lastUpdated?.S as string,
    operation: item.operation?.S as WriteOperation,
  };
  if (item.resource?.S) version.resource = JSON.parse(item.resource.S) as Resource;
  return version;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
