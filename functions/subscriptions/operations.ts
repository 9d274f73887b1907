/**
 * The Subscription operations of the R5 Backport IG, transport-free like the other
 * interactions:
 * - `$status` (instance, and type-level with `id` / `status` filters): a `searchset` of
 *   SubscriptionStatus Parameters (`query-status`), with the event count and any error;
 * - `$events` (instance): the logged events from `eventsSinceNumber` to
 *   `eventsUntilNumber` as a notification Bundle (`query-event`), at most
 *   {@link MAX_EVENTS_PER_REQUEST} per call, so a receiver that saw a gap in event numbers
 *   fetches what it missed.
 *
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/OperationDefinition-backport-subscription-status.html
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/OperationDefinition-backport-subscription-events.html
 */
import type { Bundle, Subscription } from '@medplum/fhirtypes';
import type { FhirContext, FhirResult } from '../core/context.ts';
import { readResource } from '../core/crud.ts';
import { OperationOutcomeError, allOk, badRequest } from '../core/outcomes.ts';
import { searchType } from '../core/search/search.ts';
import { type CanRead, subscriptionAccess } from './authorization.ts';
import { type NotificationEvent, type StatusInput, notificationBundle, statusBundle } from './notification.ts';
import { OWNER_URL, PAYLOAD_CONTENT_URL, type PayloadContent, type SubscriptionStatusCode } from './subscription-model.ts';
import type { SubscriptionStore } from './subscription-store.ts';
import { topicFor } from './topics.ts';

export const MAX_EVENTS_PER_REQUEST = 100;
const CONTENTS: readonly string[] = ['empty', 'id-only', 'full-resource'];

export type Params = [string, string][];

/** `GET [base]/Subscription/[id]/$status` */
export async function subscriptionStatus(ctx: FhirContext, subscriptions: SubscriptionStore, id: string): Promise<FhirResult> {
  const subscription = await readSubscription(ctx, id);
  return { outcome: allOk(), resource: statusBundle(ctx.baseUrl, [await statusOf(ctx, subscriptions, subscription)]) };
}

/** `GET [base]/Subscription/$status?id=…&status=…` */
export async function subscriptionStatuses(
  ctx: FhirContext,
  subscriptions: SubscriptionStore,
  params: Params,
): Promise<FhirResult> {
  const values = (name: string): string[] =>
    params.filter(([k]) => k === name).flatMap(([, v]) => v.split(',').map((s) => s.trim()).filter(Boolean));
  const ids = values('id');
  const statuses = values('status');
  const search: Params = [['_count', '1000']];
  if (ids.length > 0) search.push(['_id', ids.join(',')]);
  if (statuses.length > 0) search.push(['status', statuses.join(',')]);
  const found = (await searchType(ctx, 'Subscription', search, { strict: false })).resource as Bundle;
  const list = (found.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Subscription' ? [e.resource] : []));
  const inputs = await Promise.all(list.map((s) => statusOf(ctx, subscriptions, s)));
  return { outcome: allOk(), resource: statusBundle(ctx.baseUrl, inputs) };
}

/** `GET [base]/Subscription/[id]/$events?eventsSinceNumber=…&eventsUntilNumber=…&content=…` */
export async function subscriptionEvents(
  ctx: FhirContext,
  subscriptions: SubscriptionStore,
  id: string,
  params: Params,
  canRead: CanRead = subscriptionAccess().canRead,
): Promise<FhirResult> {
  const subscription = await readSubscription(ctx, id);
  const status = await statusOf(ctx, subscriptions, subscription);
  return { outcome: allOk(), resource: await eventsBundle(ctx, subscriptions, status, params, canRead, ownerOf(subscription)) };
}

/**
 * The `$events` answer of a channel (a Subscription, or a party channel: party-operations.ts)
 * whose status is `status`: its logged events in the asked range, each focus only when
 * `canRead` lets the channel's `owner` read it now.
 */
export async function eventsBundle(
  ctx: FhirContext,
  subscriptions: SubscriptionStore,
  status: StatusInput,
  params: Params,
  canRead: CanRead,
  owner: string | undefined,
): Promise<Bundle> {
  const id = status.subscriptionId;
  const param = (name: string): string | undefined => params.find(([k]) => k === name)?.[1];
  const since = eventNumber('eventsSinceNumber', param('eventsSinceNumber')) ?? 1;
  const until = eventNumber('eventsUntilNumber', param('eventsUntilNumber')) ?? status.eventsSinceSubscriptionStart;
  const contentParam = param('content');
  if (contentParam !== undefined && !CONTENTS.includes(contentParam)) {
    throw new OperationOutcomeError(badRequest(`content must be one of ${CONTENTS.join(', ')}`, ['content']));
  }
  const content = (contentParam as PayloadContent | undefined) ?? status.content;
  const events = await subscriptions.readEvents(id, since, until, MAX_EVENTS_PER_REQUEST);
  const items: NotificationEvent[] = await Promise.all(
    events.map(async (event) => {
      if (content === 'empty') return { event };
      const version = await ctx.store.readVersion(event.focus.type, event.focus.id, event.focus.version);
      // What the subscriber may read now: for a deletion, what was deleted.
      const readable =
        version?.resource ?? (await ctx.store.readVersion(event.focus.type, event.focus.id, event.focus.version - 1))?.resource;
      const allowed = readable !== undefined && (await canRead({ subscriptionId: id, ...(owner ? { owner } : {}) }, readable));
      return { event, readable: allowed, ...(allowed && version?.resource ? { resource: version.resource } : {}) };
    }),
  );
  return notificationBundle({ ...status, content, type: 'query-event', events: items });
}

async function readSubscription(ctx: FhirContext, id: string): Promise<Subscription> {
  return (await readResource(ctx, 'Subscription', id)).resource as Subscription;
}

async function statusOf(ctx: FhirContext, subscriptions: SubscriptionStore, subscription: Subscription): Promise<StatusInput> {
  const id = subscription.id as string;
  const topic = topicFor(subscription.criteria ?? '')?.url;
  return {
    baseUrl: ctx.baseUrl,
    subscriptionId: id,
    status: subscription.status as SubscriptionStatusCode,
    ...(topic ? { topic } : {}),
    type: 'query-status',
    eventsSinceSubscriptionStart: await subscriptions.eventCount(id),
    content: contentOf(subscription),
    ...(subscription.error ? { error: subscription.error } : {}),
  };
}

/** The payload content a subscription asked for (see `subscription-model.ts`), without failing on odd ones. */
function contentOf(subscription: Subscription): PayloadContent {
  const channel = subscription.channel as (Subscription['channel'] & { _payload?: { extension?: { url?: string; valueCode?: string }[] } }) | undefined;
  if (!topicFor(subscription.criteria ?? '')) return channel?.payload ? 'full-resource' : 'empty';
  const code = channel?._payload?.extension?.find((e) => e.url === PAYLOAD_CONTENT_URL)?.valueCode;
  if (code && CONTENTS.includes(code)) return code as PayloadContent;
  return channel?.payload ? 'id-only' : 'empty';
}

function ownerOf(subscription: Subscription): string | undefined {
  return subscription.extension?.find((e) => e.url === OWNER_URL)?.valueReference?.reference;
}

function eventNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(value)) {
    throw new OperationOutcomeError(badRequest(`${name} must be a positive whole number, got ${JSON.stringify(value)}`, [name]));
  }
  return Number(value);
}
