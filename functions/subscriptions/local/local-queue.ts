/**
 * The local delivery queue: pending deliveries as items in the subscriptions table of
 * DynamoDB Local, so they survive a restart of `npm start` (SQS plays this part in AWS).
 *
 * - `pk = "queue"`, `sk = "<due time, ms, 15 digits>#<uuid>"`: a pending delivery, due at
 *   that time; a Query up to now lists what is due, earliest first.
 * - `pk = "dlq"`, `sk = "<time>#<uuid>"`: a delivery whose last attempt failed, with why.
 *
 * {@link LocalDeliveryWorker} takes due items, runs the shared {@link deliver} /
 * {@link settle} on each (a retry is a new item further in the future), and deletes the
 * item only after that: a stop or crash in between leaves it to be delivered again after
 * the restart (at least once).
 */
import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { type DeliveryDependencies, deliver, settle } from '../delivery.ts';
import type { Logger } from '../matcher.ts';
import { type DeliveryMessage, type DeliveryQueue, describeMessage, parseDeliveryMessage } from '../queue.ts';

const QUEUE_PK = 'queue';
const DLQ_PK = 'dlq';
const BATCH_WRITE_LIMIT = 25;
const COMPLETED_MEMORY_MS = 60_000;
const BUFFER_SIZE = 100;

const dueSk = (dueAt: number): string => `${String(dueAt).padStart(15, '0')}#${randomUUID()}`;

export interface QueuedDelivery {
  sk: string;
  dueAt: number;
  message: DeliveryMessage;
}

export class LocalDeliveryQueue implements DeliveryQueue {
  /** Called after every send with when it is due, so a worker need not poll for it. */
  onSend: ((dueAt: number) => void) | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async send(messages: DeliveryMessage[], delayMs = 0): Promise<void> {
    const dueAt = Date.now() + delayMs;
    for (let i = 0; i < messages.length; i += BATCH_WRITE_LIMIT) {
      let requests = messages.slice(i, i + BATCH_WRITE_LIMIT).map((m) => ({
        PutRequest: { Item: { pk: { S: QUEUE_PK }, sk: { S: dueSk(dueAt) }, body: { S: JSON.stringify(m) } } },
      }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        const result = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length > 0) {
          if (attempt >= 8) throw new Error('DynamoDB left queue items unprocessed');
          await sleep(20 * 2 ** attempt);
        }
      }
    }
    this.onSend?.(dueAt);
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: DLQ_PK },
          sk: { S: dueSk(Date.now()) },
          body: { S: JSON.stringify(message) },
          reason: { S: reason.slice(0, 2000) },
        },
      }),
    );
  }

  /** Deliveries due at `now`, earliest first. */
  async due(now: number, limit: number): Promise<QueuedDelivery[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk <= :now',
        ExpressionAttributeValues: { ':pk': { S: QUEUE_PK }, ':now': { S: `${String(now).padStart(15, '0')}#~` } },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(toQueued);
  }

  /** When the earliest pending delivery is due; undefined when none is pending. */
  async earliestDue(): Promise<number | undefined> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: QUEUE_PK } },
        ProjectionExpression: 'sk',
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const sk = result.Items?.[0]?.sk?.S;
    return sk === undefined ? undefined : Number(sk.split('#')[0]);
  }

  /** Every pending delivery (for tests and diagnostics). */
  async pending(): Promise<QueuedDelivery[]> {
    return (await this.queryAll(QUEUE_PK)).map(toQueued);
  }

  /** Every dead-lettered delivery, with its reason. */
  async deadLettered(): Promise<{ message: DeliveryMessage; reason: string }[]> {
    return (await this.queryAll(DLQ_PK)).map((i) => ({
      message: parseDeliveryMessage(i.body?.S ?? '{}'),
      reason: i.reason?.S ?? '',
    }));
  }

  async complete(sk: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: QUEUE_PK }, sk: { S: sk } } }),
    );
  }

  private completing: string[] = [];
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;

  /**
   * Deletes a finished item soon, with others in one BatchWriteItem (25 at a time). An
   * item whose deletion is lost to a crash is delivered again after the restart.
   */
  completeSoon(sk: string): void {
    this.completing.push(sk);
    if (this.completing.length >= BATCH_WRITE_LIMIT) void this.flush().catch(() => undefined);
    else this.flushTimer ??= setTimeout(() => void this.flush().catch(() => undefined), 20);
  }

  /** Deletes the items {@link completeSoon} was given. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flushing;
    const sks = this.completing.splice(0);
    if (sks.length === 0) return;
    this.flushing = (async () => {
      for (let i = 0; i < sks.length; i += BATCH_WRITE_LIMIT) {
        let requests = sks.slice(i, i + BATCH_WRITE_LIMIT).map((sk) => ({
          DeleteRequest: { Key: { pk: { S: QUEUE_PK }, sk: { S: sk } } },
        }));
        for (let attempt = 1; requests.length > 0 && attempt <= 8; attempt++) {
          const result = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }));
          requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
          if (requests.length > 0) await sleep(20 * 2 ** attempt);
        }
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async queryAll(pk: string): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function toQueued(item: Record<string, AttributeValue>): QueuedDelivery {
  const sk = item.sk?.S as string;
  return { sk, dueAt: Number(sk.split('#')[0]), message: parseDeliveryMessage(item.body?.S ?? '{}') };
}

export interface WorkerOptions {
  /** Deliveries in flight at once. */
  concurrency: number;
  /** How often to look for due deliveries when nothing wakes the worker. */
  pollIntervalMs: number;
  log?: Logger;
}

/** Runs due deliveries from a {@link LocalDeliveryQueue} until stopped. */
export class LocalDeliveryWorker {
  private running = false;
  private loopDone: Promise<void> | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Items whose processing threw (e.g. DynamoDB unavailable): not before this time. */
  private readonly notBefore = new Map<string, number>();
  /**
   * Items just completed: a query that started before their deletion may still list them.
   * Kept for {@link COMPLETED_MEMORY_MS} (item keys are never reused).
   */
  private readonly completed = new Map<string, number>();
  private wake: (() => void) | undefined;
  /** Due items read but not yet started. */
  private buffer: QueuedDelivery[] = [];
  /** When the earliest pending item is due, as last seen (undefined: look now). */
  private nextDue: number | undefined;

  constructor(
    private readonly queue: LocalDeliveryQueue,
    private readonly deps: DeliveryDependencies,
    private readonly options: WorkerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue.onSend = (dueAt) => {
      this.nextDue = this.nextDue === undefined ? dueAt : Math.min(this.nextDue, dueAt);
      this.wake?.();
    };
    this.loopDone = this.loop();
  }

  /** Stops taking deliveries and waits for those in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.queue.onSend = undefined;
    this.wake?.();
    await this.loopDone;
    await Promise.all(this.inFlight.values());
    await this.queue.flush();
  }

  private async loop(): Promise<void> {
    const { concurrency, pollIntervalMs } = this.options;
    while (this.running) {
      let started = 0;
      try {
        if (this.inFlight.size < concurrency) {
          const now = Date.now();
          // One query fills a buffer of due items, refilled when empty. When nothing is
          // due, the earliest item says when to look again (retries wait there).
          if (this.buffer.length === 0 && (this.nextDue === undefined || this.nextDue <= now)) {
            this.buffer = await this.queue.due(now, BUFFER_SIZE);
            this.nextDue = this.buffer.length === 0 ? await this.queue.earliestDue() : undefined;
          }
          while (this.inFlight.size < concurrency && this.buffer.length > 0 && this.running) {
            const item = this.buffer.shift() as QueuedDelivery;
            if (this.inFlight.has(item.sk) || this.completed.has(item.sk) || (this.notBefore.get(item.sk) ?? 0) > now) continue;
            this.inFlight.set(item.sk, this.process(item));
            started++;
          }
        }
      } catch (err) {
        this.options.log?.error('Local delivery queue unavailable', { error: (err as Error).message });
      }
      if (started === 0 && this.running) {
        // Until the next retry is due, something is sent or finishes, or the poll interval.
        const now = Date.now();
        const wait = this.nextDue !== undefined && this.nextDue > now ? Math.min(pollIntervalMs, this.nextDue - now) : pollIntervalMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private async process(item: QueuedDelivery): Promise<void> {
    try {
      const result = await deliver(item.message, this.deps);
      await settle(this.queue, item.message, result, this.options.log);
      this.queue.completeSoon(item.sk);
      this.notBefore.delete(item.sk);
      const now = Date.now();
      this.completed.set(item.sk, now);
      for (const [sk, at] of this.completed) {
        if (now - at < COMPLETED_MEMORY_MS) break;
        this.completed.delete(sk);
      }
    } catch (err) {
      // Left in the queue; tried again a little later.
      this.notBefore.set(item.sk, Date.now() + 1_000);
      this.options.log?.error('Delivery could not be processed', {
        message: describeMessage(item.message),
        error: (err as Error).message,
      });
    } finally {
      this.inFlight.delete(item.sk);
      this.wake?.();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
