/**
 * samvard's configuration, read once from the environment and checked with zod so a
 * typo fails at start-up rather than at the first request. `zod/mini` (tree-shakable),
 * so the Lambda bundles carry no classic zod (functions/config-errors.ts).
 */
import * as z from 'zod/mini';
import { invalidConfiguration } from './config-errors.ts';

const ConfigSchema = z.object({
  /** Name of the DynamoDB table that holds resources and their history. */
  SAMVARD_RESOURCE_TABLE: z._default(z.string().check(z.minLength(3)), 'samvard-resources'),
  /** Any DynamoDB endpoint (DynamoDB Local, LocalStack); unset means AWS itself. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  AWS_REGION: z._default(z.string(), 'eu-north-1'),
  /** Absolute base of the FHIR API as clients see it; derived from each request when unset. */
  SAMVARD_BASE_URL: z.optional(z.url()),
  /** Profiles each type must meet on write: `default`, `none`, or JSON type → profiles (docs/profiles.md). */
  SAMVARD_REQUIRED_PROFILES: z.optional(z.string()),
  /**
   * Authentication, scopes, the access rules and the access log (docs/access.md): `on`
   * (default) or `off` (every request served, nothing logged; for experiments only).
   */
  SAMVARD_AUTH: z._default(z.enum(['on', 'off']), 'on'),
  /** Issuer (`iss`) of accepted access tokens. Required with SAMVARD_AUTH=on, except under `npm start` (dev issuer). */
  SAMVARD_AUTH_ISSUER: z.optional(z.url()),
  /** Accepted audiences (`aud`), comma separated. */
  SAMVARD_AUTH_AUDIENCE: z.optional(z.string().check(z.minLength(1))),
  /** The issuer's JWKS URL (signing keys); fetched and cached. */
  SAMVARD_AUTH_JWKS_URL: z.optional(z.url()),
  /** Token endpoint advertised in /fhir/.well-known/smart-configuration. */
  SAMVARD_AUTH_TOKEN_ENDPOINT: z.optional(z.url()),
  /** Authorization endpoint advertised there, for apps that launch with a user. */
  SAMVARD_AUTH_AUTHORIZATION_ENDPOINT: z.optional(z.url()),
});

export type Config = z.infer<typeof ConfigSchema>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw invalidConfiguration('configuration', parsed.error);
  }
  return parsed.data;
}
