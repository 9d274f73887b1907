/**
 * `kommun.hsl-uppdrag.v1`: an HSL-uppdrag from kommunrehab or a municipal nurse to
 * hemtjänst (often delegated care), based on a vårdbegäran, as municipal systems
 * (Lifecare, Treserva, Combine, Procapita) produce it.
 */
import { z } from 'zod';
import {
  date,
  dateTime,
  documentId,
  fhirId,
  frequency,
  hslTaskKind,
  longText,
  patient,
  professional,
  sourceSystem,
  unit,
} from '../common/schema.ts';

export const FORMAT_ID = 'kommun.hsl-uppdrag.v1';

export const hslUppdragSchema = z
  .strictObject({
    sourceSystem,
    documentId,
    authoredAt: dateTime.meta({ description: 'När uppdraget gavs. / When the task was given.' }),
    patient,
    basedOn: z
      .strictObject({
        serviceRequestId: fhirId.optional().meta({ description: 'Vårdbegärans id i samvard (ServiceRequest). / The request\'s samvard id.' }),
        vardbegaran: z
          .strictObject({ sourceSystem, documentId })
          .optional()
          .meta({ description: 'Vårdbegäran som dokument (region.vardbegaran.v1): regionens källsystem och dokument-id. / The request as a document: the region\'s source system and document id.' }),
      })
      .meta({ description: 'Vårdbegäran uppdraget bygger på: ange exakt ett av serviceRequestId och vardbegaran. / The request the task is based on: exactly one of serviceRequestId and vardbegaran.' }),
    requester: z
      .strictObject({
        unit: unit.meta({ description: 'Uppdragsgivande enhet, t.ex. kommunrehab (standard: kommun). / The unit giving the task (default kind: kommun).' }),
        professional: professional.optional().meta({ description: 'Uppdragsgivare, t.ex. fysioterapeut eller sjuksköterska. / The professional giving the task.' }),
      })
      .meta({ description: 'Vem som ger uppdraget. / Who gives the task.' }),
    owner: z
      .strictObject({ unit: unit.meta({ description: 'Utförande enhet, t.ex. hemtjänstgruppen (standard: kommun). / The performing unit (default kind: kommun).' }) })
      .meta({ description: 'Vem som ska utföra uppdraget. / Who is to perform the task.' }),
    kind: hslTaskKind,
    description: longText.meta({ description: 'Vad som ska göras, instruktioner. / What to do, instructions.' }),
    delegated: z.boolean().meta({ description: 'Om uppdraget är delegerad hälso- och sjukvård. / Whether it is delegated care.' }),
    frequency: frequency.optional(),
    start: date.optional().meta({ description: 'Från när. / From.' }),
    end: date.optional().meta({ description: 'Till när. / Until.' }),
  })
  .superRefine((doc, ctx) => {
    const given = [doc.basedOn.serviceRequestId, doc.basedOn.vardbegaran].filter((x) => x !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: 'custom', path: ['basedOn'], message: 'Ange exakt ett av serviceRequestId och vardbegaran. / Give exactly one of serviceRequestId and vardbegaran.' });
    }
    if (doc.start && doc.end && doc.end < doc.start) ctx.addIssue({ code: 'custom', path: ['end'], message: 'Slutdatum före startdatum. / End before start.' });
  })
  .meta({
    title: 'HSL-uppdrag (kommun.hsl-uppdrag.v1)',
    description: 'HSL-uppdrag till hemtjänst, grundat på en vårdbegäran; mappas till en Task (samvard-hsl-uppdrag). / HSL task to home help, mapped to a Task.',
  });

export type HslUppdragDoc = z.infer<typeof hslUppdragSchema>;
