/**
 * The personnummer and samordningsnummer invariants of the Patient profile, written in
 * FHIRPath in fhir-profiles/input/fsh/patient.fsh, against an independent implementation.
 * @see https://www.skatteverket.se/ (SKV 704: personnummer; SKV 707: samordningsnummer)
 */
import type { OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { findProfile } from '../../functions/core/profiles.ts';
import { validateAgainstProfile } from '../../functions/core/profile-validator.ts';
import { loadDefinitions } from '../../functions/core/validation.ts';

const PNR = 'http://electronichealth.se/identifier/personnummer';
const SNR = 'http://electronichealth.se/identifier/samordningsnummer';
const PROFILE = 'https://samvard.se/fhir/StructureDefinition/samvard-patient';

function issuesFor(system: string, value: string): OperationOutcomeIssue[] {
  const patient: Patient = { resourceType: 'Patient', meta: { profile: [PROFILE] }, identifier: [{ system, value }] };
  const profile = findProfile(PROFILE);
  if (!profile) throw new Error('no Patient profile');
  return validateAgainstProfile(patient, profile).filter((i) => i.severity === 'error');
}
const texts = (issues: OperationOutcomeIssue[]) => issues.map((i) => i.details?.text ?? '');

/** The Luhn check digit of the 9 digits YYMMDDNNN, computed plainly. */
function checkDigit(nine: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A deterministic pseudo-random source, so failures reproduce. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function number(date: Date, serial: number, dayOffset = 0): string {
  const y = String(date.getUTCFullYear());
  const m = String(date.getUTCMonth() + 1).padStart(2, '0');
  const d = String(date.getUTCDate() + dayOffset).padStart(2, '0');
  const nnn = String(serial).padStart(3, '0');
  const nine = `${y.slice(2)}${m}${d}${nnn}`;
  return `${y}${m}${d}${nnn}${checkDigit(nine)}`;
}

beforeAll(() => loadDefinitions());

describe('personnummer', () => {
  it.each(['191212121212', '200002291235', '194503151237', '202302281239'])('%s is valid', (value) => {
    expect(texts(issuesFor(PNR, value))).toEqual([]);
  });

  it('a wrong check digit fails with a message about the check digit, in Swedish and English', () => {
    const errors = issuesFor(PNR, '191212121213');
    expect(texts(errors)).toEqual([
      'se-pnr-luhn: Personnumrets sista siffra är en kontrollsiffra (Luhn) som inte stämmer. / ' +
        'The last digit of the personnummer is a check digit (Luhn) and it is wrong.',
    ]);
    expect(errors[0]?.expression).toEqual(['Patient.identifier[0]']);
    expect(errors[0]?.code).toBe('invariant');
  });

  it('30 February fails as not a real date (even with a correct check digit)', () => {
    expect(checkDigit('230230123')).toBe(5);
    expect(texts(issuesFor(PNR, '202302301235'))).toEqual([
      expect.stringMatching(/^se-pnr-date: .*\(t\.ex\. inte 30 februari\)\. \/ A personnummer must start with a real calendar date/),
    ]);
  });

  it.each([
    ['29 February in a year that is not a leap year', '20010229123'],
    ['29 February 1900 (divisible by 100, not by 400)', '19000229123'],
    ['month 13', '19001301123'],
    ['day 00', '19000100123'],
    ['31 April', '19000431123'],
  ])('%s fails as not a real date (with a correct check digit)', (_what, eleven) => {
    const value = `${eleven}${checkDigit(eleven.slice(2))}`;
    expect(texts(issuesFor(PNR, value))).toEqual([expect.stringMatching(/^se-pnr-date: /)]);
  });

  it.each([
    ['11 digits', '19121212121'],
    ['13 digits', '1912121212120'],
    ['the 10-digit form', '1212121212'],
    ['a hyphen', '19121212-1212'],
    ['letters', '19121212121A'],
  ])('%s fails with the format message only', (_what, value) => {
    expect(texts(issuesFor(PNR, value))).toEqual([
      'se-pnr-format: Ett personnummer ska ha exakt 12 siffror, ÅÅÅÅMMDDNNNK, utan bindestreck. / ' +
        'A personnummer must be exactly 12 digits, YYYYMMDDNNNC, with no hyphen.',
    ]);
  });

  it('agrees with a plain Luhn implementation on 300 generated numbers and their one-off check digits', () => {
    const next = random(20261122);
    for (let i = 0; i < 300; i++) {
      const date = new Date(Date.UTC(1900, 0, 1) + Math.floor(next() * 125 * 365.25) * 86_400_000);
      const valid = number(date, Math.floor(next() * 1000));
      expect(texts(issuesFor(PNR, valid)), valid).toEqual([]);
      const wrong = `${valid.slice(0, 11)}${(Number(valid[11]) + 1 + Math.floor(next() * 9)) % 10}`;
      expect(texts(issuesFor(PNR, wrong)), wrong).toEqual([expect.stringMatching(/^se-pnr-luhn: /)]);
    }
  });
});

describe('samordningsnummer', () => {
  it('day + 60 with a correct check digit is valid', () => {
    expect(texts(issuesFor(SNR, '197010634231'))).toEqual([]);
    expect(texts(issuesFor(SNR, number(new Date(Date.UTC(2000, 1, 29)), 238, 60)))).toEqual([]);
  });

  it('a day without the 60 added fails as not a samordningsnummer date', () => {
    expect(texts(issuesFor(SNR, '197010034234'))).toEqual([expect.stringMatching(/^se-snr-date: .*60 added/)]);
  });

  it('a day past the end of the month + 60 fails', () => {
    expect(texts(issuesFor(SNR, number(new Date(Date.UTC(2001, 1, 28)), 123, 61)))).toEqual([
      expect.stringMatching(/^se-snr-date: /),
    ]);
  });

  it('a wrong check digit fails with the samordningsnummer message', () => {
    expect(texts(issuesFor(SNR, '197010634232'))).toEqual([expect.stringMatching(/^se-snr-luhn: .*samordningsnummer/)]);
  });

  it('a personnummer sent as a samordningsnummer fails on the date', () => {
    expect(texts(issuesFor(SNR, '191212121212'))).toEqual([expect.stringMatching(/^se-snr-date: /)]);
  });
});
