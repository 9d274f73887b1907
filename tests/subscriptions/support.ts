/**
 * Test support for subscriptions: a real HTTP receiver on loopback, and a samvard API
 * plus local subscription pipeline on DynamoDB Local with tables of their own.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Parameters, ParametersParameter, Subscription } from '@medplum/fhirtypes';
import type { CanRead } from '../../functions/subscriptions/authorization.ts';
import { readSubscriptionConfig } from '../../functions/subscriptions/config.ts';
import { type LocalSubscriptions, startLocalSubscriptions } from '../../functions/subscriptions/local/pipeline.ts';
import { configureSubscriptionApi } from '../../functions/subscriptions/routes.ts';
import { SubscriptionStore } from '../../functions/subscriptions/subscription-store.ts';
import { BASE, type TestApi, createTestApi } from '../support/test-api.ts';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A webhook receiver: records every POST; `status` decides each answer (200 by default). */
export class Receiver {
  readonly received: Received[] = [];
  status: (request: Received, index: number) => number = () => 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: Received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        const status = this.status(request, this.received.filter((r) => r.path === request.path).length);
        if (status >= 200 && status < 300) this.received.push(request);
        else this.rejected.push(request);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Requests answered with a non-2xx status. */
  readonly rejected: Received[] = [];

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const silent = { info: () => {}, error: () => {} };

/** A logger that keeps errors, for a test to show when it fails. */
export function collectingLog(): { info(): void; error(message: string, details?: Record<string, unknown>): void; errors: string[] } {
  const errors: string[] = [];
  return { info: () => {}, error: (message, details) => void errors.push(`${message} ${JSON.stringify(details ?? {})}`), errors };
}

/** Short backoffs, loopback http (receivers on 127.0.0.1: private endpoints allowed), fast polls. */
export const TEST_SETTINGS = { maxAttempts: 6, backoffBaseMs: 40, backoffMaxMs: 300, timeoutMs: 2_000, allowHttp: true };
export const TEST_RULES = { allowHttp: true, minHeartbeatSeconds: 1, allowPrivateEndpoints: true };

export interface SubscriptionTestEnv {
  api: TestApi;
  subscriptionTable: string;
  subscriptions: SubscriptionStore;
  pipeline: LocalSubscriptions | undefined;
  /** Errors the pipeline logged. */
  errors: string[];
  startPipeline(): Promise<LocalSubscriptions>;
  stopPipeline(): Promise<void>;
}

export interface SubscriptionTestOptions {
  /** Authentication and the access rules on in the API (`createTestApi({ auth: true })`). */
  auth?: boolean;
  /** The matcher's and delivery's read check (default: the configured hook, allow all). */
  canRead?: (api: TestApi) => CanRead;
}

export async function createSubscriptionTestEnv(
  settings: Partial<typeof TEST_SETTINGS> = {},
  options: SubscriptionTestOptions = {},
): Promise<SubscriptionTestEnv> {
  const api = await createTestApi(options.auth ? { auth: true } : {});
  const canRead = options.canRead?.(api);
  const subscriptionTable = `subs-${randomUUID()}`;
  const config = readSubscriptionConfig({ SAMVARD_SUBSCRIPTION_TABLE: subscriptionTable });
  const subscriptions = new SubscriptionStore(api.client, subscriptionTable);
  const log = collectingLog();
  const env: SubscriptionTestEnv = {
    api,
    subscriptionTable,
    subscriptions,
    pipeline: undefined,
    errors: log.errors,
    async startPipeline() {
      env.pipeline = await startLocalSubscriptions({
        endpoint: api.endpoint,
        resourceTable: api.tableName,
        baseUrl: BASE,
        config,
        settings: { ...TEST_SETTINGS, ...settings },
        rules: TEST_RULES,
        streamPollIntervalMs: 25,
        queuePollIntervalMs: 250,
        heartbeatCheckIntervalMs: 200,
        log,
        ...(canRead ? { canRead } : {}),
      });
      return env.pipeline;
    },
    async stopPipeline() {
      await env.pipeline?.stop();
      env.pipeline = undefined;
    },
  };
  await env.startPipeline(); // creates the subscriptions table
  configureSubscriptionApi({ subscriptions, rules: TEST_RULES });
  return env;
}

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';

/** A topic-based Subscription (R5 Backport IG, R4). */
export function topicSubscription(options: {
  topic: string;
  filters?: string[];
  endpoint: string;
  content?: 'empty' | 'id-only' | 'full-resource';
  heartbeatSeconds?: number;
}): Subscription {
  const channelExtensions = options.heartbeatSeconds
    ? [{ url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: options.heartbeatSeconds }]
    : [];
  return {
    resourceType: 'Subscription',
    meta: { profile: [`${BACKPORT}/backport-subscription`] },
    status: 'requested',
    reason: 'Test subscription',
    criteria: `https://samvard.se/fhir/SubscriptionTopic/${options.topic}`,
    _criteria: { extension: (options.filters ?? []).map((f) => ({ url: `${BACKPORT}/backport-filter-criteria`, valueString: f })) },
    channel: {
      type: 'rest-hook',
      endpoint: options.endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: options.content ?? 'id-only' }] },
      ...(channelExtensions.length > 0 ? { extension: channelExtensions } : {}),
    },
  } as Subscription;
}

/** The SubscriptionStatus Parameters of a notification bundle, by parameter name. */
export function statusOf(bundle: Bundle): { params: Parameters; get(name: string): ParametersParameter[] } {
  const params = bundle.entry?.[0]?.resource as Parameters;
  return { params, get: (name) => (params.parameter ?? []).filter((p) => p.name === name) };
}

export function eventNumbers(bundle: Bundle): number[] {
  return statusOf(bundle)
    .get('notification-event')
    .map((e) => Number(e.part?.find((p) => p.name === 'event-number')?.valueString));
}

/** The parsed bundles received at `path` whose notification type is `type`. */
export function bundlesOf(receiver: Receiver, path: string, type: string): Bundle[] {
  return receiver
    .at(path)
    .filter((r) => r.headers['x-samvard-notification-type'] === type)
    .map((r) => JSON.parse(r.body) as Bundle);
}
