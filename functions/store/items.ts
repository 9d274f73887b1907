/**
 * How resource versions become DynamoDB items, and the transaction items one change
 * needs (see `keys.ts` for the key layout).
 */
import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { Resource } from '@medplum/fhirtypes';
import { CURRENT_SK, resourcePk, shardOf, typeHistoryPk, typeHistorySk, versionSk } from './keys.ts';
import { type IndexEntry, indexEntries } from './search-index.ts';

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

/**
 * An item that must not exist yet (or must still hold `expected`) for the change to
 * apply, such as the guard of a conditional create. Written with the change.
 */
export interface GuardItem {
  pk: string;
  sk: string;
  attributes: Record<string, AttributeValue>;
  /** The `target` the guard must hold now; undefined: it must not exist. */
  expectedTarget?: string;
}

/** One resource write: `next` replaces `previous` (undefined: the resource must not exist). */
export interface Change {
  next: StoredVersion;
  previous: StoredVersion | undefined;
  guards?: GuardItem[];
  /**
   * A write samvard makes on its own account, as a consequence of the client's writes in
   * the same commit (the workflow broker's CarePlan, CareTeam and Provenance,
   * functions/core/workflow/). An access-control view of the store does not check it
   * against the caller's scopes and rules. Never set from client input.
   */
  maintained?: boolean;
}

export type Item = Record<string, AttributeValue>;

export function toItem(v: StoredVersion): Item {
  const item: Item = {
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

export function fromItem(item: Item): StoredVersion {
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

/** The index entries a change adds and removes. */
export function indexDiff(change: Change): { puts: IndexEntry[]; deletes: IndexEntry[] } {
  const key = (e: IndexEntry): string => `${e.pk}\n${e.sk}`;
  const oldEntries = indexEntries(change.previous?.resource);
  const newEntries = indexEntries(change.next.resource);
  const oldKeys = new Set(oldEntries.map(key));
  const newKeys = new Set(newEntries.map(key));
  return {
    puts: newEntries.filter((e) => !oldKeys.has(key(e))),
    deletes: oldEntries.filter((e) => !newKeys.has(key(e))),
  };
}

export function versionItem(v: StoredVersion): Item {
  return {
    ...toItem(v),
    sk: { S: versionSk(v.version) },
    thPk: { S: typeHistoryPk(v.type, shardOf(v.id)) },
    thSk: { S: typeHistorySk(v.lastUpdated, v.id, v.version) },
  };
}

/** The condition on the current item: the version it replaces, and no transaction holding it. */
export function currentCondition(previous: StoredVersion | undefined): Pick<
  NonNullable<TransactWriteItem['Put']>,
  'ConditionExpression' | 'ExpressionAttributeValues'
> {
  return previous === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: 'version = :expected AND attribute_not_exists(lockTx)',
        ExpressionAttributeValues: { ':expected': { N: String(previous.version) } },
      };
}

export function guardItems(tableName: string, guards: GuardItem[] = []): TransactWriteItem[] {
  return guards.map((g) => ({
    Put: {
      TableName: tableName,
      Item: { pk: { S: g.pk }, sk: { S: g.sk }, ...g.attributes },
      ...(g.expectedTarget === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'target = :target', ExpressionAttributeValues: { ':target': { S: g.expectedTarget } } }),
    },
  }));
}

/** All items of a change in one DynamoDB transaction (the single-transaction path). */
export function changeItems(tableName: string, change: Change): TransactWriteItem[] {
  const { puts, deletes } = indexDiff(change);
  return [
    { Put: { TableName: tableName, Item: { ...toItem(change.next), sk: { S: CURRENT_SK } }, ...currentCondition(change.previous) } },
    { Put: { TableName: tableName, Item: versionItem(change.next), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...guardItems(tableName, change.guards),
    ...puts.map((e) => ({ Put: { TableName: tableName, Item: { pk: { S: e.pk }, sk: { S: e.sk } } } })),
    ...deletes.map((e) => ({ Delete: { TableName: tableName, Key: { pk: { S: e.pk }, sk: { S: e.sk } } } })),
  ];
}
