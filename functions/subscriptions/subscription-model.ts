/**
 * A Subscription resource checked and compiled into what the matcher and delivery use.
 *
 * Two forms are accepted, both with a `rest-hook` channel:
 * - classic R4 criteria: `criteria` is a search URL, `Task?owner=Organization/1&status=requested`
 *   (type-level search parameters only: no chains, `_has`, `_include`, `_sort`, `_count` ...);
 *   notifications POST the resource (or an empty body when `channel.payload` is absent);
 * - topic-based (Subscriptions R5 Backport IG for R4): `criteria` is the canonical of one of
 *   the topics in `topics.ts`, narrowed by `backport-filter-criteria` extensions on
 *   `criteria` (ANDed), payload content `empty` | `id-only` | `full-resource` in the
 *   `backport-payload-content` extension on `channel.payload`, optional
 *   `backport-heartbeat-period` and `backport-timeout` on `channel`.
 *
 * samvard's own extensions: `subscription-secret` (on `channel`, valueString) is the
 * HMAC-SHA256 key of the signature header; `subscription-owner` (on the Subscription,
 * valueReference) is who subscribed, the principal whose read access limits what it is
 * told (see `authorization.ts`).
 *
 * @see https://hl7.org/fhir/R4/subscription.html
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/StructureDefinition-backport-subscription.html
 */
import type { Extension, Subscription } from '@medplum/fhirtypes';
import { OperationOutcomeError, badRequest } from '../core/outcomes.ts';
import { isServedResourceType } from '../core/resource-types.ts';
import { parseSearchQuery } from '../core/search/parse.ts';
import type { SearchQuery } from '../core/search/types.ts';
import type { SubscriptionRules } from './config.ts';
import { type Lookup, nonPublicHost, privateEndpointText, resolveDestination } from './endpoint-address.ts';
import { type TopicDefinition, topicFor } from './topics.ts';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const FILTER_CRITERIA_URL = `${BACKPORT}/backport-filter-criteria`;
export const PAYLOAD_CONTENT_URL = `${BACKPORT}/backport-payload-content`;
export const HEARTBEAT_PERIOD_URL = `${BACKPORT}/backport-heartbeat-period`;
export const TIMEOUT_URL = `${BACKPORT}/backport-timeout`;
export const BACKPORT_SUBSCRIPTION_PROFILE = `${BACKPORT}/backport-subscription`;
export const SECRET_URL = 'https://samvard.se/fhir/StructureDefinition/subscription-secret';
export const OWNER_URL = 'https://samvard.se/fhir/StructureDefinition/subscription-owner';

export type PayloadContent = 'empty' | 'id-only' | 'full-resource';
export type SubscriptionStatusCode = 'requested' | 'active' | 'error' | 'off';

/** What the matcher and delivery need of a Subscription (no secret: delivery reads it fresh). */
export interface CompiledSubscription {
  id: string;
  version: number;
  status: SubscriptionStatusCode;
  kind: 'criteria' | 'topic';
  /** The type of resource whose changes are matched. */
  resourceType: string;
  /** Topic canonical (topic-based only). */
  topic?: string;
  /** The search parameters every matched resource must meet (ANDed), as name/value pairs. */
  filter: [string, string][];
  endpoint: string;
  /** `channel.header`, each `Name: value`. */
  headers: string[];
  /** `channel.payload`: the MIME type of the body, absent for no body (classic). */
  contentType?: string;
  content: PayloadContent;
  heartbeatSeconds?: number;
  timeoutMs?: number;
  /** `end`: no events after this instant. */
  end?: string;
  /** `subscription-owner`: the subscriber, e.g. `Organization/123`. */
  owner?: string;
}

const JSON_PAYLOADS = new Set(['application/fhir+json', 'application/json']);
const CONTENTS: readonly PayloadContent[] = ['empty', 'id-only', 'full-resource'];
/** Parameters that shape a search result or reach other resources: meaningless for a change. */
const NOT_IN_CRITERIA = /^_(count|sort|include|revinclude|summary|total|elements|cursor|has|contained|containedType|type|format|pretty)$/;
const HEADER = /^[A-Za-z0-9-]{1,64}:\s?[^\r\n]{1,1024}$/;
const MAX_HEADERS = 10;
export const MIN_SECRET_LENGTH = 16;

function invalid(text: string, expression: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(text, [expression]));
}

/** Extensions on a primitive element (`_criteria`, `_payload` in JSON). */
function primitiveExtensions(owner: object | undefined, element: string): Extension[] {
  return ((owner as Record<string, { extension?: Extension[] } | undefined> | undefined)?.[`_${element}`]?.extension ??
    []) as Extension[];
}

function extensionValues(extensions: Extension[] | undefined, url: string): Extension[] {
  return (extensions ?? []).filter((e) => e.url === url);
}

/** The secret in `channel.extension[subscription-secret]`, if any. */
export function subscriptionSecret(subscription: Subscription): string | undefined {
  return extensionValues(subscription.channel?.extension, SECRET_URL)[0]?.valueString;
}

/**
 * Checks `subscription` and compiles it. Throws an OperationOutcomeError (400) whose
 * issue points at the offending element.
 */
export function compileSubscription(subscription: Subscription, rules: SubscriptionRules): CompiledSubscription {
  const channel = subscription.channel;
  if (channel?.type !== 'rest-hook') {
    throw invalid(`Only rest-hook channels are supported, not ${JSON.stringify(channel?.type)}`, 'Subscription.channel.type');
  }
  const endpoint = checkWebhookAddress(channel.endpoint, rules, 'Subscription.channel.endpoint');
  const headers = checkHeaders(channel.header, 'Subscription.channel.header');
  // The API adds a secret on create when the client gives none (routes.ts).
  const secret = subscriptionSecret(subscription);
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH || secret.length > 256) {
    throw invalid(
      `channel.extension ${SECRET_URL} must hold the signing secret, ${MIN_SECRET_LENGTH} to 256 characters`,
      'Subscription.channel.extension',
    );
  }
  const contentType = channel.payload;
  if (contentType !== undefined && !JSON_PAYLOADS.has(contentType.split(';')[0]?.trim() ?? '')) {
    throw invalid(`channel.payload must be application/fhir+json or application/json, got ${contentType}`, 'Subscription.channel.payload');
  }

  const criteria = subscription.criteria ?? '';
  const compiled: CompiledSubscription = {
    id: subscription.id ?? '',
    version: Number(subscription.meta?.versionId ?? 0),
    status: subscription.status as SubscriptionStatusCode,
    kind: 'criteria',
    resourceType: '',
    filter: [],
    endpoint,
    headers,
    content: 'empty',
  };
  if (contentType !== undefined) compiled.contentType = contentType;
  if (/^https?:\/\//.test(criteria)) {
    const topic = topicFor(criteria);
    if (!topic) throw invalid(`Unknown subscription topic ${criteria}; see docs/subscriptions.md for the topics`, 'Subscription.criteria');
    compiled.kind = 'topic';
    compiled.topic = topic.url;
    compiled.resourceType = topic.resourceType;
    compiled.filter = topicFilter(topic, primitiveExtensions(subscription, 'criteria'));
    compiled.content = payloadContent(channel);
    const heartbeat = extensionValues(channel.extension, HEARTBEAT_PERIOD_URL)[0]?.valueUnsignedInt;
    if (heartbeat !== undefined && heartbeat > 0) {
      if (heartbeat < rules.minHeartbeatSeconds) {
        throw invalid(`The heartbeat period must be at least ${rules.minHeartbeatSeconds} seconds`, 'Subscription.channel.extension');
      }
      compiled.heartbeatSeconds = heartbeat;
    }
  } else {
    const { resourceType, pairs } = classicCriteria(criteria);
    compiled.resourceType = resourceType;
    compiled.filter = pairs;
    compiled.content = contentType === undefined ? 'empty' : 'full-resource';
  }
  parseFilter(compiled.resourceType, compiled.filter);
  const timeout = extensionValues(channel.extension, TIMEOUT_URL)[0]?.valueUnsignedInt;
  if (timeout !== undefined && timeout > 0) compiled.timeoutMs = timeout * 1000;
  if (subscription.end) compiled.end = subscription.end;
  const owner = extensionValues(subscription.extension, OWNER_URL)[0]?.valueReference?.reference;
  if (owner) compiled.owner = owner;
  return compiled;
}

/**
 * Checks the URL notifications are POSTed to (a Subscription's `channel.endpoint`, an
 * Endpoint's `address`): absolute, `https` (`http` only when the rules allow it, for local
 * development), no credentials in it, and (unless the rules allow private endpoints) a
 * host that is not a private, loopback, link-local or metadata address as written
 * (`private-endpoint`, endpoint-address.ts; what a name resolves to is
 * {@link checkWebhookDestination}'s). Throws a 400 naming `expression`.
 */
export function checkWebhookAddress(address: string | undefined, rules: SubscriptionRules, expression: string): string {
  const name = expression.split('.').slice(1).join('.');
  let url: URL;
  try {
    url = new URL(address ?? '');
  } catch {
    throw invalid(`${name} must be an absolute URL`, expression);
  }
  const allowed = url.protocol === 'https:' || (url.protocol === 'http:' && rules.allowHttp);
  if (!allowed) throw invalid(`${name} must be an https URL`, expression);
  if (url.username || url.password) {
    throw invalid(`${name} must not carry credentials; use ${expression.startsWith('Endpoint') ? 'header' : 'channel.header'}`, expression);
  }
  const refused = rules.allowPrivateEndpoints ? undefined : nonPublicHost(url);
  if (refused) throw invalid(privateEndpointText(name, refused), expression);
  return url.toString();
}

/**
 * When a Subscription or Endpoint is written: what the address's host name resolves to
 * now must be public too (`private-endpoint`, 400 naming `expression`). A name that does
 * not resolve now is accepted (delivery checks it again before every POST). Nothing to
 * do when the rules allow private endpoints. Run after {@link checkWebhookAddress}.
 */
export async function checkWebhookDestination(
  address: string,
  rules: SubscriptionRules,
  expression: string,
  lookup?: Lookup,
): Promise<void> {
  if (rules.allowPrivateEndpoints) return;
  const destination = await resolveDestination(new URL(address), lookup);
  if (destination.public === false) {
    throw invalid(privateEndpointText(expression.split('.').slice(1).join('.'), destination.reason), expression);
  }
}

/** Checks `Name: value` headers sent with every notification; throws a 400 naming `expression`. */
export function checkHeaders(headers: string[] | undefined, expression: string): string[] {
  const list = headers ?? [];
  if (list.length > MAX_HEADERS) throw invalid(`At most ${MAX_HEADERS} headers`, expression);
  list.forEach((h, i) => {
    if (!HEADER.test(h)) throw invalid(`A header is "Name: value", got ${JSON.stringify(h)}`, `${expression}[${i}]`);
  });
  return list;
}

function payloadContent(channel: NonNullable<Subscription['channel']>): PayloadContent {
  const code = extensionValues(primitiveExtensions(channel, 'payload'), PAYLOAD_CONTENT_URL)[0]?.valueCode;
  if (code === undefined) return channel.payload === undefined ? 'empty' : 'id-only';
  if (!(CONTENTS as readonly string[]).includes(code)) {
    throw invalid(`Payload content must be one of ${CONTENTS.join(', ')}, got ${code}`, 'Subscription.channel.payload');
  }
  if (code !== 'empty' && channel.payload === undefined) {
    throw invalid(`Payload content ${code} needs channel.payload (application/fhir+json)`, 'Subscription.channel.payload');
  }
  return code as PayloadContent;
}

/** `Type?a=1&b=2` (or `Type`) as the type and its parameters. */
function classicCriteria(criteria: string): { resourceType: string; pairs: [string, string][] } {
  const [resourceType = '', query = ''] = splitOnce(criteria, '?');
  if (!/^[A-Z][A-Za-z]+$/.test(resourceType) || !isServedResourceType(resourceType) || resourceType === 'Subscription') {
    throw invalid(
      `criteria must be a search on a resource type samvard serves (e.g. Task?owner=Organization/123), or a topic canonical; got ${JSON.stringify(criteria)}`,
      'Subscription.criteria',
    );
  }
  return { resourceType, pairs: [...new URLSearchParams(query).entries()] };
}

/** The topic's filter criteria as parameters, each allowed by the topic. */
function topicFilter(topic: TopicDefinition, extensions: Extension[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const extension of extensionValues(extensions, FILTER_CRITERIA_URL)) {
    const text = extension.valueString ?? '';
    const [prefix, query] = text.includes('?') ? splitOnce(text, '?') : ['', text];
    if (prefix && prefix !== topic.resourceType) {
      throw invalid(`Filter criteria ${JSON.stringify(text)} is not on ${topic.resourceType}, the resource of ${topic.url}`, 'Subscription.criteria.extension');
    }
    for (const [name, value] of new URLSearchParams(query ?? '')) {
      const code = name.split(/[:.]/)[0] ?? '';
      if (!topic.filters.some((f) => f.code === code)) {
        throw invalid(
          `${code} is not a filter of ${topic.url}; it allows ${topic.filters.map((f) => f.code).join(', ')}`,
          'Subscription.criteria.extension',
        );
      }
      pairs.push([name, value]);
    }
  }
  return pairs;
}

/**
 * The parameters as a parsed search on `resourceType`: unknown parameters, chains,
 * `_has` and result parameters are a 400.
 */
export function parseFilter(resourceType: string, pairs: [string, string][]): SearchQuery {
  for (const [name] of pairs) {
    if (NOT_IN_CRITERIA.test(name.split(':')[0] ?? '')) {
      throw invalid(`${name} cannot be used in Subscription criteria: a change is matched one resource at a time`, 'Subscription.criteria');
    }
  }
  let query: SearchQuery;
  try {
    query = parseSearchQuery(resourceType, pairs, { strict: true });
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    throw invalid(`Invalid criteria: ${err.message}`, 'Subscription.criteria');
  }
  const chained = query.clauses.find((c) => c.chain !== undefined);
  if (chained) {
    throw invalid(
      `Chained parameters (${chained.code}.…) are not supported in Subscription criteria: a change is matched without reading other resources`,
      'Subscription.criteria',
    );
  }
  return query;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
