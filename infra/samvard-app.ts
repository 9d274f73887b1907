/**
 * Builds the CDK app: one stack, `samvard-<stage>`, checked on synth by cdk-nag's AWS
 * Solutions and HIPAA Security packs (a finding that is not acknowledged with a reason
 * fails the synth). Used by the CDK CLI entry (`app.ts`), `npm run synth` (`synth.ts`)
 * and the tests.
 */
import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { readConfig } from './config.ts';
import { samvardNagPacks } from './nag.ts';
import { SamvardStack } from './samvard-stack.ts';

export interface SamvardApp {
  app: App;
  stack: SamvardStack;
}

export function createSamvardApp(props: AppProps = {}): SamvardApp {
  const app = new App(props);
  const config = readConfig(app.node);
  const stack = new SamvardStack(app, `samvard-${config.stage}`, {
    config,
    env: { account: config.account, region: config.region },
    description: `samvard FHIR R4 API (${config.stage})`,
    terminationProtection: config.stage === 'prod',
  });
  Tags.of(app).add('project', 'samvard');
  Tags.of(app).add('stage', config.stage);
  Validations.of(app).addPlugins(...samvardNagPacks(app));
  return { app, stack };
}
