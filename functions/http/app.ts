/**
 * Everything samvard serves over HTTP in one Hono app: the FHIR routes (fhir-routes.ts)
 * and document ingest (ingest-routes.ts), behind the one access control of
 * guarded-app.ts. `npm start` (functions/local/start.ts) and the tests serve this.
 *
 * On AWS the two groups are two functions behind one HTTP API (infra/constructs/
 * fhir-http-api.ts): `/ingest` and `/ingest/{proxy+}` go to the ingest function
 * (functions/ingest/handler.ts, `createIngestApp`), every other route to the API function
 * (functions/api/handler.ts, `createApiApp`). The paths do not overlap, so this app
 * answers each request as the deployed function for its path does.
 */
import type { Hono } from 'hono';
import { registerFhirRoutes } from './fhir-routes.ts';
import { type AppDependencies, createGuardedApp } from './guarded-app.ts';
import { registerIngestRoutes } from './ingest-routes.ts';

export type { AppDependencies } from './guarded-app.ts';

export function createApp(dependencies: AppDependencies): Hono {
  return createGuardedApp(dependencies, [registerIngestRoutes, registerFhirRoutes]);
}
