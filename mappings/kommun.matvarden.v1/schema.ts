/**
 * `kommun.matvarden.v1`: vital signs measured at home (egenmonitorering) by hemtjänst,
 * hemsjukvård or the patient, many per document, as JSON or as CSV with a header row
 * (csv.ts).
 */
import { z } from 'zod';
import { dateTime, documentId, longText, patient, professional, sourceSystem, unit } from '../common/schema.ts';

export const FORMAT_ID = 'kommun.matvarden.v1';

/** Most measurements in one document: each is a resource of the one transaction a document is (at most MAX_INGEST_ENTRIES, 1000, with the patients, units and professionals named). */
export const MAX_MEASUREMENTS = 500;

export const VITAL_SIGNS = {
  'blood-pressure': { loinc: '85354-9', display: 'Blood pressure panel with all children optional', profile: 'samvard-blood-pressure', ucum: 'mm[Hg]', unit: 'mmHg', units: ['mm[Hg]', 'mmHg'], range: [20, 300] },
  'heart-rate': { loinc: '8867-4', display: 'Heart rate', profile: 'samvard-heart-rate', ucum: '/min', unit: '/min', units: ['/min', 'bpm', 'slag/min'], range: [20, 300] },
  'oxygen-saturation': { loinc: '2708-6', display: 'Oxygen saturation in Arterial blood', profile: 'samvard-oxygen-saturation', ucum: '%', unit: '%', units: ['%'], range: [50, 100] },
  'body-temperature': { loinc: '8310-5', display: 'Body temperature', profile: 'samvard-body-temperature', ucum: 'Cel', unit: '°C', units: ['Cel', '°C', 'C'], range: [30, 45] },
  'respiratory-rate': { loinc: '9279-1', display: 'Respiratory rate', profile: 'samvard-respiratory-rate', ucum: '/min', unit: '/min', units: ['/min', 'andetag/min'], range: [4, 80] },
  'body-weight': { loinc: '29463-7', display: 'Body weight', profile: 'samvard-body-weight', ucum: 'kg', unit: 'kg', units: ['kg'], range: [0.3, 400] },
} as const;
export type VitalSignType = keyof typeof VITAL_SIGNS;
const TYPES = Object.keys(VITAL_SIGNS) as [VitalSignType, ...VitalSignType[]];

const measuredBy = z
  .discriminatedUnion('by', [
    z.strictObject({
      by: z.literal('staff'),
      unit: unit.meta({ description: 'Enheten som mätte, t.ex. hemtjänstgruppen (standard: kommun). / The unit that measured (default kind: kommun).' }),
      professional: professional.optional().meta({ description: 'Personen som mätte. / The person who measured.' }),
    }),
    z.strictObject({ by: z.literal('patient') }),
  ])
  .meta({ description: 'Vem som mätte: personal (by staff, med enhet) eller patienten själv (by patient). / Who measured: staff (with their unit) or the patient.' });

export const measurement = z
  .strictObject({
    id: documentId.meta({ description: 'Mätningens id i källsystemet; samma id igen ändrar inget. / The measurement\'s id in the source system.' }),
    patient,
    time: dateTime.meta({ description: 'När mätningen gjordes. / When it was measured.' }),
    type: z.enum(TYPES).meta({ description: 'blood-pressure, heart-rate, oxygen-saturation, body-temperature, respiratory-rate, body-weight.' }),
    value: z.number().optional().meta({ description: 'Värdet (alla typer utom blodtryck). / The value (every type but blood pressure).' }),
    systolic: z.number().optional().meta({ description: 'Systoliskt tryck, mmHg (blodtryck). / Systolic pressure.' }),
    diastolic: z.number().optional().meta({ description: 'Diastoliskt tryck, mmHg (blodtryck). / Diastolic pressure.' }),
    unit: z.string().optional().meta({ description: 'Enhet; standard för typen: mmHg, /min, %, °C (Cel), kg. / Unit; defaults to the type\'s.' }),
    measuredBy,
    comment: longText.optional().meta({ description: 'Kommentar. / Remark.' }),
  })
  .superRefine((m, ctx) => {
    const sign = VITAL_SIGNS[m.type];
    const [min, max] = sign.range;
    const check = (field: 'value' | 'systolic' | 'diastolic', v: number | undefined) => {
      if (v === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `Krävs för ${m.type}. / Required for ${m.type}.` });
      else if (v < min || v > max) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${v} ${sign.unit} ligger utanför ${min}–${max}. / Outside ${min}–${max} ${sign.unit}.` });
      }
    };
    const forbid = (field: 'value' | 'systolic' | 'diastolic') => {
      if (m[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `Anges inte för ${m.type}. / Not given for ${m.type}.` });
    };
    if (m.type === 'blood-pressure') {
      check('systolic', m.systolic);
      check('diastolic', m.diastolic);
      forbid('value');
      if (m.systolic !== undefined && m.diastolic !== undefined && m.systolic <= m.diastolic) {
        ctx.addIssue({ code: 'custom', path: ['diastolic'], message: 'Diastoliskt ska vara lägre än systoliskt. / Diastolic must be below systolic.' });
      }
    } else {
      check('value', m.value);
      forbid('systolic');
      forbid('diastolic');
    }
    if (m.unit !== undefined && !(sign.units as readonly string[]).includes(m.unit)) {
      ctx.addIssue({ code: 'custom', path: ['unit'], message: `${m.type} anges i ${sign.units.join(' eller ')}. / ${m.type} is given in ${sign.units.join(' or ')}.` });
    }
  });
export type MeasurementDoc = z.infer<typeof measurement>;

export const matvardenSchema = z
  .strictObject({
    sourceSystem,
    documentId: documentId.optional().meta({ description: 'Dokumentets id, om det har ett; varje mätning identifieras av sitt eget id. / The document id, if any; each measurement is identified by its own id.' }),
    measurements: z.array(measurement).min(1).max(MAX_MEASUREMENTS).meta({ description: `Mätningarna, 1–${MAX_MEASUREMENTS}. / The measurements.` }),
  })
  .superRefine((doc, ctx) => {
    const seen = new Map<string, number>();
    doc.measurements.forEach((m, i) => {
      if (seen.has(m.id)) ctx.addIssue({ code: 'custom', path: ['measurements', i, 'id'], message: `Samma id som measurements[${seen.get(m.id)}]. / Same id as another measurement.` });
      else seen.set(m.id, i);
    });
  })
  .meta({
    title: 'Mätvärden (kommun.matvarden.v1)',
    description: 'Vitalparametrar mätta i hemmet; varje mätning blir en Observation (samvards vital-sign-profiler). Även som CSV med rubrikrad. / Vital signs measured at home; each becomes an Observation. Also as CSV with a header row.',
  });

export type MatvardenDoc = z.infer<typeof matvardenSchema>;
