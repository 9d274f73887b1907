/**
 * `region.egenvardsbedomning.v1`: the assessment (HSLF-FS 2021:52) whether a health care
 * measure can be performed as self-care, and if so by whom, as region EHRs produce it.
 */
import { z } from 'zod';
import { EGENVARD_OUTCOMES, EGENVARD_PERFORMERS } from '../common/codes.ts';
import { date, dateTime, documentId, hslTaskKind, longText, patient, professional, shortText, sourceSystem, unit } from '../common/schema.ts';

export const FORMAT_ID = 'region.egenvardsbedomning.v1';

const outcomes = Object.keys(EGENVARD_OUTCOMES) as [keyof typeof EGENVARD_OUTCOMES, ...(keyof typeof EGENVARD_OUTCOMES)[]];
const performers = Object.keys(EGENVARD_PERFORMERS) as [keyof typeof EGENVARD_PERFORMERS, ...(keyof typeof EGENVARD_PERFORMERS)[]];

export const egenvardsbedomningSchema = z
  .strictObject({
    sourceSystem,
    documentId,
    assessedAt: dateTime.meta({ description: 'När bedömningen gjordes. / When the assessment was made.' }),
    patient,
    assessor: z
      .strictObject({
        professional: professional.meta({ description: 'Den legitimerade yrkesutövare som bedömt. / The licensed professional who assessed.' }),
        unit: unit.meta({ description: 'Bedömarens enhet (standard: region). / The assessor\'s unit (default kind: region).' }),
      })
      .meta({ description: 'Bedömaren. / The assessor.' }),
    measure: z
      .strictObject({
        text: shortText.meta({ description: 'Åtgärden som bedömts. / The measure assessed.' }),
        code: hslTaskKind.optional(),
      })
      .meta({ description: 'Den hälso- och sjukvårdsåtgärd bedömningen gäller. / The health care measure assessed.' }),
    outcome: z.enum(outcomes).meta({
      description: 'egenvard: kan utföras som egenvård; halso-och-sjukvard: kan inte, är en hälso- och sjukvårdsåtgärd. / Whether the measure is self-care.',
    }),
    performedBy: z.enum(performers).meta({
      description: 'Vem som utför åtgärden: patient, narstaende, socialtjanst, skola, annan. / Who performs the measure.',
    }),
    followUp: date.optional().meta({ description: 'När bedömningen ska följas upp. / When the assessment is to be followed up.' }),
    note: longText.optional().meta({ description: 'Motivering och övrigt. / Reasoning and remarks.' }),
  })
  .meta({
    title: 'Egenvårdsbedömning (region.egenvardsbedomning.v1)',
    description: 'Egenvårdsbedömning; mappas till en Observation (samvard-egenvardsbedomning). / Self-care assessment, mapped to an Observation.',
  });

export type EgenvardsbedomningDoc = z.infer<typeof egenvardsbedomningSchema>;
