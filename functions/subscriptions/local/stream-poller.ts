/**
 * Reads a table's DynamoDB stream with the DynamoDB Streams API (DescribeStream,
 * GetShardIterator, GetRecords) and hands each batch of records to a handler, as the
 * Lambda event source mapping does in AWS. Used by `npm start` on DynamoDB Local.
 *
 * The position in each shard (the last sequence number handled) is kept in the
 * subscriptions table (`pk = "stream#<stream ARN>"`, `sk = "<shard id>"`) and written only
 * after the handler succeeded, so a restart resumes after the last handled record and a
 * batch that failed (or was cut off by a stop) is handled again: at least once, as with
 * Lambda. A shard is read after its parent is finished, so the records of one item stay
 * in order.
 */
import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { Logger, StreamRecord } from '../matcher.ts';

export interface StreamPollerOptions {
  client: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  /** The table whose stream is read. */
  tableName: string;
  /** Where shard positions are kept (the subscriptions table). */
  positionTable: string;
  handler: (records: StreamRecord[]) => Promise<unknown>;
  /** Pause between reads when a read found nothing. */
  pollIntervalMs: number;
  log?: Logger;
}

interface ShardState {
  sequenceNumber?: string;
  done: boolean;
  iterator?: string;
}

const RECORDS_PER_READ = 1000;
const SHARD_REFRESH_MS = 5_000;

export class DynamoDbStreamPoller {
  private running = false;
  private loopDone: Promise<void> | undefined;
  private streamArn: string | undefined;
  private shards: Shard[] = [];
  private shardsReadAt = 0;
  private readonly states = new Map<string, ShardState>();
  private wake: (() => void) | undefined;
  private failures = 0;

  constructor(private readonly options: StreamPollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops after the batch in hand (whose position is then saved, or not if it failed). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let read = 0;
      try {
        read = await this.pollOnce();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.options.log?.error('Stream batch failed; it will be read again', { error: (err as Error).message });
      }
      if (read === 0 && this.running) {
        // Back off after failures (up to 5 s), otherwise the poll interval.
        const pause = this.failures > 0 ? Math.min(5_000, 100 * 2 ** this.failures) : this.options.pollIntervalMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** Reads each readable shard once; returns how many records were handled. */
  async pollOnce(): Promise<number> {
    await this.refreshShards();
    let handled = 0;
    for (const shard of this.shards) {
      if (!this.running) break;
      const shardId = shard.ShardId as string;
      const state = await this.state(shardId);
      if (state.done) continue;
      const parent = shard.ParentShardId;
      if (parent && this.shards.some((s) => s.ShardId === parent) && !(await this.state(parent)).done) continue;
      handled += await this.readShard(shardId, state);
    }
    return handled;
  }

  private async readShard(shardId: string, state: ShardState): Promise<number> {
    const { streams, handler } = this.options;
    const arn = this.streamArn as string;
    if (!state.iterator) {
      const result = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shardId,
          ...(state.sequenceNumber
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.sequenceNumber }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      state.iterator = result.ShardIterator;
    }
    let result;
    try {
      result = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: RECORDS_PER_READ }));
    } catch (err) {
      state.iterator = undefined;
      if (err instanceof TrimmedDataAccessException) {
        this.options.log?.error('Stream records expired before they were read; continuing from the oldest kept', { shardId });
        state.sequenceNumber = undefined;
        return 0;
      }
      if (err instanceof ExpiredIteratorException) return 0;
      throw err;
    }
    const records = (result.Records ?? []) as StreamRecord[];
    if (records.length > 0) {
      try {
        await handler(records);
      } catch (err) {
        state.iterator = undefined; // read the same records again from the saved position
        throw err;
      }
      state.sequenceNumber = records[records.length - 1]?.dynamodb?.SequenceNumber ?? state.sequenceNumber;
    }
    state.iterator = result.NextShardIterator;
    if (!state.iterator) state.done = true; // a closed shard, read to its end
    if (records.length > 0 || state.done) await this.savePosition(shardId, state);
    return records.length;
  }

  private async refreshShards(): Promise<void> {
    if (this.streamArn && Date.now() - this.shardsReadAt < SHARD_REFRESH_MS && this.shards.every((s) => this.states.has(s.ShardId as string))) {
      return;
    }
    if (!this.streamArn) {
      const table = await this.options.client.send(new DescribeTableCommand({ TableName: this.options.tableName }));
      this.streamArn = table.Table?.LatestStreamArn;
      if (!this.streamArn) throw new Error(`Table ${this.options.tableName} has no stream`);
    }
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const result = await this.options.streams.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(result.StreamDescription?.Shards ?? []));
      start = result.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    this.shards = shards;
    this.shardsReadAt = Date.now();
  }

  private async state(shardId: string): Promise<ShardState> {
    let state = this.states.get(shardId);
    if (!state) {
      const result = await this.options.client.send(
        new GetItemCommand({ TableName: this.options.positionTable, Key: this.positionKey(shardId), ConsistentRead: true }),
      );
      state = { done: result.Item?.done?.BOOL === true };
      if (result.Item?.sequenceNumber?.S) state.sequenceNumber = result.Item.sequenceNumber.S;
      this.states.set(shardId, state);
    }
    return state;
  }

  private async savePosition(shardId: string, state: ShardState): Promise<void> {
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.positionTable,
        Item: {
          ...this.positionKey(shardId),
          done: { BOOL: state.done },
          ...(state.sequenceNumber ? { sequenceNumber: { S: state.sequenceNumber } } : {}),
          savedAt: { S: new Date().toISOString() },
        },
      }),
    );
  }

  private positionKey(shardId: string): Record<string, AttributeValue> {
    return { pk: { S: `stream#${this.streamArn}` }, sk: { S: shardId } };
  }
}
