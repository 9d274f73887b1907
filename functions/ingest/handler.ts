/**
 * Lambda entry of document ingest (API Gateway HTTP API, payload 2.0): `/ingest` and
 * `/ingest/{proxy+}` (functions/http/ingest-routes.ts). A function of its own so that
 * mappings/ (classic zod, fast-xml-parser, the vendors' schemas) is in neither the FHIR
 * API function's bundle nor its cold start, and so that a large document has the memory
 * and time it needs (infra/samvard-stack.ts). The dependencies are the API function's
 * (configuration, store, profiles, access control): ingest commits through the same
 * transaction code, checked by the same rules.
 */
import { handle } from 'hono/aws-lambda';
import { buildDependencies } from '../api/dependencies.ts';
import { createIngestApp } from '../http/ingest-routes.ts';

export const handler = handle(createIngestApp(buildDependencies()));
