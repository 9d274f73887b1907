/**
 * Delivery when things go wrong, end to end on loopback: a receiver that fails for a
 * while, one that never recovers (dead letter, status `error`), a failed handshake, a
 * stopped and restarted local pipeline, and heartbeats.
 */
import type { Subscription, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalDeliveryQueue } from '../../functions/subscriptions/local/local-queue.ts';
import { hslTask } from '../support/conforming.ts';
import { json } from '../support/test-api.ts';
import {
  Receiver,
  type SubscriptionTestEnv,
  bundlesOf,
  createSubscriptionTestEnv,
  eventNumbers,
  statusOf,
  topicSubscription,
  waitFor,
} from './support.ts';

// Deliveries wait on DynamoDB Local, which the whole suite shares: generous limits.
vi.setConfig({ testTimeout: 120_000 });

let env: SubscriptionTestEnv;
let receiver: Receiver;
/** 10 attempts, 50 ms doubling to at most 400 ms: about 3 s before a delivery is given up. */
const SETTINGS = { maxAttempts: 10, backoffBaseMs: 50, backoffMaxMs: 400 };

beforeAll(async () => {
  receiver = await new Receiver().start();
  env = await createSubscriptionTestEnv(SETTINGS);
});

afterAll(async () => {
  await env?.stopPipeline();
  await receiver?.close();
});

async function readSubscription(id: string): Promise<Subscription> {
  return json(await env.api.send('GET', `/Subscription/${id}`));
}

async function activeSubscription(path: string, owner: string, extra: { heartbeatSeconds?: number } = {}): Promise<Subscription> {
  const res = await env.api.send(
    'POST',
    '/Subscription',
    topicSubscription({ topic: 'task-owner', filters: [`owner=${owner}`], endpoint: `${receiver.url}${path}`, ...extra }),
  );
  expect(res.status).toBe(201);
  const created: Subscription = await json(res);
  return waitFor(async () => {
    const s = await readSubscription(created.id as string);
    return s.status === 'active' && s;
  }, 60_000, 'active subscription');
}

async function createTask(owner: string): Promise<Task> {
  const res = await env.api.send('POST', '/Task', hslTask({ owner: { reference: owner } }));
  expect(res.status).toBe(201);
  return json(res);
}

const received = (path: string): number[] =>
  bundlesOf(receiver, path, 'event-notification').flatMap(eventNumbers).sort((a, b) => a - b);

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('a receiver that fails for a while', () => {
  it('gets every notification once it recovers', async () => {
    const path = '/hook/flaky';
    const owner = 'Organization/flaky';
    const subscription = await activeSubscription(path, owner);
    let failures = 0;
    receiver.status = (request) => {
      if (request.path === path && request.headers['x-samvard-notification-type'] === 'event-notification' && failures < 12) {
        failures++;
        return 500;
      }
      return 200;
    };
    for (let i = 0; i < 5; i++) await createTask(owner);

    await waitFor(() => received(path).length >= 5 || undefined, 60_000, 'five notifications');
    expect(failures).toBe(12);
    expect(new Set(received(path))).toEqual(new Set(range(5)));
    const attempts = receiver.at(path).map((r) => Number(r.headers['x-samvard-delivery-attempt']));
    expect(Math.max(...attempts)).toBeGreaterThan(1);
    expect((await readSubscription(subscription.id as string)).status).toBe('active');
    receiver.status = () => 200;
  });
});

describe('a receiver that never recovers', () => {
  it('dead-letters the notification and sets the subscription to error', async () => {
    const path = '/hook/dead';
    const owner = 'Organization/dead';
    const subscription = await activeSubscription(path, owner);
    receiver.status = (request) => (request.path === path ? 503 : 200);
    await createTask(owner);

    const errored = await waitFor(async () => {
      const s = await readSubscription(subscription.id as string);
      return s.status === 'error' && s;
    }, 60_000, 'status error');
    expect(errored.error).toMatch(/failed 10 times; last: HTTP 503/);
    expect(receiver.rejected.filter((r) => r.path === path)).toHaveLength(SETTINGS.maxAttempts);

    const queue = new LocalDeliveryQueue(env.api.client, env.subscriptionTable);
    const dead = await waitFor(async () => {
      const items = (await queue.deadLettered()).filter((d) => d.message.subscriptionId === subscription.id);
      return items.length > 0 && items;
    }, 60_000, 'dead letter');
    expect(dead[0]?.message).toMatchObject({ kind: 'event', eventNumber: 1, attempt: SETTINGS.maxAttempts });

    // $status reports the error; the event is still there for $events.
    const status = statusOf(await json(await env.api.send('GET', `/Subscription/${subscription.id}/$status`)));
    expect(status.get('status')[0]?.valueCode).toBe('error');
    expect(status.get('error')[0]?.valueCodeableConcept?.text).toMatch(/HTTP 503/);
    const events = await json(await env.api.send('GET', `/Subscription/${subscription.id}/$events`));
    expect(eventNumbers(events)).toEqual([1]);

    // In error it is no longer matched: a new Task makes no event.
    const before = receiver.rejected.length;
    await createTask(owner);
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.rejected.length).toBe(before);
    receiver.status = () => 200;
  });

  it('sets a subscription whose handshake fails to error', async () => {
    const path = '/hook/no-handshake';
    receiver.status = (request) => (request.path === path ? 404 : 200);
    const res = await env.api.send(
      'POST',
      '/Subscription',
      topicSubscription({ topic: 'task-owner', filters: ['owner=Organization/x'], endpoint: `${receiver.url}${path}` }),
    );
    const created: Subscription = await json(res);
    const errored = await waitFor(async () => {
      const s = await readSubscription(created.id as string);
      return s.status === 'error' && s;
    }, 60_000, 'status error');
    expect(errored.error).toMatch(/handshake.*HTTP 404/);
    receiver.status = () => 200;
  });
});

describe('a stopped and restarted local pipeline', () => {
  it('still delivers what was pending, and what was written while it was stopped', async () => {
    const path = '/hook/restart';
    const owner = 'Organization/restart';
    await activeSubscription(path, owner);
    receiver.status = (request) => (request.path === path ? 500 : 200);
    for (let i = 0; i < 3; i++) await createTask(owner);
    // Each of the three has been tried and failed: they wait in the queue for their retry.
    await waitFor(() => receiver.rejected.filter((r) => r.path === path).length >= 3 || undefined, 60_000, 'failed attempts');
    await env.stopPipeline();

    const queue = new LocalDeliveryQueue(env.api.client, env.subscriptionTable);
    const pending = await queue.pending();
    expect(pending.filter((p) => p.message.kind === 'event').length).toBeGreaterThanOrEqual(3);

    // Written while stopped: the stream keeps them until the pipeline reads on.
    for (let i = 0; i < 2; i++) await createTask(owner);
    receiver.status = () => 200;
    await new Promise((r) => setTimeout(r, 300));
    expect(received(path)).toEqual([]);

    await env.startPipeline();
    await waitFor(() => received(path).length >= 5 || undefined, 60_000, 'five notifications after restart');
    expect(new Set(received(path))).toEqual(new Set(range(5)));
  });
});

describe('heartbeats', () => {
  it('are sent every period with the event count', async () => {
    const path = '/hook/heartbeat';
    const subscription = await activeSubscription(path, 'Organization/heartbeat', { heartbeatSeconds: 1 });
    const beats = await waitFor(() => {
      const found = bundlesOf(receiver, path, 'heartbeat');
      return found.length >= 2 && found;
    }, 60_000, 'two heartbeats');
    const status = statusOf(beats[0] as never);
    expect(status.get('type')[0]?.valueCode).toBe('heartbeat');
    expect(status.get('status')[0]?.valueCode).toBe('active');
    expect(status.get('events-since-subscription-start')[0]?.valueString).toBe('0');
    expect(status.get('subscription')[0]?.valueReference?.reference).toContain(`Subscription/${subscription.id}`);
    // Switching the subscription off stops them.
    const off = await env.api.send('PUT', `/Subscription/${subscription.id}`, { ...(await readSubscription(subscription.id as string)), status: 'off' });
    expect(off.status).toBe(200);
    expect((await json(off)).status).toBe('off');
    await new Promise((r) => setTimeout(r, 500));
    const count = bundlesOf(receiver, path, 'heartbeat').length;
    await new Promise((r) => setTimeout(r, 1_800));
    expect(bundlesOf(receiver, path, 'heartbeat').length).toBe(count);
  });
});
