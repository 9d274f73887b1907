/**
 * Every path that writes a notification Endpoint or a Subscription goes through the same
 * checks and preparation as POST/PUT /Endpoint and /Subscription (routes.ts): transaction
 * and batch Bundles refuse them (400, as they refuse Subscriptions), and a conditional
 * update (`PUT Endpoint?…`, `PUT Subscription?…`) is checked and prepared as an update of
 * its match (secret generated or kept, address checked, a Subscription's status reset).
 */
import type { Bundle, Endpoint, Subscription } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureSubscriptionApi } from '../../functions/subscriptions/routes.ts';
import { SubscriptionStore } from '../../functions/subscriptions/subscription-store.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import { notificationEndpoint, secretOf } from '../workflow/notify-support.ts';
import { TEST_RULES, topicSubscription } from './support.ts';

let api: TestApi;

beforeAll(async () => {
  api = await createTestApi();
  // The private-address guard on (the default outside local development), http allowed; names resolve to a public address.
  configureSubscriptionApi({
    subscriptions: new SubscriptionStore(api.client, 'unused'),
    rules: { ...TEST_RULES, allowPrivateEndpoints: false },
    lookup: async () => ['203.0.113.7'],
  });
}, 60_000);

const HOOK = 'https://hooks.example.se/samvard';

async function status(res: Response, expected: number): Promise<any> {
  expect(res.status, await res.clone().text()).toBe(expected);
  return json(res);
}

describe('Endpoints in Bundles', () => {
  it('a transaction that writes an Endpoint is refused, naming the entry; nothing is stored', async () => {
    for (const entry of [
      { fullUrl: 'urn:uuid:e1', resource: notificationEndpoint('http://169.254.169.254/latest'), request: { method: 'POST', url: 'Endpoint' } },
      { resource: { ...notificationEndpoint(HOOK), id: 'e2' }, request: { method: 'PUT', url: 'Endpoint/e2' } },
      { resource: notificationEndpoint(HOOK), request: { method: 'PUT', url: 'Endpoint?name=samvard' } },
    ]) {
      const outcome = await status(
        await api.send('POST', '', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ resource: { resourceType: 'Patient', name: [{ family: 'Ek' }] }, request: { method: 'POST', url: 'Patient' } }, entry],
        }),
        400,
      );
      expect(outcome.issue[0].details.text).toMatch(/Entry 1: write Endpoints with POST or PUT \/Endpoint, not in a Bundle/);
    }
    expect((await json(await api.send('GET', '/Endpoint'))).entry ?? []).toEqual([]);
    expect((await json(await api.send('GET', '/Patient?family=Ek'))).entry ?? []).toEqual([]);
  });

  it('a batch refuses the Endpoint entry and runs the others', async () => {
    const bundle: Bundle = await status(
      await api.send('POST', '', {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: notificationEndpoint('http://127.0.0.1:9/hook'), request: { method: 'POST', url: 'Endpoint' } },
          { resource: { resourceType: 'Patient', name: [{ family: 'Alm' }] }, request: { method: 'POST', url: 'Patient' } },
        ],
      }),
      200,
    );
    expect(bundle.entry?.map((e) => e.response?.status)).toEqual(['400 Bad Request', '201 Created']);
    expect((await json(await api.send('GET', '/Endpoint'))).entry ?? []).toEqual([]);
  });

  it('a Bundle may still delete an Endpoint (nothing to check)', async () => {
    const endpoint: Endpoint = await status(await api.send('POST', '/Endpoint', notificationEndpoint(HOOK)), 201);
    const bundle: Bundle = await status(
      await api.send('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: `Endpoint/${endpoint.id}` } }] }),
      200,
    );
    expect(bundle.entry?.[0]?.response?.status).toMatch(/^20/);
    expect((await api.send('GET', `/Endpoint/${endpoint.id}`)).status).toBe(410);
  });
});

describe('conditional updates', () => {
  it('PUT Endpoint?… is checked and prepared: refused when bad, a secret when created, kept when the match is updated', async () => {
    const refused = await status(await api.send('PUT', '/Endpoint?name=conditional', { ...notificationEndpoint('http://10.0.0.7/hook'), name: 'conditional' }), 400);
    expect(refused.issue[0].expression).toEqual(['Endpoint.address']);
    expect(refused.issue[0].details.text).toMatch(/^private-endpoint: /);
    await status(await api.send('PUT', '/Endpoint?name=conditional', { ...notificationEndpoint(HOOK), name: 'conditional', header: ['no colon'] }), 400);
    expect((await json(await api.send('GET', '/Endpoint?name=conditional'))).entry ?? []).toEqual([]);

    const created: Endpoint = await status(await api.send('PUT', '/Endpoint?name=conditional', { ...notificationEndpoint(HOOK), name: 'conditional' }), 201);
    const secret = secretOf(created);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const updated: Endpoint = await status(
      await api.send('PUT', '/Endpoint?name=conditional', { ...notificationEndpoint(`${HOOK}/v2`), name: 'conditional' }),
      200,
    );
    expect(updated.id).toBe(created.id);
    expect(updated.address).toBe(`${HOOK}/v2`);
    expect(secretOf(updated)).toBe(secret);
  });

  it('PUT Subscription?… is checked and prepared as PUT /Subscription/<id> is', async () => {
    const body = { ...topicSubscription({ topic: 'task-owner', endpoint: HOOK }), reason: 'conditional', status: 'active' as const };
    const refused = await status(
      await api.send('PUT', '/Subscription?status=active,requested,off', { ...body, channel: { ...body.channel, endpoint: 'http://[::1]/hook' } }),
      400,
    );
    expect(refused.issue[0].expression).toEqual(['Subscription.channel.endpoint']);
    const created: Subscription = await status(await api.send('PUT', '/Subscription?status=active,requested,off', body), 201);
    // The status is the server's (a handshake follows), the secret generated.
    expect(created.status).toBe('requested');
    const secret = created.channel.extension?.find((e) => e.url === 'https://samvard.se/fhir/StructureDefinition/subscription-secret')?.valueString;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const updated: Subscription = await status(await api.send('PUT', '/Subscription?status=active,requested,off', { ...body, reason: 'renamed' }), 200);
    expect(updated.id).toBe(created.id);
    expect(updated.channel.extension?.find((e) => e.url === 'https://samvard.se/fhir/StructureDefinition/subscription-secret')?.valueString).toBe(secret);
  });
});
