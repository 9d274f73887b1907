/** Every document format samvard ingests (see mappings/README.md). */
import type { DocumentFormat } from './common/format.ts';
import { hslUppdragFormat } from './kommun.hsl-uppdrag.v1/index.ts';
import { hslUppdragStatusFormat } from './kommun.hsl-uppdrag-status.v1/index.ts';
import { matvardenFormat } from './kommun.matvarden.v1/index.ts';
import { egenvardsbedomningFormat } from './region.egenvardsbedomning.v1/index.ts';
import { ordinationFormat } from './region.ordination.v1/index.ts';
import { vardbegaranFormat } from './region.vardbegaran.v1/index.ts';
import { getCarePlansFormat } from './riv.getcareplans.v2/index.ts';
import { sipFormat } from './sip.v1/index.ts';

export const FORMATS: readonly DocumentFormat[] = [vardbegaranFormat, egenvardsbedomningFormat, ordinationFormat, hslUppdragFormat, hslUppdragStatusFormat, matvardenFormat, sipFormat, getCarePlansFormat];
