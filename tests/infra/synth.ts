/**
 * Synthesizes the samvard CDK app the way `cdk synth` does (context from cdk.json, the
 * cdk-nag packs as validation plugins) but without bundling the functions, so a test
 * file synthesizes once in about a second.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { cdkJsonContext } from '../../infra/cdk-json.ts';
import { createSamvardApp } from '../../infra/samvard-app.ts';
import type { SamvardStack } from '../../infra/samvard-stack.ts';

export const TEST_ISSUER = 'https://login.region.example/realms/samvard';
export const TEST_AUDIENCE = ['samvard-api', 'samvard-app'];

export interface NagFinding {
  rule: string;
  severity: string;
  paths: string[];
}

export interface Acknowledgment {
  path: string;
  id: string;
  reason: string;
}

export interface Synthesized {
  stack: SamvardStack;
  template: Template;
  /** cdk-nag findings that were not acknowledged (errors and warnings). */
  findings: NagFinding[];
  acknowledgments: Acknowledgment[];
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'samvard-cdk-'));
  try {
    const { app, stack } = createSamvardApp({
      outdir,
      context: {
        ...cdkJsonContext(),
        'samvard:jwtIssuer': TEST_ISSUER,
        'samvard:jwtAudience': TEST_AUDIENCE.join(','),
        // Skip esbuild: these tests read templates, `npm run synth` bundles for real.
        'aws:cdk:bundling-stacks': [],
        ...context,
      },
    });
    let failure: unknown;
    let template: Template | undefined;
    try {
      const assembly = app.synth();
      template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
    } catch (err) {
      failure = err;
    }
    const report = readReport(outdir);
    const findings = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map((v) => ({
        rule: v.ruleName,
        severity: v.severity,
        paths: v.violatingConstructs.map((c) => c.constructPath),
      })),
    );
    if (!template) {
      // A failed synth with findings is reported through them; anything else is a bug.
      if (findings.length === 0) throw failure;
      template = Template.fromStack(stack, { skipCyclicalDependenciesCheck: true });
    }
    return { stack, template, findings, acknowledgments: collectAcknowledgments(stack) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function readReport(outdir: string): ValidationReport {
  try {
    return JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  } catch {
    return { pluginReports: [] };
  }
}

function collectAcknowledgments(root: IConstruct): Acknowledgment[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string | { reason?: string }>).map(([id, value]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason: typeof value === 'string' ? value : (value.reason ?? ''),
        })),
      ),
  );
}

/** The resources of one type in a template, as `[logicalId, properties]`. */
export function resourcesOf(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.findResources(type)).map(([id, r]) => [
    id,
    ((r as { Properties?: Record<string, unknown> }).Properties ?? {}) as Record<string, unknown>,
  ]);
}
