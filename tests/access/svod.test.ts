/**
 * The SVOD access rules (Lag 2022:913) through the HTTP API: a decision matrix of
 * callers × consent states × interactions, and every path that returns data (read,
 * vread, history, search with totals and paging, _include, _revinclude, chaining, _has,
 * compartments, system search, $everything, batch) checked not to leak what the rules
 * hide. See functions/access/rules.ts for the rules and docs/access.md.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { heartRate, hslTask } from '../support/conforming.ts';
import {
  KOMMUN,
  OMSORG,
  type Party,
  REGION,
  type Send,
  as,
  asPatient,
  careTeam,
  hemsjukvard,
  hemtjanst,
  ortopedi,
  partySenders,
  samtycke,
  sparr,
  vardcentral,
} from '../support/access.ts';
import { EXPIRES_AT_ATTRIBUTE } from '../../functions/access/audit.ts';
import { resourceTable } from '../../functions/store/tables.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';

let api: TestApi;
const { connect, send, write } = partySenders();

beforeAll(async () => {
  api = await createTestApi({ auth: true });
  await connect(api, [vardcentral, ortopedi, hemsjukvard, hemtjanst]);
});

const future = () => new Date(Date.now() + 24 * 3600_000).toISOString();
const past = () => new Date(Date.now() - 24 * 3600_000).toISOString();

interface Record {
  patient: string;
  /** Observations documented by each party, by party name. */
  obs: { [party: string]: string };
}

/** A fresh patient with one Observation documented by each of vårdcentral, ortopedi and hemsjukvård. */
async function record(): Promise<Record> {
  const patient = (await json(await send(vardcentral)('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'Svensson', given: ['Anna'] }] }))).id;
  const obs: { [party: string]: string } = {};
  for (const party of [vardcentral, ortopedi, hemsjukvard]) {
    const res = await send(party)('POST', '/Observation', heartRate(60 + Object.keys(obs).length, { subject: { reference: `Patient/${patient}` } }));
    expect(res.status).toBe(201);
    obs[party.name] = (await json(res)).id;
  }
  return { patient, obs };
}

async function canRead(reader: Send, id: string): Promise<boolean> {
  const res = await reader('GET', `/Observation/${id}`);
  expect([200, 404]).toContain(res.status);
  return res.status === 200;
}

async function searchIds(reader: Send, path: string): Promise<string[]> {
  const res = await reader('GET', path);
  expect(res.status).toBe(200);
  return ((await json(res)).entry ?? []).map((e: any) => e.resource.id);
}

describe('the decision matrix', () => {
  type State = 'none' | 'care relationship only' | 'consent only' | 'consent + care relationship' | 'spärr' | 'spärr, lifted for the reader' | 'spärr, lift ended' | 'spärr on one unit' | 'consent ended' | 'care relationship ended';
  /** Sets up a state for a kommun (hemsjukvård) reader of the region's documentation. */
  const setups: { [S in State]: (r: Record) => Promise<void> } = {
    none: async () => {},
    'care relationship only': async (r) => {
      await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
    },
    'consent only': async (r) => {
      await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    },
    'consent + care relationship': async (r) => {
      await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
      await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    },
    spärr: async (r) => {
      await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
      await write(hemsjukvard, samtycke(r.patient, KOMMUN));
      await write(vardcentral, sparr(r.patient, REGION));
    },
    'spärr, lifted for the reader': async (r) => {
      await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
      await write(hemsjukvard, samtycke(r.patient, KOMMUN));
      await write(vardcentral, sparr(r.patient, REGION, [{ reader: KOMMUN, end: future() }]));
    },
    'spärr, lift ended': async (r) => {
      await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
      await write(hemsjukvard, samtycke(r.patient, KOMMUN));
      await write(vardcentral, sparr(r.patient, REGION, [{ reader: KOMMUN, end: past() }]));
    },
    'spärr on one unit': async (r) => {
      await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
      await write(hemsjukvard, samtycke(r.patient, KOMMUN));
      await write(vardcentral, sparr(r.patient, ortopedi.careUnit));
    },
    'consent ended': async (r) => {
      await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
      await write(hemsjukvard, samtycke(r.patient, KOMMUN, { start: '2020-01-01', end: past() }));
    },
    'care relationship ended': async (r) => {
      await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN], { start: '2020-01-01', end: past() }));
      await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    },
  };
  /** Whether hemsjukvård (kommun) reads the vårdcentral's and ortopedi's documentation in each state. */
  const expected: { [S in State]: { vardcentral: boolean; ortopedi: boolean } } = {
    none: { vardcentral: false, ortopedi: false },
    'care relationship only': { vardcentral: false, ortopedi: false },
    'consent only': { vardcentral: false, ortopedi: false },
    'consent + care relationship': { vardcentral: true, ortopedi: true },
    spärr: { vardcentral: false, ortopedi: false },
    'spärr, lifted for the reader': { vardcentral: true, ortopedi: true },
    'spärr, lift ended': { vardcentral: false, ortopedi: false },
    'spärr on one unit': { vardcentral: true, ortopedi: false },
    'consent ended': { vardcentral: false, ortopedi: false },
    'care relationship ended': { vardcentral: false, ortopedi: false },
  };

  for (const state of Object.keys(setups) as State[]) {
    it(`${state}: own documentation always; the region's as the table says; read, vread, history and search agree`, async () => {
      const r = await record();
      await setups[state](r);
      const kommun = send(hemsjukvard);
      // Own documentation, whatever the state.
      expect(await canRead(kommun, r.obs.hemsjukvard as string)).toBe(true);
      expect(await canRead(send(vardcentral), r.obs.vardcentral as string)).toBe(true);
      // The same care provider (another unit of the region) reads it as its own.
      expect(await canRead(send(ortopedi), r.obs.vardcentral as string)).toBe(true);
      const visible = await searchIds(kommun, `/Observation?patient=${r.patient}`);
      for (const author of ['vardcentral', 'ortopedi'] as const) {
        const id = r.obs[author] as string;
        const want = expected[state][author];
        expect(await canRead(kommun, id), `read ${author}`).toBe(want);
        expect((await kommun('GET', `/Observation/${id}/_history/1`)).status, `vread ${author}`).toBe(want ? 200 : 404);
        expect((await kommun('GET', `/Observation/${id}/_history`)).status, `history ${author}`).toBe(want ? 200 : 404);
        expect(visible.includes(id), `search ${author}`).toBe(want);
      }
      expect(visible).toContain(r.obs.hemsjukvard);
    });
  }

  it('another care provider with neither relationship nor consent (hemtjänst) sees only its own and the patient register', async () => {
    const r = await record();
    await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
    await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    const omsorg = send(hemtjanst);
    expect((await omsorg('GET', `/Patient/${r.patient}`)).status).toBe(200);
    for (const id of Object.values(r.obs)) expect(await canRead(omsorg, id)).toBe(false);
    expect(await searchIds(omsorg, `/Observation?patient=${r.patient}`)).toEqual([]);
  });

  it('a consent names a reader: a consent for the kommun does not open the record to hemtjänst', async () => {
    const r = await record();
    await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN, OMSORG]));
    await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    expect(await canRead(send(hemtjanst), r.obs.vardcentral as string)).toBe(false);
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(true);
  });

  it('a care relationship and consent given to a unit hold for that unit', async () => {
    const r = await record();
    await write(vardcentral, careTeam(r.patient, [hemsjukvard.careUnit]));
    await write(hemsjukvard, samtycke(r.patient, hemsjukvard.careUnit));
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(true);
  });

  it('a CareTeam that is not active establishes no relationship', async () => {
    const r = await record();
    await write(vardcentral, { ...careTeam(r.patient, [KOMMUN]), status: 'inactive' });
    await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(false);
  });

  it('a CareTeam member named by an Organization reference counts by the Organization\'s HSA-id', async () => {
    const r = await record();
    const org = await write(hemsjukvard, {
      resourceType: 'Organization',
      name: 'Hemsjukvården',
      identifier: [{ system: 'urn:oid:1.2.752.29.4.19', value: hemsjukvard.careUnit }],
    });
    await write(vardcentral, {
      resourceType: 'CareTeam',
      status: 'active',
      subject: { reference: `Patient/${r.patient}` },
      participant: [{ member: { reference: `Organization/${org.id}` } }],
    });
    await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(true);
  });
});

describe('emergency access (nödåtkomst)', () => {
  it('opens another provider\'s documentation to a professional who states a reason, and the log says so', async () => {
    const r = await record();
    const nurse = await as(api, hemsjukvard, { professional: 'SE2120009999-P0042' });
    expect(await canRead(nurse, r.obs.vardcentral as string)).toBe(false);
    const emergency = await as(api, hemsjukvard, {
      professional: 'SE2120009999-P0042',
      emergency: 'Medvetslös, oklar medicinering',
    });
    expect(await canRead(emergency, r.obs.vardcentral as string)).toBe(true);
    const log = await json(await (await asPatient(api, r.patient))('GET', `/AuditEvent?patient=${r.patient}&_count=100`));
    const events = log.entry.map((e: any) => e.resource);
    const flagged = events.filter((e: any) => e.purposeOfEvent?.[0]?.coding?.[0]?.code === 'ETREAT');
    expect(flagged).toHaveLength(1);
    expect(flagged[0].purposeOfEvent[0].text).toBe('Medvetslös, oklar medicinering');
    expect(flagged[0].meta.tag.map((t: any) => t.code)).toEqual(['emergency-access', 'emergency-access-used']);
    expect(flagged[0].entity.map((e: any) => e.what?.reference)).toContain(`Observation/${r.obs.vardcentral}`);
    expect(flagged[0].agent[0].who.identifier.value).toBe('SE2120009999-P0042');
  });

  it('does not open a spärr', async () => {
    const r = await record();
    await write(vardcentral, sparr(r.patient, REGION));
    const emergency = await as(api, hemsjukvard, { professional: 'SE2120009999-P0042', emergency: 'Livshotande' });
    expect(await canRead(emergency, r.obs.vardcentral as string)).toBe(false);
  });
});

describe('spärr is the patient\'s to lift', () => {
  it('a care provider registers a spärr but cannot change or delete it; the patient lifts it', async () => {
    const r = await record();
    await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
    await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    const block = await write(vardcentral, sparr(r.patient, REGION));
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(false);
    const lifted = { ...block, status: 'inactive' };
    expect((await send(vardcentral)('PUT', `/Consent/${block.id}`, lifted)).status).toBe(403);
    expect((await send(vardcentral)('DELETE', `/Consent/${block.id}`)).status).toBe(403);
    const patient = await asPatient(api, r.patient);
    expect((await patient('PUT', `/Consent/${block.id}`, lifted)).status).toBe(200);
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(true);
  });

  it('the patient adds a temporary lift with an end time', async () => {
    const r = await record();
    await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
    await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    const patient = await asPatient(api, r.patient);
    const created = await patient('POST', '/Consent', sparr(r.patient, REGION));
    expect(created.status).toBe(201);
    const block = await json(created);
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(false);
    const withLift = sparr(r.patient, REGION, [{ reader: KOMMUN, end: future() }]);
    expect((await patient('PUT', `/Consent/${block.id}`, { ...withLift, id: block.id })).status).toBe(200);
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(true);
  });

  it('a patient writes consents only about themselves', async () => {
    const r = await record();
    const other = await record();
    const patient = await asPatient(api, r.patient);
    expect((await patient('POST', '/Consent', sparr(other.patient, REGION))).status).toBe(403);
  });

  it('a block with an end in the past no longer hides', async () => {
    const r = await record();
    await write(vardcentral, careTeam(r.patient, [REGION, KOMMUN]));
    await write(hemsjukvard, samtycke(r.patient, KOMMUN));
    await write(vardcentral, sparr(r.patient, REGION, [], { start: '2020-01-01', end: past() }));
    expect(await canRead(send(hemsjukvard), r.obs.vardcentral as string)).toBe(true);
  });
});

describe('no leaks: what a caller may not read, no path returns', () => {
  let r: Record;
  let derived: string;
  beforeAll(async () => {
    r = await record();
    // Hemsjukvård's own Observation derived from the region's: a forward include and a chain could reach it.
    derived = (
      await write(
        hemsjukvard,
        heartRate(99, {
          subject: { reference: `Patient/${r.patient}` },
          derivedFrom: [{ reference: `Observation/${r.obs.vardcentral}` }],
        }),
      )
    ).id;
  });
  const hidden = () => [r.obs.vardcentral as string, r.obs.ortopedi as string];
  const kommun = () => send(hemsjukvard);
  const allIds = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.id);

  it('search totals (_summary=count, _total=accurate) count only what the caller sees', async () => {
    const count = await json(await kommun()('GET', `/Observation?patient=${r.patient}&_summary=count`));
    expect(count.total).toBe(2);
    const accurate = await json(await kommun()('GET', `/Observation?patient=${r.patient}&_total=accurate`));
    expect(accurate.total).toBe(2);
    const region = await json(await send(vardcentral)('GET', `/Observation?patient=${r.patient}&_summary=count`));
    expect(region.total).toBe(2);
    const patient = await json(await (await asPatient(api, r.patient))('GET', `/Observation?patient=${r.patient}&_summary=count`));
    expect(patient.total).toBe(4);
  });

  it('paging returns each visible match once and nothing hidden', async () => {
    const seen: string[] = [];
    let url: string | undefined = `/Observation?patient=${r.patient}&_count=1`;
    while (url) {
      const bundle: any = await json(await kommun()('GET', url));
      seen.push(...allIds(bundle));
      const next: string | undefined = bundle.link.find((l: any) => l.relation === 'next')?.url;
      url = next?.replace('http://samvard.test/fhir', '');
    }
    expect(seen.sort()).toEqual([r.obs.hemsjukvard, derived].sort());
    const sorted = await json(await kommun()('GET', `/Observation?patient=${r.patient}&_sort=-_lastUpdated&_count=1`));
    expect(sorted.total).toBe(2);
  });

  it('_include does not bring in a hidden resource', async () => {
    const bundle = await json(await kommun()('GET', `/Observation?_id=${derived}&_include=Observation:derived-from`));
    expect(allIds(bundle)).toEqual([derived]);
    const own = await json(await send(vardcentral)('GET', `/Observation?_id=${r.obs.vardcentral}`));
    expect(allIds(own)).toEqual([r.obs.vardcentral]);
  });

  it('_revinclude does not bring in a hidden resource', async () => {
    const bundle = await json(await kommun()('GET', `/Patient?_id=${r.patient}&_revinclude=Observation:subject`));
    const ids = allIds(bundle);
    expect(ids).toContain(r.obs.hemsjukvard);
    for (const id of hidden()) expect(ids).not.toContain(id);
  });

  it('a chained parameter does not match through a hidden resource', async () => {
    // The region's Observation has the value 60; the kommun's own one is derived from it.
    const chained = `/Observation?patient=${r.patient}&derived-from:Observation.value-quantity=60`;
    expect(await searchIds(await asPatient(api, r.patient), chained)).toEqual([derived]);
    expect(await searchIds(kommun(), chained)).toEqual([]);
  });

  it('_has does not reveal that a hidden resource exists', async () => {
    const other = await record();
    // Only the region documented a heart rate of 60 for this patient.
    const has = `/Patient?_id=${other.patient}&_has:Observation:patient:value-quantity=60`;
    expect(await searchIds(send(vardcentral), has)).toEqual([other.patient]);
    expect(await searchIds(kommun(), has)).toEqual([]);
  });

  it('compartment search, system search and $everything leave hidden resources out', async () => {
    const compartment = await searchIds(kommun(), `/Patient/${r.patient}/Observation`);
    const system = await searchIds(kommun(), `?_type=Observation&patient=${r.patient}`);
    const everything = await searchIds(kommun(), `/Patient/${r.patient}/$everything`);
    for (const ids of [compartment, system, everything]) {
      expect(ids).toContain(r.obs.hemsjukvard);
      for (const id of hidden()) expect(ids).not.toContain(id);
    }
    expect(everything).toContain(r.patient);
    const regionEverything = await searchIds(send(vardcentral), `/Patient/${r.patient}/$everything`);
    for (const id of hidden()) expect(regionEverything).toContain(id);
  });

  it('type history leaves hidden versions out', async () => {
    const bundle = await json(await kommun()('GET', '/Observation/_history?_count=1000'));
    const ids = allIds(bundle);
    expect(ids).toContain(r.obs.hemsjukvard);
    for (const id of hidden()) expect(ids).not.toContain(id);
  });

  it('a batch reads through the same rules', async () => {
    const res = await kommun()('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: `Observation/${r.obs.vardcentral}` } },
        { request: { method: 'GET', url: `Observation/${r.obs.hemsjukvard}` } },
        { request: { method: 'GET', url: `Observation?patient=${r.patient}` } },
      ],
    });
    expect(res.status).toBe(200);
    const bundle = await json(res);
    expect(bundle.entry[0].response.status).toMatch(/^404/);
    expect(bundle.entry[1].response.status).toMatch(/^200/);
    const searched = allIds(bundle.entry[2].resource);
    for (const id of hidden()) expect(searched).not.toContain(id);
  });

  it('a hidden resource cannot be changed or deleted (404, as if it did not exist)', async () => {
    const current = await json(await send(vardcentral)('GET', `/Observation/${r.obs.vardcentral}`));
    expect((await kommun()('PUT', `/Observation/${r.obs.vardcentral}`, { ...current, status: 'amended' })).status).toBe(404);
    expect((await kommun()('DELETE', `/Observation/${r.obs.vardcentral}`)).status).toBe(404);
  });

  it('a resource read by consent may not be changed by the reader (403)', async () => {
    const other = await record();
    await write(vardcentral, careTeam(other.patient, [REGION, KOMMUN]));
    await write(hemsjukvard, samtycke(other.patient, KOMMUN));
    const current = await json(await kommun()('GET', `/Observation/${other.obs.vardcentral}`));
    expect((await kommun()('PUT', `/Observation/${other.obs.vardcentral}`, { ...current, status: 'amended' })).status).toBe(403);
    expect((await kommun()('DELETE', `/Observation/${other.obs.vardcentral}`)).status).toBe(403);
  });

  it('a patient reads their own record and no one else\'s', async () => {
    const other = await record();
    const patient = await asPatient(api, r.patient);
    expect((await patient('GET', `/Observation/${r.obs.vardcentral}`)).status).toBe(200);
    expect((await patient('GET', `/Observation/${other.obs.vardcentral}`)).status).toBe(404);
    expect((await patient('GET', `/Patient/${other.patient}`)).status).toBe(404);
    expect((await searchIds(patient, `/Observation?patient=${r.patient}`)).length).toBe(4);
    expect(await searchIds(patient, `/Observation?patient=${other.patient}`)).toEqual([]);
  });
});

describe('who documented what', () => {
  it('stamps the care provider and unit from the token and ignores what the body says', async () => {
    const r = await record();
    const forged = heartRate(70, {
      subject: { reference: `Patient/${r.patient}` },
      meta: {
        extension: [
          {
            url: 'https://samvard.se/fhir/StructureDefinition/documented-by',
            extension: [{ url: 'careProvider', valueIdentifier: { system: 'urn:oid:1.2.752.29.4.19', value: REGION } }],
          },
        ],
      },
    } as any);
    const created = await write(hemsjukvard, forged);
    const documentedBy = created.meta.extension.filter(
      (e: any) => e.url === 'https://samvard.se/fhir/StructureDefinition/documented-by',
    );
    expect(documentedBy).toHaveLength(1);
    const value = (url: string) => documentedBy[0].extension.find((e: any) => e.url === url)?.valueIdentifier?.value;
    expect(value('careProvider')).toBe(KOMMUN);
    expect(value('careUnit')).toBe(hemsjukvard.careUnit);
    // The forged claim to be the region's documentation gave the kommun nothing, and the region no access either.
    expect(await canRead(send(vardcentral), created.id)).toBe(false);
  });

  it('keeps the custodian when an addressee updates, and records who wrote each version', async () => {
    const r = await record();
    const hsaRef = (value: string) => ({ identifier: { system: 'urn:oid:1.2.752.29.4.19', value } });
    const task = await write(
      vardcentral,
      hslTask({ for: { reference: `Patient/${r.patient}` }, requester: hsaRef(vardcentral.careUnit), owner: hsaRef(hemsjukvard.careUnit) }),
    );
    // Addressed to hemsjukvård: it reads and updates the Task without consent; hemtjänst does not see it.
    expect((await send(hemtjanst)('GET', `/Task/${task.id}`)).status).toBe(404);
    const res = await send(hemsjukvard)('PUT', `/Task/${task.id}`, { ...task, status: 'accepted' });
    expect(res.status).toBe(200);
    const accepted = await json(res);
    const stampOf = (url: string, part: string) =>
      accepted.meta.extension.find((e: any) => e.url === url).extension.find((e: any) => e.url === part)?.valueIdentifier?.value ??
      accepted.meta.extension.find((e: any) => e.url === url).extension.find((e: any) => e.url === part)?.valueString;
    expect(stampOf('https://samvard.se/fhir/StructureDefinition/documented-by', 'careProvider')).toBe(REGION);
    expect(stampOf('https://samvard.se/fhir/StructureDefinition/written-by', 'careProvider')).toBe(KOMMUN);
    expect(stampOf('https://samvard.se/fhir/StructureDefinition/written-by', 'client')).toBe('hemsjukvard');
    // Still the region's documentation: the region reads it as its own.
    expect((await send(ortopedi)('GET', `/Task/${task.id}`)).status).toBe(200);
    // An addressee may update, not delete.
    expect((await send(hemsjukvard)('DELETE', `/Task/${task.id}`)).status).toBe(403);
  });
});

describe('the access log', () => {
  const auditCount = async (patient: string): Promise<number> => {
    const pk = `ix#AuditEvent#patient#Patient/${patient}`;
    return (await api.store.queryIndex(pk, { limit: 1000 })).sks.length;
  };

  it('writes exactly one AuditEvent per allowed and per denied access to a patient\'s record', async () => {
    const r = await record();
    const before = await auditCount(r.patient);
    const kommun = send(hemsjukvard);
    await kommun('GET', `/Observation/${r.obs.hemsjukvard}`); // allowed
    expect(await auditCount(r.patient)).toBe(before + 1);
    await kommun('GET', `/Observation/${r.obs.vardcentral}`); // denied (hidden)
    expect(await auditCount(r.patient)).toBe(before + 2);
    await kommun('GET', `/Observation?patient=${r.patient}`); // search
    expect(await auditCount(r.patient)).toBe(before + 3);
    await kommun('POST', '/Observation', heartRate(80, { subject: { reference: `Patient/${r.patient}` } })); // write
    expect(await auditCount(r.patient)).toBe(before + 4);
    await kommun('GET', `/Patient/${r.patient}/$everything`);
    expect(await auditCount(r.patient)).toBe(before + 5);
  });

  it('commits a write\'s AuditEvent with the write: one per patient, none for a write that did not happen', async () => {
    const r = await record();
    const other = await record();
    const [beforeOwn, beforeOther] = [await auditCount(r.patient), await auditCount(other.patient)];
    const kommun = send(hemsjukvard);
    // A transaction writing about two patients: one AuditEvent each, in the same commit.
    const bundle = await kommun('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [r.patient, r.patient, other.patient].map((patient) => ({
        request: { method: 'POST', url: 'Observation' },
        resource: heartRate(75, { subject: { reference: `Patient/${patient}` } }),
      })),
    });
    expect(bundle.status).toBe(200);
    expect([await auditCount(r.patient), await auditCount(other.patient)]).toEqual([beforeOwn + 1, beforeOther + 1]);
    const log = await json(await (await asPatient(api, r.patient))('GET', `/AuditEvent?patient=${r.patient}&_count=100`));
    const written = log.entry.map((e: any) => e.resource).find((e: any) => e.subtype[0].code === 'transaction');
    expect(written.outcome).toBe('0');
    expect(written.entity.filter((e: any) => e.what?.reference?.startsWith('Observation/'))).toHaveLength(2);
    // A write refused by If-Match stores nothing, and is logged as a refused attempt.
    const current = await json(await kommun('GET', `/Observation/${r.obs.hemsjukvard}`));
    const countBefore = await auditCount(r.patient);
    const stale = await kommun('PUT', `/Observation/${r.obs.hemsjukvard}`, { ...current, status: 'amended' }, { 'If-Match': 'W/"99"' });
    expect(stale.status).toBe(412);
    expect(await auditCount(r.patient)).toBe(countBefore + 1);
  });

  it('records who, which unit, which patient, what, when, why and the outcome', async () => {
    const r = await record();
    await send(hemsjukvard)('GET', `/Observation/${r.obs.vardcentral}`);
    const log = await json(await (await asPatient(api, r.patient))('GET', `/AuditEvent?patient=${r.patient}&_count=100`));
    const denied = log.entry
      .map((e: any) => e.resource)
      .find((e: any) => e.subtype[0].code === 'read' && e.agent.some((a: any) => a.who.identifier?.value === KOMMUN));
    expect(denied).toMatchObject({
      action: 'R',
      outcome: '4',
      purposeOfEvent: [{ coding: [{ code: 'TREAT' }] }],
    });
    expect(denied.outcomeDesc).toMatch(/HTTP 404; 0 shown; 1 withheld.*no-care-relationship/);
    const agentOf = (code: string) => denied.agent.find((a: any) => a.type.coding[0].code === code);
    expect(agentOf('client').who.identifier.value).toBe('hemsjukvard');
    expect(agentOf('care-provider').who.identifier.value).toBe(KOMMUN);
    expect(agentOf('care-unit').who.identifier.value).toBe(hemsjukvard.careUnit);
    expect(denied.entity[0].what.reference).toBe(`Patient/${r.patient}`);
    expect(Date.now() - Date.parse(denied.recorded)).toBeLessThan(60_000);
  });

  it('is readable by the patient only for their own record', async () => {
    const r = await record();
    const other = await record();
    await send(hemsjukvard)('GET', `/Observation?patient=${r.patient}`);
    const own = await searchIds(await asPatient(api, r.patient), `/AuditEvent?patient=${r.patient}`);
    expect(own.length).toBeGreaterThan(0);
    expect(await searchIds(await asPatient(api, other.patient), `/AuditEvent?patient=${r.patient}`)).toEqual([]);
    for (const id of own) expect((await (await asPatient(api, other.patient))('GET', `/AuditEvent/${id}`)).status).toBe(404);
  });

  it('shows a care provider the log of its own accesses only', async () => {
    const r = await record();
    await send(hemtjanst)('GET', `/Observation?patient=${r.patient}`);
    const kommunView = await json(await send(hemsjukvard)('GET', `/AuditEvent?patient=${r.patient}&_count=100`));
    for (const entry of kommunView.entry ?? []) {
      expect(entry.resource.agent.some((a: any) => a.who.identifier?.value === KOMMUN)).toBe(true);
    }
    const omsorgView = await json(await send(hemtjanst)('GET', `/AuditEvent?patient=${r.patient}&_count=100`));
    expect(omsorgView.entry.length).toBeGreaterThan(0);
  });

  it('is append-only through the API', async () => {
    const r = await record();
    const event = { resourceType: 'AuditEvent', type: { code: 'rest' }, recorded: new Date().toISOString(), agent: [{ requestor: true }], source: { observer: { display: 'x' } }, entity: [{ what: { reference: `Patient/${r.patient}` } }] };
    expect((await send(vardcentral)('POST', '/AuditEvent', event)).status).toBe(403);
    const own = await searchIds(send(vardcentral), `/AuditEvent?patient=${r.patient}`);
    expect(own.length).toBeGreaterThan(0);
    const id = own[0] as string;
    const current = await json(await send(vardcentral)('GET', `/AuditEvent/${id}`));
    expect((await send(vardcentral)('PUT', `/AuditEvent/${id}`, current)).status).toBe(403);
    expect((await send(vardcentral)('DELETE', `/AuditEvent/${id}`)).status).toBe(403);
  });

  it('keeps every AuditEvent item for at least five years (TTL attribute)', async () => {
    const r = await record();
    const ids = await searchIds(await asPatient(api, r.patient), `/AuditEvent?patient=${r.patient}`);
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const item = await api.client.send(
      new GetItemCommand({ TableName: api.tableName, Key: { pk: { S: `AuditEvent/${ids[0]}` }, sk: { S: 'current' } } }),
    );
    const expiresAt = Number(item.Item?.expiresAt?.N) * 1000;
    expect(expiresAt - Date.now()).toBeGreaterThan(5 * 365.25 * 24 * 3600_000);
    // The table's TTL (DynamoDB and the CDK table) is on that attribute.
    expect(resourceTable.timeToLiveAttribute).toBe(EXPIRES_AT_ATTRIBUTE);
  });
});
