/**
 * Authentication, SMART scopes, the SVOD access rules and the access log, as Hono
 * middleware around every `/fhir` route except the two discovery documents
 * (`GET /fhir/metadata`, `GET /fhir/.well-known/smart-configuration`), and around every
 * `/ingest` route (document ingest, functions/http/ingest-routes.ts), which writes
 * patient data as a transaction does.
 *
 * Per request: the Bearer token is verified (401 with an OperationOutcome and
 * `WWW-Authenticate` otherwise), the route's interaction and type are checked against
 * the token's scopes (403), the FHIR core gets the caller and the caller's view of the
 * store (functions/access/guard.ts), and after the handler the request's AuditEvents
 * are written (functions/access/audit.ts) before the response leaves.
 *
 * Installed once per app, in front of every route group, by guarded-app.ts: the API
 * function and the ingest function run this same guard.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { EMERGENCY_HEADER, type Authenticator } from '../auth/authenticator.ts';
import type { Caller } from '../auth/caller.ts';
import { type Permission, hasPermission, requirePermission } from '../auth/scopes.ts';
import { AuditLog, type Interaction, auditEvents } from '../access/audit.ts';
import { isPatientDataType } from '../access/facts.ts';
import { RequestAccess } from '../access/guard.ts';
import { OperationOutcomeError, forbidden, unavailable } from '../core/outcomes.ts';
import { SERVED_RESOURCE_TYPES, isServedResourceType } from '../core/resource-types.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import { errorResponse } from './fhir-response.ts';

export interface AccessControl {
  authenticator: Authenticator;
  /** Where AuditEvents are written. */
  auditLog: AuditLog;
  now?: () => Date;
}

const ACCESS = 'samvardAccess';
const PUBLIC = new Set(['GET /fhir/metadata', 'GET /fhir/.well-known/smart-configuration']);
/** Definitions samvard publishes (functions/core/conformance.ts): a token, but no scope, needed. */
const DEFINITION_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem']);

/** The caller's view of the store for this request, when access control is on. */
export function requestAccess(c: Context): RequestAccess | undefined {
  return c.get(ACCESS) as RequestAccess | undefined;
}

/** The paths the guard covers: every route of fhir-routes.ts and ingest-routes.ts is under one of them. */
export const GUARDED_PATHS = ['/fhir', '/fhir/*', '/ingest', '/ingest/*'] as const;

/** Serves the SMART configuration and guards every other `/fhir` route and every `/ingest` route. */
export function installAccessControl(app: Hono, store: ResourceStore, control: AccessControl): void {
  app.get('/fhir/.well-known/smart-configuration', (c) => c.json(smartConfiguration(control.authenticator)));
  const guarded = guard(store, control);
  for (const path of GUARDED_PATHS) app.use(path, guarded);
}

function guard(store: ResourceStore, control: AccessControl): MiddlewareHandler {
  const now = control.now ?? (() => new Date());
  return async (c, next) => {
    if (PUBLIC.has(`${c.req.method} ${c.req.path}`)) return next();
    let caller: Caller;
    try {
      caller = await control.authenticator.authenticate({
        authorization: c.req.header('Authorization'),
        emergency: decodeReason(c.req.header(EMERGENCY_HEADER)),
      });
    } catch (err) {
      const response = errorResponse(err);
      if (response.status === 401) {
        response.headers.set(
          'WWW-Authenticate',
          c.req.header('Authorization') ? 'Bearer realm="samvard", error="invalid_token"' : 'Bearer realm="samvard"',
        );
      }
      return response;
    }
    const url = new URL(c.req.url);
    const route = classify(c.req.method, url);
    const access = new RequestAccess(store, caller, now, new Set(route.needs.map(([, type]) => type)), {
      log: control.auditLog,
      interaction: route.interaction,
      url: `${url.pathname}${url.search}`,
    });
    c.set(ACCESS, access);
    try {
      for (const [permission, type] of route.needs) requirePermission(caller, permission, type);
      if (route.needsAnySearch && !SERVED_RESOURCE_TYPES.some((t) => hasPermission(caller, 's', t))) {
        throw new OperationOutcomeError(forbidden('The access token\'s scopes allow no search'));
      }
      if (route.needsAnyWrite && !SERVED_RESOURCE_TYPES.some((t) => hasPermission(caller, 'c', t) || hasPermission(caller, 'u', t))) {
        throw new OperationOutcomeError(forbidden('The access token\'s scopes allow no writes, and ingest writes resources'));
      }
    } catch (err) {
      c.res = errorResponse(err);
      if (c.res.status === 403) c.res.headers.set('WWW-Authenticate', 'Bearer realm="samvard", error="insufficient_scope"');
      await writeLog(c, control, access, route, url, now);
      return c.res;
    }
    await next();
    await writeLog(c, control, access, route, url, now);
  };
}

/** Writes the request's AuditEvents; a read whose log cannot be written is not answered. */
async function writeLog(
  c: Context,
  control: AccessControl,
  access: RequestAccess,
  route: Route,
  url: URL,
  now: () => Date,
): Promise<void> {
  const { caller } = access;
  // A patient reading the log of their own record is not itself logged (it would grow with every look).
  if (caller.kind === 'patient' && route.types.length === 1 && route.types[0] === 'AuditEvent') return;
  if (route.types.some(isPatientDataType)) for (const patient of route.patients) access.notePatient(patient);
  // Writes were logged in their own commit; what is left are reads, searches and refusals.
  const accesses = access.unloggedAccesses();
  if (accesses.length === 0) return;
  const status = c.res.status;
  const events = auditEvents(
    { caller, interaction: route.interaction, url: `${url.pathname}${url.search}`, status, recorded: now() },
    accesses,
  );
  try {
    await control.auditLog.write(events);
  } catch (err) {
    const wrote = route.isWrite && status < 400;
    console.error(`AUDIT-FALLBACK ${JSON.stringify(events)}`, err);
    if (!wrote) {
      c.res = errorResponse(
        new OperationOutcomeError(unavailable('The access log cannot be written, so nothing is read; retry later')),
      );
    }
  }
}

interface Route {
  interaction: Interaction;
  /** Scopes the route needs before anything runs. */
  needs: [Permission, string][];
  /** System search without `_type`: some search scope is needed. */
  needsAnySearch?: boolean;
  /**
   * Document ingest: some create or update scope is needed up front (a dry run too); what
   * the document maps to is then checked write by write by the store view.
   */
  needsAnyWrite?: boolean;
  /** The resource types the request is about. */
  types: string[];
  /** Patients the request names (path, `patient`/`subject`/`_id` parameters), for the log. */
  patients: string[];
  isWrite: boolean;
}

/**
 * What a request is, from its method and path, for the scope check and the log.
 * Which letter each interaction needs: see functions/auth/scopes.ts.
 */
export function classify(method: string, url: URL): Route {
  const segments = url.pathname.replace(/^\/fhir\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [type, second, third] = segments;
  const route = (interaction: Interaction, needs: [Permission, string][], types: string[]): Route => ({
    interaction,
    needs: needs.filter(([, t]) => isServedResourceType(t)),
    types,
    patients: patientsNamed(url, types),
    isWrite: interaction === 'create' || interaction === 'update' || interaction === 'delete' || interaction === 'transaction',
  });
  // Document ingest, `/ingest…`: posting a document is a transaction of whatever it maps
  // to; the format list and the schemas are definitions.
  if (/^\/ingest(?:\/|$)/.test(url.pathname)) {
    if (method === 'POST') return { ...route('transaction', [], [...SERVED_RESOURCE_TYPES]), needsAnyWrite: true };
    return route('read', [], []);
  }
  if (type === undefined) {
    if (method === 'POST') return route('transaction', [], [...SERVED_RESOURCE_TYPES]);
    const named = url.searchParams.get('_type')?.split(',').map((t) => t.trim()).filter(Boolean);
    if (named) return route('search-system', named.map((t): [Permission, string] => ['s', t]), named);
    return { ...route('search-system', [], [...SERVED_RESOURCE_TYPES]), needsAnySearch: true };
  }
  if (DEFINITION_TYPES.has(type)) return route('read', [], [type]);
  if (second === undefined) {
    // PUT and DELETE on a type are the conditional update and delete.
    if (method === 'POST') return route('create', [['c', type]], [type]);
    if (method === 'PUT') return route('update', [['u', type]], [type]);
    if (method === 'DELETE') return route('delete', [['d', type]], [type]);
    return route('search-type', [['s', type]], [type]);
  }
  if (second === '_search') return route('search-type', [['s', type]], [type]);
  if (second === '_history') return route('history-type', [['s', type]], [type]);
  if (second === '$validate') return route('operation', [], [type]);
  const id = second;
  if (third === undefined) {
    const interaction: Interaction =
      method === 'PUT' || method === 'PATCH' ? 'update' : method === 'DELETE' ? 'delete' : 'read';
    const letter: Permission = interaction === 'update' ? 'u' : interaction === 'delete' ? 'd' : 'r';
    const found = route(interaction, [[letter, type]], [type]);
    if (type === 'Patient') found.patients.push(id);
    return found;
  }
  if (third === '_history') {
    const found = route(segments[3] === undefined ? 'history-instance' : 'vread', [['r', type]], [type]);
    if (type === 'Patient') found.patients.push(id);
    return found;
  }
  if (third === '$validate') return route('operation', [['r', type]], [type]);
  if (type === 'Patient' && third === '$everything') {
    const found = route('operation', [['r', 'Patient']], [...SERVED_RESOURCE_TYPES]);
    found.patients.push(id);
    return found;
  }
  if (type === 'Patient') {
    const found = route('search-type', [['s', third]], [third]);
    found.patients.push(id);
    return found;
  }
  return route('read', [], [type]);
}

function patientsNamed(url: URL, types: string[]): string[] {
  const patients = new Set<string>();
  for (const [key, value] of url.searchParams) {
    const name = key.split(':')[0];
    const isIdOfPatient = name === '_id' && types.length === 1 && types[0] === 'Patient';
    if (name !== 'patient' && name !== 'subject' && !isIdOfPatient) continue;
    for (const v of value.split(',')) {
      const match = /^(?:.*\/)?(?:Patient\/)?([A-Za-z0-9\-.]{1,64})$/.exec(v.trim());
      const isPatientRef = name !== 'subject' || v.includes('Patient/');
      if (match?.[1] && isPatientRef) patients.add(match[1]);
    }
  }
  return [...patients];
}

/** The emergency reason as sent: percent-encoded when it is not ASCII (HTTP headers are). */
function decodeReason(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return decodeURIComponent(header);
  } catch {
    return header;
  }
}

/**
 * `/.well-known/smart-configuration`.
 * @see https://hl7.org/fhir/smart-app-launch/conformance.html
 */
export function smartConfiguration(authenticator: Authenticator): Record<string, unknown> {
  const { issuer, tokenEndpoint, jwksUri, authorizationEndpoint } = authenticator.endpoints;
  return {
    issuer,
    ...(jwksUri ? { jwks_uri: jwksUri } : {}),
    ...(authorizationEndpoint ? { authorization_endpoint: authorizationEndpoint } : {}),
    token_endpoint: tokenEndpoint,
    grant_types_supported: ['client_credentials', ...(authorizationEndpoint ? ['authorization_code'] : [])],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384', 'RS256', 'ES256'],
    scopes_supported: [
      'system/*.cruds',
      'user/*.cruds',
      'patient/*.rs',
      'system/*.read',
      'user/*.read',
      'patient/*.read',
    ],
    response_types_supported: authorizationEndpoint ? ['code'] : [],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'client-confidential-symmetric',
      'client-confidential-asymmetric',
      'permission-v1',
      'permission-v2',
      'permission-patient',
      'permission-user',
    ],
  };
}
