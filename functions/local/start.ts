/**
 * `npm start`: the API on a local Node server, backed by DynamoDB Local (or by any
 * DynamoDB that DYNAMODB_ENDPOINT names): the FHIR routes and document ingest (`/ingest`)
 * on one port, in one app built from the same route groups and access control as the
 * two Lambda functions (functions/http/app.ts).
 *
 * Environment: PORT (8080), SAMVARD_DATA_DIR (.samvard/dynamodb), SAMVARD_IN_MEMORY=1,
 * DYNAMODB_ENDPOINT, SAMVARD_RESOURCE_TABLE, SAMVARD_BASE_URL.
 *
 * Authentication is on: unless SAMVARD_AUTH_ISSUER names a real issuer, a dev issuer
 * serves `POST /oauth2/token` for the demo clients of functions/local/dev-clients.json
 * (SAMVARD_DEV_CLIENTS=<file> for others; dev-auth.ts). SAMVARD_AUTH=off turns it off.
 */
import { serve } from '@hono/node-server';
import { buildDependencies } from '../api/dependencies.ts';
import { readConfig } from '../config.ts';
import { createApp } from '../http/app.ts';
import { createDynamoDbClient } from '../store/dynamodb-client.ts';
import { ensureTable } from '../store/ensure-tables.ts';
import { resourceTable } from '../store/tables.ts';
import { startLocalSubscriptions } from '../subscriptions/local/pipeline.ts';
import { type DevAuth, createDevAuth, loadDevClients } from './dev-auth.ts';
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
  // Local development: http, and receivers on this machine or the local network (never in the CDK stack).
  process.env.SAMVARD_SUBSCRIPTION_ALLOW_HTTP ??= 'true';
  process.env.SAMVARD_ALLOW_PRIVATE_ENDPOINTS ??= '1';
  const subscriptions = await startLocalSubscriptions({
    endpoint: config.DYNAMODB_ENDPOINT,
    region: config.AWS_REGION,
    resourceTable: config.SAMVARD_RESOURCE_TABLE,
    baseUrl: config.SAMVARD_BASE_URL ?? `http://localhost:${port}/fhir`,
  });

  let devAuth: DevAuth | undefined;
  if (config.SAMVARD_AUTH === 'on' && !config.SAMVARD_AUTH_ISSUER) {
    const origin = config.SAMVARD_BASE_URL ? new URL(config.SAMVARD_BASE_URL).origin : `http://localhost:${port}`;
    const clientsFile = process.env.SAMVARD_DEV_CLIENTS;
    devAuth = await createDevAuth({ origin, clients: loadDevClients(clientsFile) });
  }
  const app = createApp(buildDependencies(config, { authenticator: devAuth?.authenticator }));
  if (devAuth) app.route('/oauth2', devAuth.routes);
  const server = serve({ fetch: app.fetch, port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
    console.log(`samvard FHIR R4 API ready at http://localhost:${info.port}/fhir, document ingest at http://localhost:${info.port}/ingest`);
    if (devAuth) {
      console.log(
        `Authentication on, dev issuer ${devAuth.issuer}: POST ${devAuth.issuer}/token for the clients of ` +
          `${process.env.SAMVARD_DEV_CLIENTS ?? 'functions/local/dev-clients.json'} ` +
          `(${devAuth.clients.map((c) => c.clientId).join(', ')}); see README "Getting a token".`,
      );
    }
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
