/**
 * A development token issuer for `npm start`: `POST /oauth2/token` (OAuth 2.0 client
 * credentials, authenticated with `client_secret_basic` or SMART Backend Services'
 * `private_key_jwt`) and `GET /oauth2/jwks`, for the demo clients of a seed file
 * (functions/local/dev-clients.json; `SAMVARD_DEV_CLIENTS=<file>` names another). Its
 * signing key is made at start-up, so tokens do not outlive the process.
 *
 * This is not an identity provider: it does not authenticate people. A real deployment
 * uses the region's or Inera's IdP (SAMVARD_AUTH_ISSUER, see functions/api/dependencies.ts).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { Context } from 'hono';
import {
  type JSONWebKeySet,
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { z } from 'zod';
import { ACCEPTED_ALGORITHMS, type Authenticator, bearerAuthenticator, jwtVerifier } from '../auth/authenticator.ts';
import { CLAIMS } from '../auth/caller.ts';
import { type ResourceScope, parseScope } from '../auth/scopes.ts';

export const DEFAULT_DEV_CLIENTS = new URL('./dev-clients.json', import.meta.url);
export const DEV_AUDIENCE = 'samvard';
/** Lifetime of a dev access token, seconds. */
const TOKEN_LIFETIME = 3600;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const HsaId = z.string().regex(/^[A-Za-z0-9-]{3,64}$/);

const DevClient = z
  .object({
    clientId: z.string().min(1),
    name: z.string().min(1),
    /** `client_secret_basic`: the shared secret. */
    secret: z.string().min(8).optional(),
    /** `private_key_jwt`: the client's public keys. */
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    /** Scopes the client may be given (space separated). */
    scope: z.string().min(1),
    /** Care provider and unit (HSA-ids); required unless it is a patient app. */
    careProvider: HsaId.optional(),
    careUnit: HsaId.optional(),
    /** A professional's HSA-id: the client's tokens are user tokens. */
    professional: HsaId.optional(),
    /** A patient app: each token request names the patient (`patient=<Patient id>`). */
    patientApp: z.boolean().optional(),
  })
  .refine((c) => c.secret !== undefined || c.jwks !== undefined, 'a client needs a secret or jwks')
  .refine((c) => c.patientApp || (c.careProvider && c.careUnit), 'a care provider client needs careProvider and careUnit');

const DevClients = z.object({ clients: z.array(DevClient).min(1) });
export type DevClient = z.infer<typeof DevClient>;

export interface DevAuth {
  authenticator: Authenticator;
  /** The `/oauth2` routes: mount with `app.route('/oauth2', devAuth.routes)`. */
  routes: Hono;
  issuer: string;
  clients: DevClient[];
  /** Issues a token directly (tests, scripts). */
  issue(claims: Record<string, unknown>): Promise<string>;
}

export function loadDevClients(file: string | URL = DEFAULT_DEV_CLIENTS): DevClient[] {
  const parsed = DevClients.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid dev clients file ${String(file)}: ${z.prettifyError(parsed.error)}`);
  const ids = new Set<string>();
  for (const client of parsed.data.clients) {
    if (ids.has(client.clientId)) throw new Error(`Dev clients file ${String(file)}: clientId ${client.clientId} twice`);
    ids.add(client.clientId);
  }
  return parsed.data.clients;
}

/**
 * The dev issuer for a server at `origin` (e.g. `http://localhost:8080`): issuer
 * `<origin>/oauth2`, audience {@link DEV_AUDIENCE}.
 */
export async function createDevAuth(options: { origin: string; clients: DevClient[] }): Promise<DevAuth> {
  const issuer = `${options.origin}/oauth2`;
  const tokenEndpoint = `${issuer}/token`;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] };
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  const usedAssertions = new Map<string, number>();

  /** Signs claims as this issuer; `aud`, `exp` and `jti` default unless the claims carry them. */
  const issue = (claims: Record<string, unknown>): Promise<string> => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).setIssuer(issuer).setIssuedAt();
    if (claims.aud === undefined) jwt.setAudience(DEV_AUDIENCE);
    if (claims.exp === undefined) jwt.setExpirationTime(`${TOKEN_LIFETIME}s`);
    if (claims.jti === undefined) jwt.setJti(randomUUID());
    return jwt.sign(privateKey);
  };

  const routes = new Hono();
  routes.get('/jwks', (c) => c.json(jwks));
  routes.post('/token', async (c) => {
    try {
      const form = await readForm(c);
      if (form.get('grant_type') !== 'client_credentials') {
        throw new TokenError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported');
      }
      const client = await authenticateClient(c, form, clients, [tokenEndpoint, issuer], usedAssertions);
      const scope = grantedScopes(client, form.get('scope') ?? undefined);
      const claims: Record<string, unknown> = { sub: client.clientId, client_id: client.clientId, scope };
      if (client.patientApp) {
        const patient = form.get('patient');
        if (!patient || !/^[A-Za-z0-9\-.]{1,64}$/.test(patient)) {
          throw new TokenError(400, 'invalid_request', 'A patient app names the patient: patient=<Patient id>');
        }
        claims[CLAIMS.patient] = patient;
      } else {
        claims[CLAIMS.careProvider] = client.careProvider;
        claims[CLAIMS.careUnit] = client.careUnit;
        if (client.professional) claims[CLAIMS.professional] = client.professional;
      }
      const token = await issue(claims);
      c.header('Cache-Control', 'no-store');
      return c.json({
        access_token: token,
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME,
        scope,
        ...(claims[CLAIMS.patient] ? { patient: claims[CLAIMS.patient] } : {}),
      });
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      if (err.status === 401) c.header('WWW-Authenticate', 'Basic realm="samvard-dev"');
      return c.json({ error: err.code, error_description: err.message }, err.status);
    }
  });

  const authenticator = bearerAuthenticator(
    jwtVerifier({ issuer, audience: DEV_AUDIENCE, keys: createLocalJWKSet(jwks) }),
    { issuer, tokenEndpoint, jwksUri: `${issuer}/jwks` },
  );
  return { authenticator, routes, issuer, clients: options.clients, issue };
}

class TokenError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readForm(c: Context): Promise<URLSearchParams> {
  const type = c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new TokenError(400, 'invalid_request', 'The token request is application/x-www-form-urlencoded');
  }
  return new URLSearchParams(await c.req.text());
}

async function authenticateClient(
  c: Context,
  form: URLSearchParams,
  clients: Map<string, DevClient>,
  audiences: string[],
  usedAssertions: Map<string, number>,
): Promise<DevClient> {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(c.req.header('Authorization') ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    const id = decodeURIComponent(decoded.slice(0, Math.max(colon, 0)).replace(/\+/g, ' '));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    const client = clients.get(id);
    if (colon < 0 || !client?.secret || !sameText(client.secret, secret)) {
      throw new TokenError(401, 'invalid_client', 'Unknown client or wrong secret');
    }
    return client;
  }
  if (form.get('client_assertion_type') === ASSERTION_TYPE) {
    const assertion = form.get('client_assertion') ?? '';
    let claimedId: string | undefined;
    try {
      claimedId = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')).iss;
    } catch {
      // handled below
    }
    const client = claimedId ? clients.get(claimedId) : undefined;
    if (!client?.jwks) throw new TokenError(401, 'invalid_client', 'Unknown client or no registered keys');
    try {
      const { payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks as JSONWebKeySet), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: audiences,
        algorithms: ACCEPTED_ALGORITHMS,
        maxTokenAge: '5m',
        requiredClaims: ['exp', 'jti'],
      });
      const now = Date.now() / 1000;
      for (const [jti, exp] of usedAssertions) if (exp < now) usedAssertions.delete(jti);
      const jtiKey = `${client.clientId}:${payload.jti}`;
      if (usedAssertions.has(jtiKey)) throw new TokenError(401, 'invalid_client', 'The client assertion was used before');
      usedAssertions.set(jtiKey, payload.exp ?? now + 300);
      return client;
    } catch (err) {
      if (err instanceof TokenError) throw err;
      throw new TokenError(401, 'invalid_client', `The client assertion does not verify: ${(err as Error).message}`);
    }
  }
  throw new TokenError(
    401,
    'invalid_client',
    'Authenticate the client: Authorization: Basic (client_secret_basic) or client_assertion (private_key_jwt)',
  );
}

/** The requested scopes the client may have (all of its scopes when none are asked for). */
function grantedScopes(client: DevClient, requested: string | undefined): string {
  const allowed = client.scope.split(/\s+/).flatMap((s) => {
    const parsed = parseScope(s);
    return parsed ? [parsed] : [];
  });
  if (!requested) return client.scope;
  const granted = requested.split(/\s+/).filter((text) => {
    const scope = parseScope(text);
    return scope !== undefined && allowed.some((a) => covers(a, scope));
  });
  if (granted.length === 0) {
    throw new TokenError(400, 'invalid_scope', `None of the requested scopes is allowed for ${client.clientId}`);
  }
  return granted.join(' ');
}

function covers(allowed: ResourceScope, requested: ResourceScope): boolean {
  return (
    allowed.context === requested.context &&
    (allowed.resourceType === '*' || allowed.resourceType === requested.resourceType) &&
    allowed.restriction === undefined &&
    [...requested.permissions].every((p) => allowed.permissions.has(p))
  );
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
