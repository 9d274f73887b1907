/**
 * The matcher: turns a batch of resource-table stream records into subscription events
 * and queued deliveries. The same function runs in the matcher Lambda (DynamoDB stream
 * event source, `matcher-handler.ts`) and locally on DynamoDB Local's stream
 * (`local/stream-poller.ts`).
 *
 * Per batch:
 * 1. Keep the records that commit a resource version (see {@link committedVersion}).
 * 2. Subscription versions first, in order: re-file the subscription in the match index
 *    (active: under its match keys; otherwise: out of it), queue the handshake of a
 *    `requested` topic-based subscription, activate a `requested` classic one, and mark one
 *    that no longer compiles (e.g. written through a transaction) `error`.
 * 3. Every other version: look up the subscriptions filed under its match keys
 *    (`match-keys.ts`; each partition read once per batch), and keep those whose topic
 *    fires, whose filter matches (`matchesQuery`) and whose owner may read it (`canRead`).
 *    Party notifications are found beside them (`party-matcher.ts`): a Task, ServiceRequest,
 *    CarePlan or CareTeam version gives an event to each party organisation with an
 *    active notification Endpoint that may read it, on its channel `Organization/<id>`.
 * 4. Number the events per channel (subscription or party channel;
 *    `SubscriptionStore.recordEvents`: consecutive, and a change seen again keeps its
 *    number) and queue one delivery per event.
 *
 * Everything is idempotent, so a batch that fails is simply processed again (at least
 * once): a retried change keeps its event number and is delivered again, which a
 * receiver recognises by that number.
 */
import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { FhirContext } from '../core/context.ts';
import { OperationOutcomeError } from '../core/outcomes.ts';
import { matchesQuery } from '../core/search/match.ts';
import type { SearchQuery } from '../core/search/types.ts';
import type { StoredVersion, WriteOperation } from '../store/resource-store.ts';
import { type StreamRecord, isCommittedVersion } from '../store/stream-records.ts';
import { type CanRead, subscriptionAccess } from './authorization.ts';
import type { SubscriptionRules } from './config.ts';
import { resourceKeys } from './match-keys.ts';
import type { DeliveryMessage, DeliveryQueue } from './queue.ts';
import { setSubscriptionStatus } from './status.ts';
import { type CompiledSubscription, compileSubscription, parseFilter } from './subscription-model.ts';
import { type ChannelEvent, PartyMatcher } from './party-matcher.ts';
import type { EventInput, SubscriptionStore } from './subscription-store.ts';
import { topicFires, topicFor } from './topics.ts';

/** The parts of an attribute value read here (DynamoDB JSON, as Lambda and the Streams API give it). */
export type { StreamRecord } from '../store/stream-records.ts';

export interface Logger {
  info(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface MatcherDependencies {
  /** The resource store and API base (previous versions, status changes, fullUrls). */
  ctx: FhirContext;
  subscriptions: SubscriptionStore;
  queue: DeliveryQueue;
  rules: SubscriptionRules;
  /** Defaults to the configured hook (`authorization.ts`). */
  canRead?: CanRead;
  log?: Logger;
  now?: () => Date;
}

/** Changes of one batch matched at once, and subscriptions' events numbered at once. */
const MATCH_CONCURRENCY = 8;

export interface MatchSummary {
  versions: number;
  subscriptionChanges: number;
  events: number;
}

/**
 * The resource version a stream record commits, or undefined.
 *
 * A version item (`sk = "v#..."`) is committed when it is inserted without `txId` (a
 * single-transaction write), or when a multi-step commit removes its `txId`
 * (`store/multi-step-commit.ts`: prepared as an insert with `txId`, made visible by a
 * MODIFY that removes it, or deleted on roll-back). Anything else is not a change.
 */
export function committedVersion(record: StreamRecord): StoredVersion | undefined {
  const image = record.dynamodb?.NewImage;
  if (!image || !isCommittedVersion(record)) return undefined;
  const version: StoredVersion = {
    type: image.type?.S ?? '',
    id: image.id?.S ?? '',
    version: Number(image.version?.N),
    lastUpdated: image.lastUpdated?.S ?? '',
    operation: image.operation?.S as WriteOperation,
  };
  if (!version.type || !version.id || !Number.isInteger(version.version)) {
    throw new Error(`Stream record ${record.dynamodb?.SequenceNumber ?? '?'} is a version item without type, id or version`);
  }
  if (image.resource?.S) version.resource = JSON.parse(image.resource.S) as Resource;
  return version;
}

/** Processes one batch of stream records; throws when it should be retried. */
export async function processChangeRecords(records: StreamRecord[], deps: MatcherDependencies): Promise<MatchSummary> {
  const versions = records.flatMap((r) => committedVersion(r) ?? []);
  const summary: MatchSummary = { versions: versions.length, subscriptionChanges: 0, events: 0 };
  if (versions.length === 0) return summary;

  const subscriptionVersions = versions.filter((v) => v.type === 'Subscription');
  for (const v of subscriptionVersions) await applySubscriptionVersion(v, deps);
  summary.subscriptionChanges = subscriptionVersions.length;

  // Matched concurrently; the events keep the order of the stream.
  const matcher = new BatchMatcher(deps);
  const parties = new PartyMatcher({
    store: deps.ctx.store,
    rules: deps.rules,
    canRead: deps.canRead ?? subscriptionAccess().canRead,
    ...(deps.log ? { log: deps.log } : {}),
  });
  const changes = versions.filter((v) => v.type !== 'Subscription');
  const results = await mapConcurrently(changes, MATCH_CONCURRENCY, async (v) => {
    const previous = previousVersion(v, deps);
    return [...(await matcher.match(v, previous)), ...(await parties.match(v, previous))];
  });
  const bySubscription = new Map<string, EventInput[]>();
  for (const { channel, event } of results.flat()) {
    const list = bySubscription.get(channel) ?? [];
    list.push(event);
    bySubscription.set(channel, list);
  }

  const now = deps.now?.() ?? new Date();
  const messages: DeliveryMessage[] = [];
  await mapConcurrently([...bySubscription], MATCH_CONCURRENCY, async ([subscriptionId, inputs]) => {
    const events = await deps.subscriptions.recordEvents(subscriptionId, inputs, now);
    for (const event of events) {
      messages.push({ kind: 'event', subscriptionId, eventNumber: event.eventNumber, attempt: 1, event });
    }
  });
  if (messages.length > 0) await deps.queue.send(messages);
  summary.events = messages.length;
  return summary;
}

/** Reads the version before `v` at most once, when first asked. */
function previousVersion(v: StoredVersion, deps: MatcherDependencies): () => Promise<Resource | undefined> {
  let previous: Promise<Resource | undefined> | undefined;
  return () => {
    previous ??=
      v.version > 1 ? deps.ctx.store.readVersion(v.type, v.id, v.version - 1).then((p) => p?.resource) : Promise.resolve(undefined);
    return previous;
  };
}

/** `f` over `items`, at most `limit` at a time; the results in the order of `items`. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const work = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await f(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, work));
  return results;
}

/** Re-files one Subscription version and takes the step its status asks for. */
async function applySubscriptionVersion(v: StoredVersion, deps: MatcherDependencies): Promise<void> {
  const subscription = v.resource as Subscription | undefined;
  if (v.operation === 'delete' || !subscription) {
    await deps.subscriptions.register(v.id, v.version, undefined);
    return;
  }
  let compiled: CompiledSubscription;
  try {
    compiled = compileSubscription(subscription, deps.rules);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    // Written past the API's checks (e.g. in a transaction): never matched, and marked.
    if ((await deps.subscriptions.register(v.id, v.version, undefined)) === 'applied') {
      await setSubscriptionStatus(deps.ctx, v.id, {
        to: 'error',
        from: ['requested', 'active'],
        version: v.version,
        error: `Not a subscription samvard can serve: ${err.message}`,
      });
    }
    return;
  }
  const outcome = await deps.subscriptions.register(v.id, v.version, compiled, deps.now?.());
  if (outcome === 'stale' || compiled.status !== 'requested') return;
  if (compiled.kind === 'topic') {
    await deps.queue.send([{ kind: 'handshake', subscriptionId: v.id, subscriptionVersion: v.version, attempt: 1 }]);
  } else {
    // R4 classic subscriptions have no handshake: the server activates them.
    await setSubscriptionStatus(deps.ctx, v.id, { to: 'active', from: ['requested'], version: v.version });
  }
}

/** Matching for one batch, with the match-index partitions and parsed filters cached. */
class BatchMatcher {
  private readonly partitions = new Map<string, Promise<CompiledSubscription[]>>();
  private readonly params = new Map<string, Promise<Set<string>>>();
  private readonly filters = new Map<string, SearchQuery>();
  private readonly canRead: CanRead;

  constructor(private readonly deps: MatcherDependencies) {
    this.canRead = deps.canRead ?? subscriptionAccess().canRead;
  }

  async match(v: StoredVersion, previousResource: () => Promise<Resource | undefined>): Promise<ChannelEvent[]> {
    // A deletion is matched against what was deleted.
    let inUse = this.params.get(v.type);
    if (!inUse) {
      inUse = this.deps.subscriptions.paramsInUse(v.type);
      this.params.set(v.type, inUse);
    }
    const params = await inUse;
    if (params.size === 0) return []; // no active subscription on this type
    const subject = v.operation === 'delete' ? await previousResource() : v.resource;
    if (!subject) return [];
    const candidates = await this.candidates(v.type, resourceKeys(subject, params));
    const now = (this.deps.now?.() ?? new Date()).toISOString();
    const matched: ChannelEvent[] = [];
    for (const subscription of candidates) {
      if (subscription.end && subscription.end < now) continue;
      if (subscription.kind === 'topic') {
        const topic = topicFor(subscription.topic ?? '');
        if (!topic) continue;
        const needsPrevious = topic.fires !== undefined && v.operation === 'update';
        const before = needsPrevious || v.operation === 'delete' ? await previousResource() : undefined;
        if (!topicFires(topic, v.operation, v.resource, before)) continue;
      } else if (v.operation === 'delete') {
        continue; // classic criteria match what is created or updated
      }
      if (!matchesQuery(subject, this.filter(subscription))) continue;
      const subscriber = { subscriptionId: subscription.id, ...(subscription.owner ? { owner: subscription.owner } : {}) };
      if (!(await this.canRead(subscriber, subject))) continue;
      matched.push({
        channel: subscription.id,
        event: {
          timestamp: v.lastUpdated,
          focus: { type: v.type, id: v.id, version: v.version },
          operation: v.operation,
          ...(subscription.topic ? { topic: subscription.topic } : {}),
        },
      });
    }
    return matched;
  }

  private async candidates(type: string, keys: string[]): Promise<CompiledSubscription[]> {
    const lists = await Promise.all(
      keys.map((key) => {
        const cacheKey = `${type}#${key}`;
        let list = this.partitions.get(cacheKey);
        if (!list) {
          list = this.deps.subscriptions.candidates(type, key);
          this.partitions.set(cacheKey, list);
        }
        return list;
      }),
    );
    const byId = new Map<string, CompiledSubscription>();
    for (const s of lists.flat()) {
      if (s.resourceType === type) byId.set(s.id, s);
    }
    return [...byId.values()];
  }

  private filter(subscription: CompiledSubscription): SearchQuery {
    const cacheKey = `${subscription.id}@${subscription.version}`;
    let query = this.filters.get(cacheKey);
    if (!query) {
      query = parseFilter(subscription.resourceType, subscription.filter);
      this.filters.set(cacheKey, query);
    }
    return query;
  }
}
