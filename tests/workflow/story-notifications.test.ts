/**
 * Story 1 of design.md §2, "Hip fracture, home again", end to end with party
 * notifications (docs/workflow.md, "Notifications / Aviseringar"): authentication and the
 * access rules on, the local subscription pipeline (matcher on DynamoDB Local's stream,
 * delivery worker) and a real HTTP receiver on loopback. Each party registered an Endpoint
 * on its Organization once and created no Subscription. The test counts each party's
 * calls, shows the care team before and after, and asserts who was notified when: after
 * each step, every party's endpoint has received exactly the notifications of that step
 * (which resource version, in which status, with which event numbers) before the next
 * step starts.
 */
import type { Bundle, Endpoint, Parameters, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { subscriptionCanRead } from '../../functions/access/subscriptions.ts';
import { createApp } from '../../functions/http/app.ts';
import { configureSubscriptionAccess } from '../../functions/subscriptions/authorization.ts';
import { Receiver, type SubscriptionTestEnv, createSubscriptionTestEnv, waitFor } from '../subscriptions/support.ts';
import { as } from '../support/access.ts';
import { BASE, json } from '../support/test-api.ts';
import { FHIR_REST, type Note, PARTY_TOPIC, REST_HOOK, notesAt, notificationEndpoint, registerEndpoint, secretOf } from './notify-support.ts';
import {
  type Send,
  type Unit,
  clientName,
  countedParty,
  hemtjanst,
  homeCareWorklist,
  kommunrehab,
  ok,
  primarvardsrehab,
  regionRequests,
  rehabAssigns,
  seedOrganizations,
  storyOneParties,
  teamAfter,
  teamBefore,
} from './support.ts';

// Deliveries wait on DynamoDB Local, which the whole suite shares: generous limits.
vi.setConfig({ testTimeout: 240_000 });

let env: SubscriptionTestEnv;
let receiver: Receiver;
let org: Record<string, string>;
/** Reads every version past the access rules, for the test's own checks. */
let operator: ReturnType<typeof createApp>;
const calls = new Map<string, number>();

beforeAll(async () => {
  receiver = await new Receiver().start();
  env = await createSubscriptionTestEnv({}, { auth: true, canRead: (api) => subscriptionCanRead(api.store) });
  configureSubscriptionAccess({ canRead: subscriptionCanRead(env.api.store) });
  operator = createApp({ store: env.api.store, baseUrl: BASE });
  org = await seedOrganizations(await as(env.api, { ...kommunrehab, name: 'setup' }));
}, 120_000);

afterAll(async () => {
  await env?.stopPipeline();
  await receiver?.close();
});

/** A sender for `unit` that counts its calls, and one that does not (for the test's own checks). */
const party = (unit: Unit, scope?: string): Promise<[Send, Send]> => countedParty(env.api, calls, unit, scope);

/** `Type/id/_history/n <status>` of a notification's focus version, read past the access rules. */
async function describeNote(note: Note): Promise<string> {
  const res = await operator.request(`${BASE}/${note.focus}`);
  expect(res.status, note.focus).toBe(200);
  const resource = (await res.json()) as { status?: string };
  return `${note.focus} ${resource.status}`;
}

describe('story 1 with party notifications: hip fracture, home again', () => {
  it('tells each party of each change addressed to it, in order, without a Subscription', async () => {
    // Registration, once per organisation, by its own administration client: an Endpoint and the
    // Organization pointing at it (two calls each; not part of the story's calls).
    const paths = new Map<Unit, string>([
      [primarvardsrehab, '/region/primarvardsrehab'],
      [kommunrehab, '/kommun/rehab'],
      [hemtjanst, '/kommun/hemtjanst'],
    ]);
    const endpoints = new Map<Unit, Endpoint>();
    for (const [unit, path] of paths) {
      const admin = await as(env.api, { ...unit, name: `${clientName(unit)}-admin` });
      const connectionType = unit === primarvardsrehab ? REST_HOOK : FHIR_REST;
      const endpoint = notificationEndpoint(`${receiver.url}${path}`, { connectionType, header: [`X-Receiver: ${clientName(unit)}`] });
      endpoints.set(unit, await registerEndpoint(admin, org[unit.careUnit] as string, endpoint));
      expect(secretOf(endpoints.get(unit) as Endpoint)).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    }

    /** Who has been told what, step by step: per party, per step, the focus versions and statuses. */
    const told = new Map<Unit, string[][]>([...paths.keys()].map((u) => [u, []]));
    const notes = (unit: Unit): Note[] => {
      const byNumber = new Map<number, Note>();
      // At least once: a repeat has the same event number, and a receiver ignores it.
      for (const note of notesAt(receiver, paths.get(unit) as string, secretOf(endpoints.get(unit) as Endpoint))) {
        if (!byNumber.has(note.eventNumber)) byNumber.set(note.eventNumber, note);
      }
      return [...byNumber.values()];
    };
    /** After a step: each party got exactly `expected` (any order within the step), numbered after the earlier steps. */
    const step = async (expected: Map<Unit, string[]>): Promise<void> => {
      for (const [unit, steps] of told) steps.push([...(expected.get(unit) ?? [])].sort());
      for (const [unit, steps] of told) {
        const total = steps.flat().length;
        const got = await waitFor(() => {
          const n = notes(unit);
          return n.length >= total && n;
        }, 120_000, `${total} notifications to ${unit.name}`);
        expect(got.map((n) => n.eventNumber), unit.name).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        const described = await Promise.all(got.map(describeNote));
        const bySteps: string[][] = [];
        let at = 0;
        for (const s of steps) {
          bySteps.push(described.slice(at, at + s.length).sort());
          at += s.length;
        }
        expect(bySteps, unit.name).toEqual(steps);
        for (const note of got) {
          expect(note.signed, `${unit.name} event ${note.eventNumber} signed with its Endpoint's secret`).toBe(true);
          expect(note.channel).toBe(`Organization/${org[unit.careUnit]}`);
        }
      }
    };

    const story = await storyOneParties(party, calls);
    const { region, rehab, homeCare, patient } = story;

    // 1. The region: one transaction with the egenvårdsbedömning and the vårdbegäran it supports.
    const request = await regionRequests(region, org, patient);
    // Kommunrehab is told of the vårdbegäran addressed to it; the region of its own request.
    const sr1 = `ServiceRequest/${request.id}/_history/1 active`;
    await step(new Map([[primarvardsrehab, [sr1]], [kommunrehab, [sr1]]]));

    // 2. Kommunrehab, told: its worklist of requests, then the HSL-uppdrag to hemtjänst.
    const task = await rehabAssigns(rehab, org, patient, request);
    // The team before: the patient and kommunrehab, the plan's author.
    const { plan, teamRef } = await teamBefore(story, task);
    // Kommunrehab (requester, plan author, the team's only unit) is told of the Task, the plan and the team;
    // hemtjänst (owner) of the Task only: it is not in the team and cannot read the plan yet.
    await step(
      new Map([
        [kommunrehab, [`Task/${task.id}/_history/1 requested`, `CarePlan/${plan.id}/_history/1 active`, `${teamRef}/_history/1 active`]],
        [hemtjanst, [`Task/${task.id}/_history/1 requested`]],
      ]),
    );

    // 3. Hemtjänst, told: its worklist (with the request and the patient), then it accepts.
    const worklist = await homeCareWorklist(homeCare, org);
    expect(worklist.entry?.filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id)).toEqual([task.id]);
    const accepted: Task = await ok(await homeCare('PUT', `/Task/${task.id}`, { ...task, status: 'accepted' }));
    // Requester and owner are told of the Task; both, now the team's units, of the team.
    await step(
      new Map([
        [kommunrehab, [`Task/${task.id}/_history/2 accepted`, `${teamRef}/_history/2 active`]],
        [hemtjanst, [`Task/${task.id}/_history/2 accepted`, `${teamRef}/_history/2 active`]],
      ]),
    );

    expect(Object.fromEntries(calls)).toEqual({ [primarvardsrehab.name]: 1, [kommunrehab.name]: 2, [hemtjanst.name]: 2 });

    // The team after: hemtjänst is an active participant from the moment it accepted, and reads the plan.
    await teamAfter(story, plan, teamRef, accepted);

    // The notifications are Backport notification Bundles, as a subscription's (id-only) ...
    const last = notes(hemtjanst).at(-1) as Note;
    expect(last.bundle).toMatchObject({ resourceType: 'Bundle', type: 'history' });
    const status = last.bundle.entry?.[0]?.resource as Parameters;
    expect(status.parameter?.find((p) => p.name === 'subscription')?.valueReference?.reference).toBe(`${BASE}/Organization/${org[hemtjanst.careUnit]}`);
    expect(status.parameter?.find((p) => p.name === 'topic')?.valueCanonical).toBe(PARTY_TOPIC);
    expect(last.bundle.entry?.[1]).toMatchObject({ fullUrl: `${BASE}/${teamRef}`, request: { method: 'PUT' }, response: { etag: 'W/"2"' } });
    expect(last.bundle.entry?.[1]?.resource).toBeUndefined();
    const raw = receiver.at(paths.get(hemtjanst) as string).at(-1);
    expect(raw?.headers['x-receiver']).toBe(clientName(hemtjanst));

    // ... and each party reads its channel's $status and $events as a subscriber would; no one else may.
    for (const [unit, steps] of told) {
      const [, send] = await party(unit);
      const statusBundle: Bundle = await ok(await send('GET', `/Organization/${org[unit.careUnit]}/$status`));
      const params = (statusBundle.entry?.[0]?.resource as Parameters).parameter ?? [];
      expect(params.find((p) => p.name === 'status')?.valueCode).toBe('active');
      expect(params.find((p) => p.name === 'events-since-subscription-start')?.valueString, unit.name).toBe(String(steps.flat().length));
    }
    const [, homeCareReader] = await party(hemtjanst);
    const events: Bundle = await ok(await homeCareReader('GET', `/Organization/${org[hemtjanst.careUnit]}/$events?eventsSinceNumber=1`));
    expect(events.type).toBe('history');
    expect(events.entry?.slice(1).map((e) => `${e.fullUrl} ${e.response?.etag}`).sort()).toEqual(
      [`${BASE}/Task/${task.id} W/"1"`, `${BASE}/Task/${task.id} W/"2"`, `${BASE}/${teamRef} W/"2"`].sort(),
    );
    expect((await homeCareReader('GET', `/Organization/${org[kommunrehab.careUnit]}/$status`)).status).toBe(403);
  });
});
