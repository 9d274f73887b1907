/** parseSearchQuery: the query string of a FHIR search as a typed SearchQuery (no DynamoDB). */
import { describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../functions/core/outcomes.ts';
import { parseSearchQuery } from '../../functions/core/search/parse.ts';
import type { SearchQuery } from '../../functions/core/search/types.ts';

const parse = (type: string, query: string, strict = false): SearchQuery =>
  parseSearchQuery(type, [...new URLSearchParams(query)], { strict });

/** The 400 a call throws, with its text. */
function badRequestOf(fn: () => unknown): { text: string; expression?: string[] } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OperationOutcomeError);
    const outcome = (err as OperationOutcomeError).outcome;
    expect(outcome.id).toBe('bad-request');
    const issue = outcome.issue?.[0];
    return { text: issue?.details?.text ?? '', expression: issue?.expression };
  }
  throw new Error('expected a 400');
}

const utc = (iso: string): number => Date.parse(iso);

describe('values: comma is OR, a repeated parameter is AND', () => {
  it('one parameter with two values is one clause of two values', () => {
    const q = parse('Task', 'status=requested,accepted');
    expect(q.clauses).toHaveLength(1);
    expect(q.clauses[0]?.values.map((v) => v.code)).toEqual(['requested', 'accepted']);
  });

  it('a repeated parameter is two clauses', () => {
    const q = parse('Task', 'status=requested&status=accepted');
    expect(q.clauses.map((c) => c.values.map((v) => v.code))).toEqual([['requested'], ['accepted']]);
  });

  it.each([
    ['identifier=urn:x|a\\,b', ['a,b'], ['urn:x|a,b']],
    ['identifier=urn:x|a\\|b', ['a|b'], ['urn:x|a\\|b']],
    ['identifier=a\\\\,b', ['a\\', 'b'], ['a\\\\', 'b']],
    ['identifier=a,,b', ['a', 'b'], ['a', 'b']],
  ])('escapes: %s', (query, codes, raws) => {
    const values = parse('Patient', query).clauses[0]?.values ?? [];
    expect(values.map((v) => v.code)).toEqual(codes);
    expect(values.map((v) => v.raw)).toEqual(raws);
  });

  it('a parameter without values is ignored (and not an error when strict)', () => {
    expect(parse('Task', 'status=&status=,', true).clauses).toEqual([]);
    expect(parse('Task', 'status=').ignored).toEqual(['status']);
  });
});

describe('token values', () => {
  it.each([
    ['code=http://loinc.org|8867-4', { system: 'http://loinc.org', code: '8867-4' }],
    ['code=|8867-4', { system: '', code: '8867-4' }],
    ['code=8867-4', { code: '8867-4' }],
    ['code=http://loinc.org|', { system: 'http://loinc.org' }],
  ])('%s', (query, parts) => {
    const value = parse('Observation', query).clauses[0]?.values[0];
    expect({ system: value?.system, code: value?.code }).toEqual({ system: undefined, code: undefined, ...parts });
  });

  it.each(['code=a|b|c', 'code=|'])('%s is a 400 naming the parameter', (query) => {
    const { text, expression } = badRequestOf(() => parse('Observation', query));
    expect(text).toContain('code');
    expect(expression).toEqual(['code']);
  });
});

describe('date values: prefixes and the range their precision implies', () => {
  it.each([
    ['2026', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['2026-11', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'],
    ['2026-12', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['2024-02-29', '2024-02-29T00:00:00Z', '2024-03-01T00:00:00Z'],
    ['2026-11-20', '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'],
    ['2026-11-20T10:15', '2026-11-20T10:15:00Z', '2026-11-20T10:16:00Z'],
    ['2026-11-20T10:15:30Z', '2026-11-20T10:15:30Z', '2026-11-20T10:15:31Z'],
    ['2026-11-20T10:15:30+01:00', '2026-11-20T09:15:30Z', '2026-11-20T09:15:31Z'],
    ['2026-11-20T10:15:30-05:30', '2026-11-20T15:45:30Z', '2026-11-20T15:45:31Z'],
    ['2026-11-20T10:15:30.5Z', '2026-11-20T10:15:30.500Z', '2026-11-20T10:15:30.600Z'],
    ['2026-11-20T10:15:30.123Z', '2026-11-20T10:15:30.123Z', '2026-11-20T10:15:30.124Z'],
  ])('%s is [%s, %s)', (text, low, high) => {
    const value = parse('Patient', `birthdate=${encodeURIComponent(text)}`).clauses[0]?.values[0];
    expect(value?.prefix).toBe('eq');
    expect(value?.range).toEqual({ low: utc(low), high: utc(high) });
  });

  it.each(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'])('prefix %s', (prefix) => {
    const value = parse('Observation', `date=${prefix}2026-11-20`).clauses[0]?.values[0];
    expect(value).toMatchObject({ prefix, raw: '2026-11-20' });
  });

  it.each([
    'birthdate=2026-13',
    'birthdate=2026-02-29',
    'birthdate=2026-11-31',
    'birthdate=2026-11-20T25:00',
    'birthdate=2026-11-20T10:00:00+15:00',
    'birthdate=20261120',
    'birthdate=xx2026',
    'birthdate=gt',
    'birthdate=yesterday',
    'birthdate=2026,banana',
  ])('%s is a 400 naming the parameter', (query) => {
    expect(badRequestOf(() => parse('Patient', query)).text).toContain('birthdate');
  });
});

describe('quantity values', () => {
  it.each([
    ['value-quantity=5.4|http://unitsofmeasure.org|mg', { prefix: 'eq', number: 5.4, system: 'http://unitsofmeasure.org', code: 'mg' }],
    ['value-quantity=le5.4||mg', { prefix: 'le', number: 5.4, code: 'mg' }],
    ['value-quantity=gt100', { prefix: 'gt', number: 100 }],
    ['value-quantity=5.4|http://unitsofmeasure.org|', { number: 5.4, system: 'http://unitsofmeasure.org' }],
    ['value-quantity=-1.5e2', { number: -150 }],
  ])('%s', (query, expected) => {
    expect(parse('Observation', query).clauses[0]?.values[0]).toMatchObject(expected);
  });

  it('the range comes from the significant figures', () => {
    const range = (text: string) => parse('Observation', `value-quantity=${text}`).clauses[0]?.values[0]?.range;
    expect(range('100')).toEqual({ low: 99.5, high: 100.5 });
    expect(range('100.00')?.low).toBeCloseTo(99.995, 10);
    expect(range('100.00')?.high).toBeCloseTo(100.005, 10);
    expect(range('1e2')).toEqual({ low: 50, high: 150 });
    expect(range('1.5e2')).toEqual({ low: 145, high: 155 });
  });

  it.each(['value-quantity=5.4|mg', 'value-quantity=abc', 'value-quantity=xx5', 'value-quantity=5.4.1', 'value-quantity=|mg|'])(
    '%s is a 400',
    (query) => {
      expect(badRequestOf(() => parse('Observation', query)).text).toContain('value-quantity');
    },
  );
});

describe('reference values', () => {
  it.each([
    ['subject=Patient/1', { type: 'Patient', id: '1' }],
    ['subject=1', { id: '1' }],
    ['subject:Patient=1', { type: 'Patient', id: '1' }],
    ['subject=http://other.example/fhir/Patient/1', { type: 'Patient', id: '1' }],
    ['subject=Patient/1/_history/3', { type: 'Patient', id: '1', version: '3' }],
    ['subject=urn:uuid:8b3a6c1e-2f0e-4d0a-9b1b-1e2f3a4b5c6d', { url: 'urn:uuid:8b3a6c1e-2f0e-4d0a-9b1b-1e2f3a4b5c6d' }],
  ])('%s', (query, reference) => {
    expect(parse('Observation', query).clauses[0]?.values[0]?.reference).toEqual(reference);
  });

  it(':identifier takes system|value', () => {
    const clause = parse('Task', 'owner:identifier=urn:oid:1.2.752.29.4.19|SE123').clauses[0];
    expect(clause?.modifier).toBe('identifier');
    expect(clause?.values[0]).toMatchObject({ system: 'urn:oid:1.2.752.29.4.19', code: 'SE123' });
  });

  it('a :Type modifier and a value of another type is a 400', () => {
    expect(badRequestOf(() => parse('Observation', 'subject:Patient=Organization/1')).text).toContain('subject:Patient');
  });
});

describe('modifiers', () => {
  it.each([
    ['Patient', 'name:exact=Eve'],
    ['Patient', 'name:contains=ev'],
    ['Patient', 'name:missing=true'],
    ['Observation', 'code:not=8867-4'],
    ['Observation', 'code:text=blood'],
    ['Observation', 'code:missing=false'],
    ['Observation', 'subject:Patient=1'],
    ['Observation', 'subject:missing=true'],
    ['Observation', 'date:missing=true'],
    ['Observation', 'value-quantity:missing=true'],
    ['CarePlan', 'instantiates-uri:below=http://example.org/'],
    ['CarePlan', 'instantiates-uri:above=http://example.org/a/b'],
    ['Task', '_id:missing=false'],
  ])('%s?%s is accepted', (type, query) => {
    const q = parse(type, query, true);
    expect(q.clauses).toHaveLength(1);
    expect(q.ignored).toEqual([]);
  });

  it.each([
    ['Task', 'status:exact=requested', 'status:exact'],
    ['Task', 'status:contains=req', 'status:contains'],
    ['Task', 'status:in=http://example.org/vs', 'status:in'],
    ['Task', 'status:below=x', 'status:below'],
    ['Patient', 'name:not=Eve', 'name:not'],
    ['Patient', 'name:fuzzy=Eve', 'name:fuzzy'],
    ['Patient', 'birthdate:exact=2026', 'birthdate:exact'],
    ['Observation', 'subject:Medication=1', 'subject:Medication'],
    ['Observation', 'subject:exact=Patient/1', 'subject:exact'],
    ['Observation', 'code:text:exact=x', 'code:text:exact'],
  ])('%s?%s is ignored, or a 400 when strict', (type, query, name) => {
    const q = parse(type, query);
    expect(q.clauses).toEqual([]);
    expect(q.ignored).toEqual([name]);
    expect(badRequestOf(() => parse(type, query, true)).expression).toEqual([name]);
  });

  it(':missing takes only true or false, strict or not', () => {
    expect(badRequestOf(() => parse('Task', 'status:missing=yes')).text).toContain('status:missing');
  });
});

describe('unknown and unsupported parameters', () => {
  it.each([
    ['Patient', 'favourite-colour=blue', 'favourite-colour'],
    ['Observation', 'code-value-quantity=http://loinc.org|8480-6$gt140', 'code-value-quantity'],
    ['Patient', '_text=anna', '_text'],
    ['Patient', '_content=anna', '_content'],
    ['Patient', '_query=x', '_query'],
    ['Patient', '_filter=name eq x', '_filter'],
    ['Patient', '_list=1', '_list'],
  ])('%s?%s: ignored by default, 400 under strict naming the parameter', (type, query, name) => {
    const q = parse(type, query);
    expect(q.ignored).toEqual([name]);
    expect(q.clauses).toEqual([]);
    const { text } = badRequestOf(() => parse(type, query, true));
    expect(text).toContain(name.split(':')[0]);
  });

  it('known parameters still apply next to ignored ones', () => {
    const q = parse('Task', 'foo=1&status=requested&bar=2&foo=3');
    expect(q.clauses.map((c) => c.code)).toEqual(['status']);
    expect(q.ignored).toEqual(['foo', 'bar']);
  });

  it('_format and _pretty are the transport’s: neither applied nor ignored', () => {
    const q = parse('Task', '_format=json&_pretty=true', true);
    expect(q.clauses).toEqual([]);
    expect(q.ignored).toEqual([]);
  });

  it('_id and _lastUpdated are ordinary clauses', () => {
    const q = parse('Task', '_id=a,b&_lastUpdated=ge2026-11-01');
    expect(q.clauses[0]).toMatchObject({ code: '_id', values: [{ code: 'a' }, { code: 'b' }] });
    expect(q.clauses[0]?.param.type).toBe('token');
    expect(q.clauses[1]).toMatchObject({ code: '_lastUpdated', values: [{ prefix: 'ge' }] });
    expect(q.clauses[1]?.param.expression).toBe('Task.meta.lastUpdated');
  });
});

describe('chaining (one level)', () => {
  it('Task?patient.identifier=… goes to Patient', () => {
    const clause = parse('Task', 'patient.identifier=http://electronichealth.se/identifier/personnummer|191212121212')
      .clauses[0];
    expect(clause).toMatchObject({ code: 'patient', values: [], chain: { targetType: 'Patient' } });
    expect(clause?.chain?.clause).toMatchObject({
      code: 'identifier',
      values: [{ system: 'http://electronichealth.se/identifier/personnummer', code: '191212121212' }],
    });
    expect(clause?.chain?.clause.param.expression).toBe('Patient.identifier');
  });

  it('subject:Patient.name=… names the type', () => {
    const clause = parse('Observation', 'subject:Patient.name:exact=Anna').clauses[0];
    expect(clause).toMatchObject({ code: 'subject', modifier: 'Patient', chain: { targetType: 'Patient' } });
    expect(clause?.chain?.clause).toMatchObject({ code: 'name', modifier: 'exact', values: [{ raw: 'Anna' }] });
  });

  it('an untyped chain goes to the one served target type that has the parameter', () => {
    expect(parse('Observation', 'subject.identifier=x').clauses[0]?.chain?.targetType).toBe('Patient');
    expect(parse('Organization', 'partof.name=Region').clauses[0]?.chain?.targetType).toBe('Organization');
  });

  it('an untyped chain that several served types fit reaches all of them', () => {
    const chain = parse('Task', 'owner.name=vårdcentralen').clauses[0]?.chain;
    expect(chain?.targetType).toBe('Practitioner');
    expect(chain?.clause.param.expression).toBe('Practitioner.name');
    expect(chain?.alternatives?.map((a) => a.targetType)).toEqual(['Organization', 'Patient']);
    expect(chain?.alternatives?.map((a) => a.clause.param.expression)).toEqual([
      'Organization.name | Organization.alias',
      'Patient.name',
    ]);
    expect(parse('Task', 'owner:Organization.name=x').clauses[0]?.chain?.alternatives).toBeUndefined();
  });

  it('an invalid value in the chained parameter is a 400', () => {
    expect(badRequestOf(() => parse('Task', 'patient.birthdate=soon')).text).toContain('patient.birthdate');
  });

  it.each([
    ['Task', 'patient.organization.name=x', 'patient.organization.name'], // two levels
    ['Task', 'status.code=x', 'status.code'], // not a reference
    ['Task', 'patient.favourite=x', 'patient.favourite'],
    ['Task', 'owner:Medication.code=x', 'owner:Medication.code'],
  ])('%s?%s is ignored, or a 400 when strict', (type, query, name) => {
    const q = parse(type, query);
    expect(q.clauses).toEqual([]);
    expect(q.ignored).toEqual([name]);
    expect(badRequestOf(() => parse(type, query, true)).expression).toEqual([name]);
  });
});

describe('_has (one level)', () => {
  it('Patient?_has:Observation:patient:code=…', () => {
    const q = parse('Patient', '_has:Observation:patient:code=http://loinc.org|8867-4');
    expect(q.clauses).toEqual([]);
    expect(q.has).toHaveLength(1);
    expect(q.has[0]).toMatchObject({
      sourceType: 'Observation',
      referenceParam: 'patient',
      clause: { code: 'code', values: [{ system: 'http://loinc.org', code: '8867-4' }] },
    });
  });

  it('the inner parameter may carry a modifier', () => {
    expect(parse('ServiceRequest', '_has:Task:based-on:status:not=completed').has[0]?.clause).toMatchObject({
      code: 'status',
      modifier: 'not',
    });
  });

  it('a bad value inside _has is a 400', () => {
    expect(badRequestOf(() => parse('Patient', '_has:Observation:patient:date=soon')).text).toContain('_has');
  });

  it('an incomplete _has is a 400', () => {
    expect(badRequestOf(() => parse('Patient', '_has:Observation:patient=1')).text).toContain('_has');
  });

  it.each([
    ['Patient', '_has:Observation:patient:_has:Task:focus:status=x'],
    ['Patient', '_has:Medication:patient:code=x'],
    ['Patient', '_has:Observation:based-on:code=x'], // based-on does not refer to Patient
    ['Patient', '_has:Observation:patient:favourite=x'],
    ['Patient', '_has:Observation:patient:subject.name=x'],
  ])('%s?%s is ignored, or a 400 when strict', (type, query) => {
    const name = query.split('=')[0] as string;
    const q = parse(type, query);
    expect(q.has).toEqual([]);
    expect(q.ignored).toEqual([name]);
    expect(() => parse(type, query, true)).toThrow(OperationOutcomeError);
  });
});

describe('_sort', () => {
  it.each([
    ['Observation', '-date,status', [{ code: 'date', descending: true }, { code: 'status', descending: false }]],
    ['Task', '_lastUpdated,-_id', [{ code: '_lastUpdated', descending: false }, { code: '_id', descending: true }]],
    ['Task', '-authored-on', [{ code: 'authored-on', descending: true }]],
    ['Patient', 'birthdate', [{ code: 'birthdate', descending: false }]],
  ])('%s?_sort=%s', (type, value, rules) => {
    expect(parse(type, `_sort=${value}`, true).sort).toEqual(rules);
  });

  it('unsupported rules are left out and the rest apply; strict rejects the parameter', () => {
    const q = parse('Patient', '_sort=name,-birthdate');
    expect(q.sort).toEqual([{ code: 'birthdate', descending: true }]);
    expect(q.ignored).toEqual(['_sort']);
    expect(badRequestOf(() => parse('Patient', '_sort=name,-birthdate', true)).text).toContain('name');
  });

  it.each(['name', 'identifier', 'favourite', '-general-practitioner'])(
    'Patient?_sort=%s is ignored, or a 400 when strict',
    (value) => {
      const q = parse('Patient', `_sort=${value}`);
      expect(q.sort).toEqual([]);
      expect(q.ignored).toEqual(['_sort']);
      expect(badRequestOf(() => parse('Patient', `_sort=${value}`, true)).expression).toEqual(['_sort']);
    },
  );
});

describe('_count, _summary, _total, _elements, _cursor', () => {
  it.each([
    ['', 20],
    ['_count=50', 50],
    ['_count=0', 0],
    ['_count=1000', 1000],
    ['_count=5000', 1000],
  ])('%s → count %i', (query, count) => {
    expect(parse('Task', query).count).toBe(count);
  });

  it.each(['_count=abc', '_count=-1', '_count=2.5', '_count=', '_summary=all', '_total=exact', '_elements=sta tus'])(
    '%s is a 400, strict or not',
    (query) => {
      const name = query.split('=')[0] as string;
      expect(badRequestOf(() => parse('Task', query)).expression).toEqual([name]);
    },
  );

  it.each(['count', 'true', 'text', 'data', 'false'])('_summary=%s', (summary) => {
    expect(parse('Task', `_summary=${summary}`).summary).toBe(summary);
  });

  it.each(['none', 'estimate', 'accurate'])('_total=%s', (total) => {
    expect(parse('Task', `_total=${total}`).total).toBe(total);
  });

  it('_elements is a list of element names', () => {
    expect(parse('Task', '_elements=status, owner,Task.intent').elements).toEqual(['status', 'owner', 'Task.intent']);
  });

  it.each(['_count:exact=5', '_sort:asc=date', '_summary:x=count'])('%s: a modifier on a result parameter is ignored', (query) => {
    const q = parse('Observation', query);
    expect(q.ignored).toEqual([query.split('=')[0]]);
    expect(q.count).toBe(20);
    expect(q.sort).toEqual([]);
    expect(q.summary).toBeUndefined();
    expect(() => parse('Observation', query, true)).toThrow(OperationOutcomeError);
  });

  it('_cursor is kept as it is', () => {
    expect(parse('Task', '_cursor=eyJhZnRlciI6IngifQ').cursor).toBe('eyJhZnRlciI6IngifQ');
  });
});

describe('_include and _revinclude', () => {
  it.each([
    ['Task', '_include=Task:patient', { include: [{ sourceType: 'Task', param: 'patient', iterate: false }] }],
    [
      'Task',
      '_include=Task:owner:Organization',
      { include: [{ sourceType: 'Task', param: 'owner', targetType: 'Organization', iterate: false }] },
    ],
    [
      'Task',
      '_include=Task:patient&_include:iterate=Patient:organization',
      {
        include: [
          { sourceType: 'Task', param: 'patient', iterate: false },
          { sourceType: 'Patient', param: 'organization', iterate: true },
        ],
      },
    ],
    ['Patient', '_revinclude=Observation:patient', { revinclude: [{ sourceType: 'Observation', param: 'patient', iterate: false }] }],
    ['Organization', '_revinclude=Task:owner', { revinclude: [{ sourceType: 'Task', param: 'owner', iterate: false }] }],
    [
      'ServiceRequest',
      '_revinclude=Task:based-on&_revinclude:iterate=Observation:based-on',
      {
        revinclude: [
          { sourceType: 'Task', param: 'based-on', iterate: false },
          { sourceType: 'Observation', param: 'based-on', iterate: true },
        ],
      },
    ],
    ['Task', '_include:recurse=Task:part-of', { include: [{ sourceType: 'Task', param: 'part-of', iterate: true }] }],
  ])('%s?%s', (type, query, expected) => {
    expect(parse(type, query, true)).toMatchObject(expected);
  });

  it.each([
    ['Task', '_include=Observation:patient', '_include'], // not the searched type
    ['Task', '_include=Task:status', '_include'], // not a reference
    ['Task', '_include=Task:favourite', '_include'],
    ['Task', '_include=Task:owner:Medication', '_include'],
    ['Task', '_include=*', '_include'],
    ['Task', '_include:foo=Task:owner', '_include:foo'],
    ['Patient', '_revinclude=Observation:based-on', '_revinclude'], // does not refer to Patient
    ['Patient', '_revinclude=Medication:patient', '_revinclude'],
  ])('%s?%s is ignored, or a 400 when strict', (type, query, name) => {
    const q = parse(type, query);
    expect(q.include).toEqual([]);
    expect(q.revinclude).toEqual([]);
    expect(q.ignored).toEqual([name]);
    expect(() => parse(type, query, true)).toThrow(OperationOutcomeError);
  });

  it.each(['_include=Task', '_include=Task:', '_include=Task:owner:Organization:x'])('%s is a 400', (query) => {
    expect(badRequestOf(() => parse('Task', query)).text).toContain('_include');
  });
});
