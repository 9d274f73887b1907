/**
 * The parties of story 1 (design.md §2) and helpers for the workflow broker tests: a
 * region's primärvårdsrehab, the kommun's kommunrehab and hemsjukvård (one care
 * provider), and hemtjänst (its own omsorgsgivare), as Organizations with HSA-ids.
 */
import type { Bundle, CarePlan, CareTeam, CareTeamParticipant, Organization, ServiceRequest, Task } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import { as } from '../support/access.ts';
import { egenvardsbedomning, hslTask, vardbegaran } from '../support/conforming.ts';
import { type TestApi, json } from '../support/test-api.ts';

export const HSA = 'urn:oid:1.2.752.29.4.19';
export const WORKFLOW = 'https://samvard.se/fhir/CodeSystem/workflow';
export const ROLE_SYSTEM = 'https://samvard.se/fhir/CodeSystem/care-team-role';
export const ACTIVE_TASK = 'https://samvard.se/fhir/StructureDefinition/samvard-care-team-active-task';

export type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>;

export interface Unit {
  name: string;
  careProvider: string;
  careUnit: string;
  kind: 'region' | 'kommun';
}

export const REGION = 'SE2321000099-RX00';
export const KOMMUN = 'SE2120009999-KX00';
export const OMSORG = 'SE2120009999-KX01';

export const primarvardsrehab: Unit = { name: 'Primärvårdsrehab Norr', careProvider: REGION, careUnit: 'SE2321000099-PVR1', kind: 'region' };
export const kommunrehab: Unit = { name: 'Kommunrehab', careProvider: KOMMUN, careUnit: 'SE2120009999-REH1', kind: 'kommun' };
export const hemsjukvard: Unit = { name: 'Hemsjukvården', careProvider: KOMMUN, careUnit: 'SE2120009999-HSV1', kind: 'kommun' };
export const hemtjanst: Unit = { name: 'Hemtjänsten Centrum', careProvider: OMSORG, careUnit: 'SE2120009999-HTJ1', kind: 'kommun' };
export const UNITS = [primarvardsrehab, kommunrehab, hemsjukvard, hemtjanst];

const organization = (name: string, hsaId: string, kind: string, partOf?: string): Organization => ({
  resourceType: 'Organization',
  identifier: [{ system: HSA, value: hsaId }],
  type: [{ coding: [{ system: 'https://samvard.se/fhir/CodeSystem/organization-kind', code: kind }] }],
  name,
  ...(partOf ? { partOf: { reference: partOf } } : {}),
});

export interface World {
  /** Organization ids by care unit HSA-id (and care provider HSA-id). */
  org: Record<string, string>;
  patient: string;
  request: string;
  assessment: string;
}

/** Organizations of the four units and their providers (once per API), a patient and a vårdbegäran. */
export async function seedOrganizations(send: Send): Promise<Record<string, string>> {
  const org: Record<string, string> = {};
  const create = async (body: Organization): Promise<string> => {
    const res = await send('POST', '/Organization', body);
    expect(res.status, await res.clone().text()).toBe(201);
    return (await json(res)).id;
  };
  const providers: [string, string, string][] = [
    [REGION, 'Region Exempel', 'region'],
    [KOMMUN, 'Exempels kommun, socialnämnden (HSL)', 'kommun'],
    [OMSORG, 'Exempels kommun, omsorgsnämnden', 'kommun'],
  ];
  for (const [hsaId, name, kind] of providers) org[hsaId] = await create(organization(name, hsaId, kind));
  for (const unit of UNITS) {
    org[unit.careUnit] = await create(organization(unit.name, unit.careUnit, unit.kind, `Organization/${org[unit.careProvider]}`));
  }
  return org;
}

/** A patient with an egenvårdsbedömning and a vårdbegäran from primärvårdsrehab to kommunrehab. */
export async function seedPatient(send: Send, org: Record<string, string>, regionSend: Send = send): Promise<World> {
  const patientRes = await send('POST', '/Patient', {
    resourceType: 'Patient',
    identifier: [{ system: 'http://electronichealth.se/identifier/personnummer', value: '194001019802' }],
    name: [{ family: 'Andersson', given: ['Karl'] }],
  });
  expect(patientRes.status, await patientRes.clone().text()).toBe(201);
  const patient = (await json(patientRes)).id;
  const assessmentRes = await regionSend('POST', '/Observation', egenvardsbedomning({ subject: { reference: `Patient/${patient}` } }));
  expect(assessmentRes.status, await assessmentRes.clone().text()).toBe(201);
  const assessment = (await json(assessmentRes)).id;
  const requestRes = await regionSend(
    'POST',
    '/ServiceRequest',
    vardbegaran({
      subject: { reference: `Patient/${patient}` },
      requester: { reference: `Organization/${org[primarvardsrehab.careUnit]}` },
      performer: [{ reference: `Organization/${org[kommunrehab.careUnit]}` }],
      supportingInfo: [{ reference: `Observation/${assessment}` }],
    }),
  );
  expect(requestRes.status, await requestRes.clone().text()).toBe(201);
  return { org, patient, request: (await json(requestRes)).id, assessment };
}

/** An HSL-uppdrag from `requester` to `owner` for the world's patient and vårdbegäran. */
export function task(world: World, owner: Unit = hemtjanst, requester: Unit = kommunrehab, overrides: Partial<Task> = {}): Task {
  return hslTask({
    for: { reference: `Patient/${world.patient}` },
    basedOn: [{ reference: `ServiceRequest/${world.request}` }],
    requester: { reference: `Organization/${world.org[requester.careUnit]}` },
    owner: { reference: `Organization/${world.org[owner.careUnit]}` },
    ...overrides,
  });
}

export async function created(res: Response): Promise<any> {
  expect(res.status, await res.clone().text()).toBe(201);
  return json(res);
}

export async function ok(res: Response): Promise<any> {
  expect(res.status, await res.clone().text()).toBe(200);
  return json(res);
}

/** PUTs the Task with a new status (and whatever else `changes` sets). */
export async function move(send: Send, current: Task, status: Task['status'], changes: Partial<Task> = {}): Promise<Response> {
  const body: Task = { ...current, status, ...changes };
  if (status === 'rejected' && !body.statusReason) body.statusReason = { text: 'Ingen kapacitet' };
  return send('PUT', `/Task/${current.id}`, body);
}

/** The id of the CarePlan a Task is based on. */
export function planId(t: Task): string | undefined {
  return t.basedOn?.find((r) => r.reference?.startsWith('CarePlan/'))?.reference?.slice('CarePlan/'.length);
}

/** The Task's plan and that plan's maintained CareTeam, read with `send`. */
export async function planAndTeam(send: Send, taskId: string): Promise<{ plan: CarePlan; team: CareTeam }> {
  const t: Task = await ok(await send('GET', `/Task/${taskId}`));
  const plan: CarePlan = await ok(await send('GET', `/CarePlan/${planId(t)}`));
  for (const ref of plan.careTeam ?? []) {
    const res = await send('GET', `/${ref.reference}`);
    if (res.status !== 200) continue;
    const team: CareTeam = await json(res);
    if (team.meta?.tag?.some((tag) => tag.system === WORKFLOW && tag.code === 'maintained-care-team')) return { plan, team };
  }
  throw new Error(`CarePlan/${plan.id} has no maintained CareTeam`);
}

export const roleOf = (p: CareTeamParticipant): string | undefined =>
  p.role?.flatMap((r) => r.coding ?? []).find((c) => c.system === ROLE_SYSTEM)?.code;

/** The task-owner participants as `[HSA-id of the unit, open?]`, in order. */
export function owners(team: CareTeam): [string, boolean][] {
  return (team.participant ?? [])
    .filter((p) => roleOf(p) === 'task-owner')
    .map((p) => [p.member?.identifier?.value as string, !p.period?.end]);
}

/** HSA-ids of the units that are active participants now (any role). */
export function activeUnits(team: CareTeam): string[] {
  return (team.participant ?? [])
    .filter((p) => !p.period?.end && p.member?.identifier?.value)
    .map((p) => p.member?.identifier?.value as string);
}

/** The Tasks that keep a participant active. */
export const activeTasksOf = (p: CareTeamParticipant): string[] =>
  (p.extension ?? []).filter((e) => e.url === ACTIVE_TASK).map((e) => e.valueReference?.reference as string);

/** The workflow rule a refused request names. */
export async function ruleOf(res: Response): Promise<string | undefined> {
  const body = await json(res.clone());
  return body.issue?.[0]?.details?.coding?.find((c: { system: string }) => c.system === WORKFLOW)?.code;
}

/** A unit's client id: its name without spaces or non-ASCII letters. */
export const clientName = (unit: Unit): string => unit.name.replace(/\W/g, '');

/** Hemtjänst's client scope as registered (functions/local/dev-clients.json): it may not write CarePlan or CareTeam. */
export const HEMTJANST_SCOPE =
  'system/Patient.rs system/Task.rus system/Observation.crs system/CarePlan.rs system/CareTeam.rs system/ServiceRequest.rs system/Organization.rs system/Provenance.rs';

/** A sender for `unit` that counts its calls in `calls` (by unit name), and one that does not (for the test's own checks). */
export async function countedParty(api: TestApi, calls: Map<string, number>, unit: Unit, scope?: string): Promise<[Send, Send]> {
  const send = await as(api, { ...unit, name: clientName(unit) }, scope ? { scope } : {});
  const counted: Send = (method, path, body, headers) => {
    calls.set(unit.name, (calls.get(unit.name) ?? 0) + 1);
    return send(method, path, body, headers);
  };
  return [counted, send];
}

/** Story 1's three parties (senders from `party`) and its patient, posted by the region before the story's calls are counted. */
export interface StoryOne {
  region: Send;
  rehab: Send;
  rehabCheck: Send;
  homeCare: Send;
  homeCareCheck: Send;
  patient: string;
}

/** The parties of story 1 and its patient; `calls` is cleared after the patient is posted. */
export async function storyOneParties(
  party: (unit: Unit, scope?: string) => Promise<[Send, Send]>,
  calls: Map<string, number>,
): Promise<StoryOne> {
  const [region] = await party(primarvardsrehab);
  const [rehab, rehabCheck] = await party(kommunrehab);
  const [homeCare, homeCareCheck] = await party(hemtjanst, HEMTJANST_SCOPE);
  const patient = (await created(await region('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Lindqvist', given: ['Olof'] }] }))).id;
  calls.clear();
  return { region, rehab, rehabCheck, homeCare, homeCareCheck, patient };
}

/** Story 1, step 1: the region posts one transaction with the egenvårdsbedömning and the vårdbegäran it supports (one call). */
export async function regionRequests(region: Send, org: Record<string, string>, patient: string): Promise<ServiceRequest> {
  const posted: Bundle = await ok(
    await region('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:bedomning',
          resource: egenvardsbedomning({ subject: { reference: `Patient/${patient}` } }),
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:vardbegaran',
          resource: vardbegaran({
            subject: { reference: `Patient/${patient}` },
            requester: { reference: `Organization/${org[primarvardsrehab.careUnit]}` },
            performer: [{ reference: `Organization/${org[kommunrehab.careUnit]}` }],
            supportingInfo: [{ reference: 'urn:uuid:bedomning' }],
          }),
          request: { method: 'POST', url: 'ServiceRequest' },
        },
      ],
    }),
  );
  return posted.entry?.[1]?.resource as ServiceRequest;
}

/**
 * Story 1, step 2: kommunrehab reads its worklist of requests (which must be exactly `request`),
 * then creates the HSL-uppdrag to hemtjänst (two calls).
 */
export async function rehabAssigns(rehab: Send, org: Record<string, string>, patient: string, request: ServiceRequest): Promise<Task> {
  const requests: Bundle = await ok(await rehab('GET', `/ServiceRequest?performer=Organization/${org[kommunrehab.careUnit]}&status=active`));
  expect(requests.entry?.map((e) => e.resource?.id)).toEqual([request.id]);
  return created(
    await rehab(
      'POST',
      '/Task',
      hslTask({
        for: { reference: `Patient/${patient}` },
        basedOn: [{ reference: `ServiceRequest/${request.id}` }],
        requester: { reference: `Organization/${org[kommunrehab.careUnit]}` },
        owner: { reference: `Organization/${org[hemtjanst.careUnit]}` },
      }),
    ),
  );
}

/**
 * Story 1, the team before hemtjänst accepts (read with the uncounted senders): the patient and
 * kommunrehab, the plan's author. Hemtjänst is not in it and cannot read the plan yet.
 */
export async function teamBefore(story: StoryOne, task: Task): Promise<{ plan: CarePlan; teamRef: string }> {
  const plan: CarePlan = await ok(await story.rehabCheck('GET', `/CarePlan/${planId(task)}`));
  const teamRef = plan.careTeam?.[0]?.reference as string;
  const before: CareTeam = await ok(await story.rehabCheck('GET', `/${teamRef}`));
  expect(before.participant?.map(roleOf)).toEqual(['patient', 'plan-author']);
  expect(activeUnits(before)).toEqual([kommunrehab.careUnit]);
  expect((await story.homeCareCheck('GET', `/CarePlan/${plan.id}`)).status).toBe(404);
  return { plan, teamRef };
}

/** Story 1, step 3: hemtjänst's worklist of requested and received Tasks, with their focus and patient (one call). */
export async function homeCareWorklist(homeCare: Send, org: Record<string, string>): Promise<Bundle> {
  return ok(
    await homeCare('GET', `/Task?owner=Organization/${org[hemtjanst.careUnit]}&status=requested,received&_include=Task:focus&_include=Task:patient`),
  );
}

/**
 * Story 1, the team after hemtjänst accepted: hemtjänst is an active participant (an open
 * task owner) from the moment it accepted, and reads the plan now.
 */
export async function teamAfter(story: StoryOne, plan: CarePlan, teamRef: string, accepted: Task): Promise<CareTeam> {
  const after: CareTeam = await ok(await story.rehabCheck('GET', `/${teamRef}`));
  expect(activeUnits(after)).toEqual([kommunrehab.careUnit, hemtjanst.careUnit]);
  expect(owners(after)).toEqual([[hemtjanst.careUnit, true]]);
  expect(after.participant?.[2]?.period?.start).toBe(accepted.meta?.lastUpdated);
  expect((await story.homeCareCheck('GET', `/CarePlan/${plan.id}`)).status).toBe(200);
  return after;
}

export type { TestApi };
