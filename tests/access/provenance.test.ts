/**
 * Who reads a Provenance (functions/access/facts.ts, "What a Provenance is about"; rules.ts
 * row 6): it is about what it targets, so it is read by whoever reads the targeted
 * CareTeam or CarePlan as an addressee (its participants, the plan's author), by the
 * patient, by a reader with care relationship and consent, by the agent that acted, and
 * by its own writer; nobody else. Those it concerns do not rewrite it. The workflow
 * broker's own Provenances are covered end to end by tests/workflow/story.test.ts.
 */
import type { Provenance } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Party,
  type Send,
  as,
  asPatient,
  careTeam,
  hemsjukvard,
  hemtjanst,
  hsa,
  ortopedi,
  partySenders,
  samtycke,
  vardcentral,
} from '../support/access.ts';
import { heartRate } from '../support/conforming.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
const { connect, send, write } = partySenders();
const stranger: Party = { name: 'stranger', careProvider: 'SE5567000001-PV00', careUnit: 'SE5567000001-PV01' };

beforeAll(async () => {
  api = await createTestApi({ auth: true });
  await connect(api, [vardcentral, ortopedi, hemsjukvard, hemtjanst, stranger]);
}, 60_000);

async function newPatient(): Promise<string> {
  return (await write(vardcentral, { resourceType: 'Patient', name: [{ family: 'Berg', given: ['Eva'] }] } as { resourceType: string })).id;
}

const provenance = (targets: string[], agentUnit?: string): Provenance => ({
  resourceType: 'Provenance',
  target: targets.map((reference) => ({ reference })),
  recorded: new Date().toISOString(),
  agent: [{ who: agentUnit ? hsa(agentUnit) : { display: 'a system' } }],
});

async function status(reader: Send, id: string): Promise<number> {
  return (await reader('GET', `/Provenance/${id}`)).status;
}

describe('a Provenance is read as what it targets', () => {
  it('a CareTeam\'s Provenance: its participants, the patient, a consented reader in care, its writer; no one else', async () => {
    const patient = await newPatient();
    // Hemtjänst's team, written by hemtjänst (so vårdcentral is not its custodian).
    const team = await write(hemtjanst, careTeam(patient, [hemtjanst.careUnit]));
    // Vårdcentral documents a change of it (its own Provenance).
    const p = await write(vardcentral, provenance([`CareTeam/${team.id}/_history/1`]));

    expect(await status(send(vardcentral), p.id), 'its writer').toBe(200);
    expect(await status(send(hemtjanst), p.id), 'a participant of the team').toBe(200);
    expect(await status(await asPatient(api, patient), p.id), 'the patient').toBe(200);
    expect(await status(await asPatient(api, await newPatient()), p.id), 'another patient').toBe(404);
    expect(await status(send(stranger), p.id), 'an unrelated care provider').toBe(404);
    expect(await status(send(hemsjukvard), p.id), 'a provider in no care relationship').toBe(404);
    const found = await json(await send(stranger)('GET', `/Provenance?target=CareTeam/${team.id}`));
    expect(found.entry ?? []).toEqual([]);

    // Hemsjukvård in another team of the patient, with the patient's consent: reads it as it reads the team.
    await write(hemsjukvard, careTeam(patient, [hemsjukvard.careUnit]));
    await write(hemsjukvard, samtycke(patient, hemsjukvard.careProvider));
    expect((await send(hemsjukvard)('GET', `/CareTeam/${team.id}`)).status).toBe(200);
    expect(await status(send(hemsjukvard), p.id), 'care relationship and consent').toBe(200);

    // Those it concerns read it; only its writer changes it.
    const body = { ...(await json(await send(hemtjanst)('GET', `/Provenance/${p.id}`))), reason: [{ text: 'rewritten' }] };
    expect((await send(hemtjanst)('PUT', `/Provenance/${p.id}`, body)).status).toBe(403);
    expect((await send(vardcentral)('PUT', `/Provenance/${p.id}`, body)).status).toBe(200);
  });

  it('the agent that acted reads it; a Provenance of an Observation is read as the Observation', async () => {
    const patient = await newPatient();
    const obs = await write(vardcentral, heartRate(70, { subject: { reference: `Patient/${patient}` } }));
    const q = await write(ortopedi, provenance([`Observation/${obs.id}`], hemtjanst.careUnit));
    expect(await status(send(hemtjanst), q.id), 'the agent of another provider').toBe(200);
    expect(await status(send(hemsjukvard), q.id), 'not the agent, no consent').toBe(404);
    expect(await status(await asPatient(api, patient), q.id), 'the patient of the Observation').toBe(200);
  });

  it('targets of two patients lend it no addressees', async () => {
    const [anna, bo] = [await newPatient(), await newPatient()];
    const annasTeam = await write(hemtjanst, careTeam(anna, [hemtjanst.careUnit]));
    const bosTeam = await write(vardcentral, careTeam(bo, [ortopedi.careUnit]));
    const p = await write(vardcentral, provenance([`CareTeam/${annasTeam.id}`, `CareTeam/${bosTeam.id}`]));
    expect(await status(send(vardcentral), p.id), 'its writer').toBe(200);
    expect(await status(send(hemtjanst), p.id), 'in Anna\'s team only').toBe(404);
  });
});
