/** Small FHIR shapes the mappings share. */
import type { CodeableConcept, Identifier, Timing } from '@medplum/fhirtypes';
import {
  HSL_TASK_KINDS,
  type HslTaskKind,
  ICD10SE_SYSTEM,
  SNOMED_SYSTEM,
  codeSystemUrl,
  documentIdentifierSystem,
} from './codes.ts';
import type { FrequencyDoc, ReasonDoc } from './schema.ts';

/** The business identifier a document gives what it maps to. */
export const documentIdentifier = (kind: string, sourceSystem: string, documentId: string): Identifier & { system: string; value: string } => ({
  system: documentIdentifierSystem(kind, sourceSystem),
  value: documentId,
});

/** A kind of HSL measure (hsl-task-kind), with the sender's own words as text. */
export function hslKind(code: HslTaskKind, text?: string): CodeableConcept {
  return {
    coding: [{ system: codeSystemUrl('hsl-task-kind'), code, display: HSL_TASK_KINDS[code] }],
    ...(text ? { text } : {}),
  };
}

const PERIOD_UNIT = { day: 'd', week: 'wk', month: 'mo' } as const;

/** `3 per day` → Timing.repeat { frequency 3, period 1, periodUnit d }, bounded by start and end. */
export function timing(frequency: FrequencyDoc, start?: string, end?: string): Timing {
  const repeat: NonNullable<Timing['repeat']> = { frequency: frequency.times, period: 1, periodUnit: PERIOD_UNIT[frequency.per] };
  if (start || end) repeat.boundsPeriod = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
  return { repeat };
}

export function reasonCode(reason: ReasonDoc): CodeableConcept {
  const coding = (reason.codes ?? []).map((c) => ({
    system: c.system === 'ICD-10-SE' ? ICD10SE_SYSTEM : SNOMED_SYSTEM,
    code: c.code,
    ...(c.display ? { display: c.display } : {}),
  }));
  return { ...(coding.length > 0 ? { coding } : {}), ...(reason.text ? { text: reason.text } : {}) };
}
