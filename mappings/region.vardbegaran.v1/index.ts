import { defineFormat } from '../common/format.ts';
import { mapVardbegaran, vardbegaranLookups } from './map.ts';
import { FORMAT_ID, vardbegaranSchema } from './schema.ts';

export const vardbegaranFormat = defineFormat({
  id: FORMAT_ID,
  title: 'Vårdbegäran',
  description: 'Vårdbegäran från en regional enhet till en kommunal enhet → ServiceRequest (samvard-vardbegaran).',
  schema: vardbegaranSchema,
  lookups: vardbegaranLookups,
  map: mapVardbegaran,
  examples: ['region.vardbegaran.v1.json'],
});
