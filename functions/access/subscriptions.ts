/**
 * The access rules for subscription notifications: a subscriber is told of a change only
 * if it may read the changed resource (functions/subscriptions/authorization.ts asks).
 *
 * The subscriber is who created the Subscription, as samvard stamped it from that
 * request's token (`documented-by` on the Subscription, documentation.ts), not the
 * `subscription-owner` a client may write: a care provider and unit, or a patient. Its
 * read is decided as for a system token of that provider and unit (or a patient token)
 * with the rules as they are when the change happens; emergency access never applies.
 * A Subscription without that stamp (created with authentication off) is told nothing.
 *
 * A party channel (`Organization/<id>`, functions/subscriptions/party-channel.ts) is
 * decided for the organisation itself: a system token of its care unit (its HSA-id) and
 * care provider (the HSA-id of its `partOf`, or its own when it has none). An
 * Organization without an HSA-id is told nothing.
 */
import type { Organization, Resource } from '@medplum/fhirtypes';
import type { Caller } from '../auth/caller.ts';
import { parseScopes } from '../auth/scopes.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import type { CanRead } from '../subscriptions/authorization.ts';
import { partyOrganizationOf } from '../subscriptions/channels.ts';
import { hsaIdsOf } from '../core/hsa.ts';
import { custodianOf } from './documentation.ts';
import { RequestAccess } from './guard.ts';

/** The Caller a Subscription's notifications are decided for, from its stamp. */
export function subscriberCaller(subscription: Resource | undefined): Caller | undefined {
  const custodian = custodianOf(subscription);
  if (!custodian) return undefined;
  if (custodian.patient) {
    return { kind: 'patient', clientId: 'subscription', subject: `Subscription/${subscription?.id}`, patient: custodian.patient, scopes: parseScopes('patient/*.rs') };
  }
  if (!custodian.careProvider || !custodian.careUnit) return undefined;
  return {
    kind: 'system',
    clientId: 'subscription',
    subject: `Subscription/${subscription?.id}`,
    careProvider: custodian.careProvider,
    careUnit: custodian.careUnit,
    scopes: parseScopes('system/*.rs'),
  };
}

/** The Caller a party channel's notifications are decided for: the organisation's own system token. */
export async function partyCaller(store: ResourceStore, organizationId: string): Promise<Caller | undefined> {
  const read = async (id: string): Promise<Organization | undefined> => {
    const stored = await store.readCurrent('Organization', id);
    return stored?.operation === 'delete' ? undefined : (stored?.resource as Organization | undefined);
  };
  const organization = await read(organizationId);
  const careUnit = hsaIdsOf(organization)[0];
  if (!organization || !careUnit) return undefined;
  const parent = organization.partOf?.reference?.match(/(?:^|\/)Organization\/([^/]+)$/)?.[1];
  const careProvider = (parent ? hsaIdsOf(await read(parent))[0] : undefined) ?? careUnit;
  return {
    kind: 'system',
    clientId: 'party-notification',
    subject: `Organization/${organizationId}`,
    careProvider,
    careUnit,
    scopes: parseScopes('system/*.rs'),
  };
}

/** A CanRead for the subscription matcher and `$events`, reading the store unguarded. */
export function subscriptionCanRead(store: ResourceStore, now: () => Date = () => new Date()): CanRead {
  return async (subscriber, resource) => {
    const organizationId = partyOrganizationOf(subscriber.subscriptionId);
    const caller =
      organizationId !== undefined
        ? await partyCaller(store, organizationId)
        : subscriberCaller((await store.readCurrent('Subscription', subscriber.subscriptionId))?.resource);
    if (!caller) return false;
    return new RequestAccess(store, caller, now).canRead(resource);
  };
}
