/**
 * Search at two table sizes (issue 3): does the cost of a search follow its matches or
 * the number of stored resources?
 *
 * Two tables in one DynamoDB Local, each behind its own API server: a small one (1,000
 * stored resources) and a large one (100,000 unless BENCH_SEARCH_LARGE says otherwise).
 * Both hold the same fixed set, created through the HTTP API (so it is validated against
 * the samvard profiles; see {@link createFixedSet}):
 * - patient X with 20 heart-rate Observations (LOINC 8867-4) dated in November 2026 (the
 *   matches), 10 older heart rates and 10 body temperatures;
 * - home-care unit Y owning 20 `requested` HSL Tasks (the matches) and 10 `completed` ones,
 *   for X and 4 other patients.
 * The rest of each table is background of other patients and units, written straight with
 * BatchWriteItem (the API is too slow for 100,000 creates) from the store's own item
 * builder (`buildVersion` as a create calls it, then `changeItems`), so each background
 * resource has exactly the items and index entries a create through the API writes. Per
 * background patient: Patient, vårdbegäran ServiceRequest, 2 `requested` and 1
 * `completed` HSL Tasks owned by the patient's unit, 4 heart rates (8867-4) and a body
 * temperature; one Organization (unit) per 50 patients. So the large table has tens of
 * thousands of 8867-4 observations and `status=requested` tasks of other patients and
 * owners, in the same index partitions the searches could have used.
 *
 * Measured through HTTP (fetch over keep-alive), small and large interleaved request by
 * request (alternating which goes first) so both see the same machine load:
 * - `GET /fhir/Observation?patient=Patient/X&code=http://loinc.org|8867-4&date=ge2026-11-01`
 * - `GET /fhir/Task?owner=Organization/Y&status=requested`
 * Each must return exactly the 20 matches at both sizes (checked before timing). The
 * DynamoDB calls one search sends are recorded at each size and printed beside the times.
 *
 * The tables have the resource table's keys and typeHistory index but no stream
 * (`createResourceTable` in api-server.ts). In DynamoDB Local a stream-enabled table
 * took ~10x longer to seed (~250 instead of ~3,000 items/s on the loaded 2-core
 * machine) and, in two runs (1,000 vs 5,000 and vs 10,000 resources), answered the very
 * same Query + BatchGetItem 2.6-3.5x slower on the larger table: the emulator's stream
 * bookkeeping, not the key design (DynamoDB's streams are read from their own log and do
 * not touch a table's read path). BENCH_STREAM=1 (run.ts) measures with the stream anyway.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { Bundle, Observation, Organization, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { FhirContext } from '../../functions/core/context.ts';
import { buildVersion } from '../../functions/core/writes.ts';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client.ts';
import { changeItems } from '../../functions/store/items.ts';
import { exampleBody, heartRate, hslTask, vardbegaran } from '../support/conforming.ts';
import { type CommandRecorder, recordCommands, samplePatient } from './api-latency.ts';
import { type BenchApi, createResourceTable, fhirJson, startApi } from './api-server.ts';
import { type Summary, round, summarize } from './stats.ts';

export const SEARCH_RATIO_TARGET = 1.2;
/** Matches of each search, the same at both sizes. */
const MATCHES = 20;
const PATIENTS_PER_UNIT = 50;
const DATE_FROM = '2026-11-01';

export interface SearchBenchOptions {
  endpoint: string;
  region: string;
  smallSize: number;
  largeSize: number;
  warmup: number;
  iterations: number;
  /** Parallel BatchWriteItem requests while seeding. */
  seedConcurrency: number;
  /** Create the tables with the DynamoDB stream of the real definition (default: without). */
  stream?: boolean;
  log: (line: string) => void;
}

export interface SeedStats {
  resources: number;
  items: number;
  seconds: number;
}

export interface SearchQueryResult {
  name: string;
  path: string;
  matches: number;
  small: Summary;
  large: Summary;
  ratioP50: number;
  ratioP95: number;
  /** DynamoDB calls one search sent, at each size, e.g. `Query, BatchGetItem`. */
  callsSmall: string;
  callsLarge: string;
}

export interface SearchBenchResult {
  /** Stored resources (current resources) in each table. */
  smallSize: number;
  largeSize: number;
  fixedResources: number;
  /** Whether the tables had the DynamoDB stream. */
  stream: boolean;
  seeding: { small: SeedStats; large: SeedStats };
  warmup: number;
  iterations: number;
  queries: SearchQueryResult[];
  targets: { name: string; target: string; measured: string; met: boolean }[];
}

interface Sized {
  label: 'small' | 'large';
  size: number;
  tableName: string;
  client: DynamoDBClient;
  recorder: CommandRecorder;
  api: BenchApi;
  patientX: string;
  unitY: string;
  seed: SeedStats;
}

export async function benchSearch(options: SearchBenchOptions): Promise<SearchBenchResult> {
  const { log } = options;
  const seedClient = createDynamoDbClient({ region: options.region, endpoint: options.endpoint });
  const sized: Sized[] = [];
  try {
    for (const [label, size] of [
      ['small', options.smallSize],
      ['large', options.largeSize],
    ] as const) {
      const tableName = `bench-search-${label}-${randomUUID()}`;
      await createResourceTable(seedClient, tableName, options.stream ?? false);
      const client = createDynamoDbClient({ region: options.region, endpoint: options.endpoint });
      const recorder = recordCommands(client);
      const api = await startApi({ endpoint: options.endpoint, region: options.region, client, tableName });
      const fixed = await createFixedSet(api.fhirBase);
      const background = Math.max(0, size - fixed.count);
      log(`  ${label} table: ${fixed.count} fixed resources through the API, seeding ${background} background resources ...`);
      const seed = await seedBackground(seedClient, api, tableName, background, options.seedConcurrency, log);
      log(
        `  ${label} table seeded: ${seed.resources} resources, ${seed.items} items in ${seed.seconds.toFixed(1)} s ` +
          `(${Math.round(seed.resources / seed.seconds)} resources/s, ${Math.round(seed.items / seed.seconds)} items/s)`,
      );
      sized.push({ label, size: fixed.count + seed.resources, tableName, client, recorder, api, patientX: fixed.patientX, unitY: fixed.unitY, seed });
    }
    const [small, large] = sized as [Sized, Sized];

    const queries = [
      {
        name: 'patient-scoped: Observation?patient&code&date',
        path: (s: Sized) =>
          `/Observation?patient=Patient/${s.patientX}&code=${encodeURIComponent(`http://loinc.org|8867-4`)}&date=ge${DATE_FROM}`,
        check: (s: Sized, r: Resource) =>
          (r as Observation).subject?.reference === `Patient/${s.patientX}` &&
          ((r as Observation).effectiveDateTime ?? '') >= DATE_FROM,
      },
      {
        name: 'worklist: Task?owner&status=requested',
        path: (s: Sized) => `/Task?owner=Organization/${s.unitY}&status=requested`,
        check: (s: Sized, r: Resource) =>
          (r as Task).owner?.reference === `Organization/${s.unitY}` && (r as Task).status === 'requested',
      },
    ];

    // Correctness first (not a timing): both sizes return exactly the fixed matches.
    for (const q of queries) {
      for (const s of sized) {
        const bundle = await fhirJson<Bundle>(`${s.api.fhirBase}${q.path(s)}`, {}, 200);
        const found = (bundle.entry ?? []).map((e) => e.resource as Resource);
        if (found.length !== MATCHES || !found.every((r) => q.check(s, r)) || bundle.link?.some((l) => l.relation === 'next')) {
          throw new Error(`${q.name} on the ${s.label} table returned ${found.length} entries, expected exactly ${MATCHES} matches`);
        }
      }
    }

    log(`  ${options.warmup} warm-up + ${options.iterations} measured rounds per search, small and large interleaved ...`);
    const results: SearchQueryResult[] = [];
    for (const q of queries) {
      const samples = { small: [] as number[], large: [] as number[] };
      const calls = { small: '', large: '' };
      const urls = { small: `${small.api.fhirBase}${q.path(small)}`, large: `${large.api.fhirBase}${q.path(large)}` };
      for (let i = 0; i < options.warmup + options.iterations; i++) {
        const order = i % 2 === 0 ? [small, large] : [large, small];
        for (const s of order) {
          s.recorder.take();
          const started = performance.now();
          const res = await fetch(urls[s.label]);
          await res.text();
          const elapsed = performance.now() - started;
          if (res.status !== 200) throw new Error(`${q.name} on the ${s.label} table: status ${res.status}`);
          const sent = s.recorder.take();
          if (i >= options.warmup) {
            samples[s.label].push(elapsed);
            calls[s.label] ||= describeCalls(sent.map((c) => c.name));
          }
        }
      }
      const smallSummary = summarize(samples.small);
      const largeSummary = summarize(samples.large);
      results.push({
        name: q.name,
        path: q.path(small).replace(small.patientX, '{X}').replace(small.unitY, '{Y}'),
        matches: MATCHES,
        small: smallSummary,
        large: largeSummary,
        ratioP50: largeSummary.p50 / smallSummary.p50,
        ratioP95: largeSummary.p95 / smallSummary.p95,
        callsSmall: calls.small,
        callsLarge: calls.large,
      });
    }

    return {
      smallSize: small.size,
      largeSize: large.size,
      fixedResources: FIXED_COUNT,
      stream: options.stream ?? false,
      seeding: { small: small.seed, large: large.seed },
      warmup: options.warmup,
      iterations: options.iterations,
      queries: results,
      targets: results.map((r) => ({
        name: `search ${r.name}, ${large.size.toLocaleString('en')} vs ${small.size.toLocaleString('en')} resources (p50 ratio)`,
        target: `<= ${SEARCH_RATIO_TARGET.toFixed(2)}x`,
        measured: `${r.ratioP50.toFixed(2)}x`,
        met: r.ratioP50 <= SEARCH_RATIO_TARGET,
      })),
    };
  } finally {
    for (const s of sized) {
      await s.api.close();
      s.client.destroy();
    }
    seedClient.destroy();
  }
}

export function formatSearchBench(r: SearchBenchResult): string[] {
  const ms = (s: Summary) => `${s.p50.toFixed(2)} / ${s.p95.toFixed(2)}`;
  const sizes = `${r.smallSize.toLocaleString('en')} / ${r.largeSize.toLocaleString('en')}`;
  const rate = (s: SeedStats) =>
    `${s.resources.toLocaleString('en')} resources (${s.items.toLocaleString('en')} items) in ${s.seconds.toFixed(1)} s, ` +
    `${Math.round(s.resources / s.seconds).toLocaleString('en')} resources/s`;
  return [
    `Search through the HTTP API at ${sizes} stored resources (${r.fixedResources} fixed through the API, the rest seeded ` +
      `with BatchWriteItem; tables ${r.stream ? 'with' : 'without'} stream), ${MATCHES} matches each; ms p50 / p95 over ${r.iterations} requests per size:`,
    ...r.queries.flatMap((q) => [
      `  ${q.name.padEnd(48)} small ${ms(q.small).padEnd(15)} large ${ms(q.large).padEnd(15)} ratio p50 ${q.ratioP50.toFixed(2)}x, p95 ${q.ratioP95.toFixed(2)}x`,
      `  ${''.padEnd(48)} GET ${q.path}`,
      `  ${''.padEnd(48)} DynamoDB calls per search: small ${q.callsSmall}; large ${q.callsLarge}`,
    ]),
    `  seeding: small ${rate(r.seeding.small)}; large ${rate(r.seeding.large)}`,
  ];
}

/** `Query, Query, BatchGetItem` -> `Query x2 + BatchGetItem x1`, in first-seen order. */
function describeCalls(names: string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n.replace(/Command$/, ''), (counts.get(n.replace(/Command$/, '')) ?? 0) + 1);
  return [...counts].map(([n, c]) => `${n} x${c}`).join(' + ') || 'none';
}

// ---------------------------------------------------------------------------------------
// Resources

const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
const KOMMUN = ref('Organization', 'organization-example-kommun');

function unit(k: number): Organization {
  const body = exampleBody<Organization>('Organization-organization-example-hemtjanst');
  return {
    ...body,
    identifier: [{ system: 'urn:oid:1.2.752.29.4.19', value: `SE2120000142-B${String(k).padStart(5, '0')}` }],
    name: `Hemtjänsten område ${k}`,
  };
}

/** A time on `day` of 2026 (1-based day of year), deterministic from `n`. */
function dateTime(day: number, n: number): string {
  const date = new Date(Date.UTC(2026, 0, day, 6 + (n % 14), (n * 7) % 60));
  return date.toISOString().replace('.000Z', '+01:00');
}
const NOV_1 = 305; // day of year of 2026-11-01
const OCT_1 = 274;

function heartRateOf(patientId: string, performer: string, effective: string, bpm: number): Observation {
  return heartRate(bpm, { subject: ref('Patient', patientId), effectiveDateTime: effective, performer: [ref('Organization', performer)] });
}

function temperatureOf(patientId: string, performer: string, effective: string, celsius: number): Observation {
  const body = exampleBody<Observation>('Observation-observation-example-body-temperature');
  return {
    ...body,
    subject: ref('Patient', patientId),
    effectiveDateTime: effective,
    performer: [ref('Organization', performer)],
    valueQuantity: { ...body.valueQuantity, value: celsius },
  };
}

function referral(patientId: string, unitId: string, authored: string): ServiceRequest {
  return vardbegaran({ subject: ref('Patient', patientId), performer: [ref('Organization', unitId)], authoredOn: authored });
}

function task(patientId: string, unitId: string, serviceRequestId: string, status: Task['status'], authored: string): Task {
  return hslTask({
    status,
    for: ref('Patient', patientId),
    owner: ref('Organization', unitId),
    requester: KOMMUN,
    basedOn: [ref('ServiceRequest', serviceRequestId)],
    authoredOn: authored,
  });
}

/** Patients of unit Y's tasks (X among them), each with a vårdbegäran. */
const FIXED_PATIENTS = 5;
const FIXED_COUNT = 1 + 2 * FIXED_PATIENTS + MATCHES + 10 + 10 + MATCHES + 10;

/**
 * The fixed set, through the API: unit Y; patients X and 4 more, each with a vårdbegäran;
 * X's 40 observations (20 match); Y's 30 tasks for those patients (20 `requested` match;
 * 10 are created `requested` and then completed by a PUT, as a Task is completed). The
 * same at both sizes. (What the server may write on its own account besides, such as a
 * workflow's plans, is not counted; it is the same at both sizes too.)
 */
async function createFixedSet(fhirBase: string): Promise<{ patientX: string; unitY: string; count: number }> {
  let count = 0;
  const create = async <T extends Resource>(resource: T): Promise<T> => {
    const created = await fhirJson<T>(`${fhirBase}/${resource.resourceType}`, { method: 'POST', body: resource }, 201);
    count++;
    return created;
  };
  const unitY = (await create(unit(0))).id as string;
  const patients: { id: string; request: string }[] = [];
  for (let n = 0; n < FIXED_PATIENTS; n++) {
    const id = (await create(samplePatient(n) as unknown as Resource)).id as string;
    const request = (await create(referral(id, unitY, dateTime(OCT_1 - 10, n)))).id as string;
    patients.push({ id, request });
  }
  const patientX = (patients[0] as { id: string }).id;
  for (let n = 0; n < MATCHES; n++) await create(heartRateOf(patientX, unitY, dateTime(NOV_1 + n, n), 60 + n));
  for (let n = 0; n < 10; n++) await create(heartRateOf(patientX, unitY, dateTime(OCT_1 + n, n), 70 + n));
  for (let n = 0; n < 10; n++) await create(temperatureOf(patientX, unitY, dateTime(NOV_1 + n, n), 36.5 + n / 10));
  for (let n = 0; n < MATCHES + 10; n++) {
    const p = patients[n % FIXED_PATIENTS] as { id: string; request: string };
    const created = await create(task(p.id, unitY, p.request, 'requested', dateTime(NOV_1 + n, n)));
    if (n >= MATCHES) {
      await fhirJson(
        `${fhirBase}/Task/${created.id}`,
        { method: 'PUT', body: { ...created, status: 'completed' }, headers: { 'If-Match': `W/"${created.meta?.versionId}"` } },
        200,
      );
    }
  }
  if (count !== FIXED_COUNT) throw new Error(`fixed set has ${count} resources, expected ${FIXED_COUNT}`);
  return { patientX, unitY, count };
}

/** Background resources, `count` of them, patient by patient (10 each) with a unit per 50 patients. */
function* backgroundResources(count: number): Generator<Resource> {
  let produced = 0;
  let unitId = '';
  for (let p = 0; produced < count; p++) {
    const batch: Resource[] = [];
    if (p % PATIENTS_PER_UNIT === 0) {
      unitId = randomUUID();
      batch.push({ ...unit(1 + p / PATIENTS_PER_UNIT), id: unitId });
    }
    const patientId = randomUUID();
    const srId = randomUUID();
    batch.push({ ...(samplePatient(100 + p) as unknown as Resource), id: patientId });
    batch.push({ ...referral(patientId, unitId, dateTime(OCT_1 + (p % 30), p)), id: srId });
    batch.push({ ...task(patientId, unitId, srId, 'requested', dateTime(NOV_1 + (p % 40), p)), id: randomUUID() });
    batch.push({ ...task(patientId, unitId, srId, 'requested', dateTime(NOV_1 + (p % 40), p + 1)), id: randomUUID() });
    batch.push({ ...task(patientId, unitId, srId, 'completed', dateTime(OCT_1 + (p % 30), p)), id: randomUUID() });
    for (let n = 0; n < 4; n++) {
      const day = n < 2 ? OCT_1 + ((p + n) % 31) : NOV_1 + ((p + n) % 40);
      batch.push({ ...heartRateOf(patientId, unitId, dateTime(day, p + n), 55 + ((p + n) % 50)), id: randomUUID() });
    }
    batch.push({ ...temperatureOf(patientId, unitId, dateTime(NOV_1 + (p % 40), p), 36 + (p % 20) / 10), id: randomUUID() });
    for (const r of batch) {
      if (produced >= count) return;
      produced++;
      yield r;
    }
  }
}

const BATCH_WRITE_LIMIT = 25;
const UNPROCESSED_ATTEMPTS = 8;

/**
 * Writes `count` background resources with BatchWriteItem: for each, the items a create
 * writes (`changeItems` with no previous version; its Puts become PutRequests), 25 per
 * request, `concurrency` requests in flight, unprocessed items retried with backoff.
 */
async function seedBackground(
  client: DynamoDBClient,
  api: BenchApi,
  tableName: string,
  count: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<SeedStats> {
  const started = performance.now();
  const ctx: FhirContext = { store: api.store, baseUrl: api.fhirBase };
  const resources = backgroundResources(count);
  const pending: WriteRequest[] = [];
  let resourcesDone = 0;
  let items = 0;
  let exhausted = false;
  let nextReport = started + 30_000;

  /** The next 25 write requests, building items resource by resource as needed. */
  const nextChunk = (): WriteRequest[] => {
    while (pending.length < BATCH_WRITE_LIMIT && !exhausted) {
      const next = resources.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const body = next.value;
      const version = buildVersion(ctx, body.resourceType, body.id as string, body, undefined, 'create');
      for (const item of changeItems(tableName, { next: version, previous: undefined })) {
        if (!item.Put) throw new Error('a create wrote something other than a Put');
        pending.push({ PutRequest: { Item: item.Put.Item } });
      }
      resourcesDone++;
    }
    return pending.splice(0, BATCH_WRITE_LIMIT);
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      let chunk = nextChunk();
      if (chunk.length === 0) return;
      items += chunk.length;
      for (let attempt = 1; chunk.length > 0; attempt++) {
        if (attempt > UNPROCESSED_ATTEMPTS) throw new Error(`BatchWriteItem left ${chunk.length} items unprocessed`);
        const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: chunk } }));
        chunk = result.UnprocessedItems?.[tableName] ?? [];
        if (chunk.length > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
      if (performance.now() > nextReport) {
        nextReport += 30_000;
        const seconds = (performance.now() - started) / 1000;
        log(`    ... ${resourcesDone.toLocaleString('en')} of ${count.toLocaleString('en')} resources after ${seconds.toFixed(0)} s`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { resources: resourcesDone, items, seconds: (performance.now() - started) / 1000 };
}
