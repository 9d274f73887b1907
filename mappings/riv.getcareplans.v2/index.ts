import { defineFormat } from '../common/format.ts';
import { mapGetCarePlans } from './map.ts';
import { FORMAT_ID, getCarePlansSchema } from './schema.ts';
import { readGetCarePlansXml } from './xml.ts';

/** XML (`application/xml`, `text/xml`) as NPÖ producers send it, or its JSON form (see README). */
export const getCarePlansFormat = defineFormat({
  id: FORMAT_ID,
  title: 'RIV-TA GetCarePlans 2.0 (NPÖ)',
  description:
    'clinicalprocess:logistics:logistics GetCarePlansResponse 2.0 → CarePlan per carePlan, med kategori (typeOfCarePlanEnum), deltagande enheter (CareTeam) och innehållet som bilaga.',
  schema: getCarePlansSchema,
  readers: { xml: readGetCarePlansXml },
  map: mapGetCarePlans,
  examples: ['riv.getcareplans.v2.json', 'riv.getcareplans.v2.xml'],
});
