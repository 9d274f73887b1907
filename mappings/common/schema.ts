/**
 * zod building blocks every document format shares: identities (personnummer, HSA-id),
 * units and professionals, the source system and document id that make a document
 * idempotent, dates and frequencies. Each carries a description (Swedish / English) that
 * ends up in the JSON Schema vendors get.
 */
import { z } from 'zod';
import { HSL_TASK_KIND_CODES } from './codes.ts';

/** Whether a 12-digit personnummer or samordningsnummer has a real date and a correct Luhn check digit. */
export function personIdProblem(value: string): string | undefined {
  if (!/^[0-9]{12}$/.test(value)) {
    return 'Ska vara 12 siffror ÅÅÅÅMMDDNNNK utan bindestreck. / Must be 12 digits YYYYMMDDNNNC without a hyphen.';
  }
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(4, 6));
  const rawDay = Number(value.slice(6, 8));
  const day = rawDay > 60 ? rawDay - 60 : rawDay;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) {
    return 'Börjar inte med ett verkligt datum (samordningsnummer: dag + 60). / Does not start with a real date (samordningsnummer: day + 60).';
  }
  let sum = 0;
  for (let i = 2; i < 12; i++) {
    let d = Number(value[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  if (sum % 10 !== 0) {
    return 'Kontrollsiffran (Luhn) stämmer inte. / The check digit (Luhn) is wrong.';
  }
  return undefined;
}

/** A samordningsnummer has 60 added to its day. */
export const isSamordningsnummer = (value: string): boolean => Number(value.slice(6, 8)) > 60;

export const personId = z
  .string()
  .regex(/^[0-9]{12}$/, 'Ska vara 12 siffror ÅÅÅÅMMDDNNNK utan bindestreck. / Must be 12 digits YYYYMMDDNNNC without a hyphen.')
  .superRefine((value, ctx) => {
    const problem = /^[0-9]{12}$/.test(value) ? personIdProblem(value) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description:
      'Personnummer eller samordningsnummer, 12 siffror utan bindestreck (ÅÅÅÅMMDDNNNK; samordningsnummer har dag + 60). / Personnummer or samordningsnummer, 12 digits without a hyphen.',
    examples: ['191212121212'],
  });

export const hsaId = z
  .string()
  .regex(/^SE[0-9]{10}-[A-Za-z0-9]{1,18}$/, 'Ett HSA-id är SE, 10 siffror, bindestreck och ett suffix, t.ex. SE2321000016-15CQ. / An HSA-id is SE, 10 digits, a hyphen and a suffix.')
  .meta({ description: 'HSA-id (urn:oid:1.2.752.29.4.19).', examples: ['SE2321000016-15CQ'] });

function luhn10(value: string): boolean {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let d = Number(value[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

export const organisationsnummer = z
  .string()
  .regex(/^[0-9]{10}$/, 'Ett organisationsnummer är 10 siffror utan bindestreck. / 10 digits, no hyphen.')
  .refine(luhn10, 'Organisationsnumrets kontrollsiffra (Luhn) stämmer inte. / The check digit (Luhn) is wrong.')
  .meta({ description: 'Organisationsnummer, 10 siffror (urn:oid:2.5.4.97).', examples: ['2321000016'] });

/** The producing system: the key, with the document id, that makes posting a document idempotent. */
export const sourceSystem = hsaId.meta({
  description:
    'HSA-id för systemet som skapade dokumentet. Tillsammans med documentId identifierar det dokumentet: samma dokument igen ändrar ingenting, en ny version uppdaterar samma resurser. / HSA-id of the producing system; with documentId it identifies the document.',
  examples: ['SE2321000016-A1B2'],
});

export const documentId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,127}$/, 'Upp till 128 tecken: bokstäver A–Z, siffror och . _ : / @ + = -. / Up to 128 characters: letters, digits and . _ : / @ + = -')
  .meta({ description: 'Dokumentets id i källsystemet, unikt per källsystem och dokumenttyp. / The document id, unique per source system and kind of document.', examples: ['VB-2026-000123'] });

/** A date-time with its offset, e.g. 2026-11-21T10:00:00+01:00 (FHIR dateTime). */
export const dateTime = z.iso.datetime({ offset: true }).meta({
  description: 'Tidpunkt med tidszon, ISO 8601. / Date and time with offset, ISO 8601.',
  examples: ['2026-11-21T10:00:00+01:00'],
});
export const date = z.iso.date().meta({ description: 'Datum ÅÅÅÅ-MM-DD. / Date YYYY-MM-DD.', examples: ['2026-11-23'] });

const text = (max: number) => z.string().trim().min(1).max(max);
export const shortText = text(200);
export const longText = text(10_000);

export const patient = z
  .strictObject({
    personId,
    name: z
      .strictObject({
        given: shortText.optional().meta({ description: 'Förnamn. / Given name.' }),
        family: shortText.optional().meta({ description: 'Efternamn. / Family name.' }),
      })
      .optional()
      .meta({ description: 'Används bara när patienten inte redan finns. / Used only when samvard does not yet know the patient.' }),
  })
  .meta({ description: 'Patienten, matchad på personnummer/samordningsnummer. / The patient, matched by personal identity number.' });
export type PatientDoc = z.infer<typeof patient>;

const unitFields = {
  hsaId: hsaId.meta({ description: 'Enhetens HSA-id. / The unit\'s HSA-id.', examples: ['SE2321000016-15CQ'] }),
  name: shortText.meta({ description: 'Enhetens namn (som i HSA). / The unit\'s name.' }),
  organisationsnummer: organisationsnummer.optional(),
};
const kind = z.enum(['region', 'kommun', 'privat']);

/** A care unit by HSA-id; `kind` defaults by its role in the document. */
export const unit = z
  .strictObject({
    ...unitFields,
    kind: kind.optional().meta({ description: 'Huvudman: region, kommun eller privat; standard efter rollen i dokumentet. / Principal; defaults by the unit\'s role in the document.' }),
  })
  .meta({ description: 'Vård- eller omsorgsenhet, matchad på HSA-id. / Care unit, matched by HSA-id.' });
/** A care unit whose principal must be stated (no role implies it). */
export const unitWithKind = z
  .strictObject({ ...unitFields, kind: kind.meta({ description: 'Huvudman: region, kommun eller privat. / Principal.' }) })
  .meta({ description: 'Vård- eller omsorgsenhet, matchad på HSA-id. / Care unit, matched by HSA-id.' });
export type UnitDoc = z.infer<typeof unit>;

export const professional = z
  .strictObject({
    hsaId: hsaId.meta({ description: 'Personens HSA-id. / The person\'s HSA-id.', examples: ['SE2321000016-1003'] }),
    name: shortText.optional().meta({ description: 'Namn. / Name.' }),
    role: shortText.optional().meta({ description: 'Yrke eller roll, t.ex. Fysioterapeut. / Profession or role.' }),
  })
  .meta({ description: 'Legitimerad yrkesutövare, matchad på HSA-id. / Health professional, matched by HSA-id.' });
export type ProfessionalDoc = z.infer<typeof professional>;

export const hslTaskKind = z.enum(HSL_TASK_KIND_CODES).meta({
  description: 'Typ av insats ur kodverket hsl-task-kind. / Kind of measure from the hsl-task-kind code system.',
});

export const frequency = z
  .strictObject({
    times: z.int().min(1).max(48).meta({ description: 'Antal gånger per period. / Times per period.' }),
    per: z.enum(['day', 'week', 'month']).meta({ description: 'Period: dag, vecka eller månad. / Period.' }),
  })
  .meta({ description: 'Hur ofta, t.ex. 3 gånger per dag. / How often, e.g. 3 times a day.', examples: [{ times: 3, per: 'day' }] });
export type FrequencyDoc = z.infer<typeof frequency>;

export const reason = z
  .strictObject({
    text: shortText.optional().meta({ description: 'Orsaken i klartext. / The reason as text.' }),
    codes: z
      .array(
        z.strictObject({
          system: z.enum(['ICD-10-SE', 'SNOMED-CT']),
          code: z.string().regex(/^[A-Za-z0-9.\-]{1,20}$/),
          display: shortText.optional(),
        }),
      )
      .optional()
      .meta({ description: 'Diagnoser eller problem, ICD-10-SE eller SNOMED CT. / Diagnoses or problems.' }),
  })
  .refine((r) => r.text !== undefined || (r.codes?.length ?? 0) > 0, 'Ange text eller minst en kod. / Give a text or at least one code.')
  .meta({ description: 'Orsak: diagnos eller problem. / Reason: diagnosis or problem.' });
export type ReasonDoc = z.infer<typeof reason>;

/** A reference to an earlier document of samvard's record, by its source system and id. */
export const documentRef = z
  .strictObject({
    sourceSystem: sourceSystem.optional().meta({ description: 'Källsystemets HSA-id; standard: samma som detta dokument. / Defaults to this document\'s source system.' }),
    documentId,
  })
  .meta({ description: 'Ett tidigare dokument, med dess källsystem och id. / An earlier document by its source system and id.' });
export type DocumentRef = z.infer<typeof documentRef>;

/** A FHIR logical id, for documents that name a resource samvard already holds. */
export const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'Ett FHIR-id: 1–64 tecken A–Z, a–z, 0–9, - och .');
