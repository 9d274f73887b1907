/**
 * `$status` and `$events` of a party channel, as the R5 Backport IG defines them for a
 * Subscription (operations.ts), so a receiver that sees a gap in a party channel's event
 * numbers fetches what it missed the same way:
 *
 * - `GET [base]/Organization/<id>/$status`: the channel's status (`active`, `error` when
 *   its Endpoint is in error, else `off`) and event count;
 * - `GET [base]/Organization/<id>/$events?eventsSinceNumber=…&eventsUntilNumber=…`.
 *
 * Only the organisation itself may ask (with authentication on: the caller's care unit or
 * care provider is the Organization's HSA-id, or its `partOf`'s); each event's focus is
 * listed only if the organisation may read it now.
 */
import type { Endpoint, Organization } from '@medplum/fhirtypes';
import type { FhirContext, FhirResult } from '../core/context.ts';
import { readResource } from '../core/crud.ts';
import { OperationOutcomeError, allOk, forbidden } from '../core/outcomes.ts';
import { type CanRead, subscriptionAccess } from './authorization.ts';
import { partyChannelId } from './channels.ts';
import type { SubscriptionRules } from './config.ts';
import { type StatusInput, statusBundle } from './notification.ts';
import { type Params, eventsBundle } from './operations.ts';
import { hsaIdsOf } from '../core/hsa.ts';
import { NOTIFICATION_ERROR_URL, PARTY_TOPIC, readPartyChannel } from './party-channel.ts';
import type { SubscriptionStore } from './subscription-store.ts';

/** `GET [base]/Organization/<id>/$status` */
export async function partyStatus(ctx: FhirContext, subscriptions: SubscriptionStore, id: string, rules: SubscriptionRules): Promise<FhirResult> {
  const status = await channelStatus(ctx, subscriptions, id, rules);
  return { outcome: allOk(), resource: statusBundle(ctx.baseUrl, [status]) };
}

/** `GET [base]/Organization/<id>/$events?eventsSinceNumber=…&eventsUntilNumber=…&content=…` */
export async function partyEvents(
  ctx: FhirContext,
  subscriptions: SubscriptionStore,
  id: string,
  params: Params,
  rules: SubscriptionRules,
  canRead: CanRead = subscriptionAccess().canRead,
): Promise<FhirResult> {
  const status = await channelStatus(ctx, subscriptions, id, rules);
  const channel = partyChannelId(id);
  return { outcome: allOk(), resource: await eventsBundle(ctx, subscriptions, status, params, canRead, channel) };
}

async function channelStatus(ctx: FhirContext, subscriptions: SubscriptionStore, id: string, rules: SubscriptionRules): Promise<StatusInput> {
  const organization = (await readResource(ctx, 'Organization', id)).resource as Organization;
  await assertOwnChannel(ctx, organization);
  const channel = await readPartyChannel(ctx.store.unguarded, id, rules);
  let error: string | undefined;
  if (channel.state === 'error') {
    const endpoint = (await ctx.store.unguarded.readCurrent('Endpoint', channel.endpointId))?.resource as Endpoint | undefined;
    error = endpoint?.extension?.find((e) => e.url === NOTIFICATION_ERROR_URL)?.valueString ?? channel.reason;
  }
  const channelId = partyChannelId(id);
  return {
    baseUrl: ctx.baseUrl,
    subscriptionId: channelId,
    status: channel.state === 'active' ? 'active' : channel.state === 'error' ? 'error' : 'off',
    topic: PARTY_TOPIC,
    type: 'query-status',
    eventsSinceSubscriptionStart: await subscriptions.eventCount(channelId),
    content: 'id-only',
    ...(error ? { error } : {}),
  };
}

/** Only the organisation (or its care provider) reads its channel; anyone when authentication is off. */
async function assertOwnChannel(ctx: FhirContext, organization: Organization): Promise<void> {
  const caller = ctx.caller;
  if (!caller) return;
  const ids = new Set(hsaIdsOf(organization));
  const parent = organization.partOf?.reference?.match(/(?:^|\/)Organization\/([^/]+)$/)?.[1];
  if (parent) {
    const stored = await ctx.store.unguarded.readCurrent('Organization', parent);
    for (const hsa of hsaIdsOf(stored?.operation === 'delete' ? undefined : stored?.resource)) ids.add(hsa);
  }
  if (![caller.careUnit, caller.careProvider].some((hsa) => hsa !== undefined && ids.has(hsa))) {
    throw new OperationOutcomeError(forbidden(`Only Organization/${organization.id} itself reads its notification channel`));
  }
}
