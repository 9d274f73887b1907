/**
 * Entry of the CDK CLI (`cdk.json`: `npx cdk synth`, `npx cdk deploy`); the CLI passes
 * the context and the output directory. See docs/deployment.md.
 */
import { createSamvardApp } from './samvard-app.ts';

createSamvardApp().app.synth();
