/** Lambda entry of the FHIR API (API Gateway HTTP API, payload 2.0). */
import { handle } from 'hono/aws-lambda';
import { createApp } from '../http/app.ts';
import { buildDependencies } from './dependencies.ts';

export const handler = handle(createApp(buildDependencies()));
