/** Match keys, the signature, subscription compilation and notification shapes, without I/O. */
import type { Subscription } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../functions/subscriptions/delivery.ts';
import { resourceKeys, subscriptionKeys } from '../../functions/subscriptions/match-keys.ts';
import { notificationBundle } from '../../functions/subscriptions/notification.ts';
import { signatureHeader, verifySignature } from '../../functions/subscriptions/signature.ts';
import { SECRET_URL, compileSubscription, parseFilter } from '../../functions/subscriptions/subscription-model.ts';
import { topicFires, topicFor } from '../../functions/subscriptions/topics.ts';
import { heartRate, hslTask } from '../support/conforming.ts';
import { TEST_RULES, TEST_SETTINGS, topicSubscription } from './support.ts';

const keysOf = (type: string, query: string) => subscriptionKeys(parseFilter(type, [...new URLSearchParams(query)]));

describe('match keys', () => {
  it('file a subscription under its most selective criterion', () => {
    expect(keysOf('Task', 'status=requested&owner=Organization/1')).toEqual(['owner=Organization/1']);
    expect(keysOf('Task', 'owner=Organization/1,Organization/2')).toEqual(['owner=Organization/1', 'owner=Organization/2']);
    expect(keysOf('Observation', 'code=http://loinc.org|8867-4&patient=123')).toEqual(['patient=Patient/123']);
    expect(keysOf('Observation', 'code=http://loinc.org|8867-4')).toEqual(['code=8867-4']);
    expect(keysOf('Task', '_id=abc')).toEqual(['_id=abc']);
  });

  it('file what has no selective criterion under the wildcard', () => {
    expect(keysOf('Task', 'status=requested')).toEqual(['*']);
    expect(keysOf('Task', '')).toEqual(['*']);
    expect(keysOf('Task', 'owner:missing=true')).toEqual(['*']);
    expect(keysOf('Observation', 'subject=123')).toEqual(['*']); // a bare id of several possible types
  });

  it('are looked up by a resource with its own values, for the parameters in use', () => {
    const task = { ...hslTask({ owner: { reference: 'Organization/1' } }), id: 't1' };
    expect(resourceKeys(task, new Set(['owner', '*']))).toEqual(['*', 'owner=Organization/1']);
    expect(resourceKeys(task, new Set(['owner']))).toEqual(['owner=Organization/1']);
    expect(resourceKeys(task)).toEqual(expect.arrayContaining(['*', '_id=t1', 'owner=Organization/1', 'patient=Patient/patient-example-personnummer']));
    const observation = { ...heartRate(80, { subject: { reference: 'Patient/p1' } }), id: 'o1' };
    expect(resourceKeys(observation, new Set(['code', 'patient']))).toEqual(['patient=Patient/p1', 'code=8867-4']);
  });
});

describe('signature', () => {
  it('verifies what it signed, and nothing else', () => {
    const header = signatureHeader('secret-secret-secret', '{"a":1}', 1_800_000_000);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('secret-secret-secret', header, '{"a":1}', { nowSeconds: 1_800_000_010 })).toBe(true);
    expect(verifySignature('secret-secret-secret', header, '{"a":2}', { nowSeconds: 1_800_000_010 })).toBe(false);
    expect(verifySignature('another-secret-xxxx', header, '{"a":1}', { nowSeconds: 1_800_000_010 })).toBe(false);
    expect(verifySignature('secret-secret-secret', header, '{"a":1}', { nowSeconds: 1_800_001_000 })).toBe(false); // replayed
    expect(verifySignature('secret-secret-secret', 'nonsense', '{"a":1}')).toBe(false);
  });
});

describe('backoff', () => {
  it('doubles from the base up to the maximum, with jitter', () => {
    const settings = { ...TEST_SETTINGS, backoffBaseMs: 100, backoffMaxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, settings, () => 0.5))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoffDelay(1, settings, () => 0)).toBe(80);
    expect(backoffDelay(1, settings, () => 1)).toBe(120);
  });
});

describe('compiling a Subscription', () => {
  const withSecret = (s: Subscription): Subscription => ({
    ...s,
    channel: { ...s.channel, extension: [...(s.channel.extension ?? []), { url: SECRET_URL, valueString: 'x'.repeat(32) }] },
  });

  it('reads the backport extensions', () => {
    const compiled = compileSubscription(
      withSecret(
        topicSubscription({
          topic: 'observation-patient',
          filters: ['Observation?patient=Patient/1', 'code=http://loinc.org|8867-4'],
          endpoint: 'https://example.org/hook',
          content: 'full-resource',
          heartbeatSeconds: 60,
        }),
      ),
      TEST_RULES,
    );
    expect(compiled).toMatchObject({
      kind: 'topic',
      resourceType: 'Observation',
      topic: 'https://samvard.se/fhir/SubscriptionTopic/observation-patient',
      filter: [
        ['patient', 'Patient/1'],
        ['code', 'http://loinc.org|8867-4'],
      ],
      content: 'full-resource',
      heartbeatSeconds: 60,
      endpoint: 'https://example.org/hook',
    });
  });

  it('needs https unless http is allowed, and a secret', () => {
    const http = withSecret(topicSubscription({ topic: 'task-owner', endpoint: 'http://example.org/hook' }));
    expect(() => compileSubscription(http, { ...TEST_RULES, allowHttp: false })).toThrow(/https/);
    expect(() => compileSubscription(topicSubscription({ topic: 'task-owner', endpoint: 'https://example.org/hook' }), TEST_RULES)).toThrow(
      /signing secret/,
    );
  });
});

describe('topics', () => {
  const topic = topicFor('https://samvard.se/fhir/SubscriptionTopic/task-owner');

  it('fire on assignment and on status changes of an assigned Task', () => {
    if (!topic) throw new Error('no topic');
    const task = hslTask({ owner: { reference: 'Organization/1' } });
    expect(topicFires(topic, 'create', task, undefined)).toBe(true);
    expect(topicFires(topic, 'update', task, { ...task, description: 'other' })).toBe(false);
    expect(topicFires(topic, 'update', task, { ...task, status: 'draft' })).toBe(true);
    expect(topicFires(topic, 'update', task, { ...task, owner: { reference: 'Organization/2' } })).toBe(true);
    expect(topicFires(topic, 'create', { ...task, owner: undefined }, undefined)).toBe(false);
    expect(topicFires(topic, 'delete', undefined, task)).toBe(false);
  });
});

describe('notification bundle', () => {
  it('is a history Bundle whose first entry is the status, then the focus', () => {
    const event = { eventNumber: 7, timestamp: '2026-11-22T10:00:00Z', focus: { type: 'Task', id: 't1', version: 2 }, operation: 'update' as const };
    const bundle = notificationBundle({
      baseUrl: 'https://samvard.se/fhir',
      subscriptionId: 's1',
      status: 'active',
      topic: 'https://samvard.se/fhir/SubscriptionTopic/task-owner',
      type: 'event-notification',
      eventsSinceSubscriptionStart: 7,
      content: 'id-only',
      events: [{ event }],
    });
    expect(bundle.type).toBe('history');
    expect(bundle.entry?.[0]?.request).toEqual({ method: 'GET', url: 'https://samvard.se/fhir/Subscription/s1/$status' });
    expect(bundle.entry?.[0]?.resource?.resourceType).toBe('Parameters');
    expect(bundle.entry?.[1]).toEqual({
      fullUrl: 'https://samvard.se/fhir/Task/t1',
      request: { method: 'PUT', url: 'Task/t1' },
      response: { status: '200', etag: 'W/"2"', lastModified: '2026-11-22T10:00:00Z' },
    });
    const empty = notificationBundle({
      baseUrl: 'https://samvard.se/fhir',
      subscriptionId: 's1',
      status: 'active',
      topic: 'https://samvard.se/fhir/SubscriptionTopic/task-owner',
      type: 'event-notification',
      eventsSinceSubscriptionStart: 7,
      content: 'empty',
      events: [{ event }],
    });
    expect(empty.entry).toHaveLength(1);
    const names = (empty.entry?.[0]?.resource as { parameter: { name: string; part?: { name: string }[] }[] }).parameter;
    expect(names.map((p) => p.name)).toEqual(['subscription', 'status', 'type', 'events-since-subscription-start', 'notification-event']);
    expect(names[4]?.part?.map((p) => p.name)).toEqual(['event-number', 'timestamp']);
  });
});
