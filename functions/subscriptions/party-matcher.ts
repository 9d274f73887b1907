/**
 * The matcher's second source of events, beside Subscriptions: party notifications
 * (party-channel.ts). For a committed Task, ServiceRequest, CarePlan or CareTeam version
 * it finds the parties (parties.ts), keeps those whose organisation has an active, usable
 * notification Endpoint and may read the changed resource (`canRead`, asked for the
 * channel `Organization/<id>` as for a subscriber), and gives each one event, which the
 * matcher numbers and queues exactly as a subscription's.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore, StoredVersion } from '../store/resource-store.ts';
import type { CanRead } from './authorization.ts';
import type { SubscriptionRules } from './config.ts';
import { partyChannelId } from './channels.ts';
import { PARTY_TOPIC, type PartyChannel, readPartyChannel } from './party-channel.ts';
import { PARTY_TYPES, PartyResolver } from './parties.ts';
import type { EventInput } from './subscription-store.ts';

/** An event for a channel: a Subscription id, or a party channel `Organization/<id>`. */
export interface ChannelEvent {
  channel: string;
  event: EventInput;
}

export interface PartyMatcherDependencies {
  store: ResourceStore;
  rules: SubscriptionRules;
  canRead: CanRead;
  log?: { info(message: string, details?: Record<string, unknown>): void };
}

/** Party matching for one batch; channels are resolved once per batch. */
export class PartyMatcher {
  private readonly resolver: PartyResolver;
  private readonly channels = new Map<string, Promise<PartyChannel>>();

  constructor(private readonly deps: PartyMatcherDependencies) {
    this.resolver = new PartyResolver(deps.store);
  }

  /** `previous` reads the version before `v` (once, shared with subscription matching). */
  async match(v: StoredVersion, previous: () => Promise<Resource | undefined>): Promise<ChannelEvent[]> {
    if (!PARTY_TYPES.has(v.type)) return [];
    const current = v.operation === 'delete' ? undefined : v.resource;
    // A CarePlan's parties come from its teams as they are now; the others' also from the version before.
    const before = v.version > 1 && (v.type !== 'CarePlan' || !current) ? await previous() : undefined;
    const subject = current ?? before;
    if (!subject) return [];
    const organizations = await this.resolver.organizations(v.type, current, before, v.lastUpdated);
    const events: ChannelEvent[] = [];
    for (const organizationId of organizations) {
      const channel = partyChannelId(organizationId);
      const resolved = await this.channel(organizationId);
      if (resolved.state !== 'active') continue;
      if (!(await this.deps.canRead({ subscriptionId: channel, owner: channel }, subject))) continue;
      events.push({
        channel,
        event: {
          timestamp: v.lastUpdated,
          focus: { type: v.type, id: v.id, version: v.version },
          operation: v.operation,
          topic: PARTY_TOPIC,
        },
      });
    }
    return events;
  }

  private channel(organizationId: string): Promise<PartyChannel> {
    let pending = this.channels.get(organizationId);
    if (!pending) {
      pending = readPartyChannel(this.deps.store, organizationId, this.deps.rules).then((channel) => {
        if (channel.state === 'none' && channel.unusable) {
          this.deps.log?.info('Party channel not used', { organization: organizationId, reason: channel.reason });
        }
        return channel;
      });
      this.channels.set(organizationId, pending);
    }
    return pending;
  }
}
