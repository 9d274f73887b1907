/**
 * `npm run synth`: synthesizes the app into `cdk.out/` without the CDK CLI and without
 * AWS credentials or a network, with the context of `cdk.json`. cdk-nag runs as part of
 * the synth, so this is also the compliance check.
 *
 * Context can be added as `npm run synth -- samvard:stage=test samvard:changeEvents=true`.
 * When `cdk.json` names no token issuer or audience (it does not: they differ per
 * deployment), example values are used and said so: the templates are for checking,
 * deploy with `npx cdk deploy -c samvard:jwtIssuer=... -c samvard:jwtAudience=...`.
 */
import { cdkJsonContext } from './cdk-json.ts';
import { createSamvardApp } from './samvard-app.ts';

const EXAMPLE_CONTEXT = {
  'samvard:jwtIssuer': 'https://idp.example.invalid/realms/samvard',
  'samvard:jwtAudience': 'samvard',
};

const context: Record<string, unknown> = { ...cdkJsonContext() };
for (const arg of process.argv.slice(2)) {
  const at = arg.indexOf('=');
  if (at <= 0) throw new Error(`Expected key=value, got ${arg}`);
  context[arg.slice(0, at)] = arg.slice(at + 1);
}
for (const [key, value] of Object.entries(EXAMPLE_CONTEXT)) {
  if (context[key] === undefined) {
    console.warn(`${key} is not set: synthesizing with the example value ${value}`);
    context[key] = value;
  }
}

const outdir = process.env.CDK_OUTDIR ?? 'cdk.out';
const { app, stack } = createSamvardApp({ context, outdir });
let assembly: ReturnType<typeof app.synth>;
try {
  assembly = app.synth();
} catch (err) {
  // The validation report (cdk-nag findings, error annotations) is printed above.
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
const template = assembly.getStackArtifact(stack.artifactId).template as { Resources?: Record<string, unknown> };
console.log(
  `Synthesized ${stack.stackName} (${stack.region}): ${Object.keys(template.Resources ?? {}).length} resources in ${assembly.directory}; cdk-nag (AwsSolutions, HIPAA.Security) found no unacknowledged error.`,
);
