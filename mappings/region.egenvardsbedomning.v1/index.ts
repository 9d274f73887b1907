import { defineFormat } from '../common/format.ts';
import { mapEgenvardsbedomning } from './map.ts';
import { FORMAT_ID, egenvardsbedomningSchema } from './schema.ts';

export const egenvardsbedomningFormat = defineFormat({
  id: FORMAT_ID,
  title: 'Egenvårdsbedömning',
  description: 'Bedömning av om en hälso- och sjukvårdsåtgärd kan utföras som egenvård → Observation (samvard-egenvardsbedomning).',
  schema: egenvardsbedomningSchema,
  map: mapEgenvardsbedomning,
  examples: ['region.egenvardsbedomning.v1.json'],
});
