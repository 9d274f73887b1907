import { defineFormat } from '../common/format.ts';
import { hslUppdragLookups, mapHslUppdrag } from './map.ts';
import { FORMAT_ID, hslUppdragSchema } from './schema.ts';

export const hslUppdragFormat = defineFormat({
  id: FORMAT_ID,
  title: 'HSL-uppdrag',
  description: 'HSL-uppdrag från kommunrehab eller sjuksköterska till hemtjänst, grundat på en vårdbegäran → Task (samvard-hsl-uppdrag).',
  schema: hslUppdragSchema,
  lookups: hslUppdragLookups,
  map: mapHslUppdrag,
  examples: ['kommun.hsl-uppdrag.v1.json'],
});
