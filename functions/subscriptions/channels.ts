/**
 * What a delivery channel is named: a Subscription by its id, or an organisation's party
 * channel (party-channel.ts) as `Organization/<id>`. Event numbers, the event log, queue
 * messages (`subscriptionId`) and the `X-Samvard-Subscription` header use the name. A
 * FHIR id never contains `/`, so the two cannot collide.
 */
const PREFIX = 'Organization/';

/** The channel of an organisation: `Organization/<id>`. */
export const partyChannelId = (organizationId: string): string => `${PREFIX}${organizationId}`;

/** The Organization id of a party channel; undefined for a Subscription id. */
export function partyOrganizationOf(channelId: string): string | undefined {
  return channelId.startsWith(PREFIX) ? channelId.slice(PREFIX.length) : undefined;
}

/** The channel as a relative reference: `Subscription/<id>` or `Organization/<id>`. */
export function channelReference(channelId: string): string {
  return partyOrganizationOf(channelId) !== undefined ? channelId : `Subscription/${channelId}`;
}
