/**
 * The access rules of Lag (2022:913) om sammanhållen vård- och omsorgsdokumentation
 * (SVOD) as samvard enforces them: one pure function, {@link decide}, from who calls,
 * what the resource is and what is known about its patient, to allow or deny and the
 * rule that decided. No I/O: the facts are loaded elsewhere (facts.ts) and the decision
 * is applied to every path that returns or changes data (guard.ts).
 *
 * Reading (first matching row wins):
 *
 * | # | rule | when | decision |
 * | - | --- | --- | --- |
 * | 0 | `own-subscription` / `others-subscription` | a Subscription: the caller's care provider (or patient) created it | allow / deny |
 * | 0b | `own-endpoint` / `others-endpoint` | an Endpoint (it holds the signing secret of its organisation's party notifications): the caller's care provider created it | allow / deny |
 * | 1 | `not-patient-data` | the type is not patient data (Organization, Practitioner, PractitionerRole: outside the Patient compartment) | allow |
 * | 2 | `own-record` / `other-patient` | patient token: the resource is about the token's patient | allow / deny |
 * | 3 | `own-log` / `log-of-others` | AuditEvent, care provider token: the access was made by the caller's care provider | allow / deny |
 * | 4 | `own-documentation` | the resource was documented by the caller's care provider | allow |
 * | 5 | `patient-register` | a Patient resource (demographics, not documentation) | allow |
 * | 6 | `addressed` | the resource names the caller's provider or unit in a workflow role (Task owner/requester, ServiceRequest requester/performer, CareTeam participant, CarePlan author/contributor/care team, Consent recipient); a Provenance: a role in what it targets, or its agent | allow |
 * | - | `no-care-relationship` | patient data that names no patient, past rows 4-6 | deny |
 * | 7 | `blocked` | an active spärr of the patient names the documenting provider or unit, and no current temporary lift names the caller | deny (also in an emergency) |
 * | 8 | `emergency` | the caller (a professional) asked for emergency access with a reason | allow, logged as emergency |
 * | 9 | `consent` | a current care relationship (the caller is an active participant of the patient's CareTeam) and a current consent (Consent active, permit, naming the caller) | allow |
 * | 10 | `no-care-relationship` / `no-consent` | otherwise | deny |
 *
 * A Provenance is about what it targets (facts.ts): its patient and its addressees are its
 * targets' (plus the agents that acted), so the workflow broker's Provenance of a care-team
 * change is read by whoever reads the team (its participants, the patient, a reader by
 * consent) and by the party that made the change, and by no one else. Being addressed
 * by a Provenance is for reading only: only its writer changes it (samvard's own have no
 * writer but samvard).
 *
 * Writing: a create is allowed to any care provider (it documents its own care; the new
 * resource is stamped as its documentation) and to a patient for resources about
 * themselves. An update needs rule 1, 2 (patient: own documentation or own Consent), 4
 * or 6 on the current version: reading by consent or emergency does not let one change
 * another provider's documentation. A delete needs rule 1, 2 (as for update) or 4. A
 * spärr (Consent, category `sparr`) is changed or deleted only with the patient's own
 * token: only the patient lifts a block. AuditEvents are never written through the API.
 *
 * Emergency access does not open a spärr: the law lets only the patient lift a block,
 * and the design (shared/design.md §5) says a block hides documentation "even with
 * consent". If a legal review says otherwise, that is row 7 moving below row 8.
 */
import type { Caller } from '../auth/caller.ts';

export type Rule =
  | 'own-subscription'
  | 'others-subscription'
  | 'own-endpoint'
  | 'others-endpoint'
  | 'not-patient-data'
  | 'own-record'
  | 'other-patient'
  | 'own-log'
  | 'log-of-others'
  | 'own-documentation'
  | 'patient-register'
  | 'addressed'
  | 'blocked'
  | 'emergency'
  | 'consent'
  | 'no-care-relationship'
  | 'no-consent'
  | 'read-only'
  | 'patient-lifts-block'
  | 'append-only';

export type Action = 'read' | 'update' | 'delete' | 'create';

/** An interval; either end may be open. Instants or dates (a date end lasts the whole day). */
export interface Interval {
  start?: string | undefined;
  end?: string | undefined;
}

/** Who documented a resource (the custodian), from samvard's stamp (documentation.ts). */
export interface Custodian {
  careProvider?: string | undefined;
  careUnit?: string | undefined;
  /** Set when the patient wrote it with a patient token. */
  patient?: string | undefined;
}

/** What the rules need to know about one resource. */
export interface ResourceFacts {
  type: string;
  /** Whether the type is patient data: Patient, AuditEvent and the Patient compartment's types. */
  patientData: boolean;
  /** The Patient id the resource is about; undefined when it names none. */
  patient?: string | undefined;
  custodian?: Custodian | undefined;
  /** HSA-ids named in workflow roles (see row 6); for a Provenance, its targets' and its agents'. */
  addressees: readonly string[];
  /** CareTeam ids a CarePlan names (its participants count as addressees while active). */
  careTeams?: readonly string[] | undefined;
  /** AuditEvent: the care provider whose access it records. */
  auditProvider?: string | undefined;
  /** Consent: whether it is a spärr. */
  isBlock?: boolean;
}

export interface Membership extends Interval {
  hsaId: string;
  careTeam: string;
}

export interface ConsentGrant extends Interval {
  /** HSA-ids the consent lets read (provision.actor with role IRCP). */
  recipients: readonly string[];
  consent: string;
}

export interface Block extends Interval {
  /** HSA-ids of the providers or units whose documentation is blocked. */
  blocked: readonly string[];
  /** Temporary lifts: who may read despite the block, until when. */
  lifts: readonly (Interval & { recipients: readonly string[] })[];
  consent: string;
}

/** What is known about a patient's care relationships, consents and blocks. */
export interface PatientFacts {
  memberships: readonly Membership[];
  consents: readonly ConsentGrant[];
  blocks: readonly Block[];
}

export const NO_FACTS: PatientFacts = { memberships: [], consents: [], blocks: [] };

export interface Decision {
  allow: boolean;
  rule: Rule;
  /** The access was allowed only because emergency access was asked for. */
  emergency: boolean;
}

const allow = (rule: Rule, emergency = false): Decision => ({ allow: true, rule, emergency });
const deny = (rule: Rule): Decision => ({ allow: false, rule, emergency: false });

/** Whether `decide` may need the patient's facts for this resource (rows 6-9). */
export function needsPatientFacts(caller: Caller, resource: ResourceFacts): boolean {
  if (!resource.patientData || resource.patient === undefined) return false;
  if (caller.kind === 'patient' || resource.type === 'AuditEvent') return false;
  if (isOwnDocumentation(caller, resource) || resource.type === 'Patient') return false;
  return true;
}

/** Reads: rows 0-10 above. */
export function decideRead(caller: Caller, resource: ResourceFacts, facts: PatientFacts, now: Date): Decision {
  if (resource.type === 'Subscription') {
    // Who is told what is decided for the Subscription's creator (subscriptions.ts): no one else may read or change it.
    const mine =
      caller.kind === 'patient'
        ? resource.custodian?.patient !== undefined && resource.custodian.patient === caller.patient
        : isOwnDocumentation(caller, resource);
    return mine ? allow('own-subscription') : deny('others-subscription');
  }
  if (resource.type === 'Endpoint') {
    // Its secret signs the organisation's notifications (functions/subscriptions/party-channel.ts).
    return caller.kind !== 'patient' && isOwnDocumentation(caller, resource) ? allow('own-endpoint') : deny('others-endpoint');
  }
  if (!resource.patientData) return allow('not-patient-data');
  if (caller.kind === 'patient') {
    return resource.patient !== undefined && resource.patient === caller.patient
      ? allow('own-record')
      : deny('other-patient');
  }
  if (resource.type === 'AuditEvent') {
    return resource.auditProvider !== undefined && resource.auditProvider === caller.careProvider
      ? allow('own-log')
      : deny('log-of-others');
  }
  if (isOwnDocumentation(caller, resource)) return allow('own-documentation');
  if (resource.type === 'Patient') return allow('patient-register');
  const me = callerIds(caller);
  if (isAddressed(me, resource, facts, now)) return allow('addressed');
  if (resource.patient === undefined) return deny('no-care-relationship');
  if (isBlocked(me, resource, facts, now)) return deny('blocked');
  if (caller.emergency) return allow('emergency', true);
  const related = facts.memberships.some((m) => me.has(m.hsaId) && covers(m, now));
  if (!related) return deny('no-care-relationship');
  const consented = facts.consents.some((c) => c.recipients.some((r) => me.has(r)) && covers(c, now));
  return consented ? allow('consent') : deny('no-consent');
}

/**
 * Changes to an existing resource: the read decision on its current version must be
 * one that carries the right to change it (see the module comment).
 */
export function decideChange(
  caller: Caller,
  action: 'update' | 'delete',
  current: ResourceFacts,
  facts: PatientFacts,
  now: Date,
): Decision {
  if (current.type === 'AuditEvent') return deny('append-only');
  const read = decideRead(caller, current, facts, now);
  if (!read.allow) return read;
  if (current.isBlock && caller.kind !== 'patient') return deny('patient-lifts-block');
  switch (read.rule) {
    case 'own-subscription':
    case 'own-endpoint':
    case 'not-patient-data':
    case 'own-documentation':
      return read;
    case 'own-record':
      // A patient changes what they wrote and their own consents and blocks, not a provider's documentation.
      return current.custodian?.patient === caller.patient || current.type === 'Consent' ? read : deny('read-only');
    case 'addressed':
      // A Provenance records what happened: those it concerns read it, they do not rewrite it.
      return action === 'update' && current.type !== 'Provenance' ? read : deny('read-only');
    default:
      return deny('read-only');
  }
}

/** Creates: a provider documents its own care; a patient writes only about themselves. */
export function decideCreate(caller: Caller, resource: ResourceFacts): Decision {
  if (resource.type === 'AuditEvent') return deny('append-only');
  if (resource.type === 'Subscription') return allow('own-subscription');
  if (caller.kind === 'patient') {
    return resource.patient !== undefined && resource.patient === caller.patient
      ? allow('own-record')
      : deny('other-patient');
  }
  return allow(resource.patientData ? 'own-documentation' : 'not-patient-data');
}

function callerIds(caller: Caller): Set<string> {
  return new Set([caller.careProvider, caller.careUnit].filter((v): v is string => v !== undefined));
}

function isOwnDocumentation(caller: Caller, resource: ResourceFacts): boolean {
  return caller.careProvider !== undefined && resource.custodian?.careProvider === caller.careProvider;
}

function isAddressed(me: Set<string>, resource: ResourceFacts, facts: PatientFacts, now: Date): boolean {
  if (resource.addressees.some((a) => me.has(a))) return true;
  const teams = new Set(resource.careTeams ?? []);
  return teams.size > 0 && facts.memberships.some((m) => teams.has(m.careTeam) && me.has(m.hsaId) && covers(m, now));
}

function isBlocked(me: Set<string>, resource: ResourceFacts, facts: PatientFacts, now: Date): boolean {
  const author = [resource.custodian?.careProvider, resource.custodian?.careUnit].filter(
    (v): v is string => v !== undefined,
  );
  if (author.length === 0) return false;
  return facts.blocks.some(
    (block) =>
      covers(block, now) &&
      block.blocked.some((b) => author.includes(b)) &&
      !block.lifts.some((lift) => lift.recipients.some((r) => me.has(r)) && covers(lift, now)),
  );
}

/** Whether `now` lies in the interval. A date-only end includes that whole day (UTC). */
export function covers(interval: Interval, now: Date): boolean {
  const t = now.getTime();
  if (interval.start !== undefined) {
    const start = Date.parse(interval.start);
    if (Number.isNaN(start) || t < start) return false;
  }
  if (interval.end !== undefined) {
    const dateOnly = /^\d{4}(-\d{2}(-\d{2})?)?$/.test(interval.end);
    const end = dateOnly ? endOfDate(interval.end) : Date.parse(interval.end);
    if (Number.isNaN(end) || t > end) return false;
  }
  return true;
}

function endOfDate(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number?, number?];
  if (m === undefined) return Date.UTC(y + 1, 0, 1) - 1;
  if (d === undefined) return Date.UTC(y, m, 1) - 1;
  return Date.UTC(y, m - 1, d + 1) - 1;
}
