/** Every document format samvard ingests (see mappings/README.md). */
import type { DocumentFormat } from './common/format.ts';
import { egenvardsbedomningFormat } from './region.egenvardsbedomning.v1/index.ts';
import { vardbegaranFormat } from './region.vardbegaran.v1/index.ts';

export const FORMATS: readonly DocumentFormat[] = [egenvardsbedomningFormat, vardbegaranFormat];
