import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuditLog } from '../access/audit.ts';
import { subscriptionCanRead } from '../access/subscriptions.ts';
import {
  type Authenticator,
  bearerAuthenticator,
  discoveredKeys,
  jwtVerifier,
  unconfiguredAuthenticator,
} from '../auth/authenticator.ts';
import { type Config, readConfig } from '../config.ts';
import { configureRequiredProfiles, loadProfiles } from '../core/profiles.ts';
import { loadDefinitions } from '../core/validation.ts';
import type { AccessControl } from '../http/access-control.ts';
import type { AppDependencies } from '../http/guarded-app.ts';
import { createDynamoDbClient } from '../store/dynamodb-client.ts';
import { ResourceStore } from '../store/resource-store.ts';
import { configureSubscriptionAccess } from '../subscriptions/authorization.ts';

/**
 * Builds what the API and the ingest function need once per process (a Lambda container
 * or the local server): configuration, store, FHIR definitions and profiles, access control.
 * `authenticator` replaces the one built from SAMVARD_AUTH_* (the local dev issuer).
 */
export function buildDependencies(
  config: Config = readConfig(),
  options: { authenticator?: Authenticator | undefined } = {},
): AppDependencies {
  const client = createDynamoDbClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT });
  loadDefinitions();
  // Throws at start-up on an unknown profile in SAMVARD_REQUIRED_PROFILES; compiles the required ones.
  configureRequiredProfiles(config.SAMVARD_REQUIRED_PROFILES);
  loadProfiles();
  const store = new ResourceStore(client, config.SAMVARD_RESOURCE_TABLE);
  const control = accessControl(config, client, options.authenticator);
  // Subscribers are told only what they may read (the matcher in this process and $events).
  if (control) configureSubscriptionAccess({ canRead: subscriptionCanRead(store) });
  return { store, baseUrl: config.SAMVARD_BASE_URL, accessControl: control };
}

/**
 * Access control as configured: off only when SAMVARD_AUTH=off. On without an issuer
 * (and no authenticator given) fails closed: every protected request is refused, so a
 * deployment never runs open by accident.
 */
function accessControl(
  config: Config,
  client: DynamoDBClient,
  authenticator: Authenticator | undefined,
): AccessControl | undefined {
  if (config.SAMVARD_AUTH === 'off') {
    warnAuthOff();
    return undefined;
  }
  return {
    authenticator: authenticator ?? configuredAuthenticator(config),
    auditLog: new AuditLog(client, config.SAMVARD_RESOURCE_TABLE),
  };
}

function configuredAuthenticator(config: Config): Authenticator {
  const { SAMVARD_AUTH_ISSUER: issuer, SAMVARD_AUTH_AUDIENCE: audience, SAMVARD_AUTH_JWKS_URL: jwks } = config;
  if (!issuer || !audience) {
    const problem =
      'Authentication is on (SAMVARD_AUTH) but SAMVARD_AUTH_ISSUER and SAMVARD_AUTH_AUDIENCE are not both set: ' +
      'every request but the discovery documents is refused. Set them, or SAMVARD_AUTH=off for an open experiment.';
    console.error(problem);
    return unconfiguredAuthenticator(problem);
  }
  return bearerAuthenticator(
    jwtVerifier({
      issuer,
      audience: audience.split(',').map((a) => a.trim()),
      // Without a JWKS URL, the issuer's OpenID discovery document names it (as API Gateway's JWT authorizer does).
      keys: jwks ? new URL(jwks) : discoveredKeys(issuer),
    }),
    {
      issuer,
      tokenEndpoint: config.SAMVARD_AUTH_TOKEN_ENDPOINT ?? `${issuer.replace(/\/$/, '')}/token`,
      jwksUri: jwks,
      authorizationEndpoint: config.SAMVARD_AUTH_AUTHORIZATION_ENDPOINT,
    },
  );
}

export function warnAuthOff(): void {
  const line = '!'.repeat(78);
  console.warn(
    [
      line,
      '!!  SAMVARD_AUTH=off: AUTHENTICATION IS OFF.',
      '!!  Every request is served without a token, the SVOD access rules (consent,',
      '!!  spärr, care relationship) are NOT applied and NOTHING is written to the',
      '!!  access log. Use this only for experiments with made-up data.',
      line,
    ].join('\n'),
  );
}
