/**
 * Party channels: how the parties of the workflow broker are notified without a
 * Subscription (docs/workflow.md, "Notifications / Aviseringar").
 *
 * An organisation registers once: an Endpoint (`status` active, `connectionType`
 * `rest-hook` or `hl7-fhir-rest`, `address` an https URL, optional `header`s) referenced
 * from its `Organization.endpoint`. samvard derives from it a **party channel**, named
 * `Organization/<id>`, that plays the part a Subscription plays on the subscription path:
 * the matcher numbers the channel's events in the subscriptions table under that name
 * (`SubscriptionStore.recordEvents`), the same queue carries them, and the same delivery
 * code POSTs them (a Backport notification Bundle, id-only, signed with the Endpoint's
 * secret), retries and dead-letters them. A Subscription id never contains `/`, so the
 * two kinds of channel cannot collide.
 *
 * The Endpoint is checked when written (`prepareEndpointWrite`, routes.ts: the address as a
 * Subscription's endpoint, not private (endpoint-address.ts), the headers, a signing secret
 * kept or generated) and again
 * whenever samvard uses it ({@link readPartyChannel}); one that does not pass, or that
 * was written by another organisation than the one it serves, is not used.
 *
 * @see https://hl7.org/fhir/R4/endpoint.html
 */
import { randomBytes } from 'node:crypto';
import type { Endpoint, Extension, Organization, Reference, Resource } from '@medplum/fhirtypes';
import { custodianOf } from '../access/documentation.ts';
import type { FhirContext } from '../core/context.ts';
import { updateResource } from '../core/crud.ts';
import { OperationOutcomeError, badRequest } from '../core/outcomes.ts';
import { hsaIdsOf } from '../core/hsa.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import { referenceKey } from '../store/search-index.ts';
import { partyChannelId } from './channels.ts';
import type { SubscriptionRules } from './config.ts';
import type { Lookup } from './endpoint-address.ts';
import {
  type CompiledSubscription,
  MIN_SECRET_LENGTH,
  SECRET_URL,
  checkHeaders,
  checkWebhookAddress,
  checkWebhookDestination,
} from './subscription-model.ts';

/** The topic party notifications name (R4 has no SubscriptionTopic resource; this one is not subscribable). */
export const PARTY_TOPIC = 'https://samvard.se/fhir/SubscriptionTopic/workflow-party';
/** On an Endpoint samvard set to `error`: why the last delivery failed. */
export const NOTIFICATION_ERROR_URL = 'https://samvard.se/fhir/StructureDefinition/notification-error';

/** `connectionType` codings that make an Endpoint a notification endpoint. */
const NOTIFICATION_CONNECTIONS: ReadonlySet<string> = new Set([
  'http://terminology.hl7.org/CodeSystem/endpoint-connection-type|hl7-fhir-rest',
  'http://hl7.org/fhir/subscription-channel-type|rest-hook',
  'http://terminology.hl7.org/CodeSystem/subscription-channel-type|rest-hook',
]);
const JSON_TYPES = new Set(['application/fhir+json', 'application/json']);

// --- the Endpoint ----------------------------------------------------------------------

/** Whether an Endpoint is meant for notifications (its connectionType), whatever its status. */
export function isNotificationEndpoint(endpoint: Endpoint): boolean {
  const c = endpoint.connectionType;
  return NOTIFICATION_CONNECTIONS.has(`${c?.system ?? ''}|${c?.code ?? ''}`);
}

export function endpointSecret(endpoint: Endpoint): string | undefined {
  return endpoint.extension?.find((e) => e.url === SECRET_URL)?.valueString;
}

function invalid(text: string, expression: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(text, [expression]));
}

/**
 * Checks a notification Endpoint as a Subscription's channel is checked, and returns
 * what delivery needs of it. Throws a 400 naming the element.
 */
export function checkNotificationEndpoint(endpoint: Endpoint, rules: SubscriptionRules): { address: string; headers: string[]; secret: string } {
  const address = checkWebhookAddress(endpoint.address, rules, 'Endpoint.address');
  const headers = checkHeaders(endpoint.header, 'Endpoint.header');
  const types = endpoint.payloadMimeType ?? [];
  if (types.length > 0 && !types.some((t) => JSON_TYPES.has(t.split(';')[0]?.trim() ?? ''))) {
    throw invalid('payloadMimeType must include application/fhir+json (notifications are FHIR JSON)', 'Endpoint.payloadMimeType');
  }
  const secret = endpointSecret(endpoint);
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH || secret.length > 256) {
    throw invalid(`extension ${SECRET_URL} must hold the signing secret, ${MIN_SECRET_LENGTH} to 256 characters`, 'Endpoint.extension');
  }
  return { address, headers, secret };
}

/**
 * An Endpoint as a client wrote it (POST, PUT), made ready to store. A notification
 * Endpoint keeps the client's signing secret, or its previous version's, or gets a
 * generated one (the response carries it); samvard's `notification-error` is dropped
 * unless the status stays `error`; then it must pass {@link checkNotificationEndpoint},
 * and its address's host name must not resolve to a private address now
 * (`private-endpoint`, endpoint-address.ts) (400 otherwise). Other Endpoints, and bodies
 * that are not Endpoints, pass unchanged.
 */
export async function prepareEndpointWrite(
  body: unknown,
  previous: Endpoint | undefined,
  rules: SubscriptionRules,
  lookup?: Lookup,
): Promise<unknown> {
  if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Endpoint') return body;
  const endpoint = body as Endpoint;
  if (!isNotificationEndpoint(endpoint)) return body;
  const secret = endpointSecret(endpoint) ?? (previous ? endpointSecret(previous) : undefined) ?? randomBytes(32).toString('base64url');
  const keep = (e: Extension): boolean => e.url !== SECRET_URL && (e.url !== NOTIFICATION_ERROR_URL || endpoint.status === 'error');
  const next: Endpoint = { ...endpoint, extension: [...(endpoint.extension ?? []).filter(keep), { url: SECRET_URL, valueString: secret }] };
  const { address } = checkNotificationEndpoint(next, rules);
  await checkWebhookDestination(address, rules, 'Endpoint.address', lookup);
  return next;
}

// --- resolving an organisation's channel -----------------------------------------------

export type PartyChannel =
  /** Deliver: the channel compiled as delivery reads a Subscription, with its secret. */
  | { state: 'active'; compiled: CompiledSubscription; secret: string; endpointId: string; endpointVersion: number }
  /** Not now: `suspended` waits (retried), `error` dead-letters (the last delivery failed). */
  | { state: 'suspended' | 'error'; endpointId: string; reason: string }
  /** No channel: no such Organization, no notification Endpoint, or none samvard can use. */
  | { state: 'none'; reason: string; unusable?: true };

/**
 * The channel of `Organization/<organizationId>` as it is now: the first notification
 * Endpoint in `Organization.endpoint` that is `active` and usable (else the state of the
 * first one that is `suspended` or `error`). Reads past any caller's access view.
 */
export async function readPartyChannel(store: ResourceStore, organizationId: string, rules: SubscriptionRules): Promise<PartyChannel> {
  const organization = (await readLive(store, 'Organization', organizationId)) as Organization | undefined;
  if (!organization) return { state: 'none', reason: `Organization/${organizationId} does not exist` };
  let waiting: PartyChannel | undefined;
  const unusable: string[] = [];
  for (const ref of organization.endpoint ?? []) {
    const key = literal(ref);
    if (!key?.startsWith('Endpoint/')) continue;
    const stored = await store.readCurrent('Endpoint', key.slice('Endpoint/'.length));
    const endpoint = stored?.operation === 'delete' ? undefined : (stored?.resource as Endpoint | undefined);
    if (!stored || !endpoint || !isNotificationEndpoint(endpoint)) continue;
    const endpointId = stored.id;
    if (endpoint.status === 'suspended' || endpoint.status === 'error') {
      waiting ??= { state: endpoint.status, endpointId, reason: `${key} is ${endpoint.status}` };
      continue;
    }
    if (endpoint.status !== 'active') continue;
    try {
      if (!(await registeredBy(store, organization, endpoint))) {
        unusable.push(`${key} was registered by another organisation than Organization/${organizationId}`);
        continue;
      }
      const { address, headers, secret } = checkNotificationEndpoint(endpoint, rules);
      const id = partyChannelId(organizationId);
      const compiled: CompiledSubscription = {
        id,
        version: stored.version,
        status: 'active',
        kind: 'topic',
        resourceType: '',
        topic: PARTY_TOPIC,
        filter: [],
        endpoint: address,
        headers,
        contentType: 'application/fhir+json',
        content: 'id-only',
        owner: id,
      };
      return { state: 'active', compiled, secret, endpointId, endpointVersion: stored.version };
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) throw err;
      unusable.push(`${key} cannot be used: ${err.message}`);
    }
  }
  if (waiting) return waiting;
  if (unusable.length > 0) return { state: 'none', reason: unusable.join('; '), unusable: true };
  return { state: 'none', reason: `Organization/${organizationId} has no active notification Endpoint` };
}

/**
 * Whether the Endpoint was written by the organisation it serves: its custodian (the
 * `documented-by` stamp, functions/access/documentation.ts) is the organisation's own
 * HSA-id or its care provider's (`partOf`). Any care provider may edit an Organization, so
 * without this one could point another organisation's notifications at itself. An
 * Endpoint without a stamp (written with authentication off) is taken as it is.
 */
async function registeredBy(store: ResourceStore, organization: Organization, endpoint: Endpoint): Promise<boolean> {
  const custodian = custodianOf(endpoint);
  if (!custodian) return true;
  const ids = new Set(hsaIdsOf(organization));
  const parentKey = literal(organization.partOf);
  if (parentKey?.startsWith('Organization/')) {
    const parent = await readLive(store, 'Organization', parentKey.slice('Organization/'.length));
    for (const id of hsaIdsOf(parent)) ids.add(id);
  }
  return [custodian.careUnit, custodian.careProvider].some((id) => id !== undefined && ids.has(id));
}

function literal(ref: Reference | undefined): string | undefined {
  return ref?.reference ? referenceKey({ type: 'Reference', value: ref }) : undefined;
}

async function readLive(store: ResourceStore, type: string, id: string): Promise<Resource | undefined> {
  const stored = await store.readCurrent(type, id);
  return stored?.operation === 'delete' ? undefined : stored?.resource;
}

// --- status set by delivery ------------------------------------------------------------

/**
 * Sets the Endpoint to `error` after a notification's last attempt failed, with the reason
 * in the `notification-error` extension, while it is still the `active` version that was
 * used (If-Match: never over a client's concurrent edit). The organisation resumes by
 * PUTting it `active` again.
 */
export async function markEndpointError(ctx: FhirContext, endpointId: string, version: number, error: string): Promise<boolean> {
  const current = await ctx.store.readCurrent('Endpoint', endpointId);
  const endpoint = current?.resource as Endpoint | undefined;
  if (!current || current.operation === 'delete' || !endpoint || current.version !== version || endpoint.status !== 'active') return false;
  const next: Endpoint = {
    ...endpoint,
    status: 'error',
    extension: [...(endpoint.extension ?? []).filter((e) => e.url !== NOTIFICATION_ERROR_URL), { url: NOTIFICATION_ERROR_URL, valueString: error.slice(0, 1000) }],
  };
  try {
    await updateResource(ctx, 'Endpoint', endpointId, next, version);
    return true;
  } catch (err) {
    if (err instanceof OperationOutcomeError && err.outcome.id === 'precondition-failed') return false;
    throw err;
  }
}
