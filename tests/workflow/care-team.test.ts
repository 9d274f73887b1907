/**
 * The plan and care team the workflow broker keeps for HSL-uppdrag (docs/workflow.md):
 * the CarePlan found or created for a vårdbegäran, the CareTeam's membership after each
 * kind of transition, the Provenance of every change, and that clients cannot write the
 * team. Authentication is off here (no party checks; the state machine still holds).
 */
import type { Bundle, CarePlan, CareTeam, Provenance, Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { sipCarePlan } from '../support/conforming.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';
import {
  ACTIVE_TASK,
  WORKFLOW,
  type World,
  activeTasksOf,
  activeUnits,
  created,
  hemsjukvard,
  hemtjanst,
  kommunrehab,
  move,
  ok,
  owners,
  planAndTeam,
  planId,
  primarvardsrehab,
  roleOf,
  ruleOf,
  seedOrganizations,
  seedPatient,
  task,
} from './support.ts';

let api: TestApi;
let org: Record<string, string>;

beforeAll(async () => {
  api = await createTestApi();
  org = await seedOrganizations(api.send);
}, 60_000);

const newWorld = (): Promise<World> => seedPatient(api.send, org);
const post = async (t: Task): Promise<Task> => created(await api.send('POST', '/Task', t));
const to = async (t: Task, status: Task['status'], changes: Partial<Task> = {}): Promise<Task> => ok(await move(api.send, t, status, changes));
const teamOf = async (t: Task): Promise<CareTeam> => (await planAndTeam(api.send, t.id as string)).team;
const provenancesOf = async (team: CareTeam): Promise<Provenance[]> => {
  const bundle: Bundle = await ok(await api.send('GET', `/Provenance?target=CareTeam/${team.id}&_count=100`));
  return (bundle.entry ?? []).map((e) => e.resource as Provenance).sort((a, b) => (a.id as string).localeCompare(b.id as string));
};
const HTJ = hemtjanst.careUnit;
const REH = kommunrehab.careUnit;
const HSV = hemsjukvard.careUnit;

describe('the plan of an HSL-uppdrag', () => {
  it('is created with the Task when the vårdbegäran has none, in the same commit, and the Task is linked to it', async () => {
    const world = await newWorld();
    const t = await post(task(world));
    expect(t.focus).toEqual({ reference: `ServiceRequest/${world.request}` });
    expect(t.basedOn?.map((r) => r.reference)).toEqual([`ServiceRequest/${world.request}`, `CarePlan/${planId(t)}`]);
    const { plan, team } = await planAndTeam(api.send, t.id as string);
    expect(plan).toMatchObject({
      status: 'active',
      intent: 'plan',
      subject: { reference: `Patient/${world.patient}` },
      author: { reference: `Organization/${org[REH]}` },
      supportingInfo: [{ reference: `ServiceRequest/${world.request}` }],
    });
    expect(plan.meta?.tag).toContainEqual({ system: WORKFLOW, code: 'created-for-task' });
    expect(plan.activity?.[0]?.detail?.performer).toEqual([{ reference: `Organization/${org[HTJ]}` }]);
    // Plan, team and Task were one commit: the plan's version 1 is what the Task names.
    expect(plan.meta?.versionId).toBe('1');
    expect(plan.meta?.lastUpdated).toBe(team.meta?.lastUpdated);
    // The patient and the author from the start; no owner before it takes the Task on.
    expect(team.participant?.map(roleOf)).toEqual(['patient', 'plan-author']);
    expect(team.participant?.[0]?.member).toEqual({ reference: `Patient/${world.patient}` });
    expect(team.participant?.[1]?.member).toEqual({
      reference: `Organization/${org[REH]}`,
      type: 'Organization',
      identifier: { system: 'urn:oid:1.2.752.29.4.19', value: REH },
      display: kommunrehab.name,
    });
    // One care provider so far: not (yet) a SIP care team.
    expect(team.meta?.profile).toBeUndefined();
    // Both conform to what samvard requires of them.
    for (const path of [`/CarePlan/${plan.id}/$validate`, `/CareTeam/${team.id}/$validate`]) {
      expect((await ok(await api.send('GET', path))).issue[0].details.text).toBe('All OK');
    }
    const [provenance] = await provenancesOf(team);
    expect(provenance?.target).toEqual([{ reference: `CareTeam/${team.id}/_history/1` }, { reference: `CarePlan/${plan.id}/_history/1` }]);
    expect(provenance?.entity).toEqual([{ role: 'source', what: { reference: `Task/${t.id}/_history/1` } }]);
  });

  it('is shared by every Task of the same vårdbegäran', async () => {
    const world = await newWorld();
    const first = await post(task(world));
    const second = await post(task(world, hemsjukvard));
    expect(planId(second)).toBe(planId(first));
    const plans: Bundle = await ok(await api.send('GET', `/CarePlan?patient=Patient/${world.patient}`));
    expect(plans.total).toBe(1);
  });

  it('is one plan also when two Tasks of a vårdbegäran are created at the same time', async () => {
    const world = await newWorld();
    const tasks = await Promise.all([post(task(world)), post(task(world, hemsjukvard)), post(task(world, kommunrehab))]);
    expect(new Set(tasks.map(planId)).size).toBe(1);
    const plans: Bundle = await ok(await api.send('GET', `/CarePlan?patient=Patient/${world.patient}`));
    expect(plans.total).toBe(1);
  });

  it('is the plan the vårdbegäran is based on, given a maintained team when it has none', async () => {
    const world = await newWorld();
    const sip: CarePlan = await created(
      await api.send('POST', '/CarePlan', sipCarePlan({ subject: { reference: `Patient/${world.patient}` }, author: { reference: `Organization/${org[primarvardsrehab.careUnit]}` } })),
    );
    const request = await ok(await api.send('GET', `/ServiceRequest/${world.request}`));
    await ok(await api.send('PUT', `/ServiceRequest/${world.request}`, { ...request, basedOn: [{ reference: `CarePlan/${sip.id}` }] }));
    const t = await post(task(world));
    expect(planId(t)).toBe(sip.id);
    const { plan, team } = await planAndTeam(api.send, t.id as string);
    // The SIP's own CareTeam stays; samvard's is added beside it.
    expect(plan.careTeam?.map((r) => r.reference)).toEqual([...(sip.careTeam ?? []).map((r) => r.reference), `CareTeam/${team.id}`]);
    expect(activeUnits(team)).toEqual([primarvardsrehab.careUnit]);
  });

  it('is the plan the Task names, which must be for the same patient and not ended', async () => {
    const world = await newWorld();
    const other = await newWorld();
    const own: CarePlan = await created(await api.send('POST', '/CarePlan', sipCarePlan({ subject: { reference: `Patient/${world.patient}` } })));
    const named = (id: string) => task(world, hemtjanst, kommunrehab, { basedOn: [{ reference: `ServiceRequest/${world.request}` }, { reference: `CarePlan/${id}` }] });
    const linked = await post(named(own.id as string));
    expect(planId(linked)).toBe(own.id);
    expect(linked.focus).toEqual({ reference: `ServiceRequest/${world.request}` });
    const foreign: CarePlan = await created(await api.send('POST', '/CarePlan', sipCarePlan({ subject: { reference: `Patient/${other.patient}` } })));
    const ended: CarePlan = await created(await api.send('POST', '/CarePlan', sipCarePlan({ subject: { reference: `Patient/${world.patient}` }, status: 'completed' })));
    for (const id of [foreign.id as string, ended.id as string, 'no-such-plan']) {
      const res = await api.send('POST', '/Task', named(id));
      expect(res.status).toBe(409);
      expect(await ruleOf(res)).toBe('plan-not-usable');
    }
  });

  it('is made for a Task created in one transaction with its vårdbegäran', async () => {
    const world = await newWorld();
    const request = await ok(await api.send('GET', `/ServiceRequest/${world.request}`));
    const { id: _id, meta: _meta, ...srBody } = request;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:sr', resource: srBody, request: { method: 'POST', url: 'ServiceRequest' } },
        {
          fullUrl: 'urn:uuid:t',
          resource: task(world, hemtjanst, kommunrehab, { basedOn: [{ reference: 'urn:uuid:sr' }] }),
          request: { method: 'POST', url: 'Task' },
        },
      ],
    };
    const response: Bundle = await ok(await api.send('POST', '', bundle));
    const t = response.entry?.[1]?.resource as Task;
    expect(t.basedOn?.[1]?.reference).toMatch(/^CarePlan\//);
    expect(t.focus?.reference).toBe(t.basedOn?.[0]?.reference);
    const { team } = await planAndTeam(api.send, t.id as string);
    expect(team.participant?.map(roleOf)).toEqual(['patient', 'plan-author']);
  });
});

describe('the care team', () => {
  it('gains the owner when it accepts, from that moment, and it is then a SIP care team', async () => {
    const world = await newWorld();
    const t = await post(task(world));
    const accepted = await to(t, 'accepted');
    const team = await teamOf(t);
    expect(owners(team)).toEqual([[HTJ, true]]);
    const entry = team.participant?.find((p) => roleOf(p) === 'task-owner');
    expect(entry?.period).toEqual({ start: accepted.meta?.lastUpdated });
    expect(activeTasksOf(entry ?? {})).toEqual([`Task/${t.id}`]);
    expect(team.meta?.profile).toEqual(['https://samvard.se/fhir/StructureDefinition/samvard-sip-careteam']);
    expect((await ok(await api.send('GET', `/CareTeam/${team.id}/$validate`))).issue[0].details.text).toBe('All OK');
  });

  it('ends the owner\'s period when its Task completes, and when it fails', async () => {
    for (const end of ['completed', 'failed'] as const) {
      const world = await newWorld();
      const t = await post(task(world));
      const started = await to(await to(t, 'accepted'), 'in-progress');
      const onHold = await to(started, 'on-hold');
      const resumed = await to(onHold, 'in-progress');
      expect(owners(await teamOf(t))).toEqual([[HTJ, true]]);
      const ended = await to(resumed, end);
      const team = await teamOf(t);
      expect(owners(team)).toEqual([[HTJ, false]]);
      const entry = team.participant?.find((p) => roleOf(p) === 'task-owner');
      expect(entry?.period?.end).toBe(ended.meta?.lastUpdated);
      expect(entry?.extension).toBeUndefined();
      // The patient and the author stay.
      expect(activeUnits(team)).toEqual([REH]);
    }
  });

  it('adds no one for a rejected, a cancelled or a ready Task', async () => {
    const world = await newWorld();
    await to(await post(task(world)), 'rejected', { statusReason: { text: 'Ingen kapacitet' } });
    await to(await to(await post(task(world)), 'received'), 'cancelled');
    const ready = await post(task(world, hemtjanst, kommunrehab, { status: 'ready' }));
    await to(await to(ready, 'in-progress'), 'completed');
    expect(owners(await teamOf(ready))).toEqual([]);
  });

  it('ends the period when an accepted Task is cancelled, or deleted', async () => {
    const world = await newWorld();
    const cancelled = await to(await to(await post(task(world)), 'accepted'), 'cancelled');
    expect(owners(await teamOf(cancelled))).toEqual([[HTJ, false]]);
    const deleted = await to(await post(task(world, hemsjukvard)), 'accepted');
    const team = await teamOf(deleted);
    expect(owners(team)).toEqual([[HTJ, false], [HSV, true]]);
    expect((await api.send('DELETE', `/Task/${deleted.id}`)).status).toBe(200);
    const after: CareTeam = await ok(await api.send('GET', `/CareTeam/${team.id}`));
    expect(owners(after)).toEqual([[HTJ, false], [HSV, false]]);
  });

  it('records a participant with start and end for a Task taken on and completed at once', async () => {
    const world = await newWorld();
    const done = await to(await post(task(world)), 'completed');
    const entry = (await teamOf(done)).participant?.find((p) => roleOf(p) === 'task-owner');
    expect(entry?.period).toEqual({ start: done.meta?.lastUpdated, end: done.meta?.lastUpdated });
  });

  it('keeps an owner with several Tasks active until the last of them ends, and opens a new period when it takes on another', async () => {
    const world = await newWorld();
    const [a, b, c] = [await post(task(world)), await post(task(world)), await post(task(world))];
    const aAccepted = await to(a as Task, 'accepted');
    const bStarted = await to(b as Task, 'in-progress');
    let team = await teamOf(aAccepted);
    expect(owners(team)).toEqual([[HTJ, true]]);
    expect(activeTasksOf(team.participant?.find((p) => roleOf(p) === 'task-owner') ?? {})).toEqual([`Task/${a?.id}`, `Task/${b?.id}`]);
    await to(aAccepted, 'completed');
    team = await teamOf(aAccepted);
    expect(owners(team)).toEqual([[HTJ, true]]);
    expect(activeTasksOf(team.participant?.find((p) => roleOf(p) === 'task-owner') ?? {})).toEqual([`Task/${b?.id}`]);
    await to(bStarted, 'failed');
    team = await teamOf(aAccepted);
    expect(owners(team)).toEqual([[HTJ, false]]);
    await to(c as Task, 'accepted');
    team = await teamOf(aAccepted);
    expect(owners(team)).toEqual([
      [HTJ, false],
      [HTJ, true],
    ]);
  });

  it('records every change with a Provenance: who, on behalf of which unit, triggered by which Task', async () => {
    const world = await newWorld();
    const t = await post(task(world));
    const accepted = await to(t, 'accepted');
    const completed = await to(accepted, 'completed');
    const team = await teamOf(t);
    const provenances = await provenancesOf(team);
    expect(provenances).toHaveLength(3);
    const byTarget = new Map(provenances.map((p) => [p.target[0]?.reference, p]));
    for (const [version, trigger, activity, text] of [
      [1, t, 'CREATE', /created CarePlan\/.* and its care team/],
      [2, accepted, 'UPDATE', new RegExp(`accepted: ${hemtjanst.name} joins by Task/${t.id}`)],
      [3, completed, 'UPDATE', new RegExp(`completed: ${hemtjanst.name} leaves: Task/${t.id} was its last active Task`)],
    ] as const) {
      const p = byTarget.get(`CareTeam/${team.id}/_history/${version}`) as Provenance;
      expect(p.entity).toEqual([{ role: 'source', what: { reference: `Task/${t.id}/_history/${trigger.meta?.versionId}` } }]);
      expect(p.activity?.coding?.[0]?.code).toBe(activity);
      expect(p.reason?.[0]?.text).toMatch(text);
      expect(p.recorded).toBe(trigger.meta?.lastUpdated);
      expect(p.agent.map((a) => a.type?.coding?.[0]?.code)).toEqual(['performer', 'assembler']);
      expect((await ok(await api.send('GET', `/Provenance/${p.id}/$validate`))).issue[0].details.text).toBe('All OK');
    }
    // Authentication off: who is unknown, but only the owner accepts and completes, so the unit is known.
    const acceptance = byTarget.get(`CareTeam/${team.id}/_history/2`) as Provenance;
    expect(acceptance.agent[0]?.who).toEqual({ display: 'Unauthenticated client (authentication off)' });
    expect(acceptance.agent[0]?.onBehalfOf?.identifier?.value).toBe(HTJ);
    // Found from the Task too.
    const byTask: Bundle = await ok(await api.send('GET', `/Provenance?entity=Task/${t.id}`));
    expect(byTask.total).toBe(3);
  });

  it('moves with every Task of a transaction Bundle in one commit', async () => {
    const world = await newWorld();
    const [a, b] = [await post(task(world)), await post(task(world, hemsjukvard))];
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [a, b].map((t) => ({ resource: { ...t, status: 'accepted' }, request: { method: 'PUT', url: `Task/${t?.id}` } })),
    };
    await ok(await api.send('POST', '', bundle));
    const team = await teamOf(a as Task);
    expect(owners(team)).toEqual([[HTJ, true], [HSV, true]]);
    expect(team.meta?.versionId).toBe('2');
    expect(await provenancesOf(team)).toHaveLength(3);
  });
});

describe('clients and the maintained care team', () => {
  it('may read it, but not create, update, patch or delete one, directly or in a Bundle', async () => {
    const world = await newWorld();
    const t = await to(await post(task(world)), 'accepted');
    const team = await teamOf(t);
    const { id: _id, meta: _meta, ...body } = team;
    const attempts: [string, string, unknown, Record<string, string>?][] = [
      ['PUT', `/CareTeam/${team.id}`, { ...team, name: 'Vårt eget team' }],
      ['PATCH', `/CareTeam/${team.id}`, [{ op: 'replace', path: '/name', value: 'Vårt eget team' }], { 'Content-Type': 'application/json-patch+json' }],
      ['DELETE', `/CareTeam/${team.id}`, undefined],
      ['POST', '/CareTeam', { ...body, meta: { tag: [{ system: WORKFLOW, code: 'maintained-care-team' }] } }],
      ['PUT', `/CareTeam/${team.id}`, { ...team, meta: {} }],
      [
        'POST',
        '',
        { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { ...team, status: 'inactive' }, request: { method: 'PUT', url: `CareTeam/${team.id}` } }] },
      ],
    ];
    for (const [method, path, payload, headers] of attempts) {
      const res = await api.send(method, path, payload, headers);
      expect(res.status, `${method} ${path}`).toBe(409);
      expect(await ruleOf(res)).toBe('maintained-care-team');
      expect((await json(res)).issue[0].details.text).toMatch(/maintained by samvard .* Change the Tasks instead/);
    }
    const after: CareTeam = await ok(await api.send('GET', `/CareTeam/${team.id}`));
    expect(after.meta?.versionId).toBe(team.meta?.versionId);
    // A CareTeam of the client's own (untagged) is the client's to write.
    const own: CareTeam = await created(await api.send('POST', '/CareTeam', { ...body, meta: {} }));
    expect((await api.send('PUT', `/CareTeam/${own.id}`, { ...own, status: 'inactive' })).status).toBe(200);
  });

  it('a maintained team the access rules use: member an Organization reference with the unit\'s HSA-id', async () => {
    const world = await newWorld();
    const team = await teamOf(await to(await post(task(world)), 'accepted'));
    const owner = team.participant?.find((p) => roleOf(p) === 'task-owner');
    expect(owner?.member).toEqual({
      reference: `Organization/${org[HTJ]}`,
      type: 'Organization',
      identifier: { system: 'urn:oid:1.2.752.29.4.19', value: HTJ },
      display: hemtjanst.name,
    });
    expect(owner?.onBehalfOf).toBeUndefined();
    expect(owner?.extension?.[0]?.url).toBe(ACTIVE_TASK);
    // Found by the access rules' query: the patient's CareTeams.
    const teams: Bundle = await ok(await api.send('GET', `/CareTeam?patient=Patient/${world.patient}&status=active`));
    expect(teams.entry?.map((e) => e.resource?.id)).toEqual([team.id]);
  });
});

describe('concurrent transitions', () => {
  it('owner completes while requester cancels: one wins, the other gets 409 or 412, and the team matches the winner', async () => {
    for (let round = 0; round < 3; round++) {
      const world = await newWorld();
      const t = await to(await post(task(world)), 'accepted');
      const [complete, cancel] = await Promise.all([
        api.send('PUT', `/Task/${t.id}`, { ...t, status: 'completed' }, { 'If-Match': `W/"${t.meta?.versionId}"` }),
        api.send('PUT', `/Task/${t.id}`, { ...t, status: 'cancelled' }),
      ]);
      const statuses = [complete.status, cancel.status].sort();
      expect([[200, 409], [200, 412]]).toContainEqual(statuses);
      const winner: Task = await ok(await api.send('GET', `/Task/${t.id}`));
      expect(['completed', 'cancelled']).toContain(winner.status);
      const team = await teamOf(t);
      expect(owners(team)).toEqual([[HTJ, false]]);
      const provenances = await provenancesOf(team);
      const last = provenances.find((p) => p.target[0]?.reference === `CareTeam/${team.id}/_history/3`);
      expect(last?.reason?.[0]?.text).toContain(`Task/${t.id} ${winner.status}`);
      expect(team.meta?.versionId).toBe('3');
    }
  });

  it('two owners accepting Tasks of one plan at once both join (the team is re-planned, not lost)', async () => {
    const world = await newWorld();
    const tasks = await Promise.all([post(task(world)), post(task(world, hemsjukvard)), post(task(world, kommunrehab))]);
    await Promise.all(tasks.map((t) => to(t, 'accepted')));
    const team = await teamOf(tasks[0] as Task);
    expect(owners(team).map(([unit]) => unit).sort()).toEqual([HSV, HTJ, REH].sort());
    expect(team.meta?.versionId).toBe('4');
  });
});

describe('without authentication', () => {
  it('enforces the table, but not its party column (there is no caller to compare)', async () => {
    const world = await newWorld();
    const accepted = await to(await post(task(world)), 'accepted');
    const back = await move(api.send, accepted, 'requested');
    expect(back.status).toBe(409);
    expect(await ruleOf(back)).toBe('transition-unknown');
    expect((await json(back)).issue[0].details.text).toBe(
      'transition-unknown: a Task goes from accepted to in-progress, completed, cancelled; not to requested',
    );
    const done = await api.send('POST', '/Task', task(world, hemtjanst, kommunrehab, { status: 'completed' }));
    expect(done.status).toBe(409);
    expect(await ruleOf(done)).toBe('initial-status');
  });
});
