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
  /** `AwsSolutions`, `HIPAA.Security`, or `Construct Annotations` for `Annotations.addError`. */
  plugin: string;
  rule: string;
  severity: string;
  description: string;
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
  /** Validation findings that were not acknowledged (errors and warnings), by plugin. */
  findings: NagFinding[];
  acknowledgments: Acknowledgment[];
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      severity: string;
      description: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

/** Errors of the cdk-nag packs (AwsSolutions, HIPAA.Security). */
export const nagErrors = (findings: NagFinding[]): NagFinding[] =>
  findings.filter((f) => f.severity === 'error' && f.plugin !== 'Construct Annotations');

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
    try {
      app.synth();
    } catch (err) {
      failure = err;
    }
    const findings = readReport(outdir).pluginReports.flatMap((plugin) =>
      plugin.violations.map((v) => ({
        plugin: plugin.pluginName,
        rule: v.ruleName,
        severity: v.severity,
        description: v.description,
        paths: v.violatingConstructs.map((c) => c.constructPath),
      })),
    );
    // Validation runs after the templates are written: a failed validation is reported
    // through `findings`, and the template is read from the output directory.
    if (failure && findings.length === 0) throw failure;
    const template = Template.fromJSON(
      JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as Record<string, unknown>,
    );
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
