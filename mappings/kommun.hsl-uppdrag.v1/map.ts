/**
 * `kommun.hsl-uppdrag.v1` → Task (samvard-hsl-uppdrag), based on the vårdbegäran's
 * ServiceRequest. A newer version of the uppdrag updates what it says (kind, description,
 * frequency, owner …) but keeps the rest of the stored Task: its lifecycle (status, reason,
 * execution period, notes), which is the status updates' (kommun.hsl-uppdrag-status.v1),
 * and what samvard's workflow maintains (the CarePlan in `basedOn`, `focus`).
 */
import type { Task } from '@medplum/fhirtypes';
import { BundleBuilder, type MappedBundle, identifierCriteria, searchCriteria } from '../common/bundle-builder.ts';
import { PERSONNUMMER_SYSTEM, SAMORDNINGSNUMMER_SYSTEM, profileUrl } from '../common/codes.ts';
import { documentConflict } from '../common/errors.ts';
import { documentIdentifier, hslKind, timing } from '../common/fhir.ts';
import type { Found, Lookup } from '../common/format.ts';
import { isSamordningsnummer } from '../common/schema.ts';
import { VARDBEGARAN_KIND } from '../region.vardbegaran.v1/map.ts';
import type { HslUppdragDoc } from './schema.ts';

export const HSL_UPPDRAG_KIND = 'hsl-uppdrag';
export const DELEGATED_CARE_URL = profileUrl('samvard-delegated-care');
export const FREQUENCY_URL = profileUrl('samvard-task-frequency');

/** The elements of the Task the uppdrag document says; the others of a stored Task are kept. */
const OWNED = ['meta', 'extension', 'identifier', 'basedOn', 'intent', 'code', 'description', 'for', 'authoredOn', 'requester', 'owner', 'restriction'];

function withoutKeys<T extends object>(value: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k))) as Partial<T>;
}

/** The identifier of the Task an uppdrag maps to. */
export const uppdragIdentifier = (sourceSystem: string, documentId: string) =>
  documentIdentifier(HSL_UPPDRAG_KIND, sourceSystem, documentId);

export function hslUppdragLookups(doc: HslUppdragDoc): Record<string, Lookup> {
  const { serviceRequestId, vardbegaran } = doc.basedOn;
  const request: Lookup = serviceRequestId
    ? { type: 'ServiceRequest', criteria: searchCriteria({ _id: serviceRequestId }), path: 'basedOn.serviceRequestId' }
    : {
        type: 'ServiceRequest',
        criteria: identifierCriteria(documentIdentifier(VARDBEGARAN_KIND, vardbegaran?.sourceSystem ?? '', vardbegaran?.documentId ?? '')),
        path: 'basedOn.vardbegaran',
      };
  const system = isSamordningsnummer(doc.patient.personId) ? SAMORDNINGSNUMMER_SYSTEM : PERSONNUMMER_SYSTEM;
  return {
    task: { type: 'Task', criteria: identifierCriteria(uppdragIdentifier(doc.sourceSystem, doc.documentId)), path: 'documentId' },
    request,
    patient: { type: 'Patient', criteria: identifierCriteria({ system, value: doc.patient.personId }), path: 'patient.personId' },
  };
}

export function mapHslUppdrag(doc: HslUppdragDoc, found: Found = {}): MappedBundle {
  const request = found.request;
  const requestPath = doc.basedOn.serviceRequestId ? 'basedOn.serviceRequestId' : 'basedOn.vardbegaran';
  if (!request) {
    throw documentConflict('Vårdbegäran finns inte i samvard; den ska skickas först. / The request is not in samvard; post it first.', requestPath);
  }
  const subjectOfRequest = (request as { subject?: { reference?: string } }).subject?.reference;
  if (!found.patient || subjectOfRequest !== `Patient/${found.patient.id}`) {
    throw documentConflict('Vårdbegäran gäller en annan patient. / The request is about another patient.', 'patient.personId');
  }

  const b = new BundleBuilder();
  const patient = b.patient(doc.patient, 'patient');
  const requester = doc.requester.professional
    ? b.practitionerRole(doc.requester.professional, doc.requester.unit, 'kommun', { professional: 'requester.professional', unit: 'requester.unit' })
    : b.organization(doc.requester.unit, 'kommun', 'requester.unit');
  const owner = b.organization(doc.owner.unit, 'kommun', 'owner.unit');
  const identifier = uppdragIdentifier(doc.sourceSystem, doc.documentId);
  const current = found.task as Task | undefined;

  // What the document says; everything else of a stored Task is kept: its lifecycle (the
  // status updates'), and what samvard maintains (the plan in `basedOn`, `focus`).
  const owned: Task = {
    resourceType: 'Task',
    meta: { profile: [profileUrl('samvard-hsl-uppdrag')] },
    extension: [
      { url: DELEGATED_CARE_URL, valueBoolean: doc.delegated },
      ...(doc.frequency ? [{ url: FREQUENCY_URL, valueTiming: timing(doc.frequency) }] : []),
    ],
    identifier: [identifier],
    basedOn: [
      { reference: `ServiceRequest/${request.id}`, type: 'ServiceRequest' },
      ...(current?.basedOn ?? []).filter((r) => !r.reference?.startsWith('ServiceRequest/')),
    ],
    status: 'requested',
    intent: 'order',
    code: hslKind(doc.kind),
    description: doc.description,
    for: patient,
    authoredOn: doc.authoredAt,
    requester,
    owner,
    ...(doc.start || doc.end
      ? { restriction: { period: { ...(doc.start ? { start: doc.start } : {}), ...(doc.end ? { end: doc.end } : {}) } } }
      : {}),
  };
  const task: Task = current ? { ...withoutKeys(current, OWNED), ...owned, status: current.status } : owned;
  b.upsert(`Task|${identifier.system}|${identifier.value}`, task, identifierCriteria(identifier), {
    path: '',
    fields: {
      'Task.extension': 'delegated',
      'Task.code': 'kind',
      'Task.description': 'description',
      'Task.basedOn': requestPath,
      'Task.for': 'patient',
      'Task.authoredOn': 'authoredAt',
      'Task.requester': 'requester',
      'Task.owner': 'owner',
      'Task.restriction': 'start',
    },
  });
  return b.build();
}
