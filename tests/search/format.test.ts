/** selfLinkQuery: the applied search, re-serialized for the Bundle's self link (no DynamoDB). */
import { describe, expect, it } from 'vitest';
import { selfLinkQuery } from '../../functions/core/search/format.ts';
import { parseSearchQuery } from '../../functions/core/search/parse.ts';

const parse = (type: string, query: string) => parseSearchQuery(type, [...new URLSearchParams(query)], { strict: false });

describe('selfLinkQuery', () => {
  it.each([
    ['Task', 'status=requested,accepted&foo=bar&_count=10', 'status=requested,accepted&_count=10'],
    ['Task', '', '_count=20'],
    ['Task', 'status=&owner=Organization/o1', 'owner=Organization/o1&_count=20'],
    ['Task', 'status:exact=x&status=requested', 'status=requested&_count=20'],
    ['Observation', 'date=ge2026-11-01&date=lt2026-12&date=eq2026', 'date=ge2026-11-01&date=lt2026-12&date=2026&_count=20'],
    ['Observation', 'date=ge2026-11-20T10:00:00%2B01:00', 'date=ge2026-11-20T10:00:00%2B01:00&_count=20'],
    ['Observation', 'value-quantity=le5.4|http://unitsofmeasure.org|mg', 'value-quantity=le5.4|http://unitsofmeasure.org|mg&_count=20'],
    ['Patient', 'identifier=urn:x|a%5C,b,c', 'identifier=urn:x|a%5C,b,c&_count=20'],
    ['Patient', 'name=anna%20maria%2Bx%26y', 'name=anna%20maria%2Bx%26y&_count=20'],
    ['Patient', 'name:exact=Åström', 'name:exact=%C3%85str%C3%B6m&_count=20'],
    ['Task', 'patient.identifier=urn:x|1&subject:Patient.name=anna', 'patient.identifier=urn:x|1&subject:Patient.name=anna&_count=20'],
    ['Patient', '_has:Observation:patient:code:not=8867-4', '_has:Observation:patient:code:not=8867-4&_count=20'],
    [
      'Observation',
      '_sort=-date,status&_summary=count&_total=accurate&_elements=status,code&_cursor=abc',
      '_sort=-date,status&_count=20&_summary=count&_total=accurate&_elements=status,code&_cursor=abc',
    ],
    ['Observation', '_sort=favourite,-date', '_sort=-date&_count=20'],
    [
      'Task',
      '_include=Task:owner:Organization&_include:iterate=Organization:partof&_revinclude=Task:part-of&_include=*',
      '_count=20&_include=Task:owner:Organization&_include:iterate=Organization:partof&_revinclude=Task:part-of',
    ],
  ])('%s?%s → %s', (type, query, expected) => {
    expect(selfLinkQuery(parse(type, query))).toBe(expected);
  });

  it.each([
    ['Task', 'status=requested,accepted&patient.identifier=urn:x|1&_sort=-_lastUpdated&_count=5&_include=Task:patient'],
    ['Patient', 'identifier=urn:x|a%5C,b&name:contains=ö&birthdate=le1950&_has:Observation:patient:code=1'],
    ['Observation', 'value-quantity=ap5.4||mg&date=sa2026-11&subject:Patient=p1&code:text=puls&_elements=code'],
  ])('parsing the self link gives the same query: %s?%s', (type, query) => {
    const first = parse(type, query);
    expect(parse(type, selfLinkQuery(first))).toEqual(first);
  });
});
