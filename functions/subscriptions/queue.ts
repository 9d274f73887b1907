/**
 * Deliveries waiting to be POSTed, behind one small interface with two implementations:
 * SQS in AWS (`sqs-queue.ts`) and items in DynamoDB for the local run
 * (`local/local-queue.ts`). The matcher and the delivery code only see this interface.
 *
 * A message names what to send, never the data: the delivery reads the Subscription, the
 * logged event and (for `full-resource`) the resource version when it sends, so no
 * patient data waits in a queue.
 */

export type DeliveryMessage =
  /** The handshake of a `requested` topic-based subscription (this version of it). */
  | { kind: 'handshake'; subscriptionId: string; subscriptionVersion: number; attempt: number }
  /** A keep-alive with the current event count. */
  | { kind: 'heartbeat'; subscriptionId: string; attempt: number }
  /** One event, by its number. */
  | { kind: 'event'; subscriptionId: string; eventNumber: number; attempt: number };

export interface DeliveryQueue {
  /** Enqueues messages, to be delivered after `delayMs` (0: now). */
  send(messages: DeliveryMessage[], delayMs?: number): Promise<void>;
  /** Parks a message whose last attempt failed, with the reason. */
  deadLetter(message: DeliveryMessage, reason: string): Promise<void>;
}

/** Parses a message body from a queue; throws for anything else. */
export function parseDeliveryMessage(body: string): DeliveryMessage {
  const m = JSON.parse(body) as Partial<DeliveryMessage> & Record<string, unknown>;
  const attempt = typeof m.attempt === 'number' && m.attempt >= 1 ? m.attempt : 1;
  if (typeof m.subscriptionId !== 'string' || !m.subscriptionId) throw new Error('Delivery message without subscriptionId');
  if (m.kind === 'event' && typeof m.eventNumber === 'number') {
    return { kind: 'event', subscriptionId: m.subscriptionId, eventNumber: m.eventNumber, attempt };
  }
  if (m.kind === 'handshake' && typeof m.subscriptionVersion === 'number') {
    return { kind: 'handshake', subscriptionId: m.subscriptionId, subscriptionVersion: m.subscriptionVersion, attempt };
  }
  if (m.kind === 'heartbeat') return { kind: 'heartbeat', subscriptionId: m.subscriptionId, attempt };
  throw new Error(`Not a delivery message: ${body.slice(0, 200)}`);
}

/** A short stable description for logs. */
export function describeMessage(m: DeliveryMessage): string {
  const what = m.kind === 'event' ? `event ${m.eventNumber}` : m.kind;
  return `Subscription/${m.subscriptionId} ${what} (attempt ${m.attempt})`;
}
