/**
 * `kommun.hsl-uppdrag-status.v1`: what happened to an HSL-uppdrag (accepted, rejected with
 * a reason, started, performed, completed, cancelled), as hemtjänst's or the kommun's
 * system reports it.
 */
import { z } from 'zod';
import { dateTime, documentId, longText, shortText, sourceSystem } from '../common/schema.ts';

export const FORMAT_ID = 'kommun.hsl-uppdrag-status.v1';

export const STATUS_EVENTS = ['accepted', 'rejected', 'started', 'performed', 'completed', 'cancelled'] as const;

export const hslUppdragStatusSchema = z
  .strictObject({
    sourceSystem,
    documentId,
    uppdrag: z
      .strictObject({
        sourceSystem: sourceSystem.meta({ description: 'Källsystemet som skickade uppdraget (kommun.hsl-uppdrag.v1). / The system that posted the task.' }),
        documentId: documentId.meta({ description: 'Uppdragets dokument-id. / The task\'s document id.' }),
      })
      .meta({ description: 'Uppdraget statusen gäller. / The task the status is about.' }),
    status: z.enum(STATUS_EVENTS).meta({
      description:
        'accepted (accepterat), rejected (avvisat; kräver reason), started (påbörjat), performed (ett tillfälle utfört), completed (avslutat), cancelled (avbrutet). / What happened.',
    }),
    time: dateTime.meta({ description: 'När det hände. Statusar tillämpas i tidsordning; en äldre än uppdragets senaste ändrar inget. / When it happened; statuses apply in time order.' }),
    reason: shortText.optional().meta({ description: 'Varför, krävs vid rejected. / Why; required when rejected.' }),
    comment: longText.optional().meta({ description: 'Kommentar, sparas som en anteckning på uppdraget. / A remark, kept as a note on the task.' }),
  })
  .superRefine((doc, ctx) => {
    if (doc.status === 'rejected' && !doc.reason) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'Ett avvisat uppdrag ska ange varför. / A rejected task must say why.' });
    }
  })
  .meta({
    title: 'Status för HSL-uppdrag (kommun.hsl-uppdrag-status.v1)',
    description: 'Statusändring för ett HSL-uppdrag; uppdaterar Task:en (en ny version per ändring). / Status change of an HSL task; a new version of the Task.',
  });

export type HslUppdragStatusDoc = z.infer<typeof hslUppdragStatusSchema>;
