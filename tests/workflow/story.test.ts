/**
 * Story 1 of design.md §2, "Hip fracture, home again", end to end through the HTTP API
 * with authentication and the access rules on: the region posts one egenvårdsbedömning
 * and one vårdbegäran, kommunrehab creates the HSL-uppdrag for hemtjänst, hemtjänst
 * accepts it, and the care team samvard keeps now has hemtjänst. Each party's calls are
 * counted. The Provenances of the team's changes are read with the parties' own tokens.
 */
import type { Bundle, Provenance, Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { as, asPatient } from '../support/access.ts';
import { type TestApi, createTestApi } from '../support/test-api.ts';
import {
  type Send,
  type Unit,
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

let api: TestApi;
let org: Record<string, string>;
/** A care provider with no part in the story. */
const stranger: Unit = { name: 'Privat vårdgivare', careProvider: 'SE5567000001-PV00', careUnit: 'SE5567000001-PV01', kind: 'region' };
const calls = new Map<string, number>();

/** A sender for `unit` that counts its calls, and one that does not (for the test's own checks). */
const party = (unit: Unit, scope?: string): Promise<[Send, Send]> => countedParty(api, calls, unit, scope);

beforeAll(async () => {
  api = await createTestApi({ auth: true });
  const admin = await as(api, { ...kommunrehab, name: 'setup' });
  org = await seedOrganizations(admin);
}, 60_000);

describe('story 1: hip fracture, home again', () => {
  it('takes the region one call, kommunrehab two and hemtjänst two; the care team ends with hemtjänst', async () => {
    const story = await storyOneParties(party, calls);
    const { region, rehab, rehabCheck, homeCare, homeCareCheck, patient } = story;

    // 1. The region: one transaction with the egenvårdsbedömning and the vårdbegäran it supports.
    const request = await regionRequests(region, org, patient);

    // 2. Kommunrehab: its worklist of requests, then the HSL-uppdrag to hemtjänst, 3 times a day, delegated.
    const task = await rehabAssigns(rehab, org, patient, request);
    expect(task.focus).toEqual({ reference: `ServiceRequest/${request.id}` });

    // The team before: the patient and kommunrehab, the plan's author. Hemtjänst is not in it and cannot read the plan yet.
    const { plan, teamRef } = await teamBefore(story, task);

    // 3. Hemtjänst: its worklist (with the request and the patient), then it accepts.
    const worklist = await homeCareWorklist(homeCare, org);
    const included = (worklist.entry ?? []).map((e) => `${e.search?.mode}:${e.resource?.resourceType}`).sort();
    // The vårdbegäran itself is the region's documentation, addressed to kommunrehab: the access
    // rules withhold it from hemtjänst (no consent), so only the Task and the patient come back.
    expect(included).toEqual(['include:Patient', 'match:Task']);
    const accepted: Task = await ok(await homeCare('PUT', `/Task/${task.id}`, { ...task, status: 'accepted' }));
    expect(accepted.status).toBe('accepted');

    expect(Object.fromEntries(calls)).toEqual({ [primarvardsrehab.name]: 1, [kommunrehab.name]: 2, [hemtjanst.name]: 2 });

    // The team after: hemtjänst is an active participant from the moment it accepted, and reads the plan.
    await teamAfter(story, plan, teamRef, accepted);
    // Now in a care relationship: hemtjänst reads the team too.
    expect((await homeCareCheck('GET', `/${teamRef}`)).status).toBe(200);

    // Who changed the team: hemtjänst's client, on behalf of the hemtjänst unit, triggered by the Task.
    // The Provenances are read by whoever reads the team (docs/access.md, row 6): each party with its own token.
    const teamHistory = async (send: Send): Promise<Provenance[]> => {
      const found: Bundle = await ok(await send('GET', `/Provenance?target=${teamRef}&_sort=_lastUpdated`));
      return (found.entry ?? []).map((e) => e.resource as Provenance);
    };
    const created1 = `${teamRef}/_history/1`;
    const joined2 = `${teamRef}/_history/2`;
    const asPatientApp = await asPatient(api, patient);
    for (const [who, send] of [
      ['kommunrehab (the plan author)', rehabCheck],
      ['hemtjänst (joined)', homeCareCheck],
      ['the patient', asPatientApp],
    ] as const) {
      const seen = await teamHistory(send);
      expect(seen.map((p) => p.target[0]?.reference).sort(), who).toEqual([created1, joined2]);
    }
    const joined = (await teamHistory(homeCareCheck)).find((p) => p.target[0]?.reference === joined2) as Provenance;
    expect(joined.agent[0]).toMatchObject({
      who: { type: 'Device', identifier: { value: 'HemtjnstenCentrum' } },
      onBehalfOf: { reference: `Organization/${org[hemtjanst.careUnit]}`, identifier: { value: hemtjanst.careUnit } },
    });
    expect(joined.entity?.[0]?.what?.reference).toBe(`Task/${task.id}/_history/2`);
    expect((await homeCareCheck('GET', `/Provenance/${joined.id}`)).status).toBe(200);
    // A Provenance records what happened: the parties read it, they do not rewrite it.
    expect((await rehabCheck('PUT', `/Provenance/${joined.id}`, { ...joined, reason: [{ text: 'rewritten' }] })).status).toBe(403);

    // Not in the team: the region that sent the vårdbegäran, and an unrelated care provider, see none of them.
    const [, regionCheck] = await party(primarvardsrehab);
    const [, strangerCheck] = await party(stranger);
    for (const send of [regionCheck, strangerCheck]) {
      expect(await teamHistory(send)).toEqual([]);
      expect((await send('GET', `/Provenance/${joined.id}`)).status).toBe(404);
      expect(((await ok(await send('GET', `/Provenance?entity=Task/${task.id}`))) as Bundle).entry ?? []).toEqual([]);
    }
  });
});
