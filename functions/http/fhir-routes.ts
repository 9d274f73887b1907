/**
 * The FHIR routes: the HTTP transport around the FHIR core, served by the API function
 * (`functions/api/handler.ts`, `createApiApp`) and, beside the ingest routes, by the local
 * Node server (`functions/local/start.ts`, app.ts). Authentication, scopes, the access
 * rules and the access log are put in front of them by guarded-app.ts.
 *
 * Document ingest is not here (ingest-routes.ts, its own function): the former
 * `[base]/$ingest` operation answers with a 404 that points at `/ingest`.
 */
import type { Context, Hono } from 'hono';
import { capabilityStatement } from '../core/capability-statement.ts';
import { readConformanceResource, searchConformanceResources } from '../core/conformance.ts';
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
import { registerSubscriptionRoutes } from '../subscriptions/routes.ts';
import { errorResponse, fhirResponse } from './fhir-response.ts';
import { readFormBody, readJsonBody, readJsonPatchBody } from './request-body.ts';
import { type AppDependencies, type RouteHelpers, createGuardedApp } from './guarded-app.ts';

const TYPE = ':type{[A-Z][A-Za-z]+}';
/** samvard's own conformance resources, served read-only (functions/core/conformance.ts). */
const CONFORMANCE_TYPE = ':type{(?:StructureDefinition|ValueSet|CodeSystem)}';
/** `$validate` as a path segment: a literal `$` after a regex parameter does not match in Hono's router. */
const VALIDATE = ':operation{\\$validate}';
/** The former `$ingest` operation (document ingest is served at `/ingest`, by its own function). */
const INGEST = ':operation{\\$ingest}';

/** The API function's app: the FHIR routes behind the access control. */
export function createApiApp(dependencies: AppDependencies): Hono {
  return createGuardedApp(dependencies, [registerFhirRoutes]);
}

export function registerFhirRoutes(app: Hono, { fhirContext, respond }: RouteHelpers): void {
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
  // Document ingest is served at `/ingest/{format}` by its own function (ingest-routes.ts); the
  // `$ingest` operation it once was here is gone (API Gateway routes no `$` path to that function).
  app.all(`/fhir/${INGEST}`, ingestMoved);
  app.all(`/fhir/${INGEST}/*`, ingestMoved);

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
}

/** `[base]/$ingest…`: a 404 naming where document ingest is. */
function ingestMoved(c: Context): Response {
  const ingest = `${new URL(c.req.url).origin}/ingest`;
  return errorResponse(
    new OperationOutcomeError(
      notFound(
        `No FHIR endpoint at ${c.req.path}: document ingest is not a FHIR operation here; ` +
          `POST ${ingest}/{format} (GET ${ingest} lists the formats and their JSON Schemas)`,
      ),
    ),
  );
}
