/** `kommun.matvarden.v1` → one vital-sign Observation per measurement (samvard's vital-sign profiles). */
import type { Observation, Quantity } from '@medplum/fhirtypes';
import { BundleBuilder, type EntryRef, type MappedBundle, identifierCriteria } from '../common/bundle-builder.ts';
import { LOINC_SYSTEM, UCUM_SYSTEM, profileUrl } from '../common/codes.ts';
import { documentIdentifier } from '../common/fhir.ts';
import { type MatvardenDoc, type MeasurementDoc, VITAL_SIGNS } from './schema.ts';

export const MATVARDE_KIND = 'matvarde';

const loinc = (code: string, display: string) => ({ coding: [{ system: LOINC_SYSTEM, code, display }] });

export function mapMatvarden(doc: MatvardenDoc): MappedBundle {
  const b = new BundleBuilder();
  doc.measurements.forEach((m, i) => {
    const path = `measurements[${i}]`;
    const subject = b.patient(m.patient, `${path}.patient`);
    let performer: EntryRef;
    if (m.measuredBy.by === 'patient') performer = subject;
    else if (m.measuredBy.professional) {
      performer = b.practitionerRole(m.measuredBy.professional, m.measuredBy.unit, 'kommun', {
        professional: `${path}.measuredBy.professional`,
        unit: `${path}.measuredBy.unit`,
      });
    } else performer = b.organization(m.measuredBy.unit, 'kommun', `${path}.measuredBy.unit`);
    const identifier = documentIdentifier(MATVARDE_KIND, doc.sourceSystem, m.id);
    b.upsert(`Observation|${identifier.system}|${identifier.value}`, observation(m, identifier, subject, performer), identifierCriteria(identifier), {
      path,
      fields: {
        'Observation.subject': `${path}.patient`,
        'Observation.effective': `${path}.time`,
        'Observation.performer': `${path}.measuredBy`,
        'Observation.value': `${path}.value`,
        'Observation.component': `${path}.systolic`,
        'Observation.code': `${path}.type`,
        'Observation.note': `${path}.comment`,
      },
    });
  });
  return b.build();
}

function observation(m: MeasurementDoc, identifier: { system: string; value: string }, subject: EntryRef, performer: EntryRef): Observation {
  const sign = VITAL_SIGNS[m.type];
  const quantity = (value: number): Quantity => ({ value, unit: sign.unit, system: UCUM_SYSTEM, code: sign.ucum });
  const obs: Observation = {
    resourceType: 'Observation',
    meta: { profile: [profileUrl(sign.profile)] },
    identifier: [identifier],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: loinc(sign.loinc, sign.display),
    subject,
    effectiveDateTime: m.time,
    performer: [performer],
  };
  if (m.type === 'blood-pressure') {
    obs.component = [
      { code: loinc('8480-6', 'Systolic blood pressure'), valueQuantity: quantity(m.systolic as number) },
      { code: loinc('8462-4', 'Diastolic blood pressure'), valueQuantity: quantity(m.diastolic as number) },
    ];
  } else {
    obs.valueQuantity = quantity(m.value as number);
  }
  if (m.comment) obs.note = [{ text: m.comment }];
  return obs;
}
