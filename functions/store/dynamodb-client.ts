import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

export interface DynamoDbClientOptions {
  region: string;
  endpoint?: string | undefined;
}

/**
 * A DynamoDB client with bounded time per attempt: a hung connection becomes a
 * retryable 503 for the caller instead of a Lambda timeout.
 */
export function createDynamoDbClient({ region, endpoint }: DynamoDbClientOptions): DynamoDBClient {
  const agentOptions = { keepAlive: true, maxSockets: 64 };
  return new DynamoDBClient({
    region,
    endpoint,
    maxAttempts: 3,
    // DynamoDB Local accepts any credentials; elsewhere the standard provider chain applies.
    ...(endpoint && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      httpAgent: new Agent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    }),
  });
}
