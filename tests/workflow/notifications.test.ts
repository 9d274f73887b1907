/**
 * Party notifications (docs/workflow.md, "Notifications / Aviseringar") beyond story 1,
 * with authentication and the access rules on, the local pipeline and a loopback
 * receiver: who is not told (no Endpoint, an Endpoint that is off, an Endpoint someone
 * else put on the Organization, a party that may not read the change), how an Endpoint
 * is checked when written, and how a failing endpoint is retried, dead-lettered and
 * resumed, as a subscription is. Each test seeds Organizations of its own, so every
 * channel's event numbers start at 1.
 */
import type { CarePlan, CareTeam, Endpoint, Parameters, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { subscriptionCanRead } from '../../functions/access/subscriptions.ts';
import { configureSubscriptionAccess } from '../../functions/subscriptions/authorization.ts';
import { Receiver, type SubscriptionTestEnv, TEST_SETTINGS, createSubscriptionTestEnv, waitFor } from '../subscriptions/support.ts';
import { as } from '../support/access.ts';
import { sipCarePlan } from '../support/conforming.ts';
import { json } from '../support/test-api.ts';
import { type Note, notesAt, notificationEndpoint, registerEndpoint, secretOf } from './notify-support.ts';
import {
  type Send,
  type Unit,
  type World,
  clientName,
  created,
  hemsjukvard,
  hemtjanst,
  kommunrehab,
  ok,
  primarvardsrehab,
  seedOrganizations,
  seedPatient,
  task,
} from './support.ts';

vi.setConfig({ testTimeout: 240_000 });

let env: SubscriptionTestEnv;
let receiver: Receiver;
let round = 0;

beforeAll(async () => {
  receiver = await new Receiver().start();
  env = await createSubscriptionTestEnv({}, { auth: true, canRead: (api) => subscriptionCanRead(api.store) });
  configureSubscriptionAccess({ canRead: subscriptionCanRead(env.api.store) });
}, 120_000);

afterAll(async () => {
  await env?.stopPipeline();
  await receiver?.close();
});

const sender = (unit: Unit, suffix = ''): Promise<Send> => as(env.api, { ...unit, name: `${clientName(unit)}${suffix}` });

interface Setup {
  org: Record<string, string>;
  /** A patient with the region's vårdbegäran to kommunrehab (its requester and performer are told of it). */
  world: World;
  /** The Endpoints registered, by unit. */
  endpoint: Map<Unit, Endpoint>;
  /** A receiver path of this test, for `unit`. */
  path(unit: Unit): string;
  /** The notifications `unit` got at its path, by event number. */
  notes(unit: Unit): Note[];
  channel(unit: Unit): string;
}

/**
 * Organizations of this test; then the Endpoints of `registrations`, each registered by its
 * unit's own administration client; then the patient and the vårdbegäran (so whether a
 * party is told of it does not depend on how fast the matcher is).
 */
async function setup(registrations: [Unit, Partial<Endpoint>?][]): Promise<Setup> {
  const n = ++round;
  const org = await seedOrganizations(await sender(kommunrehab, '-setup'));
  const path = (unit: Unit): string => `/t${n}/${clientName(unit)}`;
  const endpoint = new Map<Unit, Endpoint>();
  for (const [unit, overrides] of registrations) {
    const body = notificationEndpoint(`${receiver.url}${path(unit)}`, overrides ?? {});
    endpoint.set(unit, await registerEndpoint(await sender(unit, '-admin'), org[unit.careUnit] as string, body));
  }
  const world = await seedPatient(await sender(kommunrehab), org, await sender(primarvardsrehab));
  return {
    org,
    world,
    endpoint,
    path,
    notes: (unit) => notesAt(receiver, path(unit), secretOf(endpoint.get(unit) as Endpoint)),
    channel: (unit) => `Organization/${org[unit.careUnit]}`,
  };
}

/** Waits until `unit` got `count` notifications and returns their focus versions in event order. */
async function told(s: Setup, unit: Unit, count: number): Promise<string[]> {
  const notes = await waitFor(() => {
    const got = s.notes(unit);
    return got.length >= count && got;
  }, 120_000, `${count} notifications to ${unit.name}`);
  expect(notes.map((note) => note.eventNumber)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(notes.every((note) => note.signed)).toBe(true);
  return notes.map((note) => note.focus);
}

/** Nothing was numbered for the channel, and nothing reached the receiver under its name. */
async function neverTold(s: Setup, unit: Unit): Promise<void> {
  expect(await env.subscriptions.eventCount(s.channel(unit))).toBe(0);
  expect([...receiver.received, ...receiver.rejected].filter((r) => r.headers['x-samvard-subscription'] === s.channel(unit))).toEqual([]);
}

describe('who is not told', () => {
  it('an organisation with no Endpoint', async () => {
    const s = await setup([[kommunrehab]]);
    const t: Task = await created(await (await sender(kommunrehab))('POST', '/Task', task(s.world, hemsjukvard)));
    // Kommunrehab, performer of the vårdbegäran and the Task's requester, is told of the request, the
    // Task, its plan and team: the matcher has handled the change.
    expect(await told(s, kommunrehab, 4)).toContain(`Task/${t.id}/_history/1`);
    await neverTold(s, hemsjukvard);
  });

  it('an Endpoint that is off, until it is active again', async () => {
    const s = await setup([[kommunrehab], [hemtjanst, { status: 'off' }]]);
    const t: Task = await created(await (await sender(kommunrehab))('POST', '/Task', task(s.world, hemtjanst)));
    expect(await told(s, kommunrehab, 4)).toContain(`Task/${t.id}/_history/1`);
    await neverTold(s, hemtjanst);
    expect(s.notes(hemtjanst)).toEqual([]);

    // Switched on: the next change is its first event.
    const admin = await sender(hemtjanst, '-admin');
    const id = s.endpoint.get(hemtjanst)?.id;
    const current: Endpoint = await ok(await admin('GET', `/Endpoint/${id}`));
    await ok(await admin('PUT', `/Endpoint/${id}`, { ...current, status: 'active' }));
    await ok(await (await sender(hemtjanst))('PUT', `/Task/${t.id}`, { ...t, status: 'accepted' }));
    const focuses = await told(s, hemtjanst, 2);
    expect(focuses.filter((f) => f.startsWith('Task/'))).toEqual([`Task/${t.id}/_history/2`]);
    expect(focuses.filter((f) => f.startsWith('CareTeam/'))).toHaveLength(1);
  });

  it('an Endpoint another organisation put on the Organization', async () => {
    const s = await setup([[kommunrehab]]);
    // The region registers an Endpoint of its own on hemsjukvården's Organization (any care provider may edit an Organization).
    const regionAdmin = await sender(primarvardsrehab, '-admin');
    await registerEndpoint(regionAdmin, s.org[hemsjukvard.careUnit] as string, notificationEndpoint(`${receiver.url}${s.path(hemsjukvard)}`));
    const t: Task = await created(await (await sender(kommunrehab))('POST', '/Task', task(s.world, hemsjukvard)));
    expect(await told(s, kommunrehab, 4)).toContain(`Task/${t.id}/_history/1`);
    await neverTold(s, hemsjukvard);
    expect(receiver.at(s.path(hemsjukvard))).toEqual([]);
  });

  it('a party that may not read the change', async () => {
    const s = await setup([[primarvardsrehab], [hemtjanst]]);
    const send = await sender(primarvardsrehab);
    // The region's own team, inactive, naming hemtjänst; and a SIP plan of the region with that team.
    // Hemtjänst is a participant, so it reads the team; an inactive team is no care relationship
    // (functions/access/facts.ts), so it may not read the plan and is not told of it.
    const team: CareTeam = await created(
      await send('POST', '/CareTeam', {
        resourceType: 'CareTeam',
        status: 'inactive',
        subject: { reference: `Patient/${s.world.patient}` },
        participant: [
          { member: { reference: `Organization/${s.org[primarvardsrehab.careUnit]}` } },
          { member: { reference: `Organization/${s.org[hemtjanst.careUnit]}` } },
        ],
      }),
    );
    expect(await told(s, hemtjanst, 1)).toEqual([`CareTeam/${team.id}/_history/1`]);
    const plan: CarePlan = await created(
      await send(
        'POST',
        '/CarePlan',
        sipCarePlan({
          subject: { reference: `Patient/${s.world.patient}` },
          author: { reference: `Organization/${s.org[primarvardsrehab.careUnit]}` },
          careTeam: [{ reference: `CareTeam/${team.id}` }],
        }),
      ),
    );
    // The region, requester of the vårdbegäran, the plan's author and the team's other participant, is told of all three.
    expect(await told(s, primarvardsrehab, 3)).toEqual([
      `ServiceRequest/${s.world.request}/_history/1`,
      `CareTeam/${team.id}/_history/1`,
      `CarePlan/${plan.id}/_history/1`,
    ]);
    expect((await (await sender(hemtjanst))('GET', `/CarePlan/${plan.id}`)).status).toBe(404);
    expect(await env.subscriptions.eventCount(s.channel(hemtjanst))).toBe(1);
    expect(s.notes(hemtjanst)).toHaveLength(1);
  });
});

describe('the Endpoint', () => {
  it('is checked as a subscription endpoint when written, gets a secret, and is read by its own care provider only', async () => {
    const s = await setup([]);
    const admin = await sender(hemtjanst, '-admin');
    const base = { ...notificationEndpoint(`${receiver.url}/x`), managingOrganization: { reference: `Organization/${s.org[hemtjanst.careUnit]}` } };
    const refused = async (body: Endpoint, expression: string): Promise<void> => {
      const res = await admin('POST', '/Endpoint', body);
      expect(res.status, await res.clone().text()).toBe(400);
      expect((await json(res)).issue[0].expression).toEqual([expression]);
    };
    await refused({ ...base, address: 'ftp://hemtjanst.example.se/hook' }, 'Endpoint.address');
    await refused({ ...base, address: 'https://user:secret@hemtjanst.example.se/hook' }, 'Endpoint.address');
    await refused({ ...base, header: ['no colon here'] }, 'Endpoint.header[0]');
    await refused({ ...base, payloadMimeType: ['application/xml'] }, 'Endpoint.payloadMimeType');
    await refused(
      { ...base, extension: [{ url: 'https://samvard.se/fhir/StructureDefinition/subscription-secret', valueString: 'short' }] },
      'Endpoint.extension',
    );

    const endpoint: Endpoint = await created(await admin('POST', '/Endpoint', base));
    const secret = secretOf(endpoint);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    // A PUT without the secret keeps it.
    const { extension: _secret, ...withoutSecret } = endpoint;
    const updated: Endpoint = await ok(await admin('PUT', `/Endpoint/${endpoint.id}`, { ...withoutSecret, name: 'renamed' }));
    expect(secretOf(updated)).toBe(secret);
    expect((await admin('PATCH', `/Endpoint/${endpoint.id}`, [{ op: 'replace', path: '/status', value: 'off' }])).status).toBe(405);
    // Another care provider neither reads nor changes it.
    const other = await sender(primarvardsrehab);
    expect([403, 404]).toContain((await other('GET', `/Endpoint/${endpoint.id}`)).status);
    expect([403, 404]).toContain((await other('PUT', `/Endpoint/${endpoint.id}`, { ...updated, address: `${receiver.url}/stolen` })).status);
    // A conditional create is checked and prepared too.
    const named = { ...base, name: `hemtjanst-${round}` };
    const once: Endpoint = await created(await admin('POST', '/Endpoint', named, { 'If-None-Exist': `name=hemtjanst-${round}` }));
    expect(secretOf(once)).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const again = await admin('POST', '/Endpoint', named, { 'If-None-Exist': `name=hemtjanst-${round}` });
    expect(again.status).toBe(200);
    expect((await admin('POST', '/Endpoint', { ...named, address: 'ftp://x' }, { 'If-None-Exist': 'name=other' })).status).toBe(400);
    // An Endpoint for other purposes (no notification connection type) is stored as it is.
    const directory = await admin('POST', '/Endpoint', {
      ...base,
      connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'ihe-xds' },
      address: 'urn:oid:1.2.3',
    });
    expect(directory.status).toBe(201);
  });
});

describe('a failing endpoint', () => {
  it('is retried, dead-lettered and set to error as a subscription is; the organisation resumes it by setting it active', async () => {
    const failing = `/t${round + 1}/${clientName(hemtjanst)}`;
    let failingNow = true;
    const previousStatus = receiver.status;
    receiver.status = (request, index) => (request.path === failing && failingNow ? 500 : previousStatus(request, index));
    try {
      const s = await setup([[kommunrehab], [hemtjanst]]);
      expect(s.path(hemtjanst)).toBe(failing);
      const homeCare = s.endpoint.get(hemtjanst) as Endpoint;
      const t: Task = await created(await (await sender(kommunrehab))('POST', '/Task', task(s.world, hemtjanst)));
      expect(await told(s, kommunrehab, 4)).toContain(`Task/${t.id}/_history/1`);

      // Every attempt failed: the notification is dead-lettered and the Endpoint is in error.
      const admin = await sender(hemtjanst, '-admin');
      const broken: Endpoint = await waitFor(async () => {
        const e: Endpoint = await ok(await admin('GET', `/Endpoint/${homeCare.id}`));
        return e.status === 'error' && e;
      }, 120_000, 'the Endpoint in error');
      expect(broken.extension?.find((e) => e.url === 'https://samvard.se/fhir/StructureDefinition/notification-error')?.valueString).toMatch(
        /failed 6 times; last: HTTP 500/,
      );
      expect(receiver.rejected.filter((r) => r.path === failing)).toHaveLength(TEST_SETTINGS.maxAttempts);
      const dead = (await env.pipeline?.queue.deadLettered())?.filter((d) => d.message.subscriptionId === s.channel(hemtjanst));
      expect(dead?.map((d) => d.message.kind === 'event' && d.message.eventNumber)).toEqual([1]);
      const status: Parameters = (await ok(await (await sender(hemtjanst))('GET', `/${s.channel(hemtjanst)}/$status`))).entry[0].resource;
      expect(status.parameter?.find((p) => p.name === 'status')?.valueCode).toBe('error');

      // Fixed and switched back on: the next change is delivered as event 2; event 1 is in $events.
      failingNow = false;
      await ok(await admin('PUT', `/Endpoint/${homeCare.id}`, { ...broken, status: 'active' }));
      const fixed: Endpoint = await ok(await admin('GET', `/Endpoint/${homeCare.id}`));
      expect(fixed.extension?.some((e) => e.url === 'https://samvard.se/fhir/StructureDefinition/notification-error')).toBe(false);
      await ok(await (await sender(hemtjanst))('PUT', `/Task/${t.id}`, { ...t, status: 'accepted' }));
      const notes = await waitFor(() => {
        const got = s.notes(hemtjanst);
        return got.length >= 2 && got;
      }, 120_000, 'two notifications after the fix');
      expect(notes.map((n) => n.eventNumber)).toEqual([2, 3]);
      const missed = await ok(await (await sender(hemtjanst))('GET', `/${s.channel(hemtjanst)}/$events?eventsSinceNumber=1&eventsUntilNumber=1`));
      expect(missed.entry[1].fullUrl).toMatch(new RegExp(`/Task/${t.id}$`));
    } finally {
      receiver.status = previousStatus;
    }
  });
});
