/**
 * The HSL-uppdrag state machine through the HTTP API, table-driven from the published
 * table (functions/core/workflow/task-state-machine.ts): every (from, to, actor) triple is
 * allowed or refused exactly as the table says, with authentication on so the party is
 * decided from the caller's token. Actors: the Task's requester (kommunrehab), its owner
 * (hemtjänst), and another unit of the requester's own care provider (hemsjukvård), which
 * may read and update the Task under the access rules but is not a party to it.
 */
import { readFileSync } from 'node:fs';
import type { Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TASK_STATUSES,
  type TaskStatus,
  findTransition,
  transitionTableMarkdown,
} from '../../functions/core/workflow/task-state-machine.ts';
import { as } from '../support/access.ts';
import { createTestApi, json } from '../support/test-api.ts';
import {
  type Send,
  type Unit,
  type World,
  clientName,
  created,
  hemsjukvard,
  hemtjanst,
  kommunrehab,
  move,
  ok,
  primarvardsrehab,
  ruleOf,
  seedOrganizations,
  seedPatient,
  task,
} from './support.ts';

type Actor = 'requester' | 'owner' | 'other';
const ACTORS: Actor[] = ['requester', 'owner', 'other'];
const UNIT_OF: Record<Actor, Unit> = { requester: kommunrehab, owner: hemtjanst, other: hemsjukvard };

let world: World;
const senders = {} as Record<Actor, Send>;

beforeAll(async () => {
  const api = await createTestApi({ auth: true });
  for (const actor of ACTORS) senders[actor] = await as(api, { ...UNIT_OF[actor], name: clientName(UNIT_OF[actor]) });
  const region = await as(api, { ...primarvardsrehab, name: 'primarvardsrehab' });
  world = await seedPatient(senders.requester, await seedOrganizations(senders.requester), region);
}, 60_000);

/** The steps (status, by) from a new requested Task to each status; `ready` is created as such. */
const PATHS: Record<TaskStatus, [TaskStatus, Actor][]> = {
  draft: [],
  requested: [],
  ready: [],
  received: [['received', 'owner']],
  accepted: [['accepted', 'owner']],
  rejected: [['rejected', 'owner']],
  'in-progress': [
    ['accepted', 'owner'],
    ['in-progress', 'owner'],
  ],
  'on-hold': [
    ['accepted', 'owner'],
    ['in-progress', 'owner'],
    ['on-hold', 'owner'],
  ],
  completed: [['completed', 'owner']],
  failed: [
    ['accepted', 'owner'],
    ['in-progress', 'owner'],
    ['failed', 'owner'],
  ],
  cancelled: [['cancelled', 'requester']],
  'entered-in-error': [['entered-in-error', 'requester']],
};

/** A Task of the world, brought to `status` by the allowed steps. */
async function taskIn(status: TaskStatus): Promise<Task> {
  let current: Task = await created(
    await senders.requester('POST', '/Task', task(world, hemtjanst, kommunrehab, { status: status === 'ready' ? 'ready' : 'requested' })),
  );
  for (const [next, actor] of PATHS[status]) current = await ok(await move(senders[actor], current, next));
  expect(current.status).toBe(status);
  return current;
}

const allowed = (from: TaskStatus | undefined, to: TaskStatus, actor: Actor): boolean =>
  actor !== 'other' && (findTransition(from, to)?.by.includes(actor) ?? false);

describe('creating a Task', () => {
  for (const status of TASK_STATUSES) {
    for (const actor of ACTORS) {
      const expected = allowed(undefined, status, actor);
      it(`as ${status} by the ${actor}: ${expected ? 'allowed' : 'refused'}`, async () => {
        const res = await senders[actor]('POST', '/Task', task(world, hemtjanst, kommunrehab, { status, ...(status === 'rejected' ? { statusReason: { text: 'x' } } : {}) }));
        if (expected) {
          expect(res.status, await res.clone().text()).toBe(201);
          return;
        }
        expect(res.status, await res.clone().text()).toBe(409);
        expect(await ruleOf(res)).toBe(findTransition(undefined, status) ? 'transition-party' : 'initial-status');
      });
    }
  }
});

for (const from of TASK_STATUSES) {
  describe(`from ${from}`, () => {
    const changes = TASK_STATUSES.filter((to) => to !== from).flatMap((to) => ACTORS.map((actor) => ({ to, actor })));

    it('refuses every change the table does not list for that party, naming the rule, and changes nothing', async () => {
      const t = await taskIn(from);
      for (const { to, actor } of changes.filter((c) => !allowed(from, c.to, c.actor))) {
        const res = await move(senders[actor], t, to);
        const body = await res.clone().text();
        expect(res.status, `${from} → ${to} by the ${actor}: ${body}`).toBe(409);
        const rule = await ruleOf(res);
        expect(rule, `${from} → ${to} by the ${actor}`).toBe(findTransition(from, to) ? 'transition-party' : 'transition-unknown');
        expect(JSON.parse(body).issue[0].details.text).toMatch(new RegExp(`^${rule}: `));
        expect(JSON.parse(body).issue[0].expression).toEqual(['Task.status']);
      }
      const after: Task = await ok(await senders.requester('GET', `/Task/${t.id}`));
      expect(after.status).toBe(from);
      expect(after.meta?.versionId).toBe(t.meta?.versionId);
    }, 120_000);

    for (const { to, actor } of changes.filter((c) => allowed(from, c.to, c.actor))) {
      it(`allows ${from} → ${to} by the ${actor}`, async () => {
        const t = await taskIn(from);
        const moved: Task = await ok(await move(senders[actor], t, to));
        expect(moved.status).toBe(to);
      });
    }

    it('lets either party, and no one else, change other elements without changing the status', async () => {
      const t = await taskIn(from);
      const byOther = await senders.other('PUT', `/Task/${t.id}`, { ...t, note: [{ text: 'från hemsjukvården' }] });
      expect(byOther.status).toBe(409);
      expect(await ruleOf(byOther)).toBe('not-a-party');
      let current = t;
      for (const actor of ['requester', 'owner'] as const) {
        current = await ok(await senders[actor]('PUT', `/Task/${t.id}`, { ...current, note: [{ text: `från ${actor}` }] }));
        expect(current.status).toBe(from);
      }
    });
  });
}

describe('the rules besides the table', () => {
  it('a rejection says why (the HSL-uppdrag profile, samvard-task-1)', async () => {
    const t = await taskIn('requested');
    const res = await senders.owner('PUT', `/Task/${t.id}`, { ...t, status: 'rejected' });
    expect(res.status).toBe(400);
    expect((await json(res)).issue[0].details.text).toMatch(/^samvard-task-1: /);
  });

  it('the patient, requester, requests, plan and focus do not change; the owner changes only before it took the Task on', async () => {
    const t = await taskIn('requested');
    const other = `Organization/${world.org[hemsjukvard.careUnit]}`;
    const cases: [Partial<Task>, string, string][] = [
      [{ for: { reference: 'Patient/someone-else' } }, 'immutable', 'Task.for'],
      [{ requester: { reference: other } }, 'immutable', 'Task.requester'],
      [{ basedOn: [{ reference: 'ServiceRequest/another' }] }, 'immutable', 'Task.basedOn'],
      [{ basedOn: [...(t.basedOn ?? []).filter((r) => !r.reference?.startsWith('CarePlan/')), { reference: 'CarePlan/another' }] }, 'immutable', 'Task.basedOn'],
      [{ focus: { reference: 'ServiceRequest/another' } }, 'immutable', 'Task.focus'],
      [{ owner: { reference: other }, status: 'accepted' }, 'owner-fixed', 'Task.owner'],
    ];
    for (const [changes, rule, expression] of cases) {
      const res = await senders.owner('PUT', `/Task/${t.id}`, { ...t, ...changes });
      expect(res.status, JSON.stringify(changes)).toBe(409);
      expect(await ruleOf(res)).toBe(rule);
      expect((await json(res)).issue[0].expression).toEqual([expression]);
    }
    // Before anyone took it on, the requester may send it to another unit: then that unit is the owner.
    const rerouted: Task = await ok(await senders.requester('PUT', `/Task/${t.id}`, { ...t, owner: { reference: other } }));
    expect(rerouted.owner?.reference).toBe(other);
    expect((await move(senders.owner, rerouted, 'accepted')).status).toBe(409);
    expect((await ok(await move(senders.other, rerouted, 'accepted'))).status).toBe('accepted');
    const accepted = await taskIn('accepted');
    const late = await senders.owner('PUT', `/Task/${accepted.id}`, { ...accepted, owner: { reference: other } });
    expect(await ruleOf(late)).toBe('owner-fixed');
  });

  it('keeps the plan and focus when an update leaves them out', async () => {
    const t = await taskIn('requested');
    const { focus: _focus, ...rest } = t;
    const body = { ...rest, basedOn: t.basedOn?.filter((r) => r.reference?.startsWith('ServiceRequest/')) };
    const updated: Task = await ok(await senders.owner('PUT', `/Task/${t.id}`, { ...body, status: 'received' }));
    expect(updated.basedOn).toEqual(t.basedOn);
    expect(updated.focus).toEqual(t.focus);
  });

  it('publishes the table in the CapabilityStatement', async () => {
    const cs = await json(await senders.requester('GET', '/metadata'));
    const taskResource = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Task');
    expect(taskResource.documentation).toContain(transitionTableMarkdown());
    expect(taskResource.documentation).toContain('docs/workflow.md');
  });

  it('is the table docs/workflow.md publishes', () => {
    expect(readFileSync(new URL('../../docs/workflow.md', import.meta.url), 'utf8')).toContain(transitionTableMarkdown());
  });
});
