/**
 * Notification bodies.
 *
 * Topic-based subscriptions (R5 Backport IG, R4): a `history` Bundle whose first entry is
 * the subscription status as a Parameters resource (profile `backport-subscription-status-r4`:
 * `subscription`, `topic`, `status`, `type`, `events-since-subscription-start`, one
 * `notification-event` per event with `event-number`, `timestamp` and `focus`), with a
 * request that mirrors `$status`; then, for `id-only` and `full-resource`, one entry per
 * focus resource (with the resource for `full-resource`). The same shape answers
 * `$events` (type `query-event`) and, in a `searchset`, `$status` (type `query-status`).
 *
 * A party channel (party-channel.ts) is named `Organization/<id>` where a subscription's
 * reference would be: its notifications otherwise look the same.
 *
 * Classic R4 subscriptions: the body is the resource that matched (when `channel.payload`
 * is set), or empty.
 *
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/notifications.html
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/StructureDefinition-backport-subscription-status-r4.html
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { channelReference } from './channels.ts';
import type { PayloadContent, SubscriptionStatusCode } from './subscription-model.ts';
import type { SubscriptionEvent } from './subscription-store.ts';

export const STATUS_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4';
export const NOTIFICATION_PROFILE =
  'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4';

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

export interface StatusInput {
  baseUrl: string;
  subscriptionId: string;
  status: SubscriptionStatusCode;
  topic?: string;
  type: NotificationType;
  eventsSinceSubscriptionStart: number;
  content: PayloadContent;
  /** The events this notification is about; `readable` false leaves out the focus. */
  events?: NotificationEvent[];
  /** `Subscription.error`, reported as an `error` parameter. */
  error?: string;
}

export interface NotificationEvent {
  event: SubscriptionEvent;
  /** The focus version's resource (full-resource); undefined for a deletion. */
  resource?: Resource;
  /** Whether the subscriber may still read the focus; false lists the event without it. */
  readable?: boolean;
}

/** The SubscriptionStatus as R4 Parameters. */
export function statusParameters(input: StatusInput): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'subscription', valueReference: { reference: `${input.baseUrl}/${channelReference(input.subscriptionId)}` } },
  ];
  // The topic SHOULD NOT be present with `empty` payloads.
  if (input.topic && input.content !== 'empty') parameter.push({ name: 'topic', valueCanonical: input.topic });
  parameter.push(
    { name: 'status', valueCode: input.status },
    { name: 'type', valueCode: input.type },
    { name: 'events-since-subscription-start', valueString: String(input.eventsSinceSubscriptionStart) },
  );
  for (const { event, readable } of input.events ?? []) {
    const part: ParametersParameter[] = [
      { name: 'event-number', valueString: String(event.eventNumber) },
      { name: 'timestamp', valueInstant: event.timestamp },
    ];
    if (input.content !== 'empty' && readable !== false) {
      part.push({ name: 'focus', valueReference: { reference: `${input.baseUrl}/${event.focus.type}/${event.focus.id}` } });
    }
    parameter.push({ name: 'notification-event', part });
  }
  if (input.error) {
    parameter.push({
      name: 'error',
      valueCodeableConcept: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscription-error', code: 'no-response' }],
        text: input.error,
      },
    });
  }
  return { resourceType: 'Parameters', id: randomUUID(), meta: { profile: [STATUS_PROFILE] }, parameter };
}

/** The status entry: the Parameters, with a request mirroring `$status`. */
function statusEntry(input: StatusInput): BundleEntry {
  const status = statusParameters(input);
  return {
    fullUrl: `urn:uuid:${status.id}`,
    resource: status,
    request: { method: 'GET', url: `${input.baseUrl}/${channelReference(input.subscriptionId)}/$status` },
    response: { status: '200' },
  };
}

/** The entry of one event's focus (none for `empty`, or when the subscriber may no longer read it). */
function focusEntry(baseUrl: string, content: PayloadContent, item: NotificationEvent): BundleEntry | undefined {
  if (content === 'empty' || item.readable === false) return undefined;
  const { type, id, version } = item.event.focus;
  const operation = item.event.operation;
  const entry: BundleEntry = {
    fullUrl: `${baseUrl}/${type}/${id}`,
    request: {
      method: operation === 'create' ? 'POST' : operation === 'delete' ? 'DELETE' : 'PUT',
      url: operation === 'create' ? type : `${type}/${id}`,
    },
    response: {
      status: operation === 'create' ? '201' : operation === 'delete' ? '204' : '200',
      etag: `W/"${version}"`,
      lastModified: item.event.timestamp,
    },
  };
  if (content === 'full-resource' && item.resource) entry.resource = item.resource;
  return entry;
}

/**
 * A notification (or `$events` answer): a `history` Bundle, status first.
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/StructureDefinition-backport-subscription-notification-r4.html
 */
export function notificationBundle(input: StatusInput, now: Date = new Date()): Bundle {
  const entries = (input.events ?? []).flatMap((e) => focusEntry(input.baseUrl, input.content, e) ?? []);
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { profile: [NOTIFICATION_PROFILE] },
    type: 'history',
    timestamp: now.toISOString(),
    entry: [statusEntry(input), ...entries],
  };
}

/** The `$status` answer: a `searchset` of status Parameters, one per subscription. */
export function statusBundle(baseUrl: string, statuses: StatusInput[]): Bundle {
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    type: 'searchset',
    total: statuses.length,
    link: [{ relation: 'self', url: `${baseUrl}/Subscription/$status` }],
    entry: statuses.map((s) => {
      const status = statusParameters(s);
      return { fullUrl: `urn:uuid:${status.id}`, resource: status, search: { mode: 'match' } };
    }),
  };
}
