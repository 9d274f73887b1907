/**
 * Deliveries waiting to be POSTed, behind one small interface with two implementations:
 * SQS in AWS (`sqs-queue.ts`) and items in DynamoDB for the local run
 * (`local/local-queue.ts`). The matcher and the delivery code only see this interface.
 *
 * A message names what to send, never the data: the delivery reads the Subscription and
 * (for `full-resource`) the resource version when it sends, so no resource content waits
 * in a queue; an event message carries only its number and the reference of the version
 * that changed.
 */
import { channelReference } from './channels.ts';
import type { SubscriptionEvent } from './subscription-store.ts';

/** `subscriptionId` names the channel: a Subscription's id or a party channel `Organization/<id>` (channels.ts). */
export type DeliveryMessage =
  /** The handshake of a `requested` topic-based subscription (this version of it). */
  | { kind: 'handshake'; subscriptionId: string; subscriptionVersion: number; attempt: number }
  /** A keep-alive with the current event count. */
  | { kind: 'heartbeat'; subscriptionId: string; attempt: number }
  /**
   * One event, by its number; `event` carries what the event log holds (the focus
   * reference, operation and time, no resource content) so delivery need not read it.
   */
  | { kind: 'event'; subscriptionId: string; eventNumber: number; attempt: number; event?: SubscriptionEvent };

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
    const event = m.event as SubscriptionEvent | undefined;
    const valid =
      event !== undefined &&
      event.eventNumber === m.eventNumber &&
      typeof event.timestamp === 'string' &&
      typeof event.focus?.type === 'string' &&
      typeof event.focus?.id === 'string' &&
      typeof event.focus?.version === 'number';
    return { kind: 'event', subscriptionId: m.subscriptionId, eventNumber: m.eventNumber, attempt, ...(valid ? { event } : {}) };
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
  return `${channelReference(m.subscriptionId)} ${what} (attempt ${m.attempt})`;
}
