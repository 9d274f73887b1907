/**
 * Heartbeats: a subscription with `backport-heartbeat-period` gets a `heartbeat`
 * notification (its status and event count, no events) every period, so a subscriber can
 * tell a quiet subscription from a broken one. The matcher files due times in the
 * subscriptions table; this runs on a timer (EventBridge schedule in AWS,
 * `heartbeat-handler.ts`; an interval locally) and queues what is due. Claiming a due
 * time is conditional, so two schedulers never send the same heartbeat twice.
 *
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/StructureDefinition-backport-heartbeat-period.html
 */
import type { DeliveryMessage, DeliveryQueue } from './queue.ts';
import type { SubscriptionStore } from './subscription-store.ts';

/** Queues the heartbeats due at `now`; returns how many. */
export async function enqueueDueHeartbeats(
  subscriptions: SubscriptionStore,
  queue: DeliveryQueue,
  now: number = Date.now(),
): Promise<number> {
  const messages: DeliveryMessage[] = [];
  for (const due of await subscriptions.dueHeartbeats(now)) {
    if (await subscriptions.claimHeartbeat(due, now)) {
      messages.push({ kind: 'heartbeat', subscriptionId: due.subscriptionId, attempt: 1 });
    }
  }
  if (messages.length > 0) await queue.send(messages);
  return messages.length;
}
