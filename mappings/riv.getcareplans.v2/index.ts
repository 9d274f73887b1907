import { defineFormat } from '../common/format.ts';
import { mapGetCarePlans } from './map.ts';
import { FORMAT_ID, getCarePlansSchema } from './schema.ts';

/**
 * The JSON form of the response for now; the XML reader (`application/xml`) needs an XML
 * parser among the dependencies (see README).
 */
export const getCarePlansFormat = defineFormat({
  id: FORMAT_ID,
  title: 'RIV-TA GetCarePlans 2.0 (NPÖ)',
  description:
    'clinicalprocess:logistics:logistics GetCarePlansResponse 2.0 → CarePlan per carePlan, med kategori (typeOfCarePlanEnum), deltagande enheter (CareTeam) och innehållet som bilaga.',
  schema: getCarePlansSchema,
  map: mapGetCarePlans,
  examples: ['riv.getcareplans.v2.json'],
});
