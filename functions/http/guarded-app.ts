/**
 * The one place a samvard Hono app is put together: authentication, scopes, the SVOD
 * access rules and the access log (access-control.ts) installed once, in front of the
 * route groups it is given; the FHIR context and response helpers those routes use; and
 * the 404 and error answers.
 *
 * Each Lambda function builds its app here from its own route groups, so the security
 * behaviour is the same code in each:
 * - the API function (functions/api/handler.ts): the FHIR routes (fhir-routes.ts);
 * - the ingest function (functions/ingest/handler.ts): the document ingest routes
 *   (ingest-routes.ts), which carry mappings/ (classic zod, fast-xml-parser) and so
 *   are kept out of the API function's bundle and cold start.
 * `npm start` and the tests serve both groups in one app (app.ts), as API Gateway
 * routes `/ingest…` to the one function and everything else to the other.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { FhirContext, FhirResult } from '../core/context.ts';
import { OperationOutcomeError, notFound } from '../core/outcomes.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import { type AccessControl, installAccessControl, requestAccess } from './access-control.ts';
import { errorResponse, fhirResponse, parsePreferReturn } from './fhir-response.ts';

export interface AppDependencies {
  store: ResourceStore;
  /** Base URL of the FHIR API as clients see it; derived from each request when unset. */
  baseUrl?: string | undefined;
  /**
   * Authentication, scopes, the SVOD access rules and the access log
   * (access-control.ts). Without it, authentication is off: every request is served.
   */
  accessControl?: AccessControl | undefined;
}

/** What route handlers use: the request's FHIR context (the caller's view of the store) and the response. */
export interface RouteHelpers {
  fhirContext: (c: Context) => FhirContext;
  respond: (c: Context, result: FhirResult, isWrite?: boolean) => Response;
}

/** Registers a group of routes on the app (every path under access-control.ts `GUARDED_PATHS`). */
export type RouteGroup = (app: Hono, helpers: RouteHelpers) => void;

export function createGuardedApp({ store, baseUrl, accessControl }: AppDependencies, groups: RouteGroup[]): Hono {
  const app = new Hono();
  if (accessControl) installAccessControl(app, store, accessControl);

  const fhirContext = (c: Context): FhirContext => {
    const access = requestAccess(c);
    return {
      store: access?.store ?? store,
      baseUrl: baseUrl ?? `${new URL(c.req.url).origin}/fhir`,
      ...(access ? { caller: access.caller } : {}),
    };
  };
  const respond = (c: Context, result: FhirResult, isWrite = false): Response =>
    fhirResponse(result, {
      baseUrl: fhirContext(c).baseUrl,
      prefer: isWrite ? parsePreferReturn(c.req.header('Prefer')) : 'representation',
    });
  for (const register of groups) register(app, { fhirContext, respond });

  app.notFound((c) => errorResponse(new OperationOutcomeError(notFound(`No FHIR endpoint at ${c.req.path}`))));
  app.onError((err) => errorResponse(err));
  return app;
}
