/**
 * 1,000 changes for one subscription arrive with no gap in event numbers, end to end on
 * loopback, among 111 changes that do not match.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import type { Observation, Subscription } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionItem } from '../../functions/store/items.ts';
import { heartRate } from '../support/conforming.ts';
import { json } from '../support/test-api.ts';
import { Receiver, type SubscriptionTestEnv, bundlesOf, createSubscriptionTestEnv, eventNumbers, topicSubscription, waitFor } from './support.ts';

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

/** 1,000 matching changes among 1,111 writes. */
const CHANGES = 1_000;
const WRITES = 1_111;
const WRITERS = 4;

describe('1,000 changes', () => {
  // About 30 s alone; the writes slow down a lot when the whole suite shares DynamoDB Local.
  it('arrive with no gap in event numbers', { timeout: 240_000 }, async () => {
    const path = '/hook/observations';
    const patient = 'Patient/hemmonitorering';
    const res = await env.api.send(
      'POST',
      '/Subscription',
      topicSubscription({ topic: 'observation-patient', filters: [`Observation?patient=${patient}`], endpoint: `${receiver.url}${path}` }),
    );
    const created: Subscription = await json(res);
    await waitFor(async () => (await json(await env.api.send('GET', `/Subscription/${created.id}`))).status === 'active', 60_000);

    const started = Date.now();
    // Each change is a version item exactly as the store writes it (`versionItem`), put
    // with BatchWriteItem 25 at a time: a new version item in the stream is what the
    // matcher consumes, and DynamoDB Local's transactions (current item, version, index
    // entries) would make this a test of DynamoDB Local rather than of the subscription path.
    const versions = Array.from({ length: WRITES }, (_, i) => {
      const id = randomUUID();
      const lastUpdated = new Date(Date.now() + i).toISOString();
      // Every tenth is someone else's: it must not count.
      const subject = i % 10 === 9 ? 'Patient/someone-else' : patient;
      const resource = heartRate(60 + (i % 40), { id, subject: { reference: subject }, meta: { versionId: '1', lastUpdated } }) as Observation;
      return versionItem({ type: 'Observation', id, version: 1, lastUpdated, operation: 'create', resource });
    });
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < versions.length) {
        let requests = versions.slice(next, next + 25).map((Item) => ({ PutRequest: { Item } }));
        next += 25;
        while (requests.length > 0) {
          const result = await env.api.client.send(new BatchWriteItemCommand({ RequestItems: { [env.api.tableName]: requests } }));
          requests = (result.UnprocessedItems?.[env.api.tableName] ?? []) as typeof requests;
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    const written = Date.now();

    const expected = CHANGES;
    const unique = (): Set<number> => new Set(bundlesOf(receiver, path, 'event-notification').flatMap(eventNumbers));
    await waitFor(() => unique().size >= expected || undefined, 120_000, `${expected} distinct notifications`).catch((err: Error) => {
      throw new Error(`${err.message}; got ${unique().size}; pipeline errors: ${env.errors.slice(0, 5).join(' | ')}`);
    });
    const numbers = [...unique()].sort((a, b) => a - b);
    expect(numbers).toHaveLength(expected);
    expect(numbers[0]).toBe(1);
    expect(numbers[numbers.length - 1]).toBe(expected);
    const repeats = bundlesOf(receiver, path, 'event-notification').length - expected;
    console.info(
      `${WRITES} writes in ${written - started} ms; ${expected} notifications received ${Date.now() - written} ms after the last write` +
        ` (${repeats} delivered twice; ${env.errors.length} pipeline errors${env.errors[0] ? `, first: ${env.errors[0]}` : ''})`,
    );
  });
});
