/**
 * `region.vardbegaran.v1` → ServiceRequest (samvard-vardbegaran) with its patient,
 * units and professional.
 */
import type { Observation, ServiceRequest } from '@medplum/fhirtypes';
import { BundleBuilder, type MappedBundle, identifierCriteria } from '../common/bundle-builder.ts';
import { codeSystemUrl, profileUrl } from '../common/codes.ts';
import { documentConflict } from '../common/errors.ts';
import { documentIdentifier, hslKind, reasonCode, timing } from '../common/fhir.ts';
import type { Found, Lookup } from '../common/format.ts';
import { type VardbegaranDoc } from './schema.ts';

export const VARDBEGARAN_KIND = 'vardbegaran';

/** The egenvårdsbedömning the request refers to, when it does. */
export function vardbegaranLookups(doc: VardbegaranDoc): Record<string, Lookup> {
  if (!doc.egenvardsbedomning) return {};
  const ref = doc.egenvardsbedomning;
  const identifier = documentIdentifier('egenvardsbedomning', ref.sourceSystem ?? doc.sourceSystem, ref.documentId);
  return { egenvardsbedomning: { type: 'Observation', criteria: identifierCriteria(identifier), path: 'egenvardsbedomning' } };
}

export function mapVardbegaran(doc: VardbegaranDoc, found: Found = {}): MappedBundle {
  const b = new BundleBuilder();
  const subject = b.patient(doc.patient, 'patient');
  const requester = doc.requester.professional
    ? b.practitionerRole(doc.requester.professional, doc.requester.unit, 'region', { professional: 'requester.professional', unit: 'requester.unit' })
    : b.organization(doc.requester.unit, 'region', 'requester.unit');
  const performer = b.organization(doc.performer.unit, 'kommun', 'performer.unit');
  const identifier = documentIdentifier(VARDBEGARAN_KIND, doc.sourceSystem, doc.documentId);

  const request: ServiceRequest = {
    resourceType: 'ServiceRequest',
    meta: { profile: [profileUrl('samvard-vardbegaran')] },
    identifier: [identifier],
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: codeSystemUrl('service-request-kind'), code: 'vardbegaran', display: 'Vårdbegäran' }] }],
    ...(doc.priority ? { priority: doc.priority } : {}),
    code: hslKind(doc.measure.code, doc.measure.text),
    subject,
    ...(doc.frequency
      ? { occurrenceTiming: timing(doc.frequency, doc.start, doc.end) }
      : { occurrencePeriod: { start: doc.start, ...(doc.end ? { end: doc.end } : {}) } }),
    authoredOn: doc.authoredAt,
    requester,
    performer: [performer],
    reasonCode: [reasonCode(doc.reason)],
    note: [{ text: doc.medicalInformation }],
  };
  if (doc.egenvardsbedomning) {
    const observation = found.egenvardsbedomning as Observation | undefined;
    if (!observation) {
      throw documentConflict(
        `Egenvårdsbedömningen ${doc.egenvardsbedomning.documentId} finns inte i samvard; skicka den först. / The egenvårdsbedömning is not in samvard; post it first.`,
        'egenvardsbedomning.documentId',
      );
    }
    request.supportingInfo = [{ reference: `Observation/${observation.id}`, type: 'Observation' }];
  }
  b.upsert(`ServiceRequest|${identifier.system}|${identifier.value}`, request, identifierCriteria(identifier), {
    path: '',
    fields: {
      'ServiceRequest.code': 'measure',
      'ServiceRequest.subject': 'patient',
      'ServiceRequest.authoredOn': 'authoredAt',
      'ServiceRequest.requester': 'requester',
      'ServiceRequest.performer': 'performer',
      'ServiceRequest.reasonCode': 'reason',
      'ServiceRequest.note': 'medicalInformation',
      'ServiceRequest.supportingInfo': 'egenvardsbedomning',
      'ServiceRequest.occurrence': 'start',
      'ServiceRequest.priority': 'priority',
    },
    rules: { 'samvard-sr-1': 'reason', 'samvard-sr-2': 'medicalInformation' },
  });
  return b.build();
}
