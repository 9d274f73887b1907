/** `region.ordination.v1` → ServiceRequest (samvard-vardbegaran, category ordination). */
import type { ServiceRequest } from '@medplum/fhirtypes';
import { BundleBuilder, type MappedBundle, identifierCriteria, searchCriteria } from '../common/bundle-builder.ts';
import { codeSystemUrl, profileUrl } from '../common/codes.ts';
import { documentConflict } from '../common/errors.ts';
import { documentIdentifier, hslKind, reasonCode } from '../common/fhir.ts';
import type { Found, Lookup } from '../common/format.ts';
import type { OrdinationDoc } from './schema.ts';

export const ORDINATION_KIND = 'ordination';

/** The request the ordination answers, when it names one. */
export function ordinationLookups(doc: OrdinationDoc): Record<string, Lookup> {
  if (!doc.inResponseTo) return {};
  return {
    request: { type: 'ServiceRequest', criteria: searchCriteria({ _id: doc.inResponseTo.serviceRequestId }), path: 'inResponseTo.serviceRequestId' },
  };
}

export function mapOrdination(doc: OrdinationDoc, found: Found = {}): MappedBundle {
  const b = new BundleBuilder();
  const subject = b.patient(doc.patient, 'patient');
  const requester = b.practitionerRole(doc.orderer.professional, doc.orderer.unit, 'region', {
    professional: 'orderer.professional',
    unit: 'orderer.unit',
  });
  const performer = b.organization(doc.performer.unit, 'kommun', 'performer.unit');
  const identifier = documentIdentifier(ORDINATION_KIND, doc.sourceSystem, doc.documentId);

  const order: ServiceRequest = {
    resourceType: 'ServiceRequest',
    meta: { profile: [profileUrl('samvard-vardbegaran')] },
    identifier: [identifier],
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: codeSystemUrl('service-request-kind'), code: 'ordination', display: 'Ordination' }] }],
    ...(doc.priority ? { priority: doc.priority } : {}),
    code: hslKind(doc.measure.code, doc.measure.text),
    subject,
    ...(doc.validFrom || doc.validUntil
      ? { occurrencePeriod: { ...(doc.validFrom ? { start: doc.validFrom } : {}), ...(doc.validUntil ? { end: doc.validUntil } : {}) } }
      : {}),
    authoredOn: doc.orderedAt,
    requester,
    performer: [performer],
    reasonCode: [reasonCode(doc.reason)],
    note: [{ text: doc.instruction }],
  };
  if (doc.inResponseTo) {
    const request = found.request;
    if (!request) {
      throw documentConflict(
        `ServiceRequest/${doc.inResponseTo.serviceRequestId} finns inte i samvard. / There is no such ServiceRequest in samvard.`,
        'inResponseTo.serviceRequestId',
      );
    }
    order.basedOn = [{ reference: `ServiceRequest/${request.id}`, type: 'ServiceRequest' }];
  }
  b.upsert(`ServiceRequest|${identifier.system}|${identifier.value}`, order, identifierCriteria(identifier), {
    path: '',
    fields: {
      'ServiceRequest.code': 'measure',
      'ServiceRequest.subject': 'patient',
      'ServiceRequest.authoredOn': 'orderedAt',
      'ServiceRequest.requester': 'orderer',
      'ServiceRequest.performer': 'performer',
      'ServiceRequest.reasonCode': 'reason',
      'ServiceRequest.note': 'instruction',
      'ServiceRequest.basedOn': 'inResponseTo',
      'ServiceRequest.occurrence': 'validFrom',
      'ServiceRequest.priority': 'priority',
    },
    rules: { 'samvard-sr-1': 'reason', 'samvard-sr-2': 'instruction' },
  });
  return b.build();
}
