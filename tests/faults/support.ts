/**
 * Fault injection for the multi-step commit tests: a DynamoDB client that reaches nothing
 * by itself, mocked so that every command passes through to DynamoDB Local except the
 * write chosen to fail.
 */
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

/** A client pointed at a closed port, and its mock: every command goes where the mock sends it. */
export function faultyClient() {
  const faulty = new DynamoDBClient({ region: 'eu-north-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
  return { faulty, mock: mockClient(faulty) };
}

export type FaultMock = ReturnType<typeof faultyClient>['mock'];

export interface Injected {
  writes: () => number;
  /** The write number of the commit point (the UpdateItem that marks the record committed). */
  commitPoint: () => number | undefined;
  /** Record part items (`part#…`) written. */
  partsWritten: () => number;
}

/** Passes every command through to `real` (DynamoDB Local), failing the `failAt`-th write. */
export function injectFaultAt(mock: FaultMock, real: DynamoDBClient, failAt: number): Injected {
  let writes = 0;
  let commitPoint: number | undefined;
  let partsWritten = 0;
  mock.reset();
  const passThrough = (Command: any, isWrite: boolean) =>
    mock.on(Command).callsFake(async (input: any) => {
      if (isWrite) {
        const n = ++writes;
        if (Command === UpdateItemCommand && input.UpdateExpression?.includes(':committed')) commitPoint = n;
        if (n === failAt) throw Object.assign(new Error('injected'), { name: 'ThrottlingException', $metadata: {} });
      }
      for (const item of input.TransactItems ?? []) if (item.Put?.Item?.sk?.S?.startsWith('part#')) partsWritten++;
      return real.send(new Command(input));
    });
  passThrough(GetItemCommand, false);
  passThrough(QueryCommand, false);
  passThrough(BatchGetItemCommand, false);
  passThrough(TransactWriteItemsCommand, true);
  passThrough(UpdateItemCommand, true);
  passThrough(DeleteItemCommand, true);
  return { writes: () => writes, commitPoint: () => commitPoint, partsWritten: () => partsWritten };
}
