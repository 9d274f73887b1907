/**
 * Bearer token authentication: verifies a JWT access token with `jose` (signature from
 * the issuer's JWKS, `iss`, `aud`, `exp`/`nbf`) and turns its claims into a {@link Caller}.
 *
 * In AWS the HTTP API's JWT authorizer checks the same issuer and audience before the
 * function runs; the function verifies again, so the app never trusts an unverified
 * token whatever sits in front of it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750 (Bearer tokens, WWW-Authenticate)
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
import {
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
} from 'jose';
import { OperationOutcomeError, unavailable } from '../core/outcomes.ts';
import { type Caller, callerFromClaims, invalidToken } from './caller.ts';

/** The request header that asks for emergency access (nödåtkomst); its value is the reason. */
export const EMERGENCY_HEADER = 'Samvard-Emergency-Access';

/** Signature algorithms accepted: asymmetric only (no `none`, no shared-secret HMAC). */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'ES256', 'ES384'];

/** Verifies an access token and returns its claims; throws a 401/503 OperationOutcomeError. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<JWTPayload>;
}

/** What a client reads at `/fhir/.well-known/smart-configuration`. */
export interface SmartEndpoints {
  issuer: string;
  tokenEndpoint: string;
  jwksUri?: string | undefined;
  authorizationEndpoint?: string | undefined;
}

/** Authenticates requests to the FHIR API. */
export interface Authenticator {
  /**
   * The caller of a request from its `Authorization` header and the emergency header.
   * Throws an OperationOutcomeError: 401 without a valid token, 403 for an emergency
   * request without a professional, 503 when the key set cannot be fetched.
   */
  authenticate(request: { authorization?: string | undefined; emergency?: string | undefined }): Promise<Caller>;
  endpoints: SmartEndpoints;
}

export interface JwtVerifierOptions {
  issuer: string;
  audience: string | string[];
  /** The issuer's key set: a JWKS URL (fetched and cached by jose) or the keys themselves. */
  keys: URL | JSONWebKeySet | JWTVerifyGetKey;
  /** Seconds of clock skew tolerated on `exp`/`nbf`. */
  clockTolerance?: number;
}

/** A jose-backed verifier for one issuer. */
export function jwtVerifier(options: JwtVerifierOptions): AccessTokenVerifier {
  const keys: JWTVerifyGetKey =
    options.keys instanceof URL
      ? createRemoteJWKSet(options.keys)
      : typeof options.keys === 'function'
        ? options.keys
        : createLocalJWKSet(options.keys);
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ACCEPTED_ALGORITHMS,
          clockTolerance: options.clockTolerance ?? 5,
          requiredClaims: ['exp', 'sub'],
        });
        return payload;
      } catch (err) {
        throw verificationError(err);
      }
    },
  };
}

function verificationError(err: unknown): OperationOutcomeError {
  if (err instanceof errors.JWTExpired) return invalidToken('it has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return invalidToken(`claim ${err.claim} is not accepted (${err.reason})`);
  }
  if (err instanceof errors.JWKSTimeout || (err instanceof errors.JOSEError && err.code === 'ERR_JWKS_INVALID')) {
    return new OperationOutcomeError(unavailable('The token issuer\'s key set cannot be read; retry later'));
  }
  if (err instanceof errors.JWKSNoMatchingKey) return invalidToken('it is not signed by a key of the issuer');
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalidToken('its signature does not verify');
  if (err instanceof errors.JOSEAlgNotAllowed) return invalidToken('its signature algorithm is not accepted');
  if (err instanceof errors.JOSEError) return invalidToken('it is not a well-formed signed JWT');
  // A network failure fetching the JWKS: the token may be fine.
  console.error('Access token verification failed', err);
  return new OperationOutcomeError(unavailable('The token issuer cannot be reached; retry later'));
}

/** An Authenticator from a verifier: parses the Bearer header, verifies, builds the Caller. */
export function bearerAuthenticator(verifier: AccessTokenVerifier, endpoints: SmartEndpoints): Authenticator {
  return {
    endpoints,
    async authenticate({ authorization, emergency }) {
      const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(authorization ?? '');
      if (!match) {
        throw invalidToken(
          authorization ? 'the Authorization header is not "Bearer <token>"' : 'none was sent (Authorization: Bearer <token>)',
        );
      }
      const claims = await verifier.verify(match[1] as string);
      return callerFromClaims(claims as Record<string, unknown>, emergency);
    },
  };
}

/**
 * The issuer's key set found through its OpenID discovery document
 * (`<issuer>/.well-known/openid-configuration`, `jwks_uri`), read on first use and
 * again after a failure.
 */
export function discoveredKeys(issuer: string): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`OpenID discovery of ${issuer} answered ${response.status}`);
    const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: string };
    if (!jwksUri) throw new Error(`OpenID discovery of ${issuer} names no jwks_uri`);
    return createRemoteJWKSet(new URL(jwksUri));
  };
  return async (header, token) => {
    keys ??= discover();
    try {
      return await (await keys)(header, token);
    } catch (err) {
      if (!(err instanceof errors.JOSEError)) keys = undefined;
      throw err;
    }
  };
}

/** Refuses every protected request: authentication is on but not configured. */
export function unconfiguredAuthenticator(problem: string): Authenticator {
  return {
    endpoints: { issuer: '', tokenEndpoint: '' },
    async authenticate() {
      throw new OperationOutcomeError(unavailable(problem));
    },
  };
}
