/**
 * The SSRF guard (functions/subscriptions/endpoint-address.ts, rule `private-endpoint`):
 * the classification of addresses, the refusal of a Subscription's `channel.endpoint` and
 * an Endpoint's `address` that is (or resolves to) a private, loopback, link-local or
 * metadata address when written, and the check again before each delivery, when the
 * allowance for local development (SAMVARD_ALLOW_PRIVATE_ENDPOINTS) is off.
 */
import { randomUUID } from 'node:crypto';
import type { Endpoint, Subscription } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSubscriptionConfig, subscriptionRules } from '../../functions/subscriptions/config.ts';
import { deliver } from '../../functions/subscriptions/delivery.ts';
import { type Lookup, nonPublicAddress, nonPublicHost, resolveDestination } from '../../functions/subscriptions/endpoint-address.ts';
import { configureSubscriptionApi } from '../../functions/subscriptions/routes.ts';
import { SubscriptionStore } from '../../functions/subscriptions/subscription-store.ts';
import { ensureTable } from '../../functions/store/ensure-tables.ts';
import { subscriptionTable } from '../../functions/store/tables.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';
import { notificationEndpoint } from '../workflow/notify-support.ts';
import { TEST_SETTINGS, silent, topicSubscription } from './support.ts';

describe('address classification', () => {
  it('refuses the private, loopback, link-local, metadata and other non-public IPv4 ranges, and no others', () => {
    const refused: [string, RegExp][] = [
      ['127.0.0.1', /loopback.*127\.0\.0\.0\/8/],
      ['127.255.255.254', /loopback/],
      ['10.0.0.1', /private.*10\.0\.0\.0\/8/],
      ['172.16.0.1', /private.*172\.16\.0\.0\/12/],
      ['172.31.255.255', /private/],
      ['192.168.1.1', /private.*192\.168\.0\.0\/16/],
      ['169.254.169.254', /metadata/],
      ['169.254.0.1', /link-local.*169\.254\.0\.0\/16/],
      ['0.0.0.0', /unspecified/],
      ['100.64.0.1', /shared/],
      ['224.0.0.1', /multicast/],
      ['255.255.255.255', /broadcast/],
    ];
    for (const [address, reason] of refused) expect(nonPublicAddress(address), address).toMatch(reason);
    for (const address of ['8.8.8.8', '172.15.255.255', '172.32.0.0', '192.167.255.255', '100.63.255.255', '169.253.255.255', '203.0.113.7', '1.1.1.1']) {
      expect(nonPublicAddress(address), address).toBeUndefined();
    }
  });

  it('refuses IPv6 loopback, unspecified, unique local (fc00::/7), link-local (fe80::/10), and IPv4 carried in IPv6', () => {
    const refused: [string, RegExp][] = [
      ['::1', /loopback/],
      ['0:0:0:0:0:0:0:1', /loopback/],
      ['[::1]', /loopback/],
      ['::', /unspecified/],
      ['fc00::1', /unique local/],
      ['fd00:ec2::254', /unique local/],
      ['fe80::1', /link-local/],
      ['febf:ffff::1', /link-local/],
      ['fec0::1', /site-local/],
      ['ff02::1', /multicast/],
      ['::ffff:127.0.0.1', /IPv4-mapped 127\.0\.0\.1, a loopback/],
      ['::ffff:7f00:1', /IPv4-mapped 127\.0\.0\.1/],
      ['::ffff:a9fe:a9fe', /169\.254\.169\.254, the cloud instance metadata/],
      ['::ffff:10.1.2.3', /private/],
      ['::127.0.0.1', /IPv4-compatible 127\.0\.0\.1/],
      ['64:ff9b::10.0.0.1', /NAT64 10\.0\.0\.1/],
    ];
    for (const [address, reason] of refused) expect(nonPublicAddress(address), address).toMatch(reason);
    for (const address of ['2001:db8::1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', 'fbff::1', 'fe7f::1']) {
      expect(nonPublicAddress(address), address).toBeUndefined();
    }
    expect(nonPublicAddress('hemtjanst.example.se')).toBeUndefined();
  });

  it('judges a URL by its host as the URL parser normalizes it: decimal, hex, octal and short IPv4, IPv6 forms, localhost', () => {
    const refused = [
      'http://127.0.0.1:8080/hook',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://017700000001/',
      'http://127.1/',
      'http://0/',
      'http://[::1]:9000/',
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:ffff:a9fe:a9fe]/latest/meta-data',
      'http://169.254.169.254/latest/meta-data',
      'https://0xa9.0xfe.0xa9.0xfe/',
      'http://LOCALHOST./',
      'https://api.localhost/hook',
      'https://[fd12:3456::1]/',
    ];
    for (const url of refused) expect(nonPublicHost(new URL(url)), url).toBeDefined();
    for (const url of ['https://hemtjanst.example.se/hook', 'https://8.8.8.8/', 'https://[2606:4700::1]/', 'https://localhost.example.se/']) {
      expect(nonPublicHost(new URL(url)), url).toBeUndefined();
    }
  });

  it('resolves a name and checks every address it resolves to', async () => {
    const lookup = (answers: Record<string, string[]>): Lookup => async (host) => {
      const found = answers[host];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return found;
    };
    const dns = lookup({ 'hooks.example.se': ['203.0.113.7', '2001:db8::7'], 'mixed.example.se': ['203.0.113.7', '10.0.0.9'], 'six.example.se': ['::1'] });
    expect(await resolveDestination(new URL('https://hooks.example.se/x'), dns)).toEqual({ public: true, addresses: ['203.0.113.7', '2001:db8::7'] });
    expect(await resolveDestination(new URL('https://mixed.example.se/x'), dns)).toMatchObject({ public: false, reason: expect.stringMatching(/resolves to 10\.0\.0\.9, a private address/) });
    expect(await resolveDestination(new URL('https://six.example.se/x'), dns)).toMatchObject({ public: false, reason: expect.stringMatching(/::1, the loopback/) });
    expect(await resolveDestination(new URL('https://nowhere.example.se/x'), dns)).toMatchObject({ public: undefined, reason: expect.stringMatching(/ENOTFOUND/) });
    // An address as written is judged without DNS.
    expect(await resolveDestination(new URL('http://127.0.0.1/'), dns)).toMatchObject({ public: false });
  });

  it('is off unless SAMVARD_ALLOW_PRIVATE_ENDPOINTS says otherwise', () => {
    expect(subscriptionRules(readSubscriptionConfig({})).allowPrivateEndpoints).toBe(false);
    expect(subscriptionRules(readSubscriptionConfig({ SAMVARD_ALLOW_PRIVATE_ENDPOINTS: '1' })).allowPrivateEndpoints).toBe(true);
  });
});

describe('with the allowance off', () => {
  let api: TestApi;
  let subscriptions: SubscriptionStore;
  /** What each name resolves to now; changed by the tests (DNS changes). */
  const dns = new Map<string, string[]>([
    ['hooks.example.se', ['203.0.113.7']],
    ['intranet.example.se', ['10.1.2.3']],
  ]);
  const lookup: Lookup = async (host) => {
    const found = dns.get(host);
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  const rules = { allowHttp: true, minHeartbeatSeconds: 1, allowPrivateEndpoints: false };

  beforeAll(async () => {
    api = await createTestApi();
    const table = `subs-${randomUUID()}`;
    await ensureTable(api.client, subscriptionTable, table);
    subscriptions = new SubscriptionStore(api.client, table);
    configureSubscriptionApi({ subscriptions, rules, lookup });
  }, 60_000);

  const refusal = async (res: Response, expression: string): Promise<string> => {
    expect(res.status, await res.clone().text()).toBe(400);
    const outcome = await json(res);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].expression).toEqual([expression]);
    expect(outcome.issue[0].details.text).toMatch(/^private-endpoint: /);
    return outcome.issue[0].details.text;
  };

  it('refuses a Subscription and an Endpoint to http://127.0.0.1 (and the other spellings) when written', async () => {
    for (const address of ['http://127.0.0.1:8080/hook', 'http://2130706433:8080/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://localhost:8080/hook', 'http://169.254.169.254/latest']) {
      const text = await refusal(
        await api.send('POST', '/Subscription', topicSubscription({ topic: 'task-owner', endpoint: address })),
        'Subscription.channel.endpoint',
      );
      expect(text).toMatch(/channel\.endpoint must be a public address/);
      await refusal(await api.send('POST', '/Endpoint', notificationEndpoint(address)), 'Endpoint.address');
    }
    // A conditional create of an Endpoint too.
    await refusal(
      await api.send('POST', '/Endpoint', { ...notificationEndpoint('http://10.0.0.8/hook'), name: 'private' }, { 'If-None-Exist': 'name=private' }),
      'Endpoint.address',
    );
    expect(((await json(await api.send('GET', '/Endpoint?name=private'))).entry ?? []).length).toBe(0);
  });

  it('refuses a name that resolves to a private address when written; accepts a public one and one that does not resolve now', async () => {
    const text = await refusal(await api.send('POST', '/Endpoint', notificationEndpoint('https://intranet.example.se/hook')), 'Endpoint.address');
    expect(text).toMatch(/intranet\.example\.se resolves to 10\.1\.2\.3, a private address \(10\.0\.0\.0\/8\)/);
    await refusal(
      await api.send('POST', '/Subscription', topicSubscription({ topic: 'task-owner', endpoint: 'https://intranet.example.se/hook' })),
      'Subscription.channel.endpoint',
    );
    expect((await api.send('POST', '/Endpoint', notificationEndpoint('https://hooks.example.se/hook'))).status).toBe(201);
    expect((await api.send('POST', '/Endpoint', notificationEndpoint('https://not-yet.example.se/hook'))).status).toBe(201);
    const subscription: Subscription = await json(
      await api.send('POST', '/Subscription', topicSubscription({ topic: 'task-owner', endpoint: 'https://hooks.example.se/hook' })),
    );
    expect(subscription.status).toBe('requested');
    // An update is checked as a create is.
    const endpoint: Endpoint = await json(await api.send('POST', '/Endpoint', notificationEndpoint('https://hooks.example.se/other')));
    await refusal(await api.send('PUT', `/Endpoint/${endpoint.id}`, { ...endpoint, address: 'https://192.168.0.10/hook' }), 'Endpoint.address');
  });

  it('checks again before each delivery: a name that now resolves to a private address is not POSTed to, a failed attempt with the reason', async () => {
    dns.set('moving.example.se', ['203.0.113.8']);
    const res = await api.send('POST', '/Subscription', topicSubscription({ topic: 'task-owner', endpoint: 'https://moving.example.se/hook' }));
    expect(res.status, await res.clone().text()).toBe(201);
    const subscription: Subscription = await json(res);

    // DNS changes: the name now points at the metadata service.
    dns.set('moving.example.se', ['203.0.113.8', '169.254.169.254']);
    const posted: string[] = [];
    const deps = {
      ctx: { store: api.store, baseUrl: BASE },
      subscriptions,
      settings: { ...TEST_SETTINGS, allowHttp: true },
      rules,
      lookup,
      log: silent,
      fetch: (async (url: string | URL | Request) => {
        posted.push(String(url));
        return new Response(null, { status: 200 });
      }) as typeof fetch,
    };
    const message = { kind: 'handshake' as const, subscriptionId: subscription.id as string, subscriptionVersion: 1, attempt: 1 };
    const first = await deliver(message, deps);
    expect(first).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/private-endpoint: .*moving\.example\.se resolves to 169\.254\.169\.254, the cloud instance metadata address/) });
    const last = await deliver({ ...message, attempt: TEST_SETTINGS.maxAttempts }, deps);
    expect(last).toMatchObject({ outcome: 'dead', reason: expect.stringMatching(/failed 6 times; last: not sent: private-endpoint/) });
    expect(posted).toEqual([]);
    const now: Subscription = await json(await api.send('GET', `/Subscription/${subscription.id}`));
    expect(now.status).toBe('error');
    expect(now.error).toMatch(/private-endpoint/);

    // The name is public again: the subscriber resumes it, and the handshake goes out.
    dns.set('moving.example.se', ['203.0.113.8']);
    const resumed: Subscription = await json(await api.send('PUT', `/Subscription/${subscription.id}`, { ...now, status: 'requested' }));
    expect(resumed.status).toBe('requested');
    const sent = await deliver({ ...message, subscriptionVersion: Number(resumed.meta?.versionId) }, deps);
    expect(sent.outcome).toBe('delivered');
    expect(posted).toEqual(['https://moving.example.se/hook']);
  });
});
