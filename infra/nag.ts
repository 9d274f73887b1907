/**
 * cdk-nag, imported once. It is CommonJS whose `__exportStar` re-exports Node's ESM
 * loader cannot see as named exports, so it is imported whole and taken apart here.
 *
 * cdk-nag 3 runs as a CDK policy-validation plugin: a finding fails the synth unless
 * acknowledged with `Validations.of(construct).acknowledge({ id, reason })`.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import cdkNag from 'cdk-nag';

export const { AwsSolutionsChecks, HIPAASecurityChecks } = cdkNag;

/** The rule packs samvard is checked against. */
export function samvardNagPacks(scope: IConstruct) {
  return [new AwsSolutionsChecks(scope, { verbose: true }), new HIPAASecurityChecks(scope, { verbose: true })];
}

/** Accepts cdk-nag findings on `scope` (and below it), each rule id with the same reason. */
export function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}
