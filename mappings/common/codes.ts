/**
 * The systems and codes the mappings write, matching samvard's profiles
 * (fhir-profiles/input/fsh/). Swedish display texts as in the code systems.
 */

export const PERSONNUMMER_SYSTEM = 'http://electronichealth.se/identifier/personnummer';
export const SAMORDNINGSNUMMER_SYSTEM = 'http://electronichealth.se/identifier/samordningsnummer';
export const HSA_SYSTEM = 'urn:oid:1.2.752.29.4.19';
export const ORGNR_SYSTEM = 'urn:oid:2.5.4.97';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
/** ICD-10-SE (Socialstyrelsen), OID 1.2.752.116.1.1.1.1.3. */
export const ICD10SE_SYSTEM = 'urn:oid:1.2.752.116.1.1.1.1.3';
export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

const SAMVARD = 'https://samvard.se/fhir';
export const profileUrl = (id: string): string => `${SAMVARD}/StructureDefinition/${id}`;
export const codeSystemUrl = (id: string): string => `${SAMVARD}/CodeSystem/${id}`;

/**
 * The system of the business identifier a document gives the resources mapped from it:
 * one namespace per kind of document and source system, e.g.
 * `https://samvard.se/fhir/sid/vardbegaran/SE2321000016-A1B2`. Versions of a format share
 * it, so `region.vardbegaran.v2` updates what `v1` created.
 */
export const documentIdentifierSystem = (kind: string, sourceSystem: string): string =>
  `${SAMVARD}/sid/${kind}/${sourceSystem}`;

export const HSL_TASK_KINDS = {
  'medication-administration': 'Läkemedelsadministrering',
  'wound-care': 'Sårvård',
  'rehabilitation-exercise': 'Rehabiliteringsträning',
  'vital-sign-measurement': 'Mätning av vitalparametrar',
  'blood-glucose-measurement': 'Blodsockermätning',
  'tube-feeding': 'Sondmatning',
  'catheter-stoma-care': 'Kateter- och stomivård',
  'compression-therapy': 'Kompressionsbehandling',
  inhalation: 'Inhalation',
  other: 'Övrig HSL-insats',
} as const;
export type HslTaskKind = keyof typeof HSL_TASK_KINDS;
export const HSL_TASK_KIND_CODES = Object.keys(HSL_TASK_KINDS) as [HslTaskKind, ...HslTaskKind[]];

export const ORGANIZATION_KINDS = { region: 'Region', kommun: 'Kommun', privat: 'Privat utförare' } as const;
export type OrganizationKind = keyof typeof ORGANIZATION_KINDS;

export const CARE_PLAN_TYPES = {
  SIP: 'Samordnad individuell plan',
  SPLPTLRV: 'Samordnad plan enligt LPT/LRV',
  SPU: 'Samordnad plan vid utskrivning',
  VP: 'Vårdplan',
  HP: 'Habiliteringsplan',
  RP: 'Rehabiliteringsplan',
  GP: 'Genomförandeplan',
  SVP: 'Standardiserad vårdplan',
} as const;
export type CarePlanType = keyof typeof CARE_PLAN_TYPES;
export const CARE_PLAN_TYPE_CODES = Object.keys(CARE_PLAN_TYPES) as [CarePlanType, ...CarePlanType[]];

export const EGENVARD_OUTCOMES = { egenvard: 'Egenvård', 'halso-och-sjukvard': 'Hälso- och sjukvårdsåtgärd' } as const;
export const EGENVARD_PERFORMERS = {
  patient: 'Patienten själv',
  narstaende: 'Närstående',
  socialtjanst: 'Personal inom socialtjänsten',
  skola: 'Personal i skola eller förskola',
  annan: 'Annan',
} as const;
