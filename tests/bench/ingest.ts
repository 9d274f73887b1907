/**
 * Ingest (issue 6): `POST /ingest/{format}` of a measurement CSV (`kommun.matvarden.v1`,
 * `text/csv`, 500 rows as the issue asks) and of a SIP document (`sip.v1`), through the
 * app on `@hono/node-server` against DynamoDB Local, on a table of its own.
 *
 * Each round posts a new document: fresh measurement ids (so every row is a new
 * Observation) on the same patients and unit (matched, not created again), and a SIP with
 * a new documentId (a new CarePlan and CareTeam) with the same participants. The two kinds
 * alternate, so both see the same load. Per-resource cost is the p50 divided by the
 * transaction-response entries (every entry of the Bundle: created, matched or updated).
 *
 * A 500-row CSV is one document and one transaction: a document may map to
 * MAX_INGEST_ENTRIES (1000) resources, and the store commits it atomically in steps
 * (functions/store/multi-step-commit.ts).
 *
 * Alone: `npx tsx tests/bench/ingest.ts` (starts its own DynamoDB Local; BENCH_INGEST_ROWS,
 * BENCH_INGEST_ITERATIONS, BENCH_INGEST_WARMUP).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Bundle } from '@medplum/fhirtypes';
import { loadavg } from 'node:os';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client.ts';
import { ingestBaseOf } from '../../functions/http/ingest-routes.ts';
import { MAX_MEASUREMENTS } from '../../mappings/kommun.matvarden.v1/schema.ts';
import { MEASUREMENT_SOURCE_SYSTEM as SOURCE_SYSTEM, measurementDocument, measurementRows } from '../support/measurements.ts';
import { type CommandRecorder, recordCommands } from './api-latency.ts';
import { createResourceTable, startApi } from './api-server.ts';
import { intFromEnv, isMain, withDynamoDbLocal } from './standalone.ts';
import { type Summary, summarize } from './stats.ts';

export interface IngestBenchOptions {
  endpoint: string;
  region: string;
  iterations: number;
  warmup: number;
  /** Rows of the CSV (default 500, as the issue asks; at most MAX_MEASUREMENTS). */
  rows?: number;
  stream?: boolean;
  log: (line: string) => void;
}

export interface IngestKind {
  name: string;
  /** Bytes of the document posted. */
  bytes: number;
  /** Entries of the transaction-response Bundle (resources created, matched or updated). */
  resources: number;
  /** Of those, created (201). */
  created: number;
  ms: Summary;
  /** p50 / resources, milliseconds. */
  perResourceP50: number;
  /** DynamoDB calls of one request, e.g. `Query x6 + TransactWriteItems x16 (1500 items)`. */
  calls: string;
}

export interface IngestBenchResult {
  iterations: number;
  warmup: number;
  rows: number;
  csv: IngestKind;
  sip: IngestKind;
}

/** A measurement CSV of `rows` new rows (ids unique to `round`) for five patients, one unit. */
export function measurementCsv(rows: number, round: string): string {
  return measurementDocument(measurementRows(rows, `MV-${round}`));
}

export async function benchIngest(options: IngestBenchOptions): Promise<IngestBenchResult> {
  const rows = Math.min(options.rows ?? 500, MAX_MEASUREMENTS);
  const tableName = `bench-ingest-${randomUUID()}`;
  const client = createDynamoDbClient({ region: options.region, endpoint: options.endpoint });
  const recorder = recordCommands(client);
  await createResourceTable(client, tableName, options.stream ?? false);
  const api = await startApi({ endpoint: options.endpoint, region: options.region, client, tableName });
  const sipExample = JSON.parse(readFileSync(new URL('../../mappings/examples/sip.v1.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  try {
    const post = async (format: string, contentType: string, body: string, query = ''): Promise<Bundle> => {
      const res = await fetch(`${ingestBaseOf(api.fhirBase)}/${format}${query}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`POST /ingest/${format}: ${res.status}: ${text.slice(0, 2000)}`);
      return JSON.parse(text) as Bundle;
    };
    const kinds = {
      csv: {
        name: `kommun.matvarden.v1 CSV, ${rows} rows`,
        body: (round: string) => measurementCsv(rows, round),
        run: (body: string) => post('kommun.matvarden.v1', 'text/csv; charset=utf-8', body, `?sourceSystem=${SOURCE_SYSTEM}`),
      },
      sip: {
        name: 'sip.v1 document (JSON)',
        body: (round: string) => JSON.stringify({ ...sipExample, documentId: `SIP-BENCH-${round}` }),
        run: (body: string) => post('sip.v1', 'application/json', body),
      },
    };
    const samples: Record<keyof typeof kinds, number[]> = { csv: [], sip: [] };
    const seen: Partial<Record<keyof typeof kinds, { bytes: number; resources: number; created: number; calls: string }>> = {};
    const order = Object.keys(kinds) as (keyof typeof kinds)[];
    options.log(`  ${options.warmup} warm-up + ${options.iterations} measured rounds of one CSV (${rows} rows) and one SIP each ...`);
    for (let round = 0; round < options.warmup + options.iterations; round++) {
      for (let k = 0; k < order.length; k++) {
        const key = order[(round + k) % order.length] as keyof typeof kinds;
        const kind = kinds[key];
        const body = kind.body(`${round}`);
        recorder.take();
        const started = performance.now();
        const answer = await kind.run(body);
        const elapsed = performance.now() - started;
        const sent = recorder.take();
        if (round < options.warmup) continue;
        samples[key].push(elapsed);
        const entries = answer.entry ?? [];
        seen[key] ??= {
          bytes: Buffer.byteLength(body),
          resources: entries.length,
          created: entries.filter((e) => e.response?.status?.startsWith('201')).length,
          calls: describeCalls(sent),
        };
      }
    }
    const result = (key: keyof typeof kinds): IngestKind => {
      const ms = summarize(samples[key]);
      const s = seen[key] ?? { bytes: 0, resources: 0, created: 0, calls: '' };
      return { name: kinds[key].name, ...s, ms, perResourceP50: ms.p50 / Math.max(s.resources, 1) };
    };
    return {
      iterations: options.iterations,
      warmup: options.warmup,
      rows,
      csv: result('csv'),
      sip: result('sip'),
    };
  } finally {
    await api.close();
    client.destroy();
  }
}

export function formatIngestBench(r: IngestBenchResult): string[] {
  const line = (k: IngestKind) =>
    `  ${k.name.padEnd(36)} ${`${k.ms.p50.toFixed(1)} / ${k.ms.p95.toFixed(1)}`.padEnd(15)} ` +
    `${String(k.resources).padStart(3)} resources (${k.created} created), ${k.perResourceP50.toFixed(2)} ms per resource; ` +
    `${(k.bytes / 1024).toFixed(1)} KB; DynamoDB: ${k.calls}`;
  return [
    `Ingest through POST /ingest/{format}, ms p50 / p95 (${r.iterations} rounds, ${r.warmup} warm-up; each round new documents):`,
    line(r.csv),
    line(r.sip),
  ];
}

/** `Query x6 + TransactWriteItems x16 (1500 items)`, in first-seen order. */
function describeCalls(sent: ReturnType<CommandRecorder['take']>): string {
  const counts = new Map<string, { calls: number; items: number }>();
  for (const { name, input } of sent) {
    const key = name.replace(/Command$/, '');
    const entry = counts.get(key) ?? { calls: 0, items: 0 };
    entry.calls++;
    entry.items += (input as { TransactItems?: unknown[] }).TransactItems?.length ?? 0;
    counts.set(key, entry);
  }
  return [...counts].map(([name, { calls, items }]) => `${name} x${calls}${items > 0 ? ` (${items} items)` : ''}`).join(' + ') || 'none';
}

if (isMain(import.meta.url)) {
  await withDynamoDbLocal(async (endpoint) => {
    console.log(`Ingest (issue 6), load average ${(loadavg()[0] ?? 0).toFixed(2)}`);
    const result = await benchIngest({
      endpoint,
      region: 'eu-north-1',
      iterations: intFromEnv('BENCH_INGEST_ITERATIONS', 20),
      warmup: intFromEnv('BENCH_INGEST_WARMUP', 2),
      rows: intFromEnv('BENCH_INGEST_ROWS', 500),
      stream: process.env.BENCH_STREAM === '1',
      log: (line) => console.log(line),
    });
    for (const line of formatIngestBench(result)) console.log(line);
    console.log(`load average ${(loadavg()[0] ?? 0).toFixed(2)}`);
  });
}
