/**
 * Cold init of the Lambda handler: in a fresh `node` process, the time to import the
 * bundle, which builds the dependencies (config, DynamoDB client, store, Hono app) and
 * indexes the FHIR definitions. Each run is a new process, as a new Lambda container is.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export interface ColdInitSample {
  /** Milliseconds from process start to the start of the import (Node's own boot). */
  bootMs: number;
  /** Milliseconds the `import()` of the bundle took. */
  importMs: number;
  /** Milliseconds from spawning the process to its exit, as the parent saw it. */
  processMs: number;
}

/**
 * `nodeOptions` are passed on the command line (e.g. `--enable-source-maps`, which the
 * deployed function sets in NODE_OPTIONS).
 */
export function measureColdInit(
  bundleFile: string,
  env: Record<string, string>,
  runs: number,
  nodeOptions: string[] = [],
): ColdInitSample[] {
  const url = pathToFileURL(bundleFile).href;
  const script = [
    'const t0 = performance.now();',
    `const mod = await import(${JSON.stringify(url)});`,
    'const t1 = performance.now();',
    "if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');",
    'process.stdout.write(JSON.stringify({ bootMs: t0, importMs: t1 - t0 }));',
    'process.exit(0);',
  ].join('\n');
  const samples: ColdInitSample[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const child = spawnSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const processMs = performance.now() - started;
    if (child.status !== 0) {
      throw new Error(`cold init process failed (status ${child.status}):\n${child.stderr}${child.error ?? ''}`);
    }
    const { bootMs, importMs } = JSON.parse(child.stdout) as { bootMs: number; importMs: number };
    samples.push({ bootMs, importMs, processMs });
  }
  return samples;
}
