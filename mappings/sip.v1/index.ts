import { defineFormat } from '../common/format.ts';
import { mapSip } from './map.ts';
import { FORMAT_ID, sipSchema } from './schema.ts';

export const sipFormat = defineFormat({
  id: FORMAT_ID,
  title: 'SIP, samordnad individuell plan',
  description: 'SIP med deltagare från region och kommun, mål, aktiviteter med ansvarig part och nästa uppföljning → CarePlan (samvard-careplan) och CareTeam (samvard-sip-careteam).',
  schema: sipSchema,
  map: mapSip,
  examples: ['sip.v1.json'],
});
