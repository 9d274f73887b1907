/**
 * DynamoDB storage of resources and their versions. Every write puts the current item
 * and the new version item in one TransactWriteItems with condition expressions, so a
 * reader sees both or neither and a stale writer changes nothing.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { Resource } from '@medplum/fhirtypes';
import { CURRENT_SK, VERSION_SK_PREFIX, resourcePk, shardOf, typeHistoryPk, typeHistorySk, versionSk } from './keys.ts';
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
   * Writes `next` as the new current version and as a version item, atomically.
   * `expectedVersion` is the version `next` replaces (`undefined`: the resource must not
   * exist). Throws {@link VersionConflictError} when that no longer holds.
   */
  async writeVersion(next: StoredVersion, expectedVersion: number | undefined): Promise<void> {
    const item = toItem(next);
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...item, sk: { S: CURRENT_SK } },
            ...(expectedVersion === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :expected',
                  ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
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
