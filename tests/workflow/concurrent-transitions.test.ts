/**
 * Concurrent transitions of one HSL-uppdrag by its two parties, with authentication and
 * the access rules on: the owner (hemtjänst) and the requester (kommunrehab) send their
 * changes at the same moment, with the same If-Match and without. The store serializes
 * them (the Task's version, and the care team's); the care team samvard keeps must match
 * the Task's history in every round. Several rounds per case, each on a new vårdbegäran.
 */
import type { Bundle, CareTeam, CareTeamParticipant, Provenance, Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../functions/http/app.ts';
import { as } from '../support/access.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';
import {
  type Send,
  type World,
  activeTasksOf,
  created,
  hemtjanst,
  kommunrehab,
  ok,
  owners,
  planAndTeam,
  primarvardsrehab,
  roleOf,
  seedOrganizations,
  seedPatient,
  task,
} from './support.ts';

vi.setConfig({ testTimeout: 240_000 });

const ROUNDS = 4;

let api: TestApi;
let org: Record<string, string>;
let requester: Send;
let owner: Send;
let region: Send;
/** Reads Provenances past the access rules (they do not yet say who reads samvard's Provenances). */
let operator: ReturnType<typeof createApp>;

beforeAll(async () => {
  api = await createTestApi({ auth: true });
  org = await seedOrganizations(await as(api, { ...kommunrehab, name: 'setup' }));
  requester = await as(api, { ...kommunrehab, name: 'Kommunrehab' });
  owner = await as(api, { ...hemtjanst, name: 'Hemtjansten' });
  region = await as(api, { ...primarvardsrehab, name: 'Primarvardsrehab' });
  operator = createApp({ store: api.store, baseUrl: BASE });
}, 120_000);

const HTJ = hemtjanst.careUnit;

async function newTask(status: 'requested' | 'accepted'): Promise<{ world: World; task: Task }> {
  const world = await seedPatient(requester, org, region);
  const t: Task = await created(await requester('POST', '/Task', task(world)));
  if (status === 'requested') return { world, task: t };
  return { world, task: await ok(await owner('PUT', `/Task/${t.id}`, { ...t, status: 'accepted' })) };
}

/** The owner's and the requester's changes at once; `ifMatch` sends both with the version they saw. */
async function race(t: Task, ownerStatus: Task['status'], requesterStatus: Task['status'], ifMatch: boolean): Promise<[Response, Response]> {
  const headers: Record<string, string> = ifMatch ? { 'If-Match': `W/"${t.meta?.versionId}"` } : {};
  return Promise.all([
    owner('PUT', `/Task/${t.id}`, { ...t, status: ownerStatus }, headers),
    requester('PUT', `/Task/${t.id}`, { ...t, status: requesterStatus }, headers),
  ]);
}

/** The statuses a Task went through, oldest first. */
async function statusHistory(taskId: string): Promise<string[]> {
  const history: Bundle = await ok(await requester('GET', `/Task/${taskId}/_history`));
  return (history.entry ?? [])
    .map((e) => e.resource as Task)
    .sort((a, b) => Number(a.meta?.versionId) - Number(b.meta?.versionId))
    .map((t) => t.status);
}

const ownerEntries = (team: CareTeam): CareTeamParticipant[] => (team.participant ?? []).filter((p) => roleOf(p) === 'task-owner');

async function lastProvenance(team: CareTeam): Promise<Provenance | undefined> {
  const res = await operator.request(`${BASE}/Provenance?target=CareTeam/${team.id}/_history/${team.meta?.versionId}`);
  const bundle = (await res.json()) as Bundle;
  return bundle.entry?.[0]?.resource as Provenance | undefined;
}

describe('owner completes while the requester cancels an accepted Task', () => {
  for (const ifMatch of [true, false]) {
    it(`${ifMatch ? 'with the same If-Match' : 'without If-Match'}: one 200, the other 412 or 409, and the team matches the winner`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { task: t } = await newTask('accepted');
        const [complete, cancel] = await race(t, 'completed', 'cancelled', ifMatch);
        const codes = [complete.status, cancel.status];
        expect(codes.filter((c) => c === 200), `round ${round}: ${codes}`).toHaveLength(1);
        expect([409, 412]).toContain(codes.find((c) => c !== 200));
        const winner: Task = await json((complete.status === 200 ? complete : cancel).clone());
        expect(winner.status).toBe(complete.status === 200 ? 'completed' : 'cancelled');
        expect(await statusHistory(t.id as string)).toEqual(['requested', 'accepted', winner.status]);

        // Either way hemtjänst leaves the team at the instant of the winning change, and only once.
        const { team } = await planAndTeam(requester, t.id as string);
        expect(owners(team)).toEqual([[HTJ, false]]);
        const [entry] = ownerEntries(team);
        expect(entry?.period?.end).toBe(winner.meta?.lastUpdated);
        expect(activeTasksOf(entry as CareTeamParticipant)).toEqual([]);
        expect(team.meta?.versionId).toBe('3');
        const provenance = await lastProvenance(team);
        expect(provenance?.reason?.[0]?.text).toContain(`Task/${t.id} ${winner.status}`);
        expect(provenance?.entity?.[0]?.what?.reference).toBe(`Task/${t.id}/_history/${winner.meta?.versionId}`);
      }
    });
  }
});

describe('owner accepts while the requester cancels a requested Task', () => {
  it('with the same If-Match: one 200, the other 412 or 409, and the team matches the winner', async () => {
    const winners = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const { task: t } = await newTask('requested');
      const [accept, cancel] = await race(t, 'accepted', 'cancelled', true);
      const codes = [accept.status, cancel.status];
      expect(codes.filter((c) => c === 200), `round ${round}: ${codes}`).toHaveLength(1);
      expect([409, 412]).toContain(codes.find((c) => c !== 200));
      const winner: Task = await json((accept.status === 200 ? accept : cancel).clone());
      winners.add(winner.status);
      expect(await statusHistory(t.id as string)).toEqual(['requested', winner.status]);

      const { team } = await planAndTeam(requester, t.id as string);
      if (winner.status === 'accepted') {
        // Hemtjänst joined at the instant it accepted, kept there by this Task.
        expect(owners(team)).toEqual([[HTJ, true]]);
        const [entry] = ownerEntries(team);
        expect(entry?.period?.start).toBe(winner.meta?.lastUpdated);
        expect(activeTasksOf(entry as CareTeamParticipant)).toEqual([`Task/${t.id}`]);
        expect(team.meta?.versionId).toBe('2');
      } else {
        // A cancellation before acceptance adds no one: the team is as the Task's creation left it.
        expect(owners(team)).toEqual([]);
        expect(team.meta?.versionId).toBe('1');
      }
    }
    expect([...winners].every((w) => w === 'accepted' || w === 'cancelled')).toBe(true);
  });

  it('without If-Match: the requester may cancel after the acceptance, so both may succeed; the team always follows the Task', async () => {
    // Without If-Match the later change is checked against the Task as it then is. Cancelled
    // first, the acceptance is refused (cancelled → accepted: 409). Accepted first, the
    // requester's cancellation is a change the table allows (accepted → cancelled): two 200s,
    // and hemtjänst joins and leaves. A client that means "cancel unless accepted" sends If-Match.
    for (let round = 0; round < ROUNDS; round++) {
      const { task: t } = await newTask('requested');
      const [accept, cancel] = await race(t, 'accepted', 'cancelled', false);
      const history = await statusHistory(t.id as string);
      const { team } = await planAndTeam(requester, t.id as string);
      if (accept.status === 200 && cancel.status === 200) {
        expect(history).toEqual(['requested', 'accepted', 'cancelled']);
        const cancelled: Task = await json(cancel.clone());
        expect(owners(team)).toEqual([[HTJ, false]]);
        expect(ownerEntries(team)[0]?.period?.end).toBe(cancelled.meta?.lastUpdated);
        expect(team.meta?.versionId).toBe('3');
      } else {
        expect([cancel.status, accept.status], `round ${round}`).toEqual([200, 409]);
        expect(history).toEqual(['requested', 'cancelled']);
        expect(owners(team)).toEqual([]);
        expect(team.meta?.versionId).toBe('1');
      }
    }
  });
});
