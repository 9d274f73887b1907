/**
 * The access log (åtkomstlogg): one AuditEvent per request and patient whose record the
 * request read, searched, wrote or was refused, written by samvard itself.
 *
 * What an AuditEvent says:
 * - who: `agent` entries typed by `https://samvard.se/fhir/CodeSystem/audit-agent`:
 *   `professional` (HSA-id, user tokens), `client` (OAuth client id), `patient`
 *   (patient tokens), `care-provider` and `care-unit` (HSA-ids);
 * - which patient: `entity` with role 1 (Patient), `what` = `Patient/<id>`; the resources
 *   shown (role 4), up to {@link MAX_LISTED} of them, and the search query (role 24);
 * - what: `subtype` the FHIR interaction, `action` C/R/U/D/E;
 * - when: `recorded`;
 * - why: `purposeOfEvent` TREAT (care), ETREAT (emergency, with the stated reason as
 *   text) or PATRQT (the patient's own request);
 * - outcome: `0` when allowed, `4` when refused (scopes or the access rules) or the
 *   request failed, `8` on a server failure; `outcomeDesc` counts what was shown and
 *   withheld and names the rules that decided;
 * - emergency: `purposeOfEvent` ETREAT and `meta.tag`
 *   `https://samvard.se/fhir/CodeSystem/audit-flag#emergency-access`
 *   (`#emergency-access-used` when something was shown only because of it).
 *
 * Both samvard code systems are defined in `fhir-profiles/input/fsh/codesystems.fsh` and
 * served at `/fhir/CodeSystem/audit-agent` and `/fhir/CodeSystem/audit-flag`.
 *
 * Writing: a write's AuditEvents are put in the same commit as the write itself (as
 * the store's guard items, see guard.ts), so a change is stored with its log entry or
 * not at all. Reads and searches are answered only after their AuditEvents are stored;
 * if the log cannot be written the caller gets 503 and no data. Either way no access
 * happens without its log entry. (Should a post-hoc event fail after a write anyway,
 * it goes to the process log, CloudWatch Logs on Lambda, as `AUDIT-FALLBACK <json>`.)
 *
 * Retention: every item of an AuditEvent (current, version, index entries) carries
 * `expiresAt` = recorded + {@link AUDIT_RETENTION_DAYS} days (epoch seconds). With
 * DynamoDB TTL on that attribute the log is kept at least five years and then removed
 * (TTL deletes within days of expiry, after the five years). AuditEvents are
 * append-only through the API (create, update and delete are refused) and written
 * with a condition that the id is new.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, type TransactWriteItem, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { AuditEvent, AuditEventAgent, AuditEventEntity, CodeableConcept, Coding } from '@medplum/fhirtypes';
import { type Caller, HSA_SYSTEM } from '../auth/caller.ts';
import { type GuardItem, type StoredVersion, changeItems } from '../store/items.ts';
import { storeFault } from '../store/store-errors.ts';
import type { PatientAccess } from './guard.ts';

/** Five years (with leap days) and a month of margin. */
export const AUDIT_RETENTION_DAYS = 5 * 366 + 30;
export const EXPIRES_AT_ATTRIBUTE = 'expiresAt';
/** Resources listed by reference in one AuditEvent; more are counted in `outcomeDesc`. */
export const MAX_LISTED = 50;

export const AUDIT_AGENT_SYSTEM = 'https://samvard.se/fhir/CodeSystem/audit-agent';
export const AUDIT_FLAG_SYSTEM = 'https://samvard.se/fhir/CodeSystem/audit-flag';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';

/** The interaction a request was, as FHIR's restful-interaction codes (plus `operation`). */
export type Interaction =
  | 'read'
  | 'vread'
  | 'update'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'create'
  | 'search-type'
  | 'search-system'
  | 'transaction'
  | 'operation';

const ACTION: Record<Interaction, AuditEvent['action']> = {
  read: 'R',
  vread: 'R',
  'history-instance': 'R',
  'history-type': 'R',
  update: 'U',
  delete: 'D',
  create: 'C',
  'search-type': 'E',
  'search-system': 'E',
  transaction: 'E',
  operation: 'E',
};

export interface AuditedRequest {
  caller: Caller;
  interaction: Interaction;
  /** Path and query as received, e.g. `/fhir/Observation?patient=...`. */
  url: string;
  status: number;
  recorded: Date;
}

/** The AuditEvents of one request: one per patient it touched. */
export function auditEvents(request: AuditedRequest, accesses: Iterable<PatientAccess>): AuditEvent[] {
  return [...accesses].map((access) => auditEvent(request, access));
}

function auditEvent(request: AuditedRequest, access: PatientAccess): AuditEvent {
  const { caller, interaction, status } = request;
  const emergency = caller.emergency !== undefined;
  const refused = status >= 400 || (access.shown.size === 0 && access.written.size === 0 && access.withheld.size > 0);
  const purpose: CodeableConcept = {
    coding: [
      caller.kind === 'patient'
        ? { system: ACT_REASON, code: 'PATRQT', display: 'patient requested' }
        : emergency
          ? { system: ACT_REASON, code: 'ETREAT', display: 'Emergency Treatment' }
          : { system: ACT_REASON, code: 'TREAT', display: 'treatment' },
    ],
    ...(caller.emergency ? { text: caller.emergency.reason } : {}),
  };
  const tags: Coding[] = [];
  if (emergency) tags.push({ system: AUDIT_FLAG_SYSTEM, code: 'emergency-access' });
  if (access.emergencyUsed) tags.push({ system: AUDIT_FLAG_SYSTEM, code: 'emergency-access-used' });
  const listed = [...access.shown, ...[...access.written].filter((r) => !access.shown.has(r))];
  const entity: AuditEventEntity[] = [
    {
      what: { reference: `Patient/${access.patient}` },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    },
    ...listed.slice(0, MAX_LISTED).map(
      (reference): AuditEventEntity => ({
        what: { reference },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
      }),
    ),
  ];
  if (interaction.startsWith('search') || interaction === 'operation') {
    entity.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(request.url, 'utf8').toString('base64'),
    });
  }
  const counts = [
    `HTTP ${status}`,
    `${access.shown.size} shown`,
    `${access.withheld.size} withheld`,
    ...(access.written.size > 0 ? [`${access.written.size} written`] : []),
    ...(listed.length > MAX_LISTED ? [`${listed.length - MAX_LISTED} not listed`] : []),
  ];
  return {
    resourceType: 'AuditEvent',
    ...(tags.length > 0 ? { meta: { tag: tags } } : {}),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: interaction }],
    action: ACTION[interaction],
    recorded: request.recorded.toISOString(),
    outcome: status >= 500 ? '8' : refused ? '4' : '0',
    outcomeDesc: `${counts.join('; ')}; rules: ${[...access.rules].sort().join(', ') || 'none'}`,
    purposeOfEvent: [purpose],
    agent: agents(caller, purpose),
    source: {
      site: 'samvard',
      observer: { display: 'samvard FHIR API' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity,
  };
}

function agents(caller: Caller, purpose: CodeableConcept): AuditEventAgent[] {
  const type = (code: string): CodeableConcept => ({ coding: [{ system: AUDIT_AGENT_SYSTEM, code }] });
  const hsa = (value: string) => ({ identifier: { system: HSA_SYSTEM, value } });
  const list: AuditEventAgent[] = [];
  if (caller.kind === 'patient') {
    list.push({ type: type('patient'), who: { reference: `Patient/${caller.patient}` }, requestor: true, purposeOfUse: [purpose] });
  } else if (caller.professional) {
    list.push({ type: type('professional'), who: hsa(caller.professional), requestor: true, purposeOfUse: [purpose] });
  }
  list.push({
    type: type('client'),
    who: { identifier: { system: 'urn:ietf:params:oauth:client-id', value: caller.clientId } },
    altId: caller.subject,
    requestor: list.length === 0,
    ...(list.length === 0 ? { purposeOfUse: [purpose] } : {}),
  });
  if (caller.careProvider) list.push({ type: type('care-provider'), who: hsa(caller.careProvider), requestor: false });
  if (caller.careUnit) list.push({ type: type('care-unit'), who: hsa(caller.careUnit), requestor: false });
  return list;
}

/**
 * Stores AuditEvents in the resource table, readable through the FHIR API like any
 * resource, each item with the TTL attribute. The items are the ResourceStore's
 * (`changeItems`: current item, version item, search index entries), each conditioned
 * on not existing yet.
 */
export class AuditLog {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async write(events: AuditEvent[]): Promise<AuditEvent[]> {
    return Promise.all(events.map((event) => this.writeOne(event)));
  }

  /**
   * An AuditEvent as items to put with a write, in the same commit (the store's guard
   * items: each put only if it does not exist yet), so the write and its log entry are
   * stored together or not at all.
   */
  guardItems(event: AuditEvent): GuardItem[] {
    return auditItems(this.tableName, event).items.flatMap((item) => {
      const put = item.Put?.Item;
      if (!put?.pk?.S || !put.sk?.S) return [];
      const { pk, sk, ...attributes } = put;
      return [{ pk: pk.S, sk: sk.S, attributes }];
    });
  }

  private async writeOne(event: AuditEvent): Promise<AuditEvent> {
    const { resource, items } = auditItems(this.tableName, event);
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (err) {
      throw storeFault(err);
    }
    return resource;
  }
}

/** The items of a new AuditEvent: the store's own (so it reads and searches like any other resource), each with the TTL. */
function auditItems(tableName: string, event: AuditEvent): { resource: AuditEvent; items: TransactWriteItem[] } {
  const id = randomUUID();
  const lastUpdated = event.recorded;
  const resource: AuditEvent = { ...event, id, meta: { ...event.meta, versionId: '1', lastUpdated } };
  const expiresAt = { N: String(Math.floor(Date.parse(event.recorded) / 1000) + AUDIT_RETENTION_DAYS * 24 * 3600) };
  const next: StoredVersion = { type: 'AuditEvent', id, version: 1, lastUpdated, operation: 'create', resource };
  const items = changeItems(tableName, { next, previous: undefined }).map((item) =>
    item.Put ? { Put: { ...item.Put, Item: { ...item.Put.Item, [EXPIRES_AT_ATTRIBUTE]: expiresAt } } } : item,
  );
  return { resource, items };
}
