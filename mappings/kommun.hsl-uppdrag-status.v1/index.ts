import { defineFormat } from '../common/format.ts';
import { hslUppdragStatusLookups, mapHslUppdragStatus } from './map.ts';
import { FORMAT_ID, hslUppdragStatusSchema } from './schema.ts';

export const hslUppdragStatusFormat = defineFormat({
  id: FORMAT_ID,
  title: 'Status för HSL-uppdrag',
  description: 'Accepterat, avvisat (med orsak), påbörjat, utfört, avslutat eller avbrutet → en ny version av uppdragets Task.',
  schema: hslUppdragStatusSchema,
  lookups: hslUppdragStatusLookups,
  map: mapHslUppdragStatus,
  examples: ['kommun.hsl-uppdrag-status.v1.json', 'kommun.hsl-uppdrag-status.v1.rejected.json'],
});
