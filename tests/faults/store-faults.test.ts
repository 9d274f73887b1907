/**
 * Faults DynamoDB Local will not produce on demand, injected with aws-sdk-client-mock.
 * Reads pass through to DynamoDB Local, so the tests can check that nothing was written.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/http/app.ts';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client.ts';
import { ResourceStore } from '../../functions/store/resource-store.ts';
import { hslTask } from '../support/conforming.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';

let real: TestApi;
const faulty = new DynamoDBClient({ region: 'eu-north-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
const mock = mockClient(faulty);

beforeAll(async () => {
  real = await createTestApi();
});
afterEach(() => mock.reset());

/** The API on the mocked client; reads and queries go to DynamoDB Local unless a test overrides them. */
function faultyApi() {
  mock.on(GetItemCommand).callsFake((input) => real.client.send(new GetItemCommand(input)));
  mock.on(QueryCommand).callsFake((input) => real.client.send(new QueryCommand(input)));
  const app = createApp({ store: new ResourceStore(faulty, real.tableName), baseUrl: BASE });
  return (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(`${BASE}${path}`, {
      method,
      headers: { 'Content-Type': 'application/fhir+json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

function awsError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(name), { name, $metadata: {}, ...extra });
}

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

async function seedTask(): Promise<any> {
  return json(await real.send('POST', '/Task', hslTask()));
}

async function expectUnavailable(res: Response): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('Retry-After')).toBe('1');
  const outcome = await json(res);
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].code).toBe('transient');
}

describe('dependency faults become retryable 503s and write nothing', () => {
  it('throttled write', async () => {
    const send = faultyApi();
    mock.on(TransactWriteItemsCommand).rejects(awsError('ThrottlingException'));
    const task = await seedTask();
    await expectUnavailable(await send('PUT', `/Task/${task.id}`, { ...task, status: 'accepted' }));
    expect((await json(await real.send('GET', `/Task/${task.id}`))).meta.versionId).toBe('1');
  });

  it('throttled read', async () => {
    const send = faultyApi();
    mock.on(GetItemCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    await expectUnavailable(await send('GET', '/Task/any'));
  });

  it('a transaction cancelled for throttling', async () => {
    const send = faultyApi();
    mock.on(TransactWriteItemsCommand).rejects(cancelled('None', 'ThrottlingError'));
    await expectUnavailable(await send('POST', '/Task', hslTask()));
  });

  it('a timed-out request', async () => {
    const send = faultyApi();
    mock.on(TransactWriteItemsCommand).rejects(awsError('TimeoutError'));
    const task = await seedTask();
    await expectUnavailable(await send('DELETE', `/Task/${task.id}`));
    expect((await real.send('GET', `/Task/${task.id}`)).status).toBe(200);
  });

  it('an unreachable endpoint (real connection refused, no mock)', async () => {
    const unreachable = createDynamoDbClient({ region: 'eu-north-1', endpoint: 'http://127.0.0.1:1' });
    const app = createApp({ store: new ResourceStore(unreachable, 'nothing'), baseUrl: BASE });
    await expectUnavailable(await app.request(`${BASE}/Patient/x`));
    unreachable.destroy();
  });

  it('an unexpected error is a 500 OperationOutcome, not a stack trace', async () => {
    const send = faultyApi();
    mock.on(GetItemCommand).rejects(awsError('ValidationException'));
    const res = await send('GET', '/Task/any');
    expect(res.status).toBe(500);
    const outcome = await json(res);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(outcome)).not.toContain('at ');
  });
});

describe('cancelled transactions', () => {
  it('a failed condition with If-Match is 412', async () => {
    const send = faultyApi();
    mock.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    const task = await seedTask();
    const res = await send('PUT', `/Task/${task.id}`, task, { 'If-Match': 'W/"1"' });
    expect(res.status).toBe(412);
  });

  it('a failed condition without If-Match is retried, then 409', async () => {
    const send = faultyApi();
    mock.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    const task = await seedTask();
    const res = await send('PUT', `/Task/${task.id}`, task);
    expect(res.status).toBe(409);
    expect(mock.commandCalls(TransactWriteItemsCommand)).toHaveLength(3);
  });

  it('a transaction conflict is retried and then succeeds', async () => {
    const send = faultyApi();
    mock
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled('TransactionConflict', 'None'))
      .callsFake((input) => real.client.send(new TransactWriteItemsCommand(input)));
    const task = await seedTask();
    const res = await send('PUT', `/Task/${task.id}`, { ...task, status: 'accepted' }, { 'If-Match': 'W/"1"' });
    expect(res.status).toBe(200);
    expect(mock.commandCalls(TransactWriteItemsCommand)).toHaveLength(2);
    expect((await json(await real.send('GET', `/Task/${task.id}`))).status).toBe('accepted');
  });

  it('a transaction conflict that persists is a retryable 503', async () => {
    const send = faultyApi();
    mock.on(TransactWriteItemsCommand).rejects(cancelled('TransactionConflict', 'None'));
    const task = await seedTask();
    await expectUnavailable(await send('PUT', `/Task/${task.id}`, task, { 'If-Match': 'W/"1"' }));
  });
});
