/**
 * The DynamoDB tables samvard needs, defined once. The local start-up and the tests
 * create them from here ({@link createTableInput}); the CDK stack builds the same keys.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export interface KeySchema {
  partitionKey: string;
  sortKey: string;
}

export interface TableDefinition {
  /** Logical name; the physical name comes from configuration. */
  id: string;
  keys: KeySchema;
  globalIndexes: Record<string, KeySchema>;
  /** Streams carry new and old images to the subscription matcher. */
  stream: boolean;
  /** Attribute holding an epoch-seconds expiry, for DynamoDB's time to live (none when unset). */
  timeToLiveAttribute?: string;
}

/** Number of write shards of the type-history index (see `keys.ts`). */
export const TYPE_HISTORY_SHARDS = 8;

/**
 * One item per resource (`sk = "current"`) and one per version (`sk = "v#0000000001"`),
 * both under `pk = "<type>/<id>"`. Version items also carry the sparse `typeHistory`
 * index keys, so type history reads cost what they return.
 */
export const resourceTable: TableDefinition = {
  id: 'resources',
  keys: { partitionKey: 'pk', sortKey: 'sk' },
  globalIndexes: {
    typeHistory: { partitionKey: 'thPk', sortKey: 'thSk' },
  },
  stream: true,
  // Only the access log's items carry it: AuditEvents expire five years and a month after
  // they were recorded (functions/access/audit.ts); nothing else in this table expires.
  timeToLiveAttribute: 'expiresAt',
};

/**
 * Subscription state (functions/subscriptions/subscription-store.ts): the match index of
 * active subscriptions, per-subscription event counters and event logs (which expire),
 * heartbeat schedules, and for the local run the delivery queue and stream positions.
 * No stream: nothing consumes its changes.
 */
export const subscriptionTable: TableDefinition = {
  id: 'subscriptions',
  keys: { partitionKey: 'pk', sortKey: 'sk' },
  globalIndexes: {},
  stream: false,
  timeToLiveAttribute: 'expiresAt',
};

export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const keyAttributes = [def.keys, ...Object.values(def.globalIndexes)].flatMap((k) => [k.partitionKey, k.sortKey]);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...new Set(keyAttributes)].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: def.keys.partitionKey, KeyType: 'HASH' },
      { AttributeName: def.keys.sortKey, KeyType: 'RANGE' },
    ],
    // DynamoDB rejects an empty list: leave it out for a table without indexes.
    GlobalSecondaryIndexes: Object.keys(def.globalIndexes).length === 0 ? undefined : Object.entries(def.globalIndexes).map(([IndexName, k]) => ({
      IndexName,
      KeySchema: [
        { AttributeName: k.partitionKey, KeyType: 'HASH' },
        { AttributeName: k.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
    StreamSpecification: def.stream ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } : undefined,
  };
}
