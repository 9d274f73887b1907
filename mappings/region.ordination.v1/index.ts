import { defineFormat } from '../common/format.ts';
import { mapOrdination, ordinationLookups } from './map.ts';
import { FORMAT_ID, ordinationSchema } from './schema.ts';

export const ordinationFormat = defineFormat({
  id: FORMAT_ID,
  title: 'Ordination',
  description: 'Läkares ordination till kommunens sjuksköterska, t.ex. före ett oplanerat hembesök → ServiceRequest (samvard-vardbegaran, kategori ordination).',
  schema: ordinationSchema,
  lookups: ordinationLookups,
  map: mapOrdination,
  examples: ['region.ordination.v1.json'],
});
