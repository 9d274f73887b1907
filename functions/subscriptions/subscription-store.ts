/**
 * The subscriptions table (`subscriptionTable` in functions/store/tables.ts): the state
 * the subscription path keeps besides the Subscription resources themselves.
 *
 * Key layout (all strings):
 * - `pk = "m#<type>#<key>"`, `sk = "<subscriptionId>"`: the match index. One entry per
 *   match key of an active subscription (see `match-keys.ts`), holding the compiled
 *   subscription, so matching a change reads only the partitions of its own values.
 * - `pk = "p#<type>"`, `sk = "<parameter>#<subscriptionId>"`: which parameters active
 *   subscriptions on a type are filed under, read once per matcher batch so a change
 *   looks up only the keys that can exist.
 * - `pk = "s#<id>"`, `sk = "registration"`: the index items a subscription has, and the
 *   version of the Subscription they were written for (older versions never overwrite).
 * - `pk = "s#<id>"`, `sk = "state"`: `eventCount`, the subscription's event counter
 *   (`eventsSinceSubscriptionStart`).
 * - `pk = "s#<id>"`, `sk = "e#<10-digit number>"`: the event log read by `$events`.
 * - `pk = "s#<id>"`, `sk = "c#<type>/<id>/<version>"`: which event number a change got,
 *   so a change processed twice (stream retries) keeps its number.
 * - `pk = "heartbeats"`, `sk = "<id>"`: when the next heartbeat of a subscription is due.
 * Event log items and change markers carry `expiresAt` (epoch seconds) for DynamoDB TTL.
 *
 * The event counter, the event items and the change markers of a group of events are
 * written in one transaction conditioned on the counter's previous value, so numbers are
 * consecutive: no gaps, no duplicates, even with concurrent matchers.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
  type TransactWriteItem,
  TransactionCanceledException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { WriteOperation } from '../store/resource-store.ts';
import { parseFilter, type CompiledSubscription } from './subscription-model.ts';
import { subscriptionKeys } from './match-keys.ts';

type Item = Record<string, AttributeValue>;

/** One event of a subscription, as logged. */
export interface SubscriptionEvent {
  eventNumber: number;
  /** When the change happened (the version's `lastUpdated`). */
  timestamp: string;
  focus: { type: string; id: string; version: number };
  operation: WriteOperation;
  topic?: string;
}

export type EventInput = Omit<SubscriptionEvent, 'eventNumber'>;

/** An item of the match index, `[pk, sk]`. */
export type IndexItem = [string, string];

export interface Registration {
  version: number;
  /** The match entries and parameter entries written for this subscription. */
  indexItems: IndexItem[];
}

export interface HeartbeatDue {
  subscriptionId: string;
  periodSeconds: number;
  nextDueAt: number;
}

const EVENTS_PER_TRANSACTION = 45;
const RECORD_ATTEMPTS = 12;
const BATCH_GET_LIMIT = 100;

export const matchPk = (type: string, key: string): string => `m#${type}#${key}`;
const paramsPk = (type: string): string => `p#${type}`;
/** The parameter of a match key: `owner` of `owner=Organization/1`; `*` of `*`. */
const keyParam = (matchKey: string): string => matchKey.split('=')[0] as string;
const subPk = (id: string): string => `s#${id}`;
const eventSk = (n: number): string => `e#${String(n).padStart(10, '0')}`;
const changeSk = (e: EventInput): string => `c#${e.focus.type}/${e.focus.id}/${e.focus.version}`;
const REGISTRATION_SK = 'registration';
const STATE_SK = 'state';
const HEARTBEATS_PK = 'heartbeats';

export class SubscriptionStore {
  /** Event counters as this process last wrote them (a guess: the write is conditional). */
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    private readonly options: { retentionDays: number } = { retentionDays: 30 },
  ) {}

  // --- match index -------------------------------------------------------------------

  async readRegistration(id: string): Promise<Registration | undefined> {
    const item = await this.get(subPk(id), REGISTRATION_SK);
    if (!item) return undefined;
    return { version: Number(item.version?.N ?? 0), indexItems: JSON.parse(item.indexItems?.S ?? '[]') as IndexItem[] };
  }

  /**
   * Files the subscription under its match keys when it is active, and removes it from
   * the index otherwise (`subscription` undefined: deleted). `version` is the
   * Subscription's version; a registration for a newer one is left alone ('stale').
   */
  async register(
    id: string,
    version: number,
    subscription: CompiledSubscription | undefined,
    now: Date = new Date(),
  ): Promise<'applied' | 'stale'> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.readRegistration(id);
      if (current && current.version > version) return 'stale';
      const active = subscription?.status === 'active';
      const keys = active ? subscriptionKeys(parseFilter(subscription.resourceType, subscription.filter)) : [];
      const type = subscription?.resourceType ?? '';
      const matchItems: IndexItem[] = keys.map((k) => [matchPk(type, k), id]);
      const paramItems: IndexItem[] = [...new Set(keys.map(keyParam))].map((p) => [paramsPk(type), `${p}#${id}`]);
      const wanted = [...matchItems, ...paramItems];
      const wantedKeys = new Set(wanted.map(([pk, sk]) => `${pk}\n${sk}`));
      const removed = (current?.indexItems ?? []).filter(([pk, sk]) => !wantedKeys.has(`${pk}\n${sk}`));
      const entry = active ? JSON.stringify(subscription) : '';
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              pk: { S: subPk(id) },
              sk: { S: REGISTRATION_SK },
              version: { N: String(version) },
              indexItems: { S: JSON.stringify(wanted) },
            },
            ConditionExpression: current ? 'version = :seen' : 'attribute_not_exists(pk)',
            ...(current ? { ExpressionAttributeValues: { ':seen': { N: String(current.version) } } } : {}),
          },
        },
        ...removed.map(([pk, sk]) => ({ Delete: { TableName: this.tableName, Key: key(pk, sk) } })),
        ...matchItems.map(([pk, sk]) => ({
          Put: { TableName: this.tableName, Item: { ...key(pk, sk), subscription: { S: entry }, version: { N: String(version) } } },
        })),
        ...paramItems.map(([pk, sk]) => ({ Put: { TableName: this.tableName, Item: key(pk, sk) } })),
        active && subscription.heartbeatSeconds
          ? {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...key(HEARTBEATS_PK, id),
                  periodSeconds: { N: String(subscription.heartbeatSeconds) },
                  nextDueAt: { N: String(now.getTime() + subscription.heartbeatSeconds * 1000) },
                },
              },
            }
          : { Delete: { TableName: this.tableName, Key: key(HEARTBEATS_PK, id) } },
      ];
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return 'applied';
      } catch (err) {
        // Someone else registered meanwhile (another matcher): read again and decide again.
        if (err instanceof TransactionCanceledException && attempt < RECORD_ATTEMPTS) {
          await sleep(Math.random() * 20 * attempt);
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * The parameters active subscriptions on `type` are filed under (`*` for the
   * wildcard): a change looks up only its values of these.
   */
  async paramsInUse(type: string): Promise<Set<string>> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: paramsPk(type) } },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    });
    return new Set(items.map((i) => (i.sk?.S ?? '').split('#')[0] as string));
  }

  /** The subscriptions filed under one match key of a type. */
  async candidates(type: string, matchKey: string): Promise<CompiledSubscription[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: matchPk(type, matchKey) } },
      ConsistentRead: true,
    });
    return items.flatMap((i) => (i.subscription?.S ? [JSON.parse(i.subscription.S) as CompiledSubscription] : []));
  }

  // --- events ------------------------------------------------------------------------

  /** The number of events the subscription has had (its `eventsSinceSubscriptionStart`). */
  async eventCount(id: string): Promise<number> {
    const item = await this.get(subPk(id), STATE_SK);
    return Number(item?.eventCount?.N ?? 0);
  }

  /**
   * Gives each change the subscription's next event number and logs it; a change that
   * already has a number (a retried stream batch) keeps it. Returns the events in the
   * order of `inputs`.
   */
  async recordEvents(id: string, inputs: EventInput[], now: Date = new Date()): Promise<SubscriptionEvent[]> {
    // Optimistic: the counter as this process last left it, and no change numbered yet.
    // A transaction that meets another writer's counter, or a change already numbered
    // (a retried batch), is cancelled whole; then both are read and it is tried again.
    const numbers = new Map<string, number>();
    let pending = dedupe(inputs);
    let count = this.counts.get(id);
    const expiresAt = String(Math.floor(now.getTime() / 1000) + this.options.retentionDays * 86_400);
    for (let attempt = 1; pending.length > 0; ) {
      count ??= await this.eventCount(id);
      const base = count;
      const chunk = pending.slice(0, EVENTS_PER_TRANSACTION);
      const items: TransactWriteItem[] = [
        {
          Update: {
            TableName: this.tableName,
            Key: key(subPk(id), STATE_SK),
            UpdateExpression: 'SET eventCount = :next',
            ConditionExpression: base === 0 ? 'attribute_not_exists(eventCount) OR eventCount = :zero' : 'eventCount = :count',
            ExpressionAttributeValues: {
              ':next': { N: String(base + chunk.length) },
              ...(base === 0 ? { ':zero': { N: '0' } } : { ':count': { N: String(base) } }),
            },
          },
        },
      ];
      chunk.forEach((event, i) => {
        const eventNumber = base + 1 + i;
        items.push(
          {
            Put: {
              TableName: this.tableName,
              Item: { ...key(subPk(id), eventSk(eventNumber)), ...eventItem({ ...event, eventNumber }), expiresAt: { N: expiresAt } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...key(subPk(id), changeSk(event)), eventNumber: { N: String(eventNumber) }, expiresAt: { N: expiresAt } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        );
      });
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        chunk.forEach((event, i) => numbers.set(changeSk(event), base + 1 + i));
        pending = pending.slice(chunk.length);
        count = base + chunk.length;
        this.counts.set(id, count);
        attempt = 1;
      } catch (err) {
        this.counts.delete(id);
        if (!(err instanceof TransactionCanceledException) || attempt >= RECORD_ATTEMPTS) throw err;
        const found = await this.existingNumbers(id, pending);
        for (const [k, n] of found) numbers.set(k, n);
        pending = pending.filter((e) => !numbers.has(changeSk(e)));
        count = undefined;
        if (attempt > 1) await sleep(Math.random() * 10 * attempt);
        attempt++;
      }
    }
    if (this.counts.size > 10_000) this.counts.clear();
    return inputs.map((e) => ({ ...e, eventNumber: numbers.get(changeSk(e)) as number }));
  }

  async readEvent(id: string, eventNumber: number): Promise<SubscriptionEvent | undefined> {
    const item = await this.get(subPk(id), eventSk(eventNumber));
    return item ? fromEventItem(item) : undefined;
  }

  /** Logged events with numbers from `since` to `until` (inclusive), at most `limit`, in order. */
  async readEvents(id: string, since: number, until: number, limit: number): Promise<SubscriptionEvent[]> {
    if (until < since) return [];
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': { S: subPk(id) },
          ':from': { S: eventSk(since) },
          ':to': { S: eventSk(until) },
        },
        ConsistentRead: true,
      },
      limit,
    );
    return items.map(fromEventItem);
  }

  // --- heartbeats ----------------------------------------------------------------------

  /** Subscriptions whose heartbeat is due at `now`. */
  async dueHeartbeats(now: number): Promise<HeartbeatDue[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'nextDueAt <= :now',
      ExpressionAttributeValues: { ':pk': { S: HEARTBEATS_PK }, ':now': { N: String(now) } },
      ConsistentRead: true,
    });
    return items.map((i) => ({
      subscriptionId: i.sk?.S as string,
      periodSeconds: Number(i.periodSeconds?.N),
      nextDueAt: Number(i.nextDueAt?.N),
    }));
  }

  /** Moves a due heartbeat to its next time; false when someone else already did. */
  async claimHeartbeat(due: HeartbeatDue, now: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(HEARTBEATS_PK, due.subscriptionId),
          UpdateExpression: 'SET nextDueAt = :next',
          ConditionExpression: 'nextDueAt = :seen',
          ExpressionAttributeValues: {
            ':next': { N: String(now + due.periodSeconds * 1000) },
            ':seen': { N: String(due.nextDueAt) },
          },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  // --- helpers -------------------------------------------------------------------------

  private async existingNumbers(id: string, inputs: EventInput[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const sks = [...new Set(inputs.map(changeSk))];
    for (let i = 0; i < sks.length; i += BATCH_GET_LIMIT) {
      let keys: Item[] = sks.slice(i, i + BATCH_GET_LIMIT).map((sk) => key(subPk(id), sk));
      for (let attempt = 1; keys.length > 0; attempt++) {
        const result = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          found.set(item.sk?.S as string, Number(item.eventNumber?.N));
        }
        keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
        if (keys.length > 0) {
          if (attempt >= 6) throw new Error('DynamoDB left keys unprocessed');
          await sleep(25 * 2 ** attempt);
        }
      }
    }
    return found;
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: key(pk, sk), ConsistentRead: true }),
    );
    return result.Item;
  }

  private async queryAll(input: QueryCommandInput, limit = Number.POSITIVE_INFINITY): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const result = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items.slice(0, limit);
  }
}

function key(pk: string, sk: string): Item {
  return { pk: { S: pk }, sk: { S: sk } };
}

function dedupe(inputs: EventInput[]): EventInput[] {
  const seen = new Set<string>();
  return inputs.filter((e) => {
    const k = changeSk(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function eventItem(e: SubscriptionEvent): Item {
  return {
    eventNumber: { N: String(e.eventNumber) },
    timestamp: { S: e.timestamp },
    focusType: { S: e.focus.type },
    focusId: { S: e.focus.id },
    focusVersion: { N: String(e.focus.version) },
    operation: { S: e.operation },
    ...(e.topic ? { topic: { S: e.topic } } : {}),
  };
}

function fromEventItem(item: Item): SubscriptionEvent {
  const event: SubscriptionEvent = {
    eventNumber: Number(item.eventNumber?.N),
    timestamp: item.timestamp?.S as string,
    focus: { type: item.focusType?.S as string, id: item.focusId?.S as string, version: Number(item.focusVersion?.N) },
    operation: item.operation?.S as WriteOperation,
  };
  if (item.topic?.S) event.topic = item.topic.S;
  return event;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
