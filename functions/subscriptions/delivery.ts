/**
 * Delivery: POSTs one queued notification to the subscriber's endpoint. The same code
 * runs in the delivery Lambda (SQS event source, `delivery-handler.ts`) and in the local
 * worker (`local/local-queue.ts`).
 *
 * {@link deliver} reads what it sends when it sends it (the Subscription, the logged
 * event, the focus version), so an endpoint or secret changed meanwhile is used at once
 * and a subscription switched off stops at once. Each POST carries the
 * `X-Samvard-Signature` header (`signature.ts`), `channel.header` values, and has a
 * timeout. It answers what should happen next; {@link settle} does it on a queue:
 * - delivered (2xx): done; a handshake also makes the subscription `active`;
 * - failed, attempts left: the next attempt is queued after an exponential backoff
 *   (base × 2^(attempt-1), at most max, ±20 % jitter);
 * - failed, last attempt: the message goes to the dead-letter queue and the subscription
 *   to `error`, with the reason in `Subscription.error`. Its later messages are
 *   dead-lettered without a POST; the events stay readable through `$events`, and the
 *   subscriber resumes by setting the status back to `requested`.
 * Delivery is at least once: a receiver recognises a repeat by its event number.
 *
 * Before each POST the endpoint's host is resolved and every address checked (rule
 * `private-endpoint`, endpoint-address.ts): one that is private, loopback, link-local or
 * a metadata address now is not POSTed to; that counts as a failed attempt, with the reason.
 *
 * A party channel (`Organization/<id>`, party-channel.ts) is delivered by the same code:
 * its Endpoint is read when sending instead of a Subscription (`active`: sent; `suspended`:
 * retried; `error`: dead-lettered; gone, `off` or unusable: dropped), and after the last
 * failed attempt the Endpoint goes to `error`.
 */
import type { Subscription } from '@medplum/fhirtypes';
import type { FhirContext } from '../core/context.ts';
import type { StoredVersion } from '../store/resource-store.ts';
import type { DeliverySettings, SubscriptionRules } from './config.ts';
import type { Logger } from './matcher.ts';
import { type Lookup, privateEndpointText, resolveDestination } from './endpoint-address.ts';
import { notificationBundle, type NotificationType } from './notification.ts';
import { channelReference, partyOrganizationOf } from './channels.ts';
import { markEndpointError, readPartyChannel } from './party-channel.ts';
import { type DeliveryMessage, type DeliveryQueue, describeMessage } from './queue.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';
import { setSubscriptionStatus } from './status.ts';
import { type CompiledSubscription, compileSubscription, subscriptionSecret } from './subscription-model.ts';
import type { SubscriptionStore } from './subscription-store.ts';

export interface DeliveryDependencies {
  ctx: FhirContext;
  subscriptions: SubscriptionStore;
  settings: DeliverySettings;
  rules: SubscriptionRules;
  /**
   * Keeps Subscriptions read for events and heartbeats a moment (handshakes always read
   * afresh), so a burst of events to one subscriber reads it once rather than per event.
   */
  cache?: SubscriptionCache;
  fetch?: typeof fetch;
  /** Resolves endpoint host names for the private-address check (default: node:dns). */
  lookup?: Lookup;
  log?: Logger;
  now?: () => Date;
}

/** Subscriptions as read recently, for at most `ttlMs`. */
export class SubscriptionCache {
  private readonly entries = new Map<string, { at: number; value: Promise<StoredVersion | undefined> }>();

  constructor(private readonly ttlMs = 1_000) {}

  read(ctx: FhirContext, id: string): Promise<StoredVersion | undefined> {
    const now = Date.now();
    const cached = this.entries.get(id);
    if (cached && now - cached.at < this.ttlMs) return cached.value;
    const value = ctx.store.readCurrent('Subscription', id);
    this.entries.set(id, { at: now, value });
    value.catch(() => this.entries.delete(id));
    if (this.entries.size > 10_000) this.entries.clear();
    return value;
  }
}

export type DeliveryResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; delayMs: number; reason: string }
  | { outcome: 'dead'; reason: string }
  | { outcome: 'dropped'; reason: string };

interface Notification {
  body: string;
  type: NotificationType;
  eventNumber?: number;
}

/** Where a message goes, as read when sending it. */
interface Target {
  compiled: CompiledSubscription;
  secret: string;
  /** After a 2xx (a handshake activates the subscription). */
  delivered?: () => Promise<void>;
  /** After the last failed attempt: the channel goes to `error` with `text`. */
  markError: (text: string) => Promise<void>;
}

/** Delivers one message once; see the module comment for what the result means. */
export async function deliver(message: DeliveryMessage, deps: DeliveryDependencies): Promise<DeliveryResult> {
  const organizationId = partyOrganizationOf(message.subscriptionId);
  const target = organizationId !== undefined ? await partyTarget(message, organizationId, deps) : await subscriptionTarget(message, deps);
  if ('outcome' in target) return target;

  const notification = await buildNotification(message, target.compiled, deps);
  if (!notification) return { outcome: 'dropped', reason: 'event no longer logged (expired)' };

  // DNS can have changed since the endpoint was written: every address it resolves to now must be public.
  const refused = await refusedDestination(target.compiled.endpoint, deps);
  if (refused !== undefined) return failed(message, refused, deps, target);

  const error = await post(target.compiled, target.secret, notification, message, deps);
  if (error === undefined) {
    await target.delivered?.();
    return { outcome: 'delivered', status: 200 };
  }
  return failed(message, error, deps, target);
}

/** A party channel's target: its organisation's notification Endpoint as it is now. */
async function partyTarget(message: DeliveryMessage, organizationId: string, deps: DeliveryDependencies): Promise<Target | DeliveryResult> {
  if (message.kind !== 'event') return { outcome: 'dropped', reason: 'party channels have events only' };
  const channel = await readPartyChannel(deps.ctx.store, organizationId, deps.rules);
  switch (channel.state) {
    case 'none':
      return { outcome: 'dropped', reason: channel.reason };
    case 'error':
      return { outcome: 'dead', reason: `${channel.reason}: an earlier notification failed its last attempt` };
    case 'suspended':
      return failed(message, channel.reason, deps, undefined);
    default:
      return {
        compiled: channel.compiled,
        secret: channel.secret,
        markError: async (text) => {
          await markEndpointError(deps.ctx, channel.endpointId, channel.endpointVersion, `Delivery to the endpoint failed (${new Date().toISOString()}): ${text}`);
        },
      };
  }
}

/** A Subscription's target, or what to do instead when its status says so. */
async function subscriptionTarget(message: DeliveryMessage, deps: DeliveryDependencies): Promise<Target | DeliveryResult> {
  const current =
    deps.cache && message.kind !== 'handshake'
      ? await deps.cache.read(deps.ctx, message.subscriptionId)
      : await deps.ctx.store.readCurrent('Subscription', message.subscriptionId);
  const subscription = current?.resource as Subscription | undefined;
  if (!current || current.operation === 'delete' || !subscription) return { outcome: 'dropped', reason: 'subscription deleted' };
  let compiled: CompiledSubscription;
  try {
    compiled = compileSubscription(subscription, deps.rules);
  } catch (err) {
    return { outcome: 'dropped', reason: `subscription no longer valid: ${(err as Error).message}` };
  }

  const status = compiled.status;
  if (message.kind === 'handshake') {
    if (status !== 'requested' || current.version !== message.subscriptionVersion) {
      return { outcome: 'dropped', reason: 'superseded by a later version of the subscription' };
    }
  } else if (status === 'error') {
    return message.kind === 'event'
      ? { outcome: 'dead', reason: `Subscription/${compiled.id} is in error: ${subscription.error ?? ''}` }
      : { outcome: 'dropped', reason: 'subscription in error' };
  } else if (status === 'off') {
    return { outcome: 'dropped', reason: 'subscription is off' };
  } else if (status === 'requested') {
    // Being re-verified (handshake): wait for it rather than send to an unconfirmed endpoint.
    if (message.kind === 'heartbeat') return { outcome: 'dropped', reason: 'subscription not active' };
    return failed(message, 'subscription awaits its handshake', deps, undefined);
  }
  return {
    compiled,
    secret: subscriptionSecret(subscription) ?? '',
    ...(message.kind === 'handshake'
      ? {
          delivered: async () => {
            await setSubscriptionStatus(deps.ctx, compiled.id, { to: 'active', from: ['requested'], version: current.version });
          },
        }
      : {}),
    markError: async (text) => {
      await setSubscriptionStatus(deps.ctx, compiled.id, {
        to: 'error',
        from: ['requested', 'active'],
        error: `Delivery to the endpoint failed (${new Date().toISOString()}): ${text}`,
      });
    },
  };
}

/**
 * The result of a failed attempt: retry with backoff, or (last attempt) dead, and the
 * channel to `error` when its endpoint failed (`target`; undefined when the message only
 * waited for its channel).
 */
async function failed(
  message: DeliveryMessage,
  reason: string,
  deps: DeliveryDependencies,
  target: Target | undefined,
): Promise<DeliveryResult> {
  if (message.attempt < deps.settings.maxAttempts) {
    return { outcome: 'retry', delayMs: backoffDelay(message.attempt, deps.settings), reason };
  }
  const text = `${describeMessage(message)} failed ${message.attempt} times; last: ${reason}`;
  await target?.markError(text);
  return { outcome: 'dead', reason: text };
}

/** Delay before attempt `attempt + 1`. */
export function backoffDelay(attempt: number, settings: DeliverySettings, random: () => number = Math.random): number {
  const exponential = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** (attempt - 1));
  return Math.round(Math.min(settings.backoffMaxMs, exponential * (0.8 + 0.4 * random())));
}

/** Does on `queue` what `result` asks: the next attempt, or the dead-letter queue. */
export async function settle(queue: DeliveryQueue, message: DeliveryMessage, result: DeliveryResult, log?: Logger): Promise<void> {
  if (result.outcome === 'retry') {
    await queue.send([{ ...message, attempt: message.attempt + 1 }], result.delayMs);
  } else if (result.outcome === 'dead') {
    log?.error('Delivery dead-lettered', { message: describeMessage(message), reason: result.reason });
    await queue.deadLetter(message, result.reason);
  } else if (result.outcome === 'dropped') {
    log?.info('Delivery dropped', { message: describeMessage(message), reason: result.reason });
  }
}

async function buildNotification(
  message: DeliveryMessage,
  compiled: CompiledSubscription,
  deps: DeliveryDependencies,
): Promise<Notification | undefined> {
  const base = {
    baseUrl: deps.ctx.baseUrl,
    subscriptionId: compiled.id,
    ...(compiled.topic ? { topic: compiled.topic } : {}),
    content: compiled.content,
  };
  const now = deps.now?.() ?? new Date();
  if (message.kind !== 'event') {
    const type = message.kind;
    const count = await deps.subscriptions.eventCount(compiled.id);
    const bundle = notificationBundle(
      { ...base, status: type === 'handshake' ? 'requested' : compiled.status, type, eventsSinceSubscriptionStart: count },
      now,
    );
    return { body: JSON.stringify(bundle), type };
  }
  const event = message.event ?? (await deps.subscriptions.readEvent(compiled.id, message.eventNumber));
  if (!event) return undefined;
  const needsResource = compiled.content === 'full-resource';
  const version = needsResource ? await deps.ctx.store.readVersion(event.focus.type, event.focus.id, event.focus.version) : undefined;
  if (compiled.kind === 'criteria') {
    // R4 classic: the resource itself, or nothing.
    const body = needsResource && version?.resource ? JSON.stringify(version.resource) : '';
    return { body, type: 'event-notification', eventNumber: event.eventNumber };
  }
  const bundle = notificationBundle(
    {
      ...base,
      status: compiled.status,
      type: 'event-notification',
      eventsSinceSubscriptionStart: event.eventNumber,
      events: [{ event, ...(version?.resource ? { resource: version.resource } : {}) }],
    },
    now,
  );
  return { body: JSON.stringify(bundle), type: 'event-notification', eventNumber: event.eventNumber };
}

/**
 * Why the endpoint may not be POSTed to now (`private-endpoint`, endpoint-address.ts: its
 * host resolves to a private, loopback, link-local or metadata address, or cannot be
 * resolved); undefined when it may, or when the rules allow private endpoints.
 */
async function refusedDestination(endpoint: string, deps: DeliveryDependencies): Promise<string | undefined> {
  if (deps.rules.allowPrivateEndpoints) return undefined;
  const destination = await resolveDestination(new URL(endpoint), deps.lookup);
  if (destination.public === true) return undefined;
  return destination.public === false
    ? `not sent: ${privateEndpointText('the endpoint', destination.reason)}`
    : `not sent: ${destination.reason}`;
}

/** POSTs the notification; undefined on a 2xx, otherwise why it failed. */
async function post(
  compiled: CompiledSubscription,
  secret: string,
  notification: Notification,
  message: DeliveryMessage,
  deps: DeliveryDependencies,
): Promise<string | undefined> {
  const headers = new Headers();
  for (const header of compiled.headers) {
    const at = header.indexOf(':');
    headers.set(header.slice(0, at).trim(), header.slice(at + 1).trim());
  }
  const timestamp = Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);
  if (notification.body !== '') headers.set('Content-Type', compiled.contentType ?? 'application/fhir+json');
  headers.set(SIGNATURE_HEADER, signatureHeader(secret, notification.body, timestamp));
  headers.set('X-Samvard-Subscription', channelReference(compiled.id));
  headers.set('X-Samvard-Notification-Type', notification.type);
  if (notification.eventNumber !== undefined) headers.set('X-Samvard-Event-Number', String(notification.eventNumber));
  headers.set('X-Samvard-Delivery-Attempt', String(message.attempt));
  const timeoutMs = Math.min(compiled.timeoutMs ?? deps.settings.timeoutMs, deps.settings.timeoutMs);
  const doFetch = deps.fetch ?? fetch;
  try {
    const response = await doFetch(compiled.endpoint, {
      method: 'POST',
      headers,
      body: notification.body,
      // A redirect could point anywhere (e.g. inside our network): it counts as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return response.status >= 200 && response.status < 300 ? undefined : `HTTP ${response.status}`;
  } catch (err) {
    const e = err as Error;
    return e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.name}: ${e.message}`;
  }
}
