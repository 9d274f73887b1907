/** `region.egenvardsbedomning.v1` → Observation (samvard-egenvardsbedomning). */
import type { Observation, ObservationComponent } from '@medplum/fhirtypes';
import { BundleBuilder, type MappedBundle, identifierCriteria } from '../common/bundle-builder.ts';
import { EGENVARD_OUTCOMES, EGENVARD_PERFORMERS, codeSystemUrl, profileUrl } from '../common/codes.ts';
import { documentIdentifier, hslKind } from '../common/fhir.ts';
import type { EgenvardsbedomningDoc } from './schema.ts';

export const EGENVARDSBEDOMNING_KIND = 'egenvardsbedomning';

const observationCode = (code: string) => ({ coding: [{ system: codeSystemUrl('observation-code'), code }] });

export function mapEgenvardsbedomning(doc: EgenvardsbedomningDoc): MappedBundle {
  const b = new BundleBuilder();
  const subject = b.patient(doc.patient, 'patient');
  const assessor = b.practitionerRole(doc.assessor.professional, doc.assessor.unit, 'region', {
    professional: 'assessor.professional',
    unit: 'assessor.unit',
  });
  const identifier = documentIdentifier(EGENVARDSBEDOMNING_KIND, doc.sourceSystem, doc.documentId);

  const component: ObservationComponent[] = [
    {
      code: observationCode('egenvard-atgard'),
      ...(doc.measure.code
        ? { valueCodeableConcept: hslKind(doc.measure.code, doc.measure.text) }
        : { valueString: doc.measure.text }),
    },
    {
      code: observationCode('egenvard-utforare'),
      valueCodeableConcept: {
        coding: [{ system: codeSystemUrl('egenvard-performer'), code: doc.performedBy, display: EGENVARD_PERFORMERS[doc.performedBy] }],
      },
    },
  ];
  if (doc.followUp) component.push({ code: observationCode('egenvard-uppfoljning'), valueDateTime: doc.followUp });

  const observation: Observation = {
    resourceType: 'Observation',
    meta: { profile: [profileUrl('samvard-egenvardsbedomning')] },
    identifier: [identifier],
    status: 'final',
    code: observationCode('egenvardsbedomning'),
    subject,
    effectiveDateTime: doc.assessedAt,
    performer: [assessor],
    valueCodeableConcept: {
      coding: [{ system: codeSystemUrl('egenvard-outcome'), code: doc.outcome, display: EGENVARD_OUTCOMES[doc.outcome] }],
    },
    component,
    ...(doc.note ? { note: [{ text: doc.note }] } : {}),
  };
  b.upsert(`Observation|${identifier.system}|${identifier.value}`, observation, identifierCriteria(identifier), {
    path: '',
    fields: {
      'Observation.subject': 'patient',
      'Observation.effective': 'assessedAt',
      'Observation.performer': 'assessor',
      'Observation.value': 'outcome',
      'Observation.component': 'measure',
      'Observation.note': 'note',
    },
  });
  return b.build();
}
