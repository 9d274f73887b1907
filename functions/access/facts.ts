/**
 * The facts the access rules (rules.ts) decide on, read from samvard's own data:
 *
 * - **Care relationship**: the patient's CareTeam resources (`CareTeam.subject` the
 *   patient, `status` active). Each participant whose `member` or `onBehalfOf` is the
 *   caller's care provider or unit, and whose `period` covers now, is a current care
 *   relationship. The workflow broker keeps these teams true (an accepted HSL-uppdrag
 *   adds its owner; the last completed one ends the period).
 * - **Consent (samtycke)**: a Consent with `patient` the patient, `status` active,
 *   `category` `https://samvard.se/fhir/CodeSystem/svod-consent#samtycke`,
 *   `provision.type` permit, `provision.actor` with role
 *   `http://terminology.hl7.org/CodeSystem/v3-ParticipationType#IRCP` (information
 *   recipient) naming the care provider or unit that may read, and `provision.period`
 *   when it is time-limited. `scope` should be `patient-privacy`.
 * - **Block (spärr)**: a Consent with category `...svod-consent#sparr`, `status` active,
 *   `provision.type` deny, `provision.actor` naming the care provider or unit whose
 *   documentation is blocked (role `CST`, custodian; any role counts), optional
 *   `provision.period`. A temporary lift is a nested `provision.provision` of type
 *   permit naming the reader (actor) with a `period.end`; a nested permit without an end
 *   is ignored (a permanent lift is the patient ending the block itself).
 *
 * - **What a Provenance is about**: a Provenance (e.g. the workflow broker's record of a
 *   care-team change) is about what it `target`s: its patient is its targets' patient,
 *   and its addressees are their addressees (a CareTeam's participants, a CarePlan's
 *   author, contributors and care teams, ...) and the parties that acted (`agent.who`,
 *   `agent.onBehalfOf`). So whoever may read the targeted CareTeam reads the Provenances
 *   that explain it, and no one else (rules.ts, row 6). The targets are read as they are
 *   now (a maintained team only gains participants; a left one keeps its entry, ended).
 *   Targets about more than one patient lend it no addressees.
 *
 * An actor, member or addressee is matched by HSA-id: a reference's `identifier` (system
 * `urn:oid:1.2.752.29.4.19`, or RIV-TA's `urn:oid:1.2.752.129.2.1.4.1`), else the HSA
 * identifiers of the Organization (or Practitioner, or a PractitionerRole's Organization)
 * it points to.
 */
import type {
  CarePlan,
  CareTeam,
  Consent,
  ConsentProvision,
  Provenance,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { hsaIdsOfReference } from '../core/hsa.ts';
import { searchParamFor } from '../core/search/parameters.ts';
import { paramValues } from '../core/search/values.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import { referenceKey, referencePk } from '../store/search-index.ts';
import { custodianOf } from './documentation.ts';
import type { Block, ConsentGrant, Membership, PatientFacts, ResourceFacts } from './rules.ts';

/** Consent.category of a samtycke or spärr; defined in fhir-profiles/input/fsh/codesystems.fsh, served at /fhir/CodeSystem/svod-consent. */
export const SVOD_CONSENT_SYSTEM = 'https://samvard.se/fhir/CodeSystem/svod-consent';
export const CONSENT_CODE = 'samtycke';
export const BLOCK_CODE = 'sparr';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

/**
 * Resolves references to the HSA-ids they stand for, and reads what a Provenance targets,
 * reading each resource once per request (past the caller's view: these are facts, not
 * what the caller is shown).
 */
export class HsaResolver {
  private readonly resources = new Map<string, Promise<Resource | undefined>>();

  constructor(private readonly store: ResourceStore) {}

  /** The current content of `Type/id` (undefined when it does not exist or is deleted). */
  current(key: string): Promise<Resource | undefined> {
    let pending = this.resources.get(key);
    if (!pending) {
      const [type, id] = key.split('/') as [string, string];
      pending = this.store.readCurrent(type, id).then((v) => (v?.operation === 'delete' ? undefined : v?.resource));
      this.resources.set(key, pending);
    }
    return pending;
  }

  async idsOf(refs: readonly (Reference | undefined)[]): Promise<string[]> {
    const all = await Promise.all(refs.map((r) => this.idsOfOne(r)));
    return [...new Set(all.flat())];
  }

  private idsOfOne(ref: Reference | undefined): Promise<string[]> {
    return hsaIdsOfReference(ref, (key) => this.current(key));
  }
}

/** The Patient id a resource is about, if any. */
export function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  if (resource.resourceType === 'AuditEvent') {
    const what = resource.entity?.find((e) => e.what?.reference?.startsWith('Patient/'))?.what?.reference;
    return what?.slice('Patient/'.length);
  }
  const param = searchParamFor(resource.resourceType, 'patient');
  if (!param) return undefined;
  for (const value of paramValues(resource, param)) {
    const key = referenceKey(value);
    if (key?.startsWith('Patient/')) return key.slice('Patient/'.length);
  }
  return undefined;
}

/** Whether a type is patient data: Patient, AuditEvent and the types of the Patient compartment. */
export function isPatientDataType(type: string): boolean {
  return type === 'Patient' || type === 'AuditEvent' || searchParamFor(type, 'patient') !== undefined;
}

/** What the rules need to know about one resource. */
export async function resourceFacts(resource: Resource, resolver: HsaResolver): Promise<ResourceFacts> {
  if (resource.resourceType === 'Provenance') return provenanceFacts(resource as Provenance, resolver);
  const facts: ResourceFacts = {
    type: resource.resourceType,
    patientData: isPatientDataType(resource.resourceType),
    patient: patientOf(resource),
    custodian: custodianOf(resource),
    addressees: await resolver.idsOf(addresseeRefs(resource)),
  };
  if (resource.resourceType === 'CarePlan') facts.careTeams = careTeamIds(resource as CarePlan);
  if (resource.resourceType === 'AuditEvent') {
    facts.auditProvider = resource.agent
      ?.find((a) => a.type?.coding?.some((c) => c.code === 'care-provider'))
      ?.who?.identifier?.value;
  }
  if (resource.resourceType === 'Consent') facts.isBlock = hasCategory(resource as Consent, BLOCK_CODE);
  return facts;
}

/**
 * A Provenance is about what it targets (see the module comment): the targets' patient,
 * their addressees and care teams, and the agents that acted. Its custodian is its own.
 */
async function provenanceFacts(provenance: Provenance, resolver: HsaResolver): Promise<ResourceFacts> {
  const keys = [...new Set((provenance.target ?? []).map((t) => (t.reference ? referenceKey({ type: 'Reference', value: t }) : undefined)))];
  const targets = (
    await Promise.all(
      // A Provenance of a Provenance does not pass on what that one is about.
      keys.map((k) => (k && !k.startsWith('Provenance/') && !k.startsWith('Patient/') ? resolver.current(k) : undefined)),
    )
  ).filter((t): t is Resource => t !== undefined);
  const patients = new Set(
    [patientOf(provenance), ...targets.map(patientOf)].filter((p): p is string => p !== undefined),
  );
  const single = patients.size <= 1;
  const refs: (Reference | undefined)[] = (provenance.agent ?? []).flatMap((a) => [a.who, a.onBehalfOf]);
  const careTeams: string[] = [];
  if (single) {
    for (const target of targets) {
      refs.push(...addresseeRefs(target));
      if (target.resourceType === 'CarePlan') careTeams.push(...careTeamIds(target as CarePlan));
    }
  }
  return {
    type: 'Provenance',
    patientData: true,
    // Targets of several patients: the first one it names, as patientOf does for its Patient targets.
    patient: patientOf(provenance) ?? [...patients][0],
    custodian: custodianOf(provenance),
    addressees: await resolver.idsOf(refs),
    ...(careTeams.length > 0 ? { careTeams } : {}),
  };
}

function careTeamIds(plan: CarePlan): string[] {
  return (plan.careTeam ?? []).flatMap((r) => {
    const key = r.reference ? referenceKey({ type: 'Reference', value: r }) : undefined;
    return key?.startsWith('CareTeam/') ? [key.slice('CareTeam/'.length)] : [];
  });
}

/** References naming the parties a resource is addressed to (rules.ts, row 6). */
function addresseeRefs(resource: Resource): (Reference | undefined)[] {
  switch (resource.resourceType) {
    case 'Task': {
      const task = resource as Task;
      return [task.owner, task.requester, ...(task.restriction?.recipient ?? [])];
    }
    case 'ServiceRequest': {
      const request = resource as ServiceRequest;
      return [request.requester, ...(request.performer ?? [])];
    }
    case 'CareTeam':
      return (resource as CareTeam).participant?.flatMap((p) => [p.member, p.onBehalfOf]) ?? [];
    case 'CarePlan': {
      const plan = resource as CarePlan;
      return [plan.author, ...(plan.contributor ?? [])];
    }
    case 'Consent': {
      const consent = resource as Consent;
      if (!hasCategory(consent, CONSENT_CODE)) return [];
      return actorsWithRole(consent.provision, 'IRCP');
    }
    default:
      return [];
  }
}

/** Reads a patient's CareTeams and Consents (not through the access rules) and extracts the facts. */
export async function loadPatientFacts(
  store: ResourceStore,
  patientId: string,
  resolver: HsaResolver,
): Promise<PatientFacts> {
  const [teams, consents] = await Promise.all([
    byPatient(store, 'CareTeam', patientId),
    byPatient(store, 'Consent', patientId),
  ]);
  const memberships: Membership[] = [];
  for (const team of teams as CareTeam[]) {
    if (team.status !== 'active' || !team.id) continue;
    for (const participant of team.participant ?? []) {
      for (const hsaId of await resolver.idsOf([participant.member, participant.onBehalfOf])) {
        memberships.push({ hsaId, careTeam: team.id, ...participant.period });
      }
    }
  }
  const grants: ConsentGrant[] = [];
  const blocks: Block[] = [];
  for (const consent of consents as Consent[]) {
    if (consent.status !== 'active' || !consent.id || consent.patient?.reference !== `Patient/${patientId}`) continue;
    const provision = consent.provision;
    if (hasCategory(consent, CONSENT_CODE) && provision?.type === 'permit') {
      const recipients = await resolver.idsOf(actorsWithRole(provision, 'IRCP'));
      grants.push({ consent: consent.id, recipients, ...provision.period });
    } else if (hasCategory(consent, BLOCK_CODE) && provision?.type === 'deny') {
      const blocked = await resolver.idsOf((provision.actor ?? []).map((a) => a.reference));
      const lifts = [];
      for (const nested of provision.provision ?? []) {
        if (nested.type !== 'permit' || !nested.period?.end) continue;
        const recipients = await resolver.idsOf((nested.actor ?? []).map((a) => a.reference));
        lifts.push({ recipients, ...nested.period });
      }
      blocks.push({ consent: consent.id, blocked, lifts, ...provision.period });
    }
  }
  return { memberships, consents: grants, blocks };
}

async function byPatient(store: ResourceStore, type: string, patientId: string): Promise<Resource[]> {
  const pk = referencePk(type, 'patient', `Patient/${patientId}`);
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.queryIndex(pk, { after, limit: 100 });
    ids.push(...page.sks);
    // All of them: a block left unread would fail open.
    if (!page.more || page.sks.length === 0) break;
    after = page.sks[page.sks.length - 1];
  }
  const found = await store.readCurrentMany(ids.map((id) => ({ type, id })));
  return found.flatMap((v) => (v.resource ? [v.resource] : []));
}

function hasCategory(consent: Consent, code: string): boolean {
  return (consent.category ?? []).some((c) =>
    (c.coding ?? []).some((coding) => coding.system === SVOD_CONSENT_SYSTEM && coding.code === code),
  );
}

function actorsWithRole(provision: ConsentProvision | undefined, role: string): Reference[] {
  return (provision?.actor ?? [])
    .filter((a) => a.role?.coding?.some((c) => c.system === PARTICIPATION_TYPE && c.code === role))
    .map((a) => a.reference);
}
