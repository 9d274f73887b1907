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
});

export type Config = z.infer<typeof ConfigSchema>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid configuration: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
