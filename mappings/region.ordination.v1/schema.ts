/**
 * `region.ordination.v1`: a physician's ordination that a municipal nurse needs before an
 * unplanned home visit (story 2: Friday evening, the vårdcentral is closed), usually
 * answering the nurse's request to the on-call unit.
 */
import { z } from 'zod';
import {
  dateTime,
  documentId,
  fhirId,
  hslTaskKind,
  longText,
  patient,
  professional,
  reason,
  shortText,
  sourceSystem,
  unit,
} from '../common/schema.ts';

export const FORMAT_ID = 'region.ordination.v1';

export const ordinationSchema = z
  .strictObject({
    sourceSystem,
    documentId,
    orderedAt: dateTime.meta({ description: 'När ordinationen gavs. / When the order was given.' }),
    patient,
    orderer: z
      .strictObject({
        professional: professional.meta({ description: 'Ordinerande läkare. / The ordering physician.' }),
        unit: unit.meta({ description: 'Läkarens enhet, t.ex. jourcentralen (standard: region). / The physician\'s unit (default kind: region).' }),
      })
      .meta({ description: 'Vem som ordinerar. / Who orders.' }),
    performer: z
      .strictObject({ unit: unit.meta({ description: 'Enheten som utför, t.ex. hemsjukvården (standard: kommun). / The performing unit (default kind: kommun).' }) })
      .meta({ description: 'Vem som ska utföra. / Who is to perform.' }),
    inResponseTo: z
      .strictObject({ serviceRequestId: fhirId.meta({ description: 'Id i samvard för sjuksköterskans begäran (ServiceRequest). / samvard id of the nurse\'s request.' }) })
      .optional()
      .meta({ description: 'Begäran ordinationen svarar på. / The request the order answers.' }),
    measure: z
      .strictObject({ code: hslTaskKind, text: shortText.optional().meta({ description: 'Åtgärden i klartext. / The measure in words.' }) })
      .meta({ description: 'Vad som ordineras. / What is ordered.' }),
    instruction: longText.meta({ description: 'Ordinationen: vad sjuksköterskan ska göra och den medicinska information hon behöver. / The order and the medical information the nurse needs.' }),
    reason,
    validFrom: dateTime.optional().meta({ description: 'Gäller från. / Valid from.' }),
    validUntil: dateTime.optional().meta({ description: 'Gäller till. / Valid until.' }),
    priority: z.enum(['routine', 'urgent', 'asap', 'stat']).optional().meta({ description: 'Prioritet. / Priority.' }),
  })
  .superRefine((doc, ctx) => {
    if (doc.validFrom && doc.validUntil && Date.parse(doc.validUntil) < Date.parse(doc.validFrom)) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'Slutar före start. / Ends before it starts.' });
    }
  })
  .meta({
    title: 'Ordination (region.ordination.v1)',
    description: 'Läkares ordination till kommunal sjuksköterska; mappas till en ServiceRequest (samvard-vardbegaran, kategori ordination). / A physician\'s order to a municipal nurse, mapped to a ServiceRequest.',
  });

export type OrdinationDoc = z.infer<typeof ordinationSchema>;
