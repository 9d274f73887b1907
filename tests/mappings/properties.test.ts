/**
 * Property-based tests of `POST /ingest/{format}` (fast-check): generated and mutated
 * documents of every format, through the real app on DynamoDB Local (auth off, as the other
 * mapping tests), must never get a 5xx, and a document that is refused (any non-2xx) must
 * store nothing: the table's item count (Scan, Select COUNT) is what it was before.
 *
 * zod-fast-check needs zod 3, so the arbitraries are written by hand: mutations of the
 * examples in mappings/examples/ (a field dropped, set to a wrong type, a very long string,
 * odd Unicode, an invalid personnummer, an unknown field, an array element repeated),
 * documents generated from the shape of `kommun.matvarden.v1` (valid and invalid values
 * mixed), and text mutations of the CSV and XML examples.
 *
 * Bounded: PROPERTY_RUNS (default 40) runs per property, so the file takes well under a
 * minute. A failure prints fast-check's seed and path; rerun with FC_SEED=<seed> to repeat.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FORMATS } from '../../mappings/formats.ts';
import { type TestApi, createTestApi } from '../support/test-api.ts';
import { exampleJson, exampleText, ingest, itemCount } from './support.ts';

const RUNS = Number(process.env.PROPERTY_RUNS) || 40;
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const params = (): fc.Parameters<unknown> => ({ numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) });
const TIMEOUT = 60_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every path in a JSON value (objects' keys and arrays' indexes), the root excluded. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  return [];
}

function parentOf(root: Json, path: Path): { parent: Json[] | { [key: string]: Json }; key: string | number } | undefined {
  let node: Json = root;
  for (const part of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, Json>)[part] as Json;
  }
  if (node === null || typeof node !== 'object') return undefined;
  return { parent: node, key: path.at(-1) as string | number };
}

// ---- Values that should not be where they are put -------------------------------------

/** Personnummer that are not: wrong check digit, no such date, wrong length, separators. */
const invalidPersonId = fc.oneof(
  fc.constantFrom('191212121213', '19121212-1212', '201302301234', '1912121212', '1912121212120', '000000000000', '19121212121x', ' 191212121212', '191212921212'),
  fc.stringMatching(/^\d{12}$/),
  fc.stringMatching(/^\d{6,13}$/),
);

/** Unicode that trips up encoders, databases and regular expressions. */
const oddUnicode = fc.oneof(
  fc.constantFrom(
    '\u0000',
    '\uD800', // a lone surrogate
    'a\uDC00b',
    'a\u202Eb', // right-to-left override
    '\uFEFF',
    '\u200B',
    '👩‍👩‍👧‍👦',
    'A\u0301\u0301\u0301',
    'Å', // NFD
    '\r\n\t',
    '',
    ' ',
    '|',
    '$',
    ',',
    '\\',
    '%00',
    '<![CDATA[',
    '{"a":1}',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

/** Long strings: over a field's limit, over DynamoDB's 400 KB item limit in UTF-8, near the 1 MiB document limit. */
const longString = fc
  .tuple(fc.constantFrom(201, 10_001, 70_000, 250_000, 450_000), fc.constantFrom('x', 'å', '😀'))
  .map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

const wrongType: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -0, 2 ** 53 + 1),
  fc.constant([]),
  fc.constant({}),
  fc.string({ maxLength: 20 }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
) as fc.Arbitrary<Json>;

type Mutation =
  | { kind: 'drop'; at: number }
  | { kind: 'set'; at: number; value: Json }
  | { kind: 'personId'; at: number; value: string }
  | { kind: 'extra'; at: number; key: string }
  | { kind: 'repeat'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(wrongType, oddUnicode, longString, invalidPersonId) }),
  fc.record({ kind: fc.constant('personId' as const), at: fc.nat(), value: invalidPersonId }),
  fc.record({ kind: fc.constant('extra' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'resourceType', 'x'), fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
);

/** Applies mutations to a copy of the document. */
function mutate(doc: Json, mutations: Mutation[]): Json {
  const out = structuredClone(doc);
  for (const m of mutations) {
    const paths = pathsOf(out);
    if (paths.length === 0) break;
    if (m.kind === 'personId') {
      const ids = paths.filter((p) => p.at(-1) === 'personId' || (p.at(-1) === 'id' && p.at(-2) === 'patientId'));
      const target = ids[m.at % Math.max(ids.length, 1)];
      const place = target && parentOf(out, target);
      if (place) (place.parent as Record<string | number, Json>)[place.key] = m.value;
      continue;
    }
    const target = paths[m.at % paths.length] as Path;
    const place = parentOf(out, target);
    if (!place) continue;
    const parent = place.parent as Record<string | number, Json>;
    if (m.kind === 'drop') {
      if (Array.isArray(place.parent)) place.parent.splice(place.key as number, 1);
      else delete parent[place.key];
    } else if (m.kind === 'set') {
      parent[place.key] = m.value;
    } else if (m.kind === 'extra') {
      const node = parent[place.key];
      const obj = node && typeof node === 'object' && !Array.isArray(node) ? node : (place.parent as Json);
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) Object.defineProperty(obj, m.key, { value: 'extra', enumerable: true, writable: true, configurable: true });
    } else if (Array.isArray(place.parent)) {
      place.parent.push(structuredClone(place.parent[place.key as number] as Json));
    } else {
      const node = parent[place.key];
      if (Array.isArray(node) && node.length > 0) node.push(structuredClone(node[0] as Json));
    }
  }
  return out;
}

// ---- Text mutations (CSV, XML) ---------------------------------------------------------

type TextMutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicateLine'; at: number };

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(oddUnicode, fc.constantFrom('"', ';', ',', '\n', '<', '>', '&', '&amp;', '</', '<x>', ']]>', '&#0;', '&#xD800;', '\u0000'), invalidPersonId),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
);

function mutateText(text: string, mutations: TextMutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'truncate') out = out.slice(0, at);
    else if (m.kind === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
    else if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
    else {
      const lines = out.split('\n');
      const i = m.at % lines.length;
      lines.splice(i, 0, lines[i] ?? '');
      out = lines.join('\n');
    }
  }
  return out;
}

// ---- Generated kommun.matvarden.v1 documents ---------------------------------------------

const VALID_PERSON_IDS = ['191212121212', '197010634231', '194503152482', '201001012382', '195806212386'];
const isoTime = fc
  .record({
    y: fc.integer({ min: 1990, max: 2040 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 24 }),
    offset: fc.constantFrom('+01:00', '+02:00', 'Z', '', '+14:00'),
  })
  .map(({ y, mo, d, h, offset }) => `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00${offset}`);
const number = fc.oneof(fc.integer({ min: -10, max: 500 }), fc.double({ min: -10, max: 500, noNaN: true }), fc.constantFrom(0, 37.2, 120, 80));
const measurement = fc.record(
  {
    id: fc.oneof(fc.stringMatching(/^MV-[0-9]{1,6}$/), oddUnicode),
    patient: fc.record({ personId: fc.oneof(fc.constantFrom(...VALID_PERSON_IDS), invalidPersonId) }),
    time: fc.oneof(isoTime, fc.constant('2026-11-22T08:00:00+01:00')),
    type: fc.constantFrom('blood-pressure', 'heart-rate', 'oxygen-saturation', 'body-temperature', 'respiratory-rate', 'body-weight', 'glucose'),
    value: number,
    systolic: number,
    diastolic: number,
    unit: fc.constantFrom('mmHg', '/min', '%', '°C', 'kg', 'Cel', 'bpm', 'lbs'),
    measuredBy: fc.oneof(
      fc.constant({ by: 'patient' }),
      fc.record({
        by: fc.constant('staff'),
        unit: fc.record({ hsaId: fc.constantFrom('SE2120000142-HTJ7', 'SE2120000142-HTJ8', 'not-an-hsa-id'), name: fc.constantFrom('Hemtjänsten Norra', 'Hemtjänsten Södra') }),
      }),
    ),
    comment: fc.oneof(oddUnicode, fc.string({ maxLength: 50 })),
  },
  { requiredKeys: ['id', 'patient', 'time', 'type', 'measuredBy'] },
);
const matvardenDoc = fc.record({
  sourceSystem: fc.constantFrom('SE2120000142-HT02', 'SE2120000142-HT03'),
  documentId: fc.stringMatching(/^MV-GEN-[0-9]{1,4}$/),
  measurements: fc.uniqueArray(measurement, { minLength: 1, maxLength: 6, selector: (m) => m.id }),
});

// ---- The property -----------------------------------------------------------------------

let api: TestApi;
const seen: Record<string, number> = {};

/** Posts one document; never a 5xx; refused means nothing stored. */
async function postAndCheck(format: string, body: unknown, options: Parameters<typeof ingest>[3] = {}): Promise<void> {
  const before = await itemCount(api);
  const res = await ingest(api, format, body, options);
  const text = await res.text();
  seen[res.status] = (seen[res.status] ?? 0) + 1;
  expect(res.status, `${format}: ${text.slice(0, 500)}`).toBeLessThan(500);
  if (res.status < 200 || res.status >= 300) expect(await itemCount(api), `${format} answered ${res.status} but stored something`).toBe(before);
}

describe('ingest properties: never a 5xx, never a partial write', () => {
  beforeAll(async () => {
    api = await createTestApi();
    // Every example once, each after what it refers to (the egenvårdsbedömning a vårdbegäran
    // names, the vårdbegäran an HSL-uppdrag is based on, the uppdrag a status changes), so
    // mutations also reach the lookups' success paths.
    const order = ['region.egenvardsbedomning.v1', ...FORMATS.map((f) => f.id).filter((id) => id !== 'region.egenvardsbedomning.v1')];
    for (const id of order) {
      const res = await ingest(api, id, exampleJson(`${id}.json`));
      expect(res.status, `${id}: ${await res.text()}`).toBe(200);
    }
  }, TIMEOUT);

  for (const format of FORMATS) {
    const file = format.examples.find((e) => e.endsWith('.json')) as string;
    it(
      `mutated ${format.id} documents`,
      async () => {
        const example = exampleJson(file) as Json;
        await fc.assert(
          fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
            await postAndCheck(format.id, mutate(example, mutations));
          }),
          params(),
        );
      },
      TIMEOUT,
    );
  }

  it(
    'generated kommun.matvarden.v1 documents',
    async () => {
      await fc.assert(
        fc.asyncProperty(matvardenDoc, async (doc) => {
          await postAndCheck('kommun.matvarden.v1', doc);
        }),
        params(),
      );
    },
    TIMEOUT,
  );

  it(
    'mutated kommun.matvarden.v1 CSV',
    async () => {
      const csv = exampleText('kommun.matvarden.v1.csv');
      await fc.assert(
        fc.asyncProperty(fc.array(textMutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          await postAndCheck('kommun.matvarden.v1', mutateText(csv, mutations), {
            contentType: 'text/csv',
            query: { sourceSystem: 'SE2120000142-HT02' },
          });
        }),
        params(),
      );
    },
    TIMEOUT,
  );

  it(
    'mutated riv.getcareplans.v2 XML',
    async () => {
      const xml = exampleText('riv.getcareplans.v2.xml');
      await fc.assert(
        fc.asyncProperty(fc.array(textMutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          await postAndCheck('riv.getcareplans.v2', mutateText(xml, mutations), { contentType: 'application/xml' });
        }),
        params(),
      );
    },
    TIMEOUT,
  );

  it('malformed JSON, an empty body and a wrong media type are refused without a write', async () => {
    for (const body of ['', '{', 'null', '[]', '"x"', '{"a":'.repeat(5000)]) await postAndCheck('sip.v1', body);
    await postAndCheck('sip.v1', exampleText('sip.v1.json'), { contentType: 'text/csv' });
    console.log(`ingest property runs by status: ${JSON.stringify(seen)}`);
  });
});
