/**
 * `sip.v1`: a samordnad individuell plan (SIP) as the SIP tools of regions and kommuner
 * produce it: participants from region and kommun, goals, activities each with the party
 * responsible, and the next follow-up.
 */
import { z } from 'zod';
import { date, dateTime, documentId, hsaId, hslTaskKind, longText, patient, professional, shortText, sourceSystem, unitWithKind } from '../common/schema.ts';

export const FORMAT_ID = 'sip.v1';

const localId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9\-.]{0,49}$/, '1–50 tecken: A–Z, a–z, 0–9, - och . / 1–50 characters: letters, digits, - and .');

const participant = z
  .strictObject({
    role: shortText.meta({ description: 'Roll i planen, t.ex. Distriktssköterska, Biståndshandläggare. / Role in the plan.' }),
    unit: unitWithKind.meta({ description: 'Enheten deltagaren företräder. / The unit the participant represents.' }),
    professional: professional.optional().meta({ description: 'Personen; utan den deltar enheten. / The person; without it the unit takes part.' }),
  })
  .meta({ description: 'En deltagare i planen. / A participant.' });

const goal = z
  .strictObject({
    id: localId.meta({ description: 'Målets id i dokumentet, som aktiviteterna hänvisar till. / The goal\'s id in this document.' }),
    description: longText.meta({ description: 'Målet. / The goal.' }),
    due: date.optional().meta({ description: 'När målet ska vara nått. / When it is to be met.' }),
  })
  .meta({ description: 'Ett mål för planen. / A goal of the plan.' });

const activity = z
  .strictObject({
    description: longText.meta({ description: 'Vad som ska göras. / What is to be done.' }),
    kind: hslTaskKind.optional(),
    responsible: z
      .strictObject({
        unitHsaId: hsaId.meta({ description: 'Ansvarig enhet: en deltagares enhet. / The unit responsible: a participant\'s unit.' }),
        professionalHsaId: hsaId.optional().meta({ description: 'Ansvarig person: en deltagare vid den enheten. / The person responsible: a participant at that unit.' }),
      })
      .meta({ description: 'Vem som ansvarar; ska vara en av deltagarna. / Who is responsible; one of the participants.' }),
    goals: z.array(localId).optional().meta({ description: 'Mål aktiviteten hör till (goals[].id). / Goals the activity serves.' }),
    start: date.optional(),
    end: date.optional(),
    status: z.enum(['not-started', 'scheduled', 'in-progress', 'on-hold', 'completed', 'cancelled']).optional().meta({
      description: 'Standard not-started. / Defaults to not-started.',
    }),
  })
  .meta({ description: 'En insats i planen. / An activity of the plan.' });

export const sipSchema = z
  .strictObject({
    sourceSystem,
    documentId,
    title: shortText.meta({ description: 'Planens rubrik. / The plan\'s title.' }),
    status: z.enum(['draft', 'active', 'completed', 'revoked']).optional().meta({ description: 'Standard active. / Defaults to active.' }),
    createdAt: dateTime.meta({ description: 'När planen upprättades (SIP-mötet). / When the plan was made.' }),
    period: z.strictObject({ start: date, end: date.optional() }).meta({ description: 'Planens giltighetstid. / The period the plan covers.' }),
    patient,
    author: z
      .strictObject({
        unit: unitWithKind.meta({ description: 'Enheten som kallade till SIP och skrev planen. / The unit that called the SIP meeting and wrote the plan.' }),
        professional: professional.optional(),
      })
      .meta({ description: 'Planens författare. / The plan\'s author.' }),
    participants: z.array(participant).min(2).max(40).meta({
      description: 'Deltagarna, från minst två enheter (region och kommun). / The participants, from at least two units (region and kommun).',
    }),
    goals: z.array(goal).max(30).optional(),
    activities: z.array(activity).min(1).max(60),
    nextFollowUp: date.optional().meta({ description: 'Nästa uppföljning av planen. / The next follow-up.' }),
    note: longText.optional().meta({ description: 'Övrigt, t.ex. patientens egna ord. / Remarks, e.g. the patient\'s own words.' }),
  })
  .superRefine((doc, ctx) => {
    const units = new Set(doc.participants.map((p) => p.unit.hsaId));
    if (units.size < 2) {
      ctx.addIssue({ code: 'custom', path: ['participants'], message: 'Deltagarna ska komma från minst två enheter. / The participants must come from at least two units.' });
    }
    const byUnit = new Map<string, Set<string>>();
    for (const p of doc.participants) {
      const people = byUnit.get(p.unit.hsaId) ?? new Set<string>();
      if (p.professional) people.add(p.professional.hsaId);
      byUnit.set(p.unit.hsaId, people);
    }
    const goalIds = new Set<string>();
    (doc.goals ?? []).forEach((g, i) => {
      if (goalIds.has(g.id)) ctx.addIssue({ code: 'custom', path: ['goals', i, 'id'], message: 'Två mål har samma id. / Two goals have the same id.' });
      goalIds.add(g.id);
    });
    doc.activities.forEach((a, i) => {
      const people = byUnit.get(a.responsible.unitHsaId);
      if (!people || (a.responsible.professionalHsaId && !people.has(a.responsible.professionalHsaId))) {
        ctx.addIssue({
          code: 'custom',
          path: ['activities', i, 'responsible'],
          message: 'Den ansvariga är inte en av deltagarna. / The party responsible is not one of the participants.',
        });
      }
      (a.goals ?? []).forEach((id, j) => {
        if (!goalIds.has(id)) ctx.addIssue({ code: 'custom', path: ['activities', i, 'goals', j], message: `Inget mål med id ${id}. / No goal with this id.` });
      });
      if (a.start && a.end && a.end < a.start) ctx.addIssue({ code: 'custom', path: ['activities', i, 'end'], message: 'Slut före start. / End before start.' });
    });
    if (doc.period.end && doc.period.end < doc.period.start) {
      ctx.addIssue({ code: 'custom', path: ['period', 'end'], message: 'Slut före start. / End before start.' });
    }
  })
  .meta({
    title: 'SIP (sip.v1)',
    description: 'Samordnad individuell plan; mappas till en CarePlan (samvard-careplan, kategori SIP) och dess CareTeam (samvard-sip-careteam). / Coordinated individual plan, mapped to a CarePlan and its CareTeam.',
  });

export type SipDoc = z.infer<typeof sipSchema>;
