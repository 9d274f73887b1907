/**
 * Bundles a Lambda handler (the FHIR API's unless told; the ingest function's too) the way it is deployed: one ESM file,
 * minified, platform node, target node22, source map as a separate file, the AWS SDK
 * bundled in (not taken from the Lambda runtime), as `infra/constructs/samvard-function.ts`
 * configures NodejsFunction. Returns its size and what fills it.
 */
import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { type Metafile, build } from 'esbuild';

export const HANDLER_ENTRY = 'functions/api/handler.ts';
/** Document ingest, a function of its own (functions/ingest/handler.ts). */
export const INGEST_HANDLER_ENTRY = 'functions/ingest/handler.ts';

export interface BundleResult {
  file: string;
  bytes: number;
  mapBytes: number;
  buildMs: number;
  /** Bytes in the output per contributor (npm package, or file of ours), largest first. */
  contributors: { name: string; bytes: number }[];
  metafile: Metafile;
}

/** ESM output still needs `require` for the CommonJS parts of its dependencies. */
const REQUIRE_SHIM =
  "import { createRequire as __samvardCreateRequire } from 'node:module';" +
  'const require = __samvardCreateRequire(import.meta.url);';

export async function bundleHandler(root: string, outdir: string, entry: string = HANDLER_ENTRY): Promise<BundleResult> {
  const outfile = resolve(outdir, 'index.mjs');
  const started = performance.now();
  const result = await build({
    absWorkingDir: root,
    entryPoints: [resolve(root, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    sourcemap: true,
    // As infra/constructs/samvard-function.ts deploys it: the map without the sources' text.
    sourcesContent: false,
    // As CDK's NodejsFunction does for ESM: prefer packages' ES module builds, which tree-shake.
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    metafile: true,
    logLevel: 'error',
  });
  const buildMs = performance.now() - started;
  const outputKey = relative(root, outfile).split('\\').join('/');
  const output = result.metafile.outputs[outputKey];
  if (!output) throw new Error(`esbuild wrote no ${outputKey}`);
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = contributorOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  const contributors = [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
  return {
    file: outfile,
    bytes: statSync(outfile).size,
    mapBytes: statSync(`${outfile}.map`).size,
    buildMs,
    contributors,
    metafile: result.metafile,
  };
}

/** `node_modules/@scope/name/...` -> `@scope/name`; our own files keep their path. */
function contributorOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return input;
  const first = parts[at + 1] ?? input;
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
}
