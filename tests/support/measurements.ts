/**
 * Measurement CSVs (`kommun.matvarden.v1`) of any length, for the large-document test
 * (tests/mappings/large-documents.test.ts) and the ingest bench (tests/bench/ingest.ts):
 * rows cycle through six kinds of measurement and five patients, all taken by one
 * professional of one hemtjänst unit. Plain TypeScript (no vitest), so the bench can import it.
 */

/** The source system the documents are posted from (`?sourceSystem=`). */
export const MEASUREMENT_SOURCE_SYSTEM = 'SE2120000142-HT02';
/** The patients' personnummer, row `i` for `MEASUREMENT_PERSON_IDS[i % 5]`. */
export const MEASUREMENT_PERSON_IDS = ['191212121212', '197010634231', '194503152482', '201001012382', '195806212386'];
export const MEASUREMENT_HEADER = 'id;personId;time;type;value;systolic;diastolic;unit;measuredBy;unitHsaId;unitName;professionalHsaId;professionalName;comment';
/** Row `i` is of kind `MEASUREMENT_ROW_TYPES[i % 6]`: type, value, systolic, diastolic, unit. */
export const MEASUREMENT_ROW_TYPES: [string, string, string, string, string][] = [
  ['blood-pressure', '', '131', '84', 'mmHg'],
  ['heart-rate', '76', '', '', '/min'],
  ['oxygen-saturation', '95', '', '', '%'],
  ['body-temperature', '37,2', '', '', '°C'],
  ['respiratory-rate', '18', '', '', '/min'],
  ['body-weight', '61,2', '', '', 'kg'],
];

/** `count` measurement rows with ids `<idPrefix>-<row>`, a minute apart from 07:00 on 2026-11-23. */
export function measurementRows(count: number, idPrefix: string): string[] {
  return Array.from({ length: count }, (_, i) => {
    const [type, value, systolic, diastolic, unit] = MEASUREMENT_ROW_TYPES[i % MEASUREMENT_ROW_TYPES.length] as (typeof MEASUREMENT_ROW_TYPES)[number];
    const personId = MEASUREMENT_PERSON_IDS[i % MEASUREMENT_PERSON_IDS.length] as string;
    const minute = String(i % 60).padStart(2, '0');
    const hour = String(7 + Math.floor(i / 60)).padStart(2, '0');
    return `${idPrefix}-${i};${personId};2026-11-23 ${hour}:${minute};${type};${value};${systolic};${diastolic};${unit};staff;SE2120000142-HTJ7;Hemtjänsten Norra;SE2120000142-U4X8;Lena Undersköterska;`;
  });
}

/** The CSV document of `rows`: the header, the rows, a final newline. */
export const measurementDocument = (rows: string[]): string => `${[MEASUREMENT_HEADER, ...rows].join('\n')}\n`;
