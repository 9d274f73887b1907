/** matchesClause / matchesQuery: R4 search semantics per resource, table-driven (no DynamoDB). */
import type { Resource } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareDateRanges, dateRange } from '../../functions/core/search/date.ts';
import { matchesClause, matchesQuery } from '../../functions/core/search/match.ts';
import { parseSearchQuery } from '../../functions/core/search/parse.ts';
import { parseSearchValue } from '../../functions/core/search/parse-value.ts';
import type { SearchClause, SearchParamDef, SearchQuery } from '../../functions/core/search/types.ts';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const HSA = 'urn:oid:1.2.752.29.4.19';

const parse = (type: string, query: string): SearchQuery =>
  parseSearchQuery(type, [...new URLSearchParams(query)], { strict: true });

/** Whether `resource` matches the search `query` (all its clauses). */
const matches = (resource: Resource, query: string): boolean =>
  matchesQuery(resource, parse(resource.resourceType, query));

type Case = [query: string, expected: boolean];

function table(resource: () => Resource, cases: Case[]): void {
  it.each(cases)('%s → %s', (query, expected) => {
    expect(matches(resource(), query)).toBe(expected);
  });
}

const pulse = (extra: Record<string, unknown> = {}): Resource =>
  ({
    resourceType: 'Observation',
    id: 'obs1',
    meta: { lastUpdated: '2026-11-20T09:30:00.000Z' },
    status: 'final',
    identifier: [{ system: 'urn:x', value: 'A1', type: { text: 'Lab number' } }],
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: {
      coding: [
        { system: LOINC, code: '8867-4', display: 'Heart rate' },
        { system: 'http://snomed.info/sct', code: '364075005' },
      ],
      text: 'Puls',
    },
    subject: { reference: 'Patient/p1' },
    ...extra,
  }) as Resource;

describe('token', () => {
  describe('on CodeableConcept, code, Identifier', () => {
    table(pulse, [
      ['code=8867-4', true],
      [`code=${LOINC}|8867-4`, true],
      ['code=http://snomed.info/sct|8867-4', false],
      ['code=|8867-4', false],
      [`code=${LOINC}|`, true],
      ['code=http://other.example|', false],
      ['code=8867', false],
      ['code=999,8867-4', true],
      ['code=999&code=8867-4', false],
      ['code=8867-4&code=364075005', true],
      ['code:not=8867-4', false],
      ['code:not=999', true],
      ['code:not=999,364075005', false],
      ['code:text=puls', true],
      ['code:text=HEART', true],
      ['code:text=rate', false],
      ['code:missing=false', true],
      ['code:missing=true', false],
      ['status=final', true],
      ['status=http://hl7.org/fhir/observation-status|final', true],
      ['status=FINAL', false],
      ['status=preliminary,final', true],
      ['status:not=final', false],
      ['status:not=amended', true],
      ['identifier=urn:x|A1', true],
      ['identifier=A1', true],
      ['identifier=a1', false],
      ['identifier=|A1', false],
      ['identifier=urn:y|A1', false],
      ['identifier=urn:x|', true],
      ['identifier:text=lab', true],
      ['_id=obs1', true],
      ['_id=obs2', false],
      ['_id=obs2,obs1', true],
      ['_id:not=obs1', false],
    ]);
  });

  describe('on Coding without a system, boolean, ContactPoint; :not when missing', () => {
    const task = (): Resource =>
      ({
        resourceType: 'Task',
        id: 't1',
        status: 'requested',
        intent: 'order',
        code: { coding: [{ code: 'hsl-uppdrag' }] },
      }) as Resource;
    table(task, [
      ['code=hsl-uppdrag', true],
      ['code=|hsl-uppdrag', true],
      ['code=urn:x|hsl-uppdrag', false],
      ['business-status:not=done', true],
      ['business-status:missing=true', true],
      ['business-status=done', false],
    ]);
    const patient = (): Resource =>
      ({
        resourceType: 'Patient',
        id: 'p1',
        active: true,
        telecom: [
          { system: 'phone', value: '+46701234567' },
          { system: 'email', value: 'britta@example.se' },
        ],
      }) as Resource;
    table(patient, [
      ['active=true', true],
      ['active=false', false],
      ['active:not=false', true],
      ['phone=%2B46701234567', true],
      ['phone=britta@example.se', false],
      ['email=britta@example.se', true],
      ['telecom=%2B46701234567', true],
      ['gender:missing=true', true],
    ]);
  });
});

describe('string', () => {
  const britta = (): Resource =>
    ({
      resourceType: 'Patient',
      id: 'p1',
      name: [{ family: 'Åström', given: ['Britta', 'Maria'], prefix: ['Fru'] }, { text: 'Britta Åström' }],
      address: [{ line: ['Storgatan 1'], city: 'Umeå', postalCode: '903 25', country: 'SE' }],
    }) as Resource;
  table(britta, [
    ['name=astr', true],
    ['name=ÅSTRÖM', true],
    ['name=britt', true],
    ['name=mar', true],
    ['name=fru', true],
    ['name=britta åström', true],
    ['name=str', false],
    ['name:contains=str', true],
    ['name:contains=RIT', true],
    ['name:contains=xyz', false],
    ['name:exact=Åström', true],
    ['name:exact=åström', false],
    ['name:exact=Astrom', false],
    ['name:exact=Åströ', false],
    ['name:exact=Britta Åström', true],
    ['family=astrom', true],
    ['family=britta', false],
    ['given=maria', true],
    ['given=an,ma', true],
    ['given=an&given=ma', false],
    ['address=storg', true],
    ['address=umea', true],
    ['address=se', true],
    ['address-city=UME', true],
    ['address-city=stor', false],
    ['address-postalcode=903', true],
    ['name:missing=false', true],
    ['name:missing=true', false],
    ['address-state:missing=true', true],
  ]);

  const org = (): Resource =>
    ({ resourceType: 'Organization', id: 'o1', name: 'Umeå kommun', alias: ['Hemtjänsten Väst'] }) as Resource;
  table(org, [
    ['name=ume', true],
    ['name=hemtj', true],
    ['name=väst', false],
    ['name:contains=VAST', true],
  ]);
});

describe('reference', () => {
  const task = (): Resource =>
    ({
      resourceType: 'Task',
      id: 't1',
      status: 'requested',
      intent: 'order',
      for: { reference: 'Patient/p1' },
      owner: { reference: 'https://samvard.example/fhir/Organization/o1' },
      requester: { identifier: { system: HSA, value: 'SE2321000016-1234' }, display: 'Vårdcentralen' },
      basedOn: [{ reference: 'ServiceRequest/sr1/_history/2' }],
      focus: { reference: 'urn:uuid:0b7c6a4e-1d5f-4a8e-9c1f-2a3b4c5d6e7f' },
    }) as Resource;
  table(task, [
    ['patient=Patient/p1', true],
    ['patient=p1', true],
    ['patient:Patient=p1', true],
    ['patient=Patient/p2', false],
    ['patient=https://other.example/fhir/Patient/p1', true],
    ['subject=Patient/p1', true],
    ['subject:Patient=p1', true],
    ['subject:Organization=p1', false],
    ['subject=p2,p1', true],
    ['owner=Organization/o1', true],
    ['owner=o1', true],
    ['owner:Organization=o1', true],
    ['owner:Practitioner=o1', false],
    ['owner=https://samvard.example/fhir/Organization/o1', true],
    ['based-on=ServiceRequest/sr1', true],
    ['based-on=sr1', true],
    ['based-on=ServiceRequest/sr1/_history/2', true],
    ['based-on=ServiceRequest/sr1/_history/1', false],
    [`requester:identifier=${HSA}|SE2321000016-1234`, true],
    ['requester:identifier=SE2321000016-1234', true],
    ['requester:identifier=urn:other|SE2321000016-1234', false],
    ['requester=SE2321000016-1234', false],
    ['requester:missing=false', true],
    ['focus=urn:uuid:0b7c6a4e-1d5f-4a8e-9c1f-2a3b4c5d6e7f', true],
    ['focus=0b7c6a4e-1d5f-4a8e-9c1f-2a3b4c5d6e7f', false],
    ['encounter:missing=true', true],
    ['part-of:missing=false', false],
  ]);

  it('`patient` only selects references to a Patient', () => {
    const forOrg = { ...task(), for: { reference: 'Organization/o9' } } as Resource;
    expect(matches(forOrg, 'patient:missing=true')).toBe(true);
    expect(matches(forOrg, 'patient=o9')).toBe(false);
    expect(matches(forOrg, 'subject=o9')).toBe(true);
  });

  const plan = (): Resource =>
    ({
      resourceType: 'CarePlan',
      id: 'cp1',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p1' },
      instantiatesCanonical: ['http://example.org/PlanDefinition/hip|1.0'],
      instantiatesUri: ['http://example.org/protocols/hip/v2'],
    }) as Resource;
  describe('canonical and uri', () => {
    table(plan, [
      ['instantiates-canonical=http://example.org/PlanDefinition/hip', true],
      ['instantiates-canonical=http://example.org/PlanDefinition/hip|1.0', true],
      ['instantiates-canonical=http://example.org/PlanDefinition/hip|2.0', false],
      ['instantiates-canonical=http://example.org/PlanDefinition/knee', false],
      ['instantiates-uri=http://example.org/protocols/hip/v2', true],
      ['instantiates-uri=http://example.org/protocols', false],
      ['instantiates-uri:below=http://example.org/protocols', true],
      ['instantiates-uri:below=http://example.org/other', false],
      ['instantiates-uri:above=http://example.org/protocols/hip/v2/section-1', true],
      ['instantiates-uri:above=http://example.org/protocols/knee', false],
    ]);
  });
});

describe('date', () => {
  describe('a dateTime with seconds and an offset: 2026-11-20T10:00:00+01:00', () => {
    table(() => pulse({ effectiveDateTime: '2026-11-20T10:00:00+01:00' }), [
      ['date=2026-11-20', true],
      ['date=2026-11', true],
      ['date=2026', true],
      ['date=2026-11-21', false],
      ['date=2026-11-20T09:00:00Z', true],
      ['date=2026-11-20T10:00:00%2B01:00', true],
      ['date=2026-11-20T10:00:00Z', false],
      ['date=2026-11-20T09:00Z', true],
      ['date=ne2026-11-21', true],
      ['date=ne2026-11-20', false],
      ['date=gt2026-11-19', true],
      ['date=gt2026-11-20', false],
      ['date=gt2026-11-20T08:59:59Z', true],
      ['date=gt2026-11-20T09:00:00Z', false],
      ['date=lt2026-11-21', true],
      ['date=lt2026-11-20', false],
      ['date=ge2026-11-20', true],
      ['date=ge2026-11-21', false],
      ['date=le2026-11-20', true],
      ['date=le2026-11-19', false],
      ['date=sa2026-11-19', true],
      ['date=sa2026-11-20', false],
      ['date=eb2026-11-21', true],
      ['date=eb2026-11-20', false],
      ['date=ge2026-11-01&date=lt2026-12-01', true],
      ['date=ge2026-12-01&date=lt2026-12-31', false],
      ['date=2025,2026-11', true],
      ['date:missing=false', true],
    ]);
  });

  describe('a dateTime of month precision, 2026-11: the whole month', () => {
    table(() => pulse({ effectiveDateTime: '2026-11' }), [
      ['date=2026-11', true],
      ['date=2026', true],
      ['date=2026-11-20', false],
      ['date=ne2026-11-20', true],
      ['date=gt2026-11-20', true],
      ['date=lt2026-11-20', true],
      ['date=ge2026-11-20', true],
      ['date=le2026-11-20', true],
      ['date=gt2026-11', false],
      ['date=ge2026-11', true],
      ['date=sa2026-11-20', false],
      ['date=eb2026-11-20', false],
      ['date=sa2026-10', true],
      ['date=sa2026-10-31T23:59:59Z', true],
      ['date=eb2026-12', true],
      ['date=eb2026-11-30', false],
    ]);
  });

  describe('a Period 2026-11-01 – 2026-11-30 (the end day included)', () => {
    table(() => pulse({ effectivePeriod: { start: '2026-11-01', end: '2026-11-30' } }), [
      ['date=2026-11', true],
      ['date=2026-11-15', false],
      ['date=ne2026-11', false],
      ['date=gt2026-11-15', true],
      ['date=lt2026-11-15', true],
      ['date=gt2026-11-30', false],
      ['date=lt2026-11-01', false],
      ['date=sa2026-10', true],
      ['date=eb2026-12', true],
      ['date=eb2026-12-01T00:00:00Z', true],
      ['date=eb2026-11-30T12:00:00Z', false],
    ]);
  });

  describe('an open Period (start only): ongoing', () => {
    table(() => pulse({ effectivePeriod: { start: '2026-11-01' } }), [
      ['date=2026-11', false],
      ['date=gt2030', true],
      ['date=lt2026-11-01', false],
      ['date=lt2026-11-02', true],
      ['date=le2026-10', false],
      ['date=sa2026-10', true],
      ['date=eb2030', false],
      ['date=ne2026', true],
    ]);
  });

  describe('an open Period (end only)', () => {
    table(() => pulse({ effectivePeriod: { end: '2026-11-30' } }), [
      ['date=lt1900', true],
      ['date=gt2026-11', false],
      ['date=eb2026-12', true],
      ['date=sa1900', false],
    ]);
  });

  describe('a Timing: its outer limits', () => {
    table(() => pulse({ effectiveTiming: { event: ['2026-11-22T08:00:00Z', '2026-11-20T08:00:00Z'] } }), [
      ['date=2026-11', true],
      ['date=2026-11-20', false],
      ['date=2026-11-21', false],
      ['date=ge2026-11-21', true],
      ['date=sa2026-11-19', true],
      ['date=eb2026-11-22', false],
      ['date=eb2026-11-23', true],
    ]);
  });

  describe('an instant with milliseconds', () => {
    table(() => pulse({ effectiveInstant: '2026-11-20T09:00:00.123Z' }), [
      ['date=2026-11-20', true],
      ['date=2026-11-20T09:00:00Z', true],
      ['date=2026-11-20T09:00:00.123Z', true],
      ['date=2026-11-20T09:00:00.124Z', false],
      ['date=gt2026-11-20T09:00:00.1Z', false], // the instant lies within that tenth of a second
      ['date=gt2026-11-20T09:00:00.122Z', true],
    ]);
  });

  describe('missing', () => {
    table(() => pulse(), [
      ['date:missing=true', true],
      ['date=2026', false],
      ['date=ne2026', false],
    ]);
  });

  describe('a date (birthDate 1940-03-02) and _lastUpdated', () => {
    const patient = (): Resource =>
      ({
        resourceType: 'Patient',
        id: 'p1',
        birthDate: '1940-03-02',
        meta: { lastUpdated: '2026-11-20T09:30:00.000Z' },
      }) as Resource;
    table(patient, [
      ['birthdate=1940', true],
      ['birthdate=1940-03', true],
      ['birthdate=1940-03-02', true],
      ['birthdate=1940-03-02T00:00:00Z', false],
      ['birthdate=lt1941', true],
      ['birthdate=gt1940-03-01', true],
      ['birthdate=ge1940-03-03', false],
      ['_lastUpdated=2026-11-20', true],
      ['_lastUpdated=gt2026-11-20T09:29:59Z', true],
      ['_lastUpdated=gt2026-11-20T09:30:00Z', false],
      ['_lastUpdated=ge2026-11-21', false],
    ]);
  });

  describe('ap: overlap with the search range widened by 10% of the gap to now', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it.each([
      ['2026-11-20', '2026-11-20', true],
      ['2026-11-20', '2026-11-20T23:59:59Z', true],
      ['2016-11-20', '2017-06-01', true], // 10 years before now: ±1 year
      ['2016-11-20', '2018-06-01', false],
      ['2026-11-20T12:00:00Z', '2026-11-20T13:00:00Z', true], // 12 h before now: ±1.2 h around that second
      ['2026-11-20T12:00:00Z', '2026-11-20T10:50:00Z', true],
      ['2026-11-20T12:00:00Z', '2026-11-20T13:30:00Z', false],
      ['2026-11-20T12:00:00Z', '2026-11-20T10:30:00Z', false],
    ])('date=ap%s matches %s: %s', (search, target, expected) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-11-21T00:00:00Z'));
      expect(matches(pulse({ effectiveDateTime: target }), `date=ap${search}`)).toBe(expected);
    });
  });

  it('the prefix table on ranges (s = search, t = target)', () => {
    const r = (text: string) => dateRange(text) as { low: number; high: number };
    const s = r('2026-11');
    const within = r('2026-11-15');
    const straddlesEnd = { low: r('2026-11-30').low, high: r('2026-12-02').high };
    const after = r('2026-12-05');
    const before = r('2026-10-05');
    const expected: Record<string, [boolean, boolean, boolean, boolean]> = {
      //   within, straddlesEnd, after, before
      eq: [true, false, false, false],
      ne: [false, true, true, true],
      gt: [false, true, true, false],
      lt: [false, false, false, true],
      ge: [true, true, true, false],
      le: [true, false, false, true],
      sa: [false, false, true, false],
      eb: [false, false, false, true],
    };
    for (const [prefix, results] of Object.entries(expected)) {
      const got = [within, straddlesEnd, after, before].map((t) => compareDateRanges(prefix as 'eq', s, t));
      expect([prefix, got]).toEqual([prefix, results]);
    }
  });
});

describe('quantity', () => {
  const hr = (value: number, extra: Record<string, unknown> = {}): Resource =>
    pulse({ valueQuantity: { value, unit: 'beats/minute', system: UCUM, code: '/min', ...extra } });

  describe('72 /min', () => {
    table(() => hr(72), [
      ['value-quantity=72', true],
      ['value-quantity=72.0', true],
      ['value-quantity=72.4', false],
      ['value-quantity=7.2e1', true],
      ['value-quantity=71.6', false],
      [`value-quantity=72|${UCUM}|/min`, true],
      [`value-quantity=72|${UCUM}|mg`, false],
      ['value-quantity=72||/min', true],
      ['value-quantity=72||beats/minute', true],
      ['value-quantity=72|http://snomed.info/sct|/min', false],
      ['value-quantity=gt71', true],
      ['value-quantity=gt72', false],
      ['value-quantity=ge72', true],
      ['value-quantity=lt73', true],
      ['value-quantity=lt72', false],
      ['value-quantity=le72', true],
      ['value-quantity=ne72', false],
      ['value-quantity=ne73', true],
      ['value-quantity=sa71', true],
      ['value-quantity=sa72', false],
      ['value-quantity=eb73', true],
      ['value-quantity=eb72', false],
      ['value-quantity=ap80', true],
      ['value-quantity=ap81', false],
      ['value-quantity=ap65', false],
      [`value-quantity=gt60|${UCUM}|/min&value-quantity=lt80|${UCUM}|/min`, true],
      ['value-quantity=lt65,gt96', false],
      ['value-quantity:missing=false', true],
    ]);
  });

  it.each([
    [100, '100', true],
    [100.2, '100', true],
    [100.5, '100', false],
    [99.5, '100', true],
    [100.2, '100.00', false],
    [100.004, '100.00', true],
    [140, '1e2', true],
    [151, '1e2', false],
  ])('value %s, search %s: implied precision → %s', (value, search, expected) => {
    expect(matches(hr(value), `value-quantity=${search}`)).toBe(expected);
  });

  it('a missing value', () => {
    expect(matches(pulse(), 'value-quantity:missing=true')).toBe(true);
    expect(matches(pulse(), 'value-quantity=ne72')).toBe(false);
  });
});

describe('number', () => {
  // No served type has a number parameter in R4; this one reads Patient.multipleBirth[x] as an integer.
  const param: SearchParamDef = { code: 'birth-order', type: 'number', expression: 'Patient.multipleBirth.ofType(integer)' };
  const clause = (text: string): SearchClause => ({
    code: param.code,
    param,
    values: text.split(',').map((raw) => parseSearchValue(param, undefined, raw, param.code)),
  });
  const twin = { resourceType: 'Patient', id: 'p1', multipleBirthInteger: 2 } as Resource;
  it.each([
    ['2', true],
    ['2.0', true],
    ['2.4', false],
    ['1.5', false],
    ['2.00', true],
    ['1e1', false],
    ['0.2e1', true],
    ['3', false],
    ['ne3', true],
    ['gt1', true],
    ['gt2', false],
    ['ge2', true],
    ['lt2', false],
    ['le2', true],
    ['sa1', true],
    ['eb3', true],
    ['ap2.1', true],
    ['1,3', false],
    ['1,2', true],
  ])('multipleBirthInteger 2, birth-order=%s → %s', (text, expected) => {
    expect(matchesClause(twin, clause(text))).toBe(expected);
  });

  it(':missing', () => {
    const missing: SearchClause = { code: param.code, param, modifier: 'missing', values: [{ raw: 'true' }] };
    expect(matchesClause(twin, missing)).toBe(false);
    expect(matchesClause({ resourceType: 'Patient', id: 'p2' } as Resource, missing)).toBe(true);
  });
});

describe('matchesQuery', () => {
  it('ANDs clauses and skips chained ones and _has (resolved by the executor)', () => {
    const query = parse(
      'Observation',
      'status=final&patient.identifier=urn:x|1&_has:Observation:has-member:status=final&code=8867-4',
    );
    expect(query.clauses.map((c) => c.code)).toEqual(['status', 'patient', 'code']);
    expect(query.has).toHaveLength(1);
    expect(matchesQuery(pulse(), query)).toBe(true);
    expect(matchesQuery(pulse({ status: 'amended' }), query)).toBe(false);
  });

  it('an empty query matches every resource of its type, and none of another', () => {
    expect(matchesQuery(pulse(), parse('Observation', ''))).toBe(true);
    expect(matchesQuery(pulse(), parse('Patient', ''))).toBe(false);
  });

  it('matchesClause refuses an unresolved chain', () => {
    const [chained] = parse('Task', 'patient.identifier=x').clauses;
    expect(() => matchesClause(pulse(), chained as SearchClause)).toThrow(/resolved/);
  });

  it('values given only as raw text (as the executor builds them) are parsed when matched', () => {
    const subject = parse('Observation', 'subject=x').clauses[0] as SearchClause;
    expect(matchesClause(pulse(), { ...subject, values: [{ raw: 'Patient/p1' }] })).toBe(true);
    expect(matchesClause(pulse(), { ...subject, values: [{ raw: 'Patient/p2' }] })).toBe(false);
    const id = parse('Observation', '_id=x').clauses[0] as SearchClause;
    expect(matchesClause(pulse(), { ...id, values: [{ raw: 'obs1' }] })).toBe(true);
    const date = parse('Observation', 'date=2026').clauses[0] as SearchClause;
    const withDate = pulse({ effectiveDateTime: '2026-11-20' });
    expect(matchesClause(withDate, { ...date, values: [{ raw: '2026-11', prefix: 'eq' }] })).toBe(true);
    expect(matchesClause(withDate, { ...date, values: [{ raw: '2026-11', prefix: 'gt' }] })).toBe(false);
    expect(matchesClause(withDate, { ...date, values: [{ raw: 'not a date' }] })).toBe(false);
  });
});
