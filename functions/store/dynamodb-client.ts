import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

export interface DynamoDbClientOptions {
  region: string;
  endpoint?: string | undefined;
  /**
   * Time allowed per attempt, in ms (default 3000, for DynamoDB itself). The test suite
   * gives its shared DynamoDB Local more: under two parallel test workers on two cores,
   * the emulator takes seconds over a 100-item transaction that DynamoDB does in tens of ms.
   */
  requestTimeoutMs?: number;
}

/**
 * A DynamoDB client with bounded time per attempt: a hung connection becomes a
 * retryable 503 for the caller instead of a Lambda timeout.
 */
export function createDynamoDbClient({ region, endpoint, requestTimeoutMs = 3_000 }: DynamoDbClientOptions): DynamoDBClient {
  const agentOptions = { keepAlive: true, maxSockets: 64 };
  return new DynamoDBClient({
    region,
    endpoint,
    maxAttempts: 3,
    // DynamoDB Local accepts any credentials; elsewhere the standard provider chain applies.
    ...(endpoint && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: requestTimeoutMs,
      httpAgent: new Agent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    }),
  });
}
