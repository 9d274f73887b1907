/**
 * `npm start`: the API on a local Node server, backed by DynamoDB Local (or by any
 * DynamoDB that DYNAMODB_ENDPOINT names), with the same Hono app as on Lambda.
 *
 * Environment: PORT (8080), SAMVARD_DATA_DIR (.samvard/dynamodb), SAMVARD_IN_MEMORY=1,
 * DYNAMODB_ENDPOINT, SAMVARD_RESOURCE_TABLE, SAMVARD_BASE_URL.
 */
import { serve } from '@hono/node-server';
import { buildDependencies } from '../api/dependencies.ts';
import { readConfig } from '../config.ts';
import { createApp } from '../http/app.ts';
import { createDynamoDbClient } from '../store/dynamodb-client.ts';
import { ensureTable } from '../store/ensure-tables.ts';
import { resourceTable } from '../store/tables.ts';
import { startLocalSubscriptions } from '../subscriptions/local/pipeline.ts';
import { type DynamoDbLocal, JavaMissingError, startDynamoDbLocal } from './dynamodb-local.ts';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  let local: DynamoDbLocal | undefined;
  if (!process.env.DYNAMODB_ENDPOINT) {
    const inMemory = process.env.SAMVARD_IN_MEMORY === '1' || process.env.SAMVARD_IN_MEMORY === 'true';
    const dataDir = inMemory ? undefined : (process.env.SAMVARD_DATA_DIR ?? '.samvard/dynamodb');
    local = await startDynamoDbLocal({ dataDir });
    process.env.DYNAMODB_ENDPOINT = local.endpoint;
    console.log(`DynamoDB Local at ${local.endpoint} (${dataDir ? `data in ${dataDir}` : 'in memory'})`);
  }
  const config = readConfig();
  const client = createDynamoDbClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT });
  await ensureTable(client, resourceTable, config.SAMVARD_RESOURCE_TABLE);
  client.destroy();

  // Subscriptions: the matcher on the table's stream and the delivery worker (functions/subscriptions/local).
  process.env.SAMVARD_SUBSCRIPTION_ALLOW_HTTP ??= 'true';
  const subscriptions = await startLocalSubscriptions({
    endpoint: config.DYNAMODB_ENDPOINT,
    region: config.AWS_REGION,
    resourceTable: config.SAMVARD_RESOURCE_TABLE,
    baseUrl: config.SAMVARD_BASE_URL ?? `http://localhost:${port}/fhir`,
  });

  const app = createApp(buildDependencies(config));
  const server = serve({ fetch: app.fetch, port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
    console.log(`samvard FHIR R4 API ready at http://localhost:${info.port}/fhir`);
  });

  const shutdown = async (): Promise<void> => {
    server.close();
    await subscriptions.stop();
    await local?.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof JavaMissingError ? err.message : err);
  process.exit(1);
});
