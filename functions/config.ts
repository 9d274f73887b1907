/**
 * samvard's configuration, read once from the environment and checked with zod so a
 * typo fails at start-up rather than at the first request.
 */
import { z } from 'zod';

const ConfigSchema = z.object({
  /** Name of the DynamoDB table that holds resources and their history. */
  SAMVARD_RESOURCE_TABLE: z.string().min(3).default('samvard-resources'),
  /** Any DynamoDB endpoint (DynamoDB Local, LocalStack); unset means AWS itself. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().default('eu-north-1'),
  /** Absolute base of the FHIR API as clients see it; derived from each request when unset. */
  SAMVARD_BASE_URL: z.url().optional(),
  /** Profiles each type must meet on write: `default`, `none`, or JSON type → profiles (docs/profiles.md). */
  SAMVARD_REQUIRED_PROFILES: z.string().optional(),
  /**
   * Authentication, scopes, the access rules and the access log (docs/access.md): `on`
   * (default) or `off` (every request served, nothing logged; for experiments only).
   */
  SAMVARD_AUTH: z.enum(['on', 'off']).default('on'),
  /** Issuer (`iss`) of accepted access tokens. Required with SAMVARD_AUTH=on, except under `npm start` (dev issuer). */
  SAMVARD_AUTH_ISSUER: z.url().optional(),
  /** Accepted audiences (`aud`), comma separated. */
  SAMVARD_AUTH_AUDIENCE: z.string().min(1).optional(),
  /** The issuer's JWKS URL (signing keys); fetched and cached. */
  SAMVARD_AUTH_JWKS_URL: z.url().optional(),
  /** Token endpoint advertised in /fhir/.well-known/smart-configuration. */
  SAMVARD_AUTH_TOKEN_ENDPOINT: z.url().optional(),
  /** Authorization endpoint advertised there, for apps that launch with a user. */
  SAMVARD_AUTH_AUTHORIZATION_ENDPOINT: z.url().optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid configuration: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
