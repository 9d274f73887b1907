/**
 * The Hono app: the HTTP transport around the FHIR core. The same app runs on Lambda
 * (`functions/api/handler.ts`) and on a local Node server (`functions/local/start.ts`).
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { capabilityStatement } from '../core/capability-statement.ts';
import { readConformanceResource, searchConformanceResources } from '../core/conformance.ts';
import type { FhirContext } from '../core/context.ts';
import { processBundle } from '../core/bundle.ts';
import { conditionalCreate, conditionalDelete, conditionalUpdate } from '../core/conditional.ts';
import { createResource, deleteResource, readResource, readVersion, updateResource } from '../core/crud.ts';
import { instanceHistory, typeHistory } from '../core/history.ts';
import {
  type SearchParams,
  patientEverything,
  searchCompartment,
  searchSystem,
  searchType,
} from '../core/search/search.ts';
import { OperationOutcomeError, allOk, methodNotAllowed, notFound } from '../core/outcomes.ts';
import { patchResource } from '../core/patch.ts';
import { parseIfMatch } from '../core/preconditions.ts';
import { validateOperation } from '../core/validate-operation.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import { registerSubscriptionRoutes } from '../subscriptions/routes.ts';
import { registerIngestRoutes } from './ingest-routes.ts';
import { errorResponse, fhirResponse, parsePreferReturn } from './fhir-response.ts';
import { readFormBody, readJsonBody, readJsonPatchBody } from './request-body.ts';
import { type AccessControl, installAccessControl, requestAccess } from './access-control.ts';

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

const TYPE = ':type{[A-Z][A-Za-z]+}';
/** samvard's own conformance resources, served read-only (functions/core/conformance.ts). */
const CONFORMANCE_TYPE = ':type{(?:StructureDefinition|ValueSet|CodeSystem)}';
/** `$validate` as a path segment: a literal `$` after a regex parameter does not match in Hono's router. */
const VALIDATE = ':operation{\\$validate}';

export function createApp({ store, baseUrl, accessControl }: AppDependencies): Hono {
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
  const respond = (c: Context, result: Parameters<typeof fhirResponse>[0], isWrite = false): Response =>
    fhirResponse(result, {
      baseUrl: fhirContext(c).baseUrl,
      prefer: isWrite ? parsePreferReturn(c.req.header('Prefer')) : 'representation',
    });
  const ifMatch = (c: Context): number | undefined => parseIfMatch(c.req.header('If-Match'));
  /** The search criteria of a conditional update or delete: the URL's query string. */
  const conditionalCriteria = (c: Context): string => new URL(c.req.url).search.slice(1);
  const searchOptions = (c: Context) => ({ strict: /handling\s*=\s*strict/.test(c.req.header('Prefer') ?? '') });
  /** Query parameters in order, repeats kept (a repeated parameter is an AND). */
  const queryParams = (c: Context): SearchParams => [...new URL(c.req.url).searchParams.entries()];

  app.get('/fhir/metadata', (c) =>
    fhirResponse({ outcome: allOk(), resource: capabilityStatement(fhirContext(c).baseUrl) }),
  );

  app.get('/fhir', async (c) => respond(c, await searchSystem(fhirContext(c), queryParams(c), searchOptions(c))));

  // Subscription create/update (checked; secret, owner, status set), $status and $events: before the generic routes.
  registerSubscriptionRoutes(app, { fhirContext, respond });
  // Region and municipal documents mapped to FHIR and committed as one transaction (mappings/).
  registerIngestRoutes(app, { fhirContext, respond });

  // Profiles, ValueSets, CodeSystems (read-only) and $validate, before the generic routes.
  const notAllowed = (allow: string) => (c: Context) => {
    const response = errorResponse(
      new OperationOutcomeError(methodNotAllowed(`${c.req.method} is not supported on ${c.req.path}`)),
    );
    response.headers.set('Allow', allow);
    return response;
  };
  app.get(`/fhir/${CONFORMANCE_TYPE}`, (c) =>
    respond(c, searchConformanceResources(fhirContext(c), c.req.param('type'), queryParams(c), searchOptions(c))),
  );
  app.get(`/fhir/${CONFORMANCE_TYPE}/:id`, (c) =>
    respond(c, readConformanceResource(fhirContext(c), c.req.param('type'), c.req.param('id'))),
  );
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], `/fhir/${CONFORMANCE_TYPE}`, notAllowed('GET'));
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], `/fhir/${CONFORMANCE_TYPE}/:id`, notAllowed('GET'));
  app.post(`/fhir/${TYPE}/${VALIDATE}`, async (c) => {
    const request = { body: await readJsonBody(c), params: queryParams(c) };
    return respond(c, await validateOperation(fhirContext(c), c.req.param('type'), request));
  });
  app.on(['GET', 'PUT', 'PATCH', 'DELETE'], `/fhir/${TYPE}/${VALIDATE}`, notAllowed('POST'));
  app.post(`/fhir/${TYPE}/:id/${VALIDATE}`, async (c) => {
    const { type, id } = c.req.param();
    const request = { id, body: await readJsonBody(c), params: queryParams(c) };
    return respond(c, await validateOperation(fhirContext(c), type, request));
  });
  app.get(`/fhir/${TYPE}/:id/${VALIDATE}`, async (c) => {
    const { type, id } = c.req.param();
    return respond(c, await validateOperation(fhirContext(c), type, { id, params: queryParams(c) }));
  });
  app.on(['PUT', 'PATCH', 'DELETE'], `/fhir/${TYPE}/:id/${VALIDATE}`, notAllowed('GET, POST'));
  app.get(`/fhir/${TYPE}`, async (c) =>
    respond(c, await searchType(fhirContext(c), c.req.param('type'), queryParams(c), searchOptions(c))),
  );
  app.post(`/fhir/${TYPE}/_search`, async (c) => {
    const params = [...queryParams(c), ...(await readFormBody(c))];
    return respond(c, await searchType(fhirContext(c), c.req.param('type'), params, searchOptions(c)));
  });
  app.get('/fhir/Patient/:id/$everything', async (c) =>
    respond(c, await patientEverything(fhirContext(c), c.req.param('id'), queryParams(c), searchOptions(c))),
  );
  app.get(`/fhir/Patient/:id/:compartment{[A-Z][A-Za-z]+}`, async (c) => {
    const { id, compartment } = c.req.param();
    return respond(c, await searchCompartment(fhirContext(c), id, compartment, queryParams(c), searchOptions(c)));
  });
  app.get(`/fhir/${TYPE}/_history`, async (c) =>
    respond(c, await typeHistory(fhirContext(c), c.req.param('type'), c.req.query())),
  );
  app.post('/fhir', async (c) => respond(c, await processBundle(fhirContext(c), await readJsonBody(c))));
  app.post(`/fhir/${TYPE}`, async (c) => {
    const type = c.req.param('type');
    const ifNoneExist = c.req.header('If-None-Exist');
    const body = await readJsonBody(c);
    const result = ifNoneExist
      ? await conditionalCreate(fhirContext(c), type, body, ifNoneExist)
      : await createResource(fhirContext(c), type, body);
    return respond(c, result, true);
  });
  app.put(`/fhir/${TYPE}`, async (c) => {
    const criteria = conditionalCriteria(c);
    const body = await readJsonBody(c);
    return respond(c, await conditionalUpdate(fhirContext(c), c.req.param('type'), criteria, body, ifMatch(c)), true);
  });
  app.delete(`/fhir/${TYPE}`, async (c) =>
    respond(c, await conditionalDelete(fhirContext(c), c.req.param('type'), conditionalCriteria(c)), true),
  );
  app.patch(`/fhir/${TYPE}/:id`, async (c) => {
    const { type, id } = c.req.param();
    return respond(c, await patchResource(fhirContext(c), type, id, await readJsonPatchBody(c), ifMatch(c)), true);
  });
  app.get(`/fhir/${TYPE}/:id`, async (c) =>
    respond(c, await readResource(fhirContext(c), c.req.param('type'), c.req.param('id'))),
  );
  app.put(`/fhir/${TYPE}/:id`, async (c) => {
    const { type, id } = c.req.param();
    return respond(c, await updateResource(fhirContext(c), type, id, await readJsonBody(c), ifMatch(c)), true);
  });
  app.delete(`/fhir/${TYPE}/:id`, async (c) => {
    const { type, id } = c.req.param();
    return respond(c, await deleteResource(fhirContext(c), type, id, ifMatch(c)), true);
  });
  app.get(`/fhir/${TYPE}/:id/_history`, async (c) => {
    const { type, id } = c.req.param();
    return respond(c, await instanceHistory(fhirContext(c), type, id, c.req.query()));
  });
  app.get(`/fhir/${TYPE}/:id/_history/:vid`, async (c) => {
    const { type, id, vid } = c.req.param();
    return respond(c, await readVersion(fhirContext(c), type, id, vid));
  });

  // A known path with a method it does not serve: 405, with the methods it does.
  const allowed: [string, string][] = [
    ['/fhir/metadata', 'GET'],
    ['/fhir', 'GET, POST'],
    [`/fhir/${TYPE}/_history`, 'GET'],
    [`/fhir/${TYPE}/_search`, 'POST'],
    [`/fhir/${TYPE}`, 'GET, POST, PUT, DELETE'],
    [`/fhir/${TYPE}/:id`, 'GET, PUT, PATCH, DELETE'],
    [`/fhir/${TYPE}/:id/_history`, 'GET'],
    [`/fhir/${TYPE}/:id/_history/:vid`, 'GET'],
  ];
  for (const [path, methods] of allowed) {
    app.all(path, (c) => {
      const response = errorResponse(
        new OperationOutcomeError(methodNotAllowed(`${c.req.method} is not supported on ${c.req.path}`)),
      );
      response.headers.set('Allow', methods);
      return response;
    });
  }

  app.notFound((c) => errorResponse(new OperationOutcomeError(notFound(`No FHIR endpoint at ${c.req.path}`))));
  app.onError((err) => errorResponse(err));
  return app;
}
