/**
 * The subscription Lambdas driven with the event shapes AWS gives them: a DynamoDB stream
 * batch (NEW_AND_OLD_IMAGES, with the records of a multi-step commit) for the matcher,
 * and an SQS batch for delivery. DynamoDB is DynamoDB Local; SQS is mocked
 * (aws-sdk-client-mock) and the webhook is a real receiver on loopback.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SQSClient, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Subscription } from '@medplum/fhirtypes';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureTable } from '../../functions/store/ensure-tables.ts';
import { subscriptionTable } from '../../functions/store/tables.ts';
import { backoffDelay } from '../../functions/subscriptions/delivery.ts';
import { type DynamoDbStreamEvent, type SqsEvent, createDeliveryHandler, createMatcherHandler } from '../../functions/subscriptions/handlers.ts';
import { parseDeliveryMessage } from '../../functions/subscriptions/queue.ts';
import { SqsDeliveryQueue } from '../../functions/subscriptions/sqs-queue.ts';
import { SECRET_URL, compileSubscription } from '../../functions/subscriptions/subscription-model.ts';
import { SubscriptionStore } from '../../functions/subscriptions/subscription-store.ts';
import { BASE, type TestApi, createTestApi } from '../support/test-api.ts';
import { Receiver, TEST_RULES, TEST_SETTINGS, silent, topicSubscription } from '../subscriptions/support.ts';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

const QUEUE_URL = 'https://sqs.eu-north-1.amazonaws.com/123456789012/samvard-prod-deliveries';
const DLQ_URL = 'https://sqs.eu-north-1.amazonaws.com/123456789012/samvard-prod-deliveries-dlq';

const sqsMock = mockClient(SQSClient);
let api: TestApi;
let subscriptions: SubscriptionStore;
let receiver: Receiver;
const queue = new SqsDeliveryQueue(new SQSClient({ region: 'eu-north-1' }), QUEUE_URL, DLQ_URL);

beforeAll(async () => {
  api = await createTestApi();
  const table = `subs-${randomUUID()}`;
  await ensureTable(api.client, subscriptionTable, table);
  subscriptions = new SubscriptionStore(api.client, table);
  receiver = await new Receiver().start();
});

afterAll(async () => {
  await receiver?.close();
  sqsMock.restore();
});

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: 'x' })),
    Failed: [],
  }));
  sqsMock.on(SendMessageCommand).resolves({ MessageId: randomUUID() });
});

/** A topic-based subscription to Tasks owned by `owner`, as stored (id, version, secret). */
function storedSubscription(id: string, owner: string, endpoint: string, status: Subscription['status'] = 'active'): Subscription {
  const body = topicSubscription({ topic: 'task-owner', filters: [`Task?owner=${owner}`], endpoint, content: 'id-only' });
  return {
    ...body,
    id,
    status,
    meta: { ...body.meta, versionId: '1', lastUpdated: '2026-11-22T09:00:00.000Z' },
    channel: { ...body.channel, extension: [{ url: SECRET_URL, valueString: 'a-secret-of-at-least-16-chars' }] },
  };
}

const sentBatches = () => sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
const sentMessages = () => sentBatches().flatMap((b) => (b.Entries ?? []).map((e) => parseDeliveryMessage(e.MessageBody as string)));

describe('matcher Lambda (DynamoDB stream event)', () => {
  const handler = () =>
    createMatcherHandler({ ctx: { store: api.store, baseUrl: BASE }, subscriptions, queue, rules: TEST_RULES, log: silent });

  it('queues one delivery per committed version that matches, numbered, and only those', async () => {
    const compiled = compileSubscription(storedSubscription('sub-stream', 'Organization/hemtjanst-norr', 'https://example.org/hook'), TEST_RULES);
    expect(await subscriptions.register('sub-stream', 1, compiled)).toBe('applied');
    const event = fixture<DynamoDbStreamEvent>('dynamodb-stream-task-versions.json');

    expect(await handler()(event)).toEqual({ batchItemFailures: [] });
    const messages = sentMessages();
    // task-stream-1 (a plain insert) and task-stream-2 (made visible by its multi-step
    // commit); not the current item, the index entry, the prepared insert, the other
    // owner's Task or the rolled-back version.
    expect(messages.map((m) => m.kind === 'event' && [m.eventNumber, m.event?.focus.id])).toEqual([
      [1, 'task-stream-1'],
      [2, 'task-stream-2'],
    ]);
    expect(sentBatches()[0]?.QueueUrl).toBe(QUEUE_URL);
    expect(await subscriptions.eventCount('sub-stream')).toBe(2);
  });

  it('gives a retried batch the same event numbers', async () => {
    const event = fixture<DynamoDbStreamEvent>('dynamodb-stream-task-versions.json');
    expect(await handler()(event)).toEqual({ batchItemFailures: [] });
    expect(sentMessages().map((m) => m.kind === 'event' && m.eventNumber)).toEqual([1, 2]);
    expect(await subscriptions.eventCount('sub-stream')).toBe(2);
  });

  it('reports the batch from its first record when it cannot queue', async () => {
    sqsMock.on(SendMessageBatchCommand).rejects(new Error('SQS unavailable'));
    const event = fixture<DynamoDbStreamEvent>('dynamodb-stream-task-versions.json');
    expect(await handler()(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.dynamodb?.SequenceNumber }] });
  });
});

describe('delivery Lambda (SQS event)', () => {
  const path = '/hook/lambda';
  let subscriptionId: string;
  const handler = () =>
    createDeliveryHandler({
      ctx: { store: api.store, baseUrl: BASE },
      subscriptions,
      queue,
      rules: TEST_RULES,
      settings: { ...TEST_SETTINGS, maxAttempts: 3 },
      log: silent,
    });
  const sqsEvent = (message: object): SqsEvent => {
    const event = fixture<SqsEvent>('sqs-delivery-event.json');
    (event.Records[0] as { body: string }).body = JSON.stringify(message);
    return event;
  };

  beforeAll(async () => {
    subscriptionId = randomUUID();
    const subscription = storedSubscription(subscriptionId, 'Organization/hemtjanst-norr', `${receiver.url}${path}`);
    await api.store.writeVersion(
      { type: 'Subscription', id: subscriptionId, version: 1, lastUpdated: '2026-11-22T09:00:00.000Z', operation: 'create', resource: subscription },
      undefined,
    );
    await subscriptions.recordEvents(subscriptionId, [
      { timestamp: '2026-11-22T09:15:00.000Z', focus: { type: 'Task', id: 'task-stream-1', version: 1 }, operation: 'create' },
    ]);
  });

  it('POSTs the notification and acknowledges the message', async () => {
    receiver.status = () => 200;
    const result = await handler()(sqsEvent({ kind: 'event', subscriptionId, eventNumber: 1, attempt: 1 }));
    expect(result).toEqual({ batchItemFailures: [] });
    const request = receiver.at(path)[0];
    expect(request?.headers['x-samvard-event-number']).toBe('1');
    const bundle = JSON.parse(request?.body ?? '{}');
    expect(bundle.entry[1].fullUrl).toBe(`${BASE}/Task/task-stream-1`);
    expect(sentBatches()).toHaveLength(0);
  });

  it('queues the next attempt with the backoff delay when the endpoint fails', async () => {
    receiver.status = () => 500;
    const result = await handler()(sqsEvent({ kind: 'event', subscriptionId, eventNumber: 1, attempt: 1 }));
    expect(result).toEqual({ batchItemFailures: [] });
    const [batch] = sentBatches();
    expect(batch?.QueueUrl).toBe(QUEUE_URL);
    const entry = batch?.Entries?.[0];
    expect(parseDeliveryMessage(entry?.MessageBody as string)).toMatchObject({ kind: 'event', eventNumber: 1, attempt: 2 });
    const maxDelay = Math.ceil(backoffDelay(1, TEST_SETTINGS, () => 1) / 1000);
    expect(entry?.DelaySeconds ?? 0).toBeLessThanOrEqual(maxDelay);
  });

  it('dead-letters the last attempt and sets the subscription to error', async () => {
    receiver.status = () => 500;
    const result = await handler()(sqsEvent({ kind: 'event', subscriptionId, eventNumber: 1, attempt: 3 }));
    expect(result).toEqual({ batchItemFailures: [] });
    const dead = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.QueueUrl).toBe(DLQ_URL);
    expect(parseDeliveryMessage(dead[0]?.MessageBody as string)).toMatchObject({ eventNumber: 1, attempt: 3 });
    expect(dead[0]?.MessageAttributes?.reason?.StringValue).toMatch(/failed 3 times; last: HTTP 500/);
    const current = await api.store.readCurrent('Subscription', subscriptionId);
    expect((current?.resource as Subscription).status).toBe('error');
  });

  it('reports a message it could not settle, and drops one that is not a delivery', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
    const failing = await handler()(sqsEvent({ kind: 'event', subscriptionId, eventNumber: 1, attempt: 1 }));
    // In error now: the event goes to the dead-letter queue, which is unavailable.
    expect(failing).toEqual({ batchItemFailures: [{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' }] });
    const junk = await handler()(sqsEvent({ hello: 'world' }));
    expect(junk).toEqual({ batchItemFailures: [] });
  });
});
