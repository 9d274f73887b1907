/**
 * Subscriptions end to end on loopback: the API (Hono app) on DynamoDB Local, the local
 * pipeline (matcher on the table's stream, delivery worker on the durable queue) and a
 * real HTTP receiver on 127.0.0.1.
 */
import type { Bundle, Subscription, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SECRET_URL } from '../../functions/subscriptions/subscription-model.ts';
import { verifySignature } from '../../functions/subscriptions/signature.ts';
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

beforeAll(async () => {
  receiver = await new Receiver().start();
  env = await createSubscriptionTestEnv();
});

afterAll(async () => {
  await env?.stopPipeline();
  await receiver?.close();
});

const secretOf = (s: Subscription): string =>
  s.channel.extension?.find((e) => e.url === SECRET_URL)?.valueString as string;

async function subscribe(body: Subscription): Promise<Subscription> {
  const res = await env.api.send('POST', '/Subscription', body);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
  return json(res);
}

async function readSubscription(id: string): Promise<Subscription> {
  return json(await env.api.send('GET', `/Subscription/${id}`));
}

async function waitUntilActive(id: string): Promise<Subscription> {
  return waitFor(async () => {
    const s = await readSubscription(id);
    return s.status === 'active' && s;
  }, 60_000, `Subscription/${id} active`);
}

async function createTask(owner: string, overrides: Partial<Task> = {}): Promise<Task> {
  const res = await env.api.send('POST', '/Task', hslTask({ owner: { reference: owner }, ...overrides }));
  expect(res.status).toBe(201);
  return json(res);
}

describe('topic-based subscription (Task assigned to an organisation)', () => {
  const path = '/hook/task-owner';
  const owner = 'Organization/hemtjanst-norr';
  let subscription: Subscription;

  it('is created as requested, with a generated secret, and activated by a handshake', async () => {
    subscription = await subscribe(
      topicSubscription({
        topic: 'task-owner',
        filters: [`Task?owner=${owner}`],
        endpoint: `${receiver.url}${path}`,
        content: 'full-resource',
      }),
    );
    expect(subscription.status).toBe('requested');
    expect(secretOf(subscription)).toMatch(/^[A-Za-z0-9_-]{32,}$/);

    const handshake = await waitFor(() => bundlesOf(receiver, path, 'handshake')[0], 60_000, 'handshake');
    expect(handshake.type).toBe('history');
    const status = statusOf(handshake);
    expect(status.params.meta?.profile).toContain(
      'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4',
    );
    expect(status.get('type')[0]?.valueCode).toBe('handshake');
    expect(status.get('status')[0]?.valueCode).toBe('requested');
    expect(status.get('events-since-subscription-start')[0]?.valueString).toBe('0');
    expect(status.get('subscription')[0]?.valueReference?.reference).toBe(`http://samvard.test/fhir/Subscription/${subscription.id}`);
    const request = receiver.at(path)[0];
    expect(verifySignature(secretOf(subscription), request?.headers['x-samvard-signature'] as string, request?.body ?? '')).toBe(true);

    const active = await waitUntilActive(subscription.id as string);
    expect(secretOf(active)).toBe(secretOf(subscription));
  });

  it('sends exactly one signed notification for a matching Task', async () => {
    const task = await createTask(owner);
    const [bundle] = await waitFor(() => {
      const found = bundlesOf(receiver, path, 'event-notification');
      return found.length > 0 && found;
    }, 60_000, 'event notification');
    const request = receiver.at(path).find((r) => r.headers['x-samvard-notification-type'] === 'event-notification');
    expect(request?.headers['content-type']).toBe('application/fhir+json');
    expect(request?.headers['x-samvard-event-number']).toBe('1');
    expect(verifySignature(secretOf(subscription), request?.headers['x-samvard-signature'] as string, request?.body ?? '')).toBe(true);
    expect(verifySignature('another secret entirely', request?.headers['x-samvard-signature'] as string, request?.body ?? '')).toBe(false);

    const b = bundle as Bundle;
    expect(b.type).toBe('history');
    const status = statusOf(b);
    expect(status.get('type')[0]?.valueCode).toBe('event-notification');
    expect(status.get('topic')[0]?.valueCanonical).toBe('https://samvard.se/fhir/SubscriptionTopic/task-owner');
    expect(status.get('events-since-subscription-start')[0]?.valueString).toBe('1');
    expect(eventNumbers(b)).toEqual([1]);
    const focus = status.get('notification-event')[0]?.part?.find((p) => p.name === 'focus');
    expect(focus?.valueReference?.reference).toBe(`http://samvard.test/fhir/Task/${task.id}`);
    expect(b.entry?.[1]?.resource).toMatchObject({ resourceType: 'Task', id: task.id, owner: { reference: owner } });
    expect(b.entry?.[1]?.request).toEqual({ method: 'POST', url: 'Task' });

    // Nothing more arrives for it.
    await new Promise((r) => setTimeout(r, 500));
    expect(bundlesOf(receiver, path, 'event-notification')).toHaveLength(1);
  });

  it('sends nothing for changes that do not match', async () => {
    await createTask('Organization/someone-else');
    const mine = await createTask(owner);
    // An update that neither changes owner nor status does not fire the topic.
    const res = await env.api.send('PUT', `/Task/${mine.id}`, { ...mine, description: 'Ändrad beskrivning' });
    expect(res.status).toBe(200);
    await createTask('Organization/someone-else');
    const accepted = await env.api.send('PUT', `/Task/${mine.id}`, { ...(await json(res)), status: 'accepted' });
    expect(accepted.status).toBe(200);

    // Event 2 is the creation of `mine`, event 3 its acceptance; the others made none.
    await waitFor(() => bundlesOf(receiver, path, 'event-notification').length >= 3 || undefined, 60_000, 'events 2 and 3');
    await new Promise((r) => setTimeout(r, 300));
    const bundles = bundlesOf(receiver, path, 'event-notification');
    expect(bundles.flatMap(eventNumbers).sort((a, b) => a - b)).toEqual([1, 2, 3]);
    const third = bundles.find((b) => eventNumbers(b)[0] === 3) as Bundle;
    expect(third.entry?.[1]?.resource).toMatchObject({ id: mine.id, status: 'accepted' });
    expect(third.entry?.[1]?.request).toEqual({ method: 'PUT', url: `Task/${mine.id}` });
  });

  it('answers $status and $events', async () => {
    const res = await env.api.send('GET', `/Subscription/${subscription.id}/$status`);
    expect(res.status).toBe(200);
    const statusBundle = await json(res);
    expect(statusBundle.type).toBe('searchset');
    const status = statusOf(statusBundle);
    expect(status.get('type')[0]?.valueCode).toBe('query-status');
    expect(status.get('status')[0]?.valueCode).toBe('active');
    expect(status.get('events-since-subscription-start')[0]?.valueString).toBe('3');

    const events = await json(await env.api.send('GET', `/Subscription/${subscription.id}/$events?eventsSinceNumber=2&eventsUntilNumber=3`));
    expect(events.type).toBe('history');
    expect(statusOf(events).get('type')[0]?.valueCode).toBe('query-event');
    expect(eventNumbers(events)).toEqual([2, 3]);
    expect(events.entry).toHaveLength(3);
    expect(events.entry[1].resource.resourceType).toBe('Task');

    const idOnly = await json(await env.api.send('GET', `/Subscription/${subscription.id}/$events?content=id-only`));
    expect(eventNumbers(idOnly)).toEqual([1, 2, 3]);
    expect(idOnly.entry.slice(1).every((e: { resource?: unknown }) => e.resource === undefined)).toBe(true);

    const all = await json(await env.api.send('GET', `/Subscription/$status?status=active`));
    expect(all.entry.map((e: { resource: { parameter: { name: string; valueReference?: { reference: string } }[] } }) =>
      e.resource.parameter.find((p) => p.name === 'subscription')?.valueReference?.reference)).toContain(
      `http://samvard.test/fhir/Subscription/${subscription.id}`,
    );
    expect((await env.api.send('GET', '/Subscription/$events')).status).toBe(404);
  });
});

describe('classic R4 criteria', () => {
  const path = '/hook/classic';
  const owner = 'Organization/kommunrehab';

  it('is activated without a handshake and POSTs the matching resource', async () => {
    const subscription = await subscribe({
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'HSL-uppdrag till kommunrehab',
      criteria: `Task?owner=${owner}&status=requested`,
      channel: { type: 'rest-hook', endpoint: `${receiver.url}${path}`, payload: 'application/fhir+json', header: ['Authorization: Bearer abc'] },
    });
    await waitUntilActive(subscription.id as string);
    const task = await createTask(owner);
    // No longer status=requested: no event; nor for another owner's Task.
    const accepted = await env.api.send('PUT', `/Task/${task.id}`, { ...task, status: 'accepted' });
    expect(accepted.status).toBe(200);
    await createTask('Organization/someone-else');
    const second = await createTask(owner);

    await waitFor(() => receiver.at(path).length >= 2 || undefined, 60_000, 'two classic notifications');
    await new Promise((r) => setTimeout(r, 300));
    const requests = receiver.at(path).sort((a, b) => Number(a.headers['x-samvard-event-number']) - Number(b.headers['x-samvard-event-number']));
    expect(requests.map((r) => r.headers['x-samvard-event-number'])).toEqual(['1', '2']);
    const [first, last] = requests as [(typeof requests)[number], (typeof requests)[number]];
    expect(JSON.parse(first.body)).toMatchObject({ resourceType: 'Task', id: task.id, status: 'requested' });
    expect(JSON.parse(last.body)).toMatchObject({ resourceType: 'Task', id: second.id });
    expect(first.headers.authorization).toBe('Bearer abc');
    expect(first.headers['x-samvard-subscription']).toBe(`Subscription/${subscription.id}`);
    expect(verifySignature(secretOf(subscription), first.headers['x-samvard-signature'] as string, first.body)).toBe(true);
  });
});

describe('what a Subscription may not be', () => {
  const base = (criteria: string, endpoint = `${'http://127.0.0.1:9'}/x`): Subscription => ({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'x',
    criteria,
    channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
  });

  it.each([
    ['a chained criterion', 'Task?owner.name=Hemtjänst', /Chained/],
    ['_has', 'Patient?_has:Observation:patient:code=1234', /_has/],
    ['an unknown parameter', 'Task?colour=red', /colour/],
    ['_include', 'Task?_include=Task:owner', /_include/],
    ['a type not served', 'Encounter?status=planned', /criteria/],
    ['an unknown topic', 'https://samvard.se/fhir/SubscriptionTopic/nope', /Unknown subscription topic/],
  ])('rejects %s in criteria with 400', async (_what, criteria, message) => {
    const res = await env.api.send('POST', '/Subscription', base(criteria));
    expect(res.status).toBe(400);
    const outcome = await json(res);
    expect(outcome.issue[0].details.text).toMatch(message);
    expect(outcome.issue[0].expression).toEqual(['Subscription.criteria']);
  });

  it('rejects a filter the topic does not allow', async () => {
    const res = await env.api.send(
      'POST',
      '/Subscription',
      topicSubscription({ topic: 'task-owner', filters: ['Task?description=x'], endpoint: 'http://127.0.0.1:9/x' }),
    );
    expect(res.status).toBe(400);
    expect((await json(res)).issue[0].details.text).toMatch(/description is not a filter/);
  });

  it('rejects other channel types and PATCH', async () => {
    const email = { ...base('Task?status=requested'), channel: { type: 'email', endpoint: 'mailto:a@b.se' } } as Subscription;
    const res = await env.api.send('POST', '/Subscription', email);
    expect(res.status).toBe(400);
    expect((await json(res)).issue[0].expression).toEqual(['Subscription.channel.type']);
    const patch = await env.api.send('PATCH', '/Subscription/abc', [], { 'Content-Type': 'application/json-patch+json' });
    expect(patch.status).toBe(405);
  });
});
