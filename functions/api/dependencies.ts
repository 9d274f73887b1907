import { type Config, readConfig } from '../config.ts';
import { configureRequiredProfiles, loadProfiles } from '../core/profiles.ts';
import { loadDefinitions } from '../core/validation.ts';
import type { AppDependencies } from '../http/app.ts';
import { createDynamoDbClient } from '../store/dynamodb-client.ts';
import { ResourceStore } from '../store/resource-store.ts';

/** Builds what the API needs once per process (a Lambda container or the local server). */
export function buildDependencies(config: Config = readConfig()): AppDependencies {
  const client = createDynamoDbClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT });
  loadDefinitions();
  // Throws at start-up on an unknown profile in SAMVARD_REQUIRED_PROFILES; compiles the required ones.
  configureRequiredProfiles(config.SAMVARD_REQUIRED_PROFILES);
  loadProfiles();
  return { store: new ResourceStore(client, config.SAMVARD_RESOURCE_TABLE), baseUrl: config.SAMVARD_BASE_URL };
}
