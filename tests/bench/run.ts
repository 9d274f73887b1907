/**
 * `npm run bench`: the figures issue 2 asks for, from one run against one DynamoDB Local.
 *
 * 1. p50/p95 of read, create and update through the HTTP API (the Hono app on
 *    `@hono/node-server`, called with fetch over keep-alive), each beside the raw DynamoDB
 *    operations underneath it (the very commands the store sent, replayed on a client
 *    built by the same factory; see `api-latency.ts`), interleaved pair by pair.
 * 2. The Lambda handler's esbuild bundle size, and its cold init (import of the bundle in
 *    a fresh `node` process) over several processes, also with `--enable-source-maps` as
 *    the deployed function runs. The targets are the API function's; the ingest
 *    function's bundle (functions/ingest/handler.ts) is measured alike on a line of its own.
 * 3. Profiles (issue 4, `profiles.ts`): validation cost per resource with and without
 *    profiles, and the cold start of the validation modules.
 * 4. Transactions (issue 5, `transactions.ts`): transaction Bundles of 10 and 50 entries
 *    beside single creates, per-entry cost.
 * 4b. Ingest (issue 6, `ingest.ts`): `POST /ingest/{format}` of a 500-row measurement CSV
 *    (one document, one transaction) and of a SIP document, p50/p95 and per resource.
 * 5. Search (issue 3, `search.ts`): a patient-scoped search and a worklist at 1,000 and at
 *    100,000 stored resources (two tables seeded with the store's own items), the ratio.
 *    Runs last: its large table would weigh on the other sections.
 *
 * It prints figures and says which targets are met; it asserts no timings. The results
 * also go to `.samvard/bench-results.json` for the README.
 *
 * Environment:
 * - BENCH_ITERATIONS (500), BENCH_WARMUP (50), BENCH_COLD_RUNS (10): sections 1 and 2.
 * - BENCH_SKIP: sections to leave out, comma separated: `profiles`, `transactions`, `ingest`, `search`
 *   (e.g. BENCH_SKIP=search for a quick run; sections 1 and 2 always run).
 * - BENCH_PROFILE_ITERATIONS (2000): section 3.
 * - BENCH_TX_ITERATIONS (60), BENCH_TX_WARMUP (5): section 4, rounds.
 * - BENCH_INGEST_ITERATIONS (20), BENCH_INGEST_WARMUP (2): section 4b, rounds of one CSV and one SIP.
 * - BENCH_SEARCH_SMALL (1000), BENCH_SEARCH_LARGE (100000): section 5, stored resources;
 *   BENCH_SEARCH_ITERATIONS (300), BENCH_SEARCH_WARMUP (30): requests per search and size;
 *   BENCH_SEARCH_SEED_CONCURRENCY (16): BatchWriteItem requests in flight while seeding.
 * - BENCH_STREAM=1: sections 4 and 5 on tables with the DynamoDB stream, as section 1's
 *   (by default without: DynamoDB Local's stream slows writes and reads; api-server.ts).
 * `tests/bench/read-breakdown.ts` splits a read into its layers when the ratio needs explaining.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { buildDependencies } from '../../functions/api/dependencies.ts';
import { createApp } from '../../functions/http/app.ts';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client.ts';
import { ensureTable } from '../../functions/store/ensure-tables.ts';
import { resourceTable } from '../../functions/store/tables.ts';
import { ResourceStore } from '../../functions/store/resource-store.ts';
import { type LatencyResults, type PairSamples, measureApiLatency, recordCommands } from './api-latency.ts';
import { benchConfig } from './api-server.ts';
import { INGEST_HANDLER_ENTRY, bundleHandler } from './bundle.ts';
import { measureColdInit } from './cold-init.ts';
import { benchProfiles, formatProfileBench } from './profiles.ts';
import { benchSearch, formatSearchBench } from './search.ts';
import { benchTransactions, formatTransactionBench } from './transactions.ts';
import { benchIngest, formatIngestBench } from './ingest.ts';
import { intFromEnv } from './standalone.ts';
import { type Summary, round, roundNumbers, summarize } from './stats.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT_DIR = resolve(ROOT, '.samvard');
const RESULTS_FILE = resolve(OUT_DIR, 'bench-results.json');
const REGION = 'eu-north-1';

const ITERATIONS = intFromEnv('BENCH_ITERATIONS', 500);
const WARMUP = intFromEnv('BENCH_WARMUP', 50);
const COLD_RUNS = intFromEnv('BENCH_COLD_RUNS', 10);
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean));

const TARGETS = {
  readRatio: 1.3,
  createRatio: 1.5,
  coldInitMs: 150,
  /** Decimal megabytes: 1.5 MB = 1,500,000 bytes. */
  bundleBytes: 1_500_000,
};

interface TargetResult {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadBefore = loadavg()[0] ?? 0;
  const source = sourceVersion();
  console.log(
    `samvard bench at ${source}: Node ${process.version}, ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}, load average ${loadBefore.toFixed(2)}`,
  );

  const dynamo = await startDynamoDbLocal();
  const tableName = `bench-${randomUUID()}`;
  const client = createDynamoDbClient({ region: REGION, endpoint: dynamo.endpoint });
  let server: ReturnType<typeof serve> | undefined;
  try {
    await ensureTable(client, resourceTable, tableName);
    console.log(`DynamoDB Local (in memory) at ${dynamo.endpoint}, table ${tableName}`);

    // 1. Latency through the HTTP API beside the raw DynamoDB operations.
    const config = benchConfig(dynamo.endpoint, REGION, tableName);
    // The app as buildDependencies makes it, but with a store whose client (built by the
    // same factory) records what it sends, for the raw side to replay.
    const appClient = createDynamoDbClient({ region: REGION, endpoint: dynamo.endpoint });
    const recorder = recordCommands(appClient);
    const app = createApp({ ...buildDependencies(config), store: new ResourceStore(appClient, tableName) });
    const port = await new Promise<number>((done) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => done(info.port));
    });
    const fhirBase = `http://127.0.0.1:${port}/fhir`;
    console.log(`API at ${fhirBase}; ${WARMUP} warm-up + ${ITERATIONS} measured pairs per operation ...`);
    const latency = await measureApiLatency({ fhirBase, recorder, client, warmup: WARMUP, iterations: ITERATIONS });
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    server = undefined;
    appClient.destroy();

    // 2. Bundle size and cold init of the Lambda handler.
    console.log('Bundling functions/api/handler.ts with esbuild ...');
    const bundleDir = resolve(OUT_DIR, 'bench', 'api-handler');
    const bundle = await bundleHandler(ROOT, bundleDir);
    // For https://esbuild.github.io/analyze/ or `npx esbuild --analyze`-style digging.
    const metafileFile = resolve(bundleDir, 'meta.json');
    writeFileSync(metafileFile, JSON.stringify(bundle.metafile));
    console.log(`Cold init: ${COLD_RUNS} fresh processes importing the bundle ...`);
    const coldEnv = { DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: REGION, SAMVARD_RESOURCE_TABLE: tableName };
    measureColdInit(bundle.file, coldEnv, 1); // once unmeasured, so the file is in the page cache
    const cold = measureColdInit(bundle.file, coldEnv, COLD_RUNS);
    const coldImport = summarize(cold.map((s) => s.importMs));
    const coldBoot = summarize(cold.map((s) => s.bootMs));
    const coldProcess = summarize(cold.map((s) => s.processMs));
    // The deployed function sets NODE_OPTIONS=--enable-source-maps (infra/constructs/samvard-function.ts).
    const coldMapped = summarize(
      measureColdInit(bundle.file, coldEnv, COLD_RUNS, ['--enable-source-maps']).map((s) => s.importMs),
    );
    // The ingest function: size and cold init, beside (not in) the API figures and targets.
    console.log(`Bundling ${INGEST_HANDLER_ENTRY} and ${COLD_RUNS} fresh processes importing it ...`);
    const ingestBundle = await bundleHandler(ROOT, resolve(OUT_DIR, 'bench', 'ingest-handler'), INGEST_HANDLER_ENTRY);
    measureColdInit(ingestBundle.file, coldEnv, 1);
    const ingestCold = summarize(measureColdInit(ingestBundle.file, coldEnv, COLD_RUNS).map((s) => s.importMs));

    // 3-5. Profiles, transactions, search (each may be skipped; search last).
    let profiles: Awaited<ReturnType<typeof benchProfiles>> | undefined;
    if (!SKIP.has('profiles')) {
      console.log('Profiles: validation per resource and cold start of the validation modules ...');
      profiles = await benchProfiles({ handlerColdInit: false });
    }
    let transactions: Awaited<ReturnType<typeof benchTransactions>> | undefined;
    if (!SKIP.has('transactions')) {
      console.log('Transactions: POST /fhir with transaction Bundles beside single creates ...');
      transactions = await benchTransactions({
        endpoint: dynamo.endpoint,
        region: REGION,
        iterations: intFromEnv('BENCH_TX_ITERATIONS', 60),
        warmup: intFromEnv('BENCH_TX_WARMUP', 5),
        stream: process.env.BENCH_STREAM === '1',
        log: console.log,
      });
    }
    let ingest: Awaited<ReturnType<typeof benchIngest>> | undefined;
    if (!SKIP.has('ingest')) {
      console.log('Ingest: POST /ingest/{format} of a 500-row measurement CSV and of a SIP document ...');
      ingest = await benchIngest({
        endpoint: dynamo.endpoint,
        region: REGION,
        iterations: intFromEnv('BENCH_INGEST_ITERATIONS', 20),
        warmup: intFromEnv('BENCH_INGEST_WARMUP', 2),
        stream: process.env.BENCH_STREAM === '1',
        log: console.log,
      });
    }
    let search: Awaited<ReturnType<typeof benchSearch>> | undefined;
    if (!SKIP.has('search')) {
      console.log('Search: seeding two tables and searching both ...');
      search = await benchSearch({
        endpoint: dynamo.endpoint,
        region: REGION,
        smallSize: intFromEnv('BENCH_SEARCH_SMALL', 1_000),
        largeSize: intFromEnv('BENCH_SEARCH_LARGE', 100_000),
        iterations: intFromEnv('BENCH_SEARCH_ITERATIONS', 300),
        warmup: intFromEnv('BENCH_SEARCH_WARMUP', 30),
        seedConcurrency: intFromEnv('BENCH_SEARCH_SEED_CONCURRENCY', 16),
        stream: process.env.BENCH_STREAM === '1',
        log: console.log,
      });
    }

    // Report.
    const rows = latencyRows(latency);
    const targets: TargetResult[] = [
      ratioTarget(`read (GET) vs raw ${rows.read.rawLabel}`, rows.read.ratioP50, TARGETS.readRatio),
      ratioTarget(`create (POST) vs raw ${rows.create.rawLabel}`, rows.create.ratioP50, TARGETS.createRatio),
      {
        name: 'cold init (import of the bundle, median)',
        target: `<= ${TARGETS.coldInitMs} ms`,
        measured: `${coldImport.p50.toFixed(1)} ms`,
        met: coldImport.p50 <= TARGETS.coldInitMs,
      },
      {
        name: 'bundle size (index.mjs, without the .map)',
        target: `<= ${(TARGETS.bundleBytes / 1e6).toFixed(1)} MB`,
        measured: `${(bundle.bytes / 1e6).toFixed(3)} MB (${bundle.bytes} bytes)`,
        met: bundle.bytes <= TARGETS.bundleBytes,
      },
      ...(search?.targets ?? []),
    ];

    console.log('');
    printTable(
      ['operation', 'p50 ms', 'p95 ms', 'raw DynamoDB operations (replayed)', 'raw p50', 'raw p95', 'p50 ratio', 'p95 ratio'],
      Object.values(rows).map((r) => [
        r.label,
        r.http.p50.toFixed(2),
        r.http.p95.toFixed(2),
        r.rawLabel,
        r.raw.p50.toFixed(2),
        r.raw.p95.toFixed(2),
        `${r.ratioP50.toFixed(2)}x`,
        `${r.ratioP95.toFixed(2)}x`,
      ]),
    );
    console.log('');
    printTable(
      ['Lambda handler bundle', 'value'],
      [
        ['index.mjs size', `${bundle.bytes} bytes (${(bundle.bytes / 1e6).toFixed(3)} MB)`],
        ['index.mjs.map size', `${bundle.mapBytes} bytes`],
        ['largest parts', bundle.contributors.slice(0, 5).map((c) => `${c.name} ${kb(c.bytes)}`).join(', ')],
        ['cold init: import, median', `${coldImport.p50.toFixed(1)} ms (p95 ${coldImport.p95.toFixed(1)}, min ${coldImport.min.toFixed(1)}, max ${coldImport.max.toFixed(1)}, n=${coldImport.n})`],
        ['cold init with --enable-source-maps, median', `${coldMapped.p50.toFixed(1)} ms (p95 ${coldMapped.p95.toFixed(1)}, n=${coldMapped.n})`],
        ['cold init: node boot before import, median', `${coldBoot.p50.toFixed(1)} ms`],
        ['cold init: whole process (spawn to exit), median', `${coldProcess.p50.toFixed(1)} ms`],
        ['ingest handler index.mjs size', `${ingestBundle.bytes} bytes (${(ingestBundle.bytes / 1e6).toFixed(3)} MB)`],
        ['ingest handler cold init: import, median', `${ingestCold.p50.toFixed(1)} ms (p95 ${ingestCold.p95.toFixed(1)}, n=${ingestCold.n})`],
      ],
    );
    for (const lines of [
      profiles && formatProfileBench(profiles),
      transactions && formatTransactionBench(transactions),
      ingest && formatIngestBench(ingest),
      search && formatSearchBench(search),
    ]) {
      if (!lines) continue;
      console.log('');
      for (const line of lines) console.log(line);
    }
    console.log('');
    for (const t of targets) console.log(`${t.met ? 'met    ' : 'NOT met'}  ${t.name}: ${t.measured} (target ${t.target})`);

    const totalSeconds = (Date.now() - startedAt) / 1000;
    const loadAfter = loadavg()[0] ?? 0;
    // Other work on the machine skews every figure; say how busy it was.
    console.log(`\nLoad average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on ${cpus().length} CPU(s)`);
    mkdirSync(OUT_DIR, { recursive: true });
    const results = {
      date: new Date().toISOString(),
      command: 'npm run bench',
      source,
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadAverage1m: { before: round(loadBefore), after: round(loadAfter) },
      dynamodb: 'DynamoDB Local (in memory, same machine)',
      warmup: WARMUP,
      iterations: ITERATIONS,
      latencyMs: Object.fromEntries(
        Object.entries(rows).map(([key, r]) => [
          key,
          {
            http: r.label,
            raw: r.rawLabel,
            httpSummary: roundSummary(r.http),
            rawSummary: roundSummary(r.raw),
            ratioP50: round(r.ratioP50),
            ratioP95: round(r.ratioP95),
          },
        ]),
      ),
      bundle: {
        entry: 'functions/api/handler.ts',
        options: 'esbuild: bundle, esm, minify, platform node, target node22, sourcemap file, mainFields module,main, @aws-sdk bundled',
        bytes: bundle.bytes,
        megabytes: round(bundle.bytes / 1e6, 3),
        mapBytes: bundle.mapBytes,
        metafile: metafileFile,
        largestParts: bundle.contributors.slice(0, 15),
      },
      ingestBundle: {
        entry: INGEST_HANDLER_ENTRY,
        bytes: ingestBundle.bytes,
        megabytes: round(ingestBundle.bytes / 1e6, 3),
        largestParts: ingestBundle.contributors.slice(0, 15),
        coldInitImportMs: roundSummary(ingestCold),
      },
      coldInitMs: {
        what: 'import() of the bundle in a fresh node process (builds dependencies, indexes FHIR definitions)',
        runs: COLD_RUNS,
        import: roundSummary(coldImport),
        withEnableSourceMaps: roundSummary(coldMapped),
        nodeBootP50: round(coldBoot.p50),
        wholeProcessP50: round(coldProcess.p50),
      },
      profiles: profiles ? roundNumbers(profiles) : 'skipped',
      transactions: transactions ? roundNumbers(transactions) : 'skipped',
      ingest: ingest ? roundNumbers(ingest) : 'skipped',
      search: search ? roundNumbers(search) : 'skipped',
      targets,
      totalSeconds: round(totalSeconds, 1),
    };
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nResults written to ${RESULTS_FILE} (run took ${totalSeconds.toFixed(1)} s)`);
  } finally {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    client.destroy();
    await dynamo.stop();
  }
}

interface Row {
  label: string;
  rawLabel: string;
  http: Summary;
  raw: Summary;
  ratioP50: number;
  ratioP95: number;
}

function latencyRows(latency: LatencyResults): Record<'read' | 'create' | 'update', Row> {
  const row = (label: string, pair: PairSamples): Row => {
    const http = summarize(pair.http);
    const raw = summarize(pair.raw);
    return { label, rawLabel: pair.rawOperation, http, raw, ratioP50: http.p50 / raw.p50, ratioP95: http.p95 / raw.p95 };
  };
  return {
    read: row('read   GET /Patient/{id}', latency.read),
    create: row('create POST /Patient', latency.create),
    update: row('update PUT + If-Match', latency.update),
  };
}

function ratioTarget(name: string, ratio: number, target: number): TargetResult {
  return { name: `${name} (p50 ratio)`, target: `<= ${target.toFixed(2)}x`, measured: `${ratio.toFixed(2)}x`, met: ratio <= target };
}

function roundSummary(s: Summary): Summary {
  return { n: s.n, p50: round(s.p50), p95: round(s.p95), min: round(s.min), max: round(s.max), mean: round(s.mean) };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** The commit measured, and whether code the figures depend on differs from it. */
function sourceVersion(): string {
  const git = (...args: string[]): string | undefined => {
    const out = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return out.status === 0 ? out.stdout.trim() : undefined;
  };
  const commit = git('rev-parse', '--short', 'HEAD');
  if (!commit) return 'an unknown commit (no git)';
  const changed = git('status', '--porcelain', '--', 'functions', 'fhir-profiles', 'package-lock.json');
  return changed ? `${commit} with uncommitted changes in functions/ or fhir-profiles/` : commit;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
