/**
 * `region.vardbegaran.v1`: a vårdbegäran from a regional unit to a kommun unit, asking it
 * to perform a health care measure (hemsjukvård, kommunrehab), as region EHRs produce it.
 */
import { z } from 'zod';
import {
  date,
  dateTime,
  documentId,
  documentRef,
  frequency,
  hslTaskKind,
  longText,
  patient,
  professional,
  reason,
  shortText,
  sourceSystem,
  unit,
} from '../common/schema.ts';

export const FORMAT_ID = 'region.vardbegaran.v1';

export const vardbegaranSchema = z
  .strictObject({
    sourceSystem,
    documentId,
    authoredAt: dateTime.meta({ description: 'När vårdbegäran skrevs. / When the request was written.' }),
    patient,
    requester: z
      .strictObject({
        unit: unit.meta({ description: 'Beställande enhet (standard: region). / The requesting unit (default kind: region).' }),
        professional: professional.optional().meta({ description: 'Beställande yrkesutövare. / The requesting professional.' }),
      })
      .meta({ description: 'Vem som begär. / Who requests.' }),
    performer: z
      .strictObject({ unit: unit.meta({ description: 'Utförande enhet (standard: kommun). / The performing unit (default kind: kommun).' }) })
      .meta({ description: 'Vem som ska utföra. / Who is to perform.' }),
    measure: z
      .strictObject({
        code: hslTaskKind,
        text: shortText.optional().meta({ description: 'Åtgärden i klartext. / The measure in words.' }),
      })
      .meta({ description: 'Åtgärden som begärs. / The measure asked for.' }),
    reason,
    medicalInformation: longText.meta({
      description: 'Den medicinska information kommunens sjuksköterska behöver. / The medical information the municipal nurse needs.',
    }),
    egenvardsbedomning: documentRef
      .optional()
      .meta({ description: 'En egenvårdsbedömning (region.egenvardsbedomning.v1) som redan skickats. / An egenvårdsbedömning already posted.' }),
    start: date.meta({ description: 'Från när. / Start date.' }),
    end: date.optional().meta({ description: 'Till när. / End date.' }),
    frequency: frequency.optional(),
    priority: z.enum(['routine', 'urgent']).optional().meta({ description: 'Prioritet. / Priority.' }),
  })
  .superRefine((doc, ctx) => {
    if (doc.end && doc.end < doc.start) ctx.addIssue({ code: 'custom', path: ['end'], message: 'Slutdatum före startdatum. / End before start.' });
  })
  .meta({
    title: 'Vårdbegäran (region.vardbegaran.v1)',
    description: 'Vårdbegäran från region till kommun; mappas till en ServiceRequest (samvard-vardbegaran). / Request from region to kommun, mapped to a ServiceRequest.',
  });

export type VardbegaranDoc = z.infer<typeof vardbegaranSchema>;
