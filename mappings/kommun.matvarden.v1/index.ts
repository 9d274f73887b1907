import { defineFormat } from '../common/format.ts';
import { readMatvardenCsv } from './csv.ts';
import { mapMatvarden } from './map.ts';
import { FORMAT_ID, matvardenSchema } from './schema.ts';

export const matvardenFormat = defineFormat({
  id: FORMAT_ID,
  title: 'Mätvärden',
  description:
    'Vitalparametrar mätta i hemmet (blodtryck, puls, syremättnad, temperatur, andningsfrekvens, vikt) → en Observation per mätning. JSON, eller CSV med rubrikrad (sourceSystem som parameter).',
  schema: matvardenSchema,
  readers: { csv: readMatvardenCsv },
  map: mapMatvarden,
  examples: ['kommun.matvarden.v1.json', 'kommun.matvarden.v1.csv'],
});
