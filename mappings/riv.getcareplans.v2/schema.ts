/**
 * `riv.getcareplans.v2`: the RIV-TA `clinicalprocess:logistics:logistics` GetCarePlans 2.0
 * response that NPÖ producers already emit, one or more `carePlan` elements with their
 * header and body.
 *
 * The schema describes the response as an object whose keys are the XSD's element names
 * (namespace prefixes dropped; text content as strings; repeating elements as arrays):
 * the JSON form of the XML. Unknown elements are ignored, as the XSD's extension points
 * (`##other`) allow.
 */
import { z } from 'zod';
import { CARE_PLAN_TYPE_CODES } from '../common/codes.ts';
import { hsaId, personIdProblem } from '../common/schema.ts';
import { stockholmDateTime } from '../common/time.ts';

export const FORMAT_ID = 'riv.getcareplans.v2';

export const PERSONNUMMER_OID = '1.2.752.129.2.1.3.1';
export const SAMORDNINGSNUMMER_OID = '1.2.752.129.2.1.3.3';

/** `YYYYMMDDhhmmss`, Swedish local time (RIV-TA's rule) → FHIR dateTime; undefined when not a real time. */
export function rivTime(value: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return stockholmDateTime(y, mo, d, h, mi, s);
}

const timestamp = z
  .string()
  .regex(/^\d{14}$/, 'Tidpunkt ÅÅÅÅMMDDttmmss. / Time as YYYYMMDDhhmmss.')
  .refine((v) => !/^\d{14}$/.test(v) || rivTime(v) !== undefined, 'Ingen verklig tidpunkt. / Not a real time.')
  .meta({ description: 'ÅÅÅÅMMDDttmmss, svensk tid (CET/CEST). / YYYYMMDDhhmmss, Swedish local time.', examples: ['20261120140000'] });
const text = z.string().trim().min(1);
const booleanText = z.enum(['true', 'false']);

/** CVType. */
const cv = z.object({
  code: z.string().optional(),
  codeSystem: z.string().optional(),
  codeSystemName: z.string().optional(),
  codeSystemVersion: z.string().optional(),
  displayName: z.string().optional(),
  originalText: z.string().optional(),
});

const orgUnit = z.object({
  orgUnitHSAId: hsaId.optional(),
  orgUnitName: text.optional(),
  orgUnitTelecom: z.string().optional(),
  orgUnitEmail: z.string().optional(),
  orgUnitAddress: z.string().optional(),
  orgUnitLocation: z.string().optional(),
});

const carePlanHeader = z
  .object({
    documentId: z.string().regex(/^[^|,$\\\s][^|,$\\]{0,127}$/, 'Upp till 128 tecken, inte | , $ eller \\. / Up to 128 characters, not | , $ or \\.'),
    sourceSystemHSAId: hsaId,
    documentTitle: text,
    documentTime: timestamp,
    patientId: z.object({
      id: z.string(),
      type: z.enum([PERSONNUMMER_OID, SAMORDNINGSNUMMER_OID]).meta({
        description: `${PERSONNUMMER_OID} (personnummer) eller ${SAMORDNINGSNUMMER_OID} (samordningsnummer); reservnummer tas inte emot. / Reservnummer are not taken.`,
      }),
    }),
    accountableHealthcareProfessional: z.object({
      authorTime: timestamp,
      healthcareProfessionalHSAId: hsaId.optional(),
      healthcareProfessionalName: text.optional(),
      healthcareProfessionalRoleCode: cv.optional(),
      healthcareProfessionalOrgUnit: orgUnit.optional(),
      healthcareProfessionalCareUnitHSAId: hsaId.optional(),
      healthcareProfessionalCareGiverHSAId: hsaId.optional(),
    }),
    legalAuthenticator: z
      .object({
        signatureTime: timestamp.optional(),
        legalAuthenticatorHSAId: hsaId.optional(),
        legalAuthenticatorName: z.string().optional(),
      })
      .optional(),
    approvedForPatient: booleanText,
    careContactId: z.string().optional(),
    nullified: booleanText.optional(),
    nullifiedReason: z.string().optional(),
  })
  .superRefine((h, ctx) => {
    const problem = personIdProblem(h.patientId.id);
    if (problem) ctx.addIssue({ code: 'custom', path: ['patientId', 'id'], message: problem });
    const p = h.accountableHealthcareProfessional;
    if (!p.healthcareProfessionalHSAId && !p.healthcareProfessionalOrgUnit?.orgUnitHSAId && !p.healthcareProfessionalCareUnitHSAId) {
      ctx.addIssue({
        code: 'custom',
        path: ['accountableHealthcareProfessional'],
        message: 'Ange ansvarig persons eller enhets HSA-id. / Give the HSA-id of the professional or the unit responsible.',
      });
    }
  });

const carePlanBody = z.object({
  typeOfCarePlanEnum: z.enum(CARE_PLAN_TYPE_CODES),
  content: z.string().min(1).max(300_000).meta({ description: 'Planens innehåll: text eller XHTML. / The plan\'s content: text or XHTML.' }),
  participatingCareUnitHSAId: z.array(hsaId).optional(),
});

const carePlan = z
  .object({ carePlanHeader, carePlanBody })
  .superRefine((plan, ctx) => {
    const p = plan.carePlanHeader.accountableHealthcareProfessional;
    const units = new Set([
      p.healthcareProfessionalOrgUnit?.orgUnitHSAId ?? p.healthcareProfessionalCareUnitHSAId,
      ...(plan.carePlanBody.participatingCareUnitHSAId ?? []),
    ].filter((u) => u !== undefined));
    if (units.size < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['carePlanBody', 'participatingCareUnitHSAId'],
        message:
          'En samordnad plan i samvard har deltagare från minst två enheter: ange deltagande enheter utöver den ansvariga. / A coordinated plan in samvard has participants from at least two units.',
      });
    }
  });

export const getCarePlansSchema = z
  .object({
    GetCarePlansResponse: z.object({
      carePlan: z.array(carePlan).min(1).max(20),
      result: z
        .object({
          resultCode: z.enum(['OK', 'INFO', 'ERROR']),
          logId: z.string().optional(),
          message: z.string().optional(),
        })
        .refine((r) => r.resultCode !== 'ERROR', { message: 'Ett felsvar innehåller inga planer. / An error response holds no plans.', path: ['resultCode'] })
        .optional(),
    }),
  })
  .meta({
    title: 'RIV-TA GetCarePlans 2.0 response (riv.getcareplans.v2)',
    description:
      'clinicalprocess:logistics:logistics GetCarePlansResponse 2.0 med elementnamnen som nycklar; varje carePlan blir en CarePlan med kategori, deltagare (CareTeam) och innehållet som bilaga. / The response with element names as keys; each carePlan becomes a CarePlan.',
  });

export type GetCarePlansDoc = z.infer<typeof getCarePlansSchema>;
