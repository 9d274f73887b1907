/**
 * Benchmark of the Swedish profiles (issue 4): what validation costs per resource with and
 * without a profile, and what the profiles add to a cold start.
 *
 * 1. Warm, in this process: for each case, the base R4 validation alone (what a write cost
 *    before profiles) beside the whole write-path check (`assertValidResource`: base, then
 *    the profiles meta.profile names and the type requires), interleaved call by call.
 * 2. Cold, each run a fresh `node` process importing an esbuild bundle (as deployed:
 *    ESM, minified, node22) of the validation modules: module evaluation (includes the
 *    JSON of the core definitions and of the profile index), indexing the core
 *    definitions, configuring and compiling the required profiles, the first validation
 *    of an HSL-uppdrag, and the first read of a StructureDefinition (unpacks the gzipped
 *    definitions).
 * 3. The Lambda handler's cold init with the profiles loaded: `import()` of the handler
 *    bundle in a fresh process (`tests/bench/cold-init.ts`), target ≤ 150 ms.
 *
 * `npm run bench` can call {@link benchProfiles} and print {@link formatProfileBench};
 * alone: `npx tsx tests/bench/profiles.ts`. It asserts no timings.
 *
 * Environment: BENCH_PROFILE_ITERATIONS (2000), BENCH_COLD_RUNS (10).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { build } from 'esbuild';
import { loadProfiles } from '../../functions/core/profiles.ts';
import { assertValidResource, baseValidationIssues, loadDefinitions } from '../../functions/core/validation.ts';
import { bundleHandler } from './bundle.ts';
import { measureColdInit } from './cold-init.ts';
import { intFromEnv } from './standalone.ts';
import { type Summary, round, summarize } from './stats.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = resolve(ROOT, 'fhir-profiles/generated/examples');
const OUT_DIR = resolve(ROOT, '.samvard/bench/profiles');
const COLD_INIT_TARGET_MS = 150;

export interface ValidationCase {
  name: string;
  /** What the profile step does for this resource. */
  profiles: string;
  /** Microseconds per resource: base R4 validation only. */
  baseUs: Summary;
  /** Microseconds per resource: base + profiles, the whole write-path check. */
  withProfileUs: Summary;
  /** p50 difference, microseconds: what the profiles add. */
  addedP50Us: number;
}

export interface ProfileBenchResult {
  iterations: number;
  validation: ValidationCase[];
  coldRuns: number;
  /** Per step of a cold start of the validation modules, milliseconds (p50 over fresh processes). */
  coldSteps: Record<string, Summary>;
  /** `import()` of the whole handler bundle in a fresh process, milliseconds (unless skipped). */
  handlerColdInitMs?: Summary;
  handlerBundleBytes?: number;
  /** Bytes the profiles put in the handler bundle (index + gzipped definitions + code). */
  profileBundleBytes?: number;
  targets: { name: string; target: string; measured: string; met: boolean }[];
}

const example = (name: string): Resource =>
  JSON.parse(readFileSync(resolve(EXAMPLES, `${name}.json`), 'utf8')) as Resource;
const withoutProfile = <T extends Resource>(r: T): T => ({ ...r, meta: undefined });

function cases(): { name: string; profiles: string; resource: Resource }[] {
  return [
    {
      name: 'Patient, no meta.profile',
      profiles: 'none (Patient has no requirement)',
      resource: withoutProfile(example('Patient-patient-example-personnummer')),
    },
    {
      name: 'Patient, meta.profile samvard-patient',
      profiles: 'samvard-patient (personnummer invariants)',
      resource: example('Patient-patient-example-personnummer'),
    },
    {
      name: 'Task (HSL-uppdrag)',
      profiles: 'samvard-hsl-uppdrag (required), extensions',
      resource: example('Task-task-example-hsl-uppdrag'),
    },
    {
      name: 'ServiceRequest (vårdbegäran)',
      profiles: 'samvard-vardbegaran (required)',
      resource: example('ServiceRequest-servicerequest-example-vardbegaran'),
    },
    {
      name: 'CarePlan (SIP)',
      profiles: 'samvard-careplan (required)',
      resource: example('CarePlan-careplan-example-sip'),
    },
    {
      name: 'Observation blood pressure, no meta.profile',
      profiles: '1 of 7 Observation profiles, chosen by code',
      resource: withoutProfile(example('Observation-observation-example-blood-pressure')),
    },
    {
      name: 'Observation egenvårdsbedömning, no meta.profile',
      profiles: '1 of 7 Observation profiles, chosen by code',
      resource: withoutProfile(example('Observation-observation-example-egenvardsbedomning')),
    },
  ];
}

/** Warm per-resource cost, base alone and base + profiles, interleaved. */
export function benchValidation(iterations: number, warmup = Math.min(200, iterations)): ValidationCase[] {
  loadDefinitions();
  loadProfiles();
  const results: ValidationCase[] = [];
  for (const c of cases()) {
    const base: number[] = [];
    const full: number[] = [];
    // Each call gets its own copy, as a parsed request body would be.
    const json = JSON.stringify(c.resource);
    for (let i = 0; i < warmup + iterations; i++) {
      const a = JSON.parse(json) as Resource;
      const b = JSON.parse(json) as Resource;
      const t0 = performance.now();
      const issues = baseValidationIssues(a);
      const t1 = performance.now();
      assertValidResource(b, c.resource.resourceType);
      const t2 = performance.now();
      if (issues.some((x) => x.severity === 'error')) throw new Error(`${c.name} is not valid R4`);
      if (i >= warmup) {
        base.push((t1 - t0) * 1000);
        full.push((t2 - t1) * 1000);
      }
    }
    const baseUs = summarize(base);
    const withProfileUs = summarize(full);
    results.push({
      name: c.name,
      profiles: c.profiles,
      baseUs,
      withProfileUs,
      addedP50Us: withProfileUs.p50 - baseUs.p50,
    });
  }
  return results;
}

/** The cold-start steps of the validation modules, in fresh processes. */
async function benchColdSteps(runs: number): Promise<Record<string, Summary>> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = resolve(OUT_DIR, 'cold-steps.mjs');
  const task = JSON.stringify(example('Task-task-example-hsl-uppdrag'));
  await build({
    absWorkingDir: ROOT,
    stdin: {
      resolveDir: ROOT,
      sourcefile: 'cold-steps.ts',
      loader: 'ts',
      contents: `
        const t = [performance.now()];
        const validation = await import('./functions/core/validation.ts');
        const profiles = await import('./functions/core/profiles.ts');
        t.push(performance.now());
        validation.loadDefinitions();
        t.push(performance.now());
        profiles.configureRequiredProfiles(undefined);
        profiles.loadProfiles();
        t.push(performance.now());
        validation.assertValidResource(${task}, 'Task');
        t.push(performance.now());
        const conformance = await import('./functions/core/conformance.ts');
        conformance.readConformanceResource({}, 'StructureDefinition', 'samvard-patient');
        t.push(performance.now());
        process.stdout.write(JSON.stringify(t.slice(1).map((x, i) => x - t[i])));
      `,
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  const steps = [
    'import validation + profile modules (JSON included)',
    'index core R4 definitions (loadDefinitions)',
    'configure + compile required profiles (loadProfiles)',
    'first write-path validation of an HSL-uppdrag',
    'first StructureDefinition read (unpack gzipped definitions)',
  ];
  const samples: number[][] = steps.map(() => []);
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, [pathToFileURL(outfile).pathname], { encoding: 'utf8', timeout: 30_000 });
    if (child.status !== 0) throw new Error(`cold-steps process failed: ${child.stderr}`);
    const times = JSON.parse(child.stdout) as number[];
    times.forEach((ms, s) => samples[s]?.push(ms));
  }
  return Object.fromEntries(steps.map((name, s) => [name, summarize(samples[s] ?? [])]));
}

export async function benchProfiles(
  options: {
    iterations?: number;
    coldRuns?: number;
    /** Also bundle the handler and time its cold init (true); run.ts may already do that. */
    handlerColdInit?: boolean;
  } = {},
): Promise<ProfileBenchResult> {
  const iterations = options.iterations ?? intFromEnv('BENCH_PROFILE_ITERATIONS', 2000);
  const coldRuns = options.coldRuns ?? intFromEnv('BENCH_COLD_RUNS', 10);
  const validation = benchValidation(iterations);
  const coldSteps = await benchColdSteps(coldRuns);

  if (options.handlerColdInit === false) {
    return { iterations, validation, coldRuns, coldSteps, targets: [] };
  }
  const handler = await bundleHandler(ROOT, resolve(OUT_DIR, 'handler'));
  const profileBundleBytes = handler.contributors
    .filter((c) => /samvard-(profiles|conformance)\.json$|functions\/core\/(profile|profiles|conformance|validate-operation|base-definitions)/.test(c.name))
    .reduce((sum, c) => sum + c.bytes, 0);
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-north-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    SAMVARD_RESOURCE_TABLE: 'bench',
  };
  const cold = measureColdInit(handler.file, env, coldRuns);
  const handlerColdInitMs = summarize(cold.map((s) => s.importMs));

  return {
    iterations,
    validation,
    coldRuns,
    coldSteps,
    handlerColdInitMs,
    handlerBundleBytes: handler.bytes,
    profileBundleBytes,
    targets: [
      {
        name: 'handler cold init with profiles loaded (import of the bundle, median)',
        target: `<= ${COLD_INIT_TARGET_MS} ms`,
        measured: `${round(handlerColdInitMs.p50, 1)} ms`,
        met: handlerColdInitMs.p50 <= COLD_INIT_TARGET_MS,
      },
    ],
  };
}

/** Lines to print for a result. */
export function formatProfileBench(r: ProfileBenchResult): string[] {
  const us = (s: Summary) => `${round(s.p50, 0)} / ${round(s.p95, 0)}`;
  const lines = [
    `Profile validation per resource, µs p50 / p95 (${r.iterations} iterations, warm):`,
    ...r.validation.map(
      (v) =>
        `  ${v.name.padEnd(50)} base ${us(v.baseUs).padEnd(11)} with profiles ${us(v.withProfileUs).padEnd(11)} ` +
        `(+${round(v.addedP50Us, 0)} µs; ${v.profiles})`,
    ),
    `Cold start of the validation modules, ms p50 / p95 (${r.coldRuns} fresh processes):`,
    ...Object.entries(r.coldSteps).map(([step, s]) => `  ${step.padEnd(62)} ${round(s.p50, 1)} / ${round(s.p95, 1)}`),
    ...(r.handlerBundleBytes !== undefined && r.profileBundleBytes !== undefined && r.handlerColdInitMs
      ? [
          `Handler bundle ${(r.handlerBundleBytes / 1e6).toFixed(3)} MB, of which profiles ${(r.profileBundleBytes / 1e6).toFixed(3)} MB`,
          `Handler cold init (import of the bundle), ms: p50 ${round(r.handlerColdInitMs.p50, 1)}, p95 ${round(r.handlerColdInitMs.p95, 1)}`,
        ]
      : []),
    ...r.targets.map((t) => `  ${t.met ? 'MET    ' : 'NOT MET'} ${t.name}: ${t.measured} (target ${t.target})`),
  ];
  return lines;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchProfiles()
    .then((result) => {
      for (const line of formatProfileBench(result)) console.log(line);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
