/**
 * The HTTP routes of Subscription: create and update go through
 * {@link prepareSubscriptionWrite} before the ordinary interactions (so a Subscription
 * is checked, gets its secret and owner, and its status is the server's to set), plus
 * `$status` and `$events`. Registered by `functions/http/app.ts` before the generic
 * routes; read, search, history and delete are the generic ones.
 *
 * Likewise for the notification Endpoints of party channels (party-channel.ts): create
 * and update of an Endpoint go through `prepareEndpointWrite` (checked, secret kept or
 * generated), PATCH is refused, and an organisation reads its channel's `$status` and
 * `$events` at `Organization/<id>/$status` and `Organization/<id>/$events`
 * (party-operations.ts).
 *
 * Conditional updates (`PUT Subscription?…`, `PUT Endpoint?…`) are prepared here too, as
 * an update of their match; PATCH is refused, and transaction and batch Bundles refuse
 * Subscription and Endpoint writes (functions/core/bundle.ts). What gets past anyway is
 * checked again by the matcher, which marks a subscription it cannot serve `error`, and
 * by `readPartyChannel`, which does not use an Endpoint that does not pass.
 */
import { randomBytes } from 'node:crypto';
import type { Endpoint, Extension, Subscription } from '@medplum/fhirtypes';
import type { Context, Hono } from 'hono';
import type { FhirContext, FhirResult } from '../core/context.ts';
import { conditionalCreate, conditionalUpdate } from '../core/conditional.ts';
import { createResource, updateResource } from '../core/crud.ts';
import { OperationOutcomeError, methodNotAllowed } from '../core/outcomes.ts';
import { parseIfMatch } from '../core/preconditions.ts';
import { createDynamoDbClient } from '../store/dynamodb-client.ts';
import { errorResponse } from '../http/fhir-response.ts';
import { readJsonBody } from '../http/request-body.ts';
import { subscriptionAccess } from './authorization.ts';
import { type SubscriptionRules, readSubscriptionConfig, subscriptionRules } from './config.ts';
import { subscriptionEvents, subscriptionStatus, subscriptionStatuses } from './operations.ts';
import { prepareEndpointWrite } from './party-channel.ts';
import { partyEvents, partyStatus } from './party-operations.ts';
import type { Lookup } from './endpoint-address.ts';
import { OWNER_URL, SECRET_URL, checkWebhookDestination, compileSubscription, subscriptionSecret } from './subscription-model.ts';
import { SubscriptionStore } from './subscription-store.ts';

export interface SubscriptionRouteHelpers {
  fhirContext: (c: Context) => FhirContext;
  respond: (c: Context, result: FhirResult, isWrite?: boolean) => Response;
}

export interface SubscriptionApiOptions {
  subscriptions: SubscriptionStore;
  rules: SubscriptionRules;
  /** Resolves endpoint host names for the private-address check (tests; default: node:dns). */
  lookup?: Lookup;
}

let configured: Partial<SubscriptionApiOptions> = {};
let fromEnvironment: SubscriptionApiOptions | undefined;

/**
 * Sets what the routes use (tests; a deployment uses the environment:
 * SAMVARD_SUBSCRIPTION_TABLE, SAMVARD_SUBSCRIPTION_ALLOW_HTTP, SAMVARD_ALLOW_PRIVATE_ENDPOINTS, ...).
 */
export function configureSubscriptionApi(options: Partial<SubscriptionApiOptions>): void {
  configured = options;
}

function apiOptions(): SubscriptionApiOptions {
  if (configured.subscriptions && configured.rules) return configured as SubscriptionApiOptions;
  if (!fromEnvironment) {
    const config = readSubscriptionConfig();
    const client = createDynamoDbClient({
      region: process.env.AWS_REGION ?? 'eu-north-1',
      endpoint: process.env.DYNAMODB_ENDPOINT,
    });
    fromEnvironment = {
      subscriptions: new SubscriptionStore(client, config.SAMVARD_SUBSCRIPTION_TABLE, {
        retentionDays: config.SAMVARD_EVENT_RETENTION_DAYS,
      }),
      rules: subscriptionRules(config),
    };
  }
  return { ...fromEnvironment, ...configured };
}

const ID = ':id{[A-Za-z0-9\\-.]{1,64}}';
/** Operations as regex segments: a literal `$` after a regex parameter does not match in Hono's router. */
const STATUS = ':operation{\\$status}';
const EVENTS = ':operation{\\$events}';

export function registerSubscriptionRoutes(app: Hono, { fhirContext, respond }: SubscriptionRouteHelpers): void {
  const params = (c: Context): [string, string][] => [...new URL(c.req.url).searchParams.entries()];
  /** The search criteria of a conditional update: the URL's query string. */
  const criteriaOf = (c: Context): string => new URL(c.req.url).search.slice(1);

  app.post('/fhir/Subscription', async (c) => {
    const { rules, lookup } = apiOptions();
    const body = await prepareSubscriptionWrite(await readJsonBody(c), undefined, subscriptionAccess().subscriberOf(c), rules, lookup);
    return respond(c, await createResource(fhirContext(c), 'Subscription', body), true);
  });
  const prepareSubscription = (c: Context, ctx: FhirContext) => async (body: unknown, id: string | undefined): Promise<unknown> => {
    const previous = id === undefined ? undefined : ((await readLive(ctx, 'Subscription', id)) as Subscription | undefined);
    const { rules, lookup } = apiOptions();
    return prepareSubscriptionWrite(body, previous, subscriptionAccess().subscriberOf(c), rules, lookup);
  };
  app.put(`/fhir/Subscription/${ID}`, async (c) => {
    const ctx = fhirContext(c);
    const id = c.req.param('id');
    const ifMatch = parseIfMatch(c.req.header('If-Match'));
    const body = await prepareSubscription(c, ctx)(await readJsonBody(c), id);
    return respond(c, await updateResource(ctx, 'Subscription', id, body, ifMatch), true);
  });
  // A conditional update is prepared as an update of its match (or a create).
  app.put('/fhir/Subscription', async (c) => {
    const ctx = fhirContext(c);
    const ifMatch = parseIfMatch(c.req.header('If-Match'));
    const result = await conditionalUpdate(ctx, 'Subscription', criteriaOf(c), await readJsonBody(c), ifMatch, prepareSubscription(c, ctx));
    return respond(c, result, true);
  });
  // PATCH would change a Subscription past the checks above.
  app.patch(`/fhir/Subscription/${ID}`, () => {
    const response = errorResponse(
      new OperationOutcomeError(methodNotAllowed('PATCH is not supported on Subscription; PUT the whole resource')),
    );
    response.headers.set('Allow', 'GET, PUT, DELETE');
    return response;
  });
  app.on(['GET', 'POST'], `/fhir/Subscription/${STATUS}`, async (c) =>
    respond(c, await subscriptionStatuses(fhirContext(c), apiOptions().subscriptions, params(c))),
  );
  app.on(['GET', 'POST'], `/fhir/Subscription/${ID}/${STATUS}`, async (c) =>
    respond(c, await subscriptionStatus(fhirContext(c), apiOptions().subscriptions, c.req.param('id'))),
  );
  app.on(['GET', 'POST'], `/fhir/Subscription/${ID}/${EVENTS}`, async (c) =>
    respond(c, await subscriptionEvents(fhirContext(c), apiOptions().subscriptions, c.req.param('id'), params(c))),
  );

  app.post('/fhir/Endpoint', async (c) => {
    const body = await prepareEndpointWrite(await readJsonBody(c), undefined, apiOptions().rules, apiOptions().lookup);
    const ifNoneExist = c.req.header('If-None-Exist');
    const result = ifNoneExist
      ? await conditionalCreate(fhirContext(c), 'Endpoint', body, ifNoneExist)
      : await createResource(fhirContext(c), 'Endpoint', body);
    return respond(c, result, true);
  });
  const prepareEndpoint = (ctx: FhirContext) => async (body: unknown, id: string | undefined): Promise<unknown> => {
    const previous = id === undefined ? undefined : ((await readLive(ctx, 'Endpoint', id)) as Endpoint | undefined);
    return prepareEndpointWrite(body, previous, apiOptions().rules, apiOptions().lookup);
  };
  app.put(`/fhir/Endpoint/${ID}`, async (c) => {
    const ctx = fhirContext(c);
    const id = c.req.param('id');
    const ifMatch = parseIfMatch(c.req.header('If-Match'));
    const body = await prepareEndpoint(ctx)(await readJsonBody(c), id);
    return respond(c, await updateResource(ctx, 'Endpoint', id, body, ifMatch), true);
  });
  app.put('/fhir/Endpoint', async (c) => {
    const ctx = fhirContext(c);
    const ifMatch = parseIfMatch(c.req.header('If-Match'));
    return respond(c, await conditionalUpdate(ctx, 'Endpoint', criteriaOf(c), await readJsonBody(c), ifMatch, prepareEndpoint(ctx)), true);
  });
  app.patch(`/fhir/Endpoint/${ID}`, () => {
    const response = errorResponse(
      new OperationOutcomeError(methodNotAllowed('PATCH is not supported on Endpoint; PUT the whole resource')),
    );
    response.headers.set('Allow', 'GET, PUT, DELETE');
    return response;
  });
  app.on(['GET', 'POST'], `/fhir/Organization/${ID}/${STATUS}`, async (c) =>
    respond(c, await partyStatus(fhirContext(c), apiOptions().subscriptions, c.req.param('id'), apiOptions().rules)),
  );
  app.on(['GET', 'POST'], `/fhir/Organization/${ID}/${EVENTS}`, async (c) =>
    respond(c, await partyEvents(fhirContext(c), apiOptions().subscriptions, c.req.param('id'), params(c), apiOptions().rules)),
  );
}

/**
 * A Subscription as the client wrote it, made ready to store:
 * - the status is the server's: `off` stays off; an active subscription whose criteria and
 *   channel did not change stays active; anything else becomes `requested` (handshake or
 *   activation follows); `error` is cleared;
 * - the signing secret is kept from the previous version when the client sends none, or
 *   generated (the create response carries it);
 * - the owner is the authenticated subscriber when there is one;
 * - then it must compile (`compileSubscription`), and its endpoint's host name must not
 *   resolve to a private address now (`private-endpoint`, endpoint-address.ts): otherwise
 *   a 400 naming the element.
 * Bodies that are not Subscriptions pass through unchanged, for the interaction to reject.
 */
export async function prepareSubscriptionWrite(
  body: unknown,
  previous: Subscription | undefined,
  subscriber: string | undefined,
  rules: SubscriptionRules,
  lookup?: Lookup,
): Promise<unknown> {
  if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Subscription') {
    return body;
  }
  const { error: _error, ...incoming } = body as Subscription;
  const next: Subscription = { ...incoming, channel: { ...incoming.channel } as Subscription['channel'] };
  const channel = next.channel as NonNullable<Subscription['channel']>;

  const secret = subscriptionSecret(next) ?? (previous ? subscriptionSecret(previous) : undefined) ?? randomBytes(32).toString('base64url');
  channel.extension = [...(channel.extension ?? []).filter((e) => e.url !== SECRET_URL), { url: SECRET_URL, valueString: secret }];
  if (subscriber) {
    const owner: Extension = { url: OWNER_URL, valueReference: { reference: subscriber } };
    next.extension = [...(next.extension ?? []).filter((e) => e.url !== OWNER_URL), owner];
  }

  const unchanged =
    previous?.status === 'active' &&
    JSON.stringify(target(previous)) === JSON.stringify(target(next));
  next.status = incoming.status === 'off' ? 'off' : unchanged ? 'active' : 'requested';
  const compiled = compileSubscription(next, rules);
  await checkWebhookDestination(compiled.endpoint, rules, 'Subscription.channel.endpoint', lookup);
  return next;
}

async function readLive(ctx: FhirContext, type: string, id: string): Promise<unknown> {
  const current = await ctx.store.readCurrent(type, id);
  return current?.operation === 'delete' ? undefined : current?.resource;
}

/** What a handshake verifies: where notifications go and what they are about. */
function target(s: Subscription): unknown {
  return { criteria: s.criteria, _criteria: (s as { _criteria?: unknown })._criteria, channel: s.channel };
}
