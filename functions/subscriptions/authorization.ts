/**
 * The hook that keeps a subscriber from being told what it may not read.
 *
 * The rules themselves (care relationship, consent, spärr; Lag 2022:913) belong to the
 * authorization work (issue 8). The subscription path asks one question of it, through
 * {@link CanRead}: may the subscriber read this resource (version)? It asks
 * - in the matcher, before an event is numbered: a change the subscriber may not read
 *   does not count as one of its events, is not logged and is not sent, so neither the
 *   notification, nor its event number, nor `$events` reveals it;
 * - in `$events`, for each logged event, with the rules as they are now (a consent may
 *   have been withdrawn since): an event no longer readable is listed without its focus.
 *
 * The subscriber is the Subscription's `subscription-owner` extension (a reference to the
 * Organization, PractitionerRole ... that subscribed). The API sets it on create from
 * {@link SubscriptionAccess.subscriberOf} (the authenticated principal), so a client
 * cannot subscribe on someone else's behalf. Until issue 8 provides both functions the
 * defaults allow everything and keep the owner the client sent.
 *
 * Issue 8 plugs in once at start-up:
 * ```ts
 * configureSubscriptionAccess({
 *   canRead: (subscriber, resource) => accessDecision(subscriber.owner, resource).permit,
 *   subscriberOf: (c) => principalOf(c)?.organization,
 * });
 * ```
 * and passes the same `canRead` to the matcher's dependencies (Lambda and local).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Context } from 'hono';

/** Who is to be told: the Subscription and its owner. */
export interface Subscriber {
  subscriptionId: string;
  /** `subscription-owner`, e.g. `Organization/123`; undefined when none was recorded. */
  owner?: string;
}

/** Whether `subscriber` may read `resource` (the version that changed, or before a deletion). */
export type CanRead = (subscriber: Subscriber, resource: Resource) => boolean | Promise<boolean>;

export interface SubscriptionAccess {
  canRead: CanRead;
  /**
   * The owner to record on a Subscription created or updated through the API, from the
   * request (its authenticated principal). Undefined: keep what the client sent.
   */
  subscriberOf: (c: Context) => string | undefined;
}

export const allowAll: CanRead = () => true;

const defaults: SubscriptionAccess = { canRead: allowAll, subscriberOf: () => undefined };
let access: SubscriptionAccess = defaults;

/** Replaces the access hooks (any not given keep their default). */
export function configureSubscriptionAccess(hooks: Partial<SubscriptionAccess>): SubscriptionAccess {
  access = { ...defaults, ...hooks };
  return access;
}

export function subscriptionAccess(): SubscriptionAccess {
  return access;
}
