/**
 * The delivery queue in AWS: an SQS standard queue of {@link DeliveryMessage}s, and a
 * dead-letter queue for deliveries whose last attempt failed.
 *
 * A retry is a new message with `DelaySeconds` (whole seconds, at most 900), so the
 * backoff is exact per attempt and the attempt count travels in the message. The queue's
 * own redrive policy (to the same DLQ) is the backstop for messages that make the
 * delivery function itself fail repeatedly.
 */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DeliveryMessage, type DeliveryQueue, describeMessage } from './queue.ts';

const SQS_BATCH = 10;
export const MAX_SQS_DELAY_SECONDS = 900;

export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async send(messages: DeliveryMessage[], delayMs = 0): Promise<void> {
    const delaySeconds = Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(delayMs / 1000));
    for (let i = 0; i < messages.length; i += SQS_BATCH) {
      let entries = messages.slice(i, i + SQS_BATCH).map((m, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify(m),
        ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
      }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length > 0 && attempt >= 4) {
          throw new Error(`SQS refused ${entries.length} delivery messages: ${result.Failed?.[0]?.Code ?? 'unknown'}`);
        }
      }
    }
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason.slice(0, 1000) || describeMessage(message) },
        },
      }),
    );
  }
}
