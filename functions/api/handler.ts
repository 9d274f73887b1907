/**
 * Lambda entry of the FHIR API (API Gateway HTTP API, payload 2.0): every route but
 * `/ingest…`, which the ingest function serves (functions/ingest/handler.ts).
 */
import { handle } from 'hono/aws-lambda';
import { createApiApp } from '../http/fhir-routes.ts';
import { buildDependencies } from './dependencies.ts';

export const handler = handle(createApiApp(buildDependencies()));
