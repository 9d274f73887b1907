/**
 * Configuration of the subscription path (matcher, delivery, heartbeats), read from the
 * environment and checked with zod (`zod/mini`, functions/config-errors.ts). Every duration
 * has a default for production; the tests shorten them through the same settings.
 */
import * as z from 'zod/mini';
import { invalidConfiguration } from '../config-errors.ts';

const flag = z.pipe(
  z._default(z.enum(['true', 'false', '1', '0']), 'false'),
  z.transform((v: 'true' | 'false' | '1' | '0') => v === 'true' || v === '1'),
);
/** A whole number from the environment's text, at least `min` (and at most `max`), `fallback` when unset. */
const count = (min: number, fallback: number, max?: number) =>
  z._default(
    z.coerce.number().check(z.int(), z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)])),
    fallback,
  );

const SubscriptionConfigSchema = z.object({
  /** The subscriptions table (`subscriptionTable` in functions/store/tables.ts). */
  SAMVARD_SUBSCRIPTION_TABLE: z._default(z.string().check(z.minLength(3)), 'samvard-subscriptions'),
  /** SQS queue of pending deliveries (AWS only). */
  SAMVARD_DELIVERY_QUEUE_URL: z.optional(z.url()),
  /** SQS dead-letter queue: deliveries that failed their last attempt (AWS only). */
  SAMVARD_DELIVERY_DLQ_URL: z.optional(z.url()),
  /** Attempts per notification, the first included. */
  SAMVARD_DELIVERY_MAX_ATTEMPTS: count(1, 8, 50),
  /** Delay before the second attempt; each later one doubles it (with jitter). */
  SAMVARD_DELIVERY_BACKOFF_BASE_MS: count(1, 2_000),
  /** Longest delay between attempts (SQS delays at most 15 minutes). */
  SAMVARD_DELIVERY_BACKOFF_MAX_MS: count(1, 900_000),
  /** Time allowed per POST; a subscription's `backport-timeout` may ask for less. */
  SAMVARD_DELIVERY_TIMEOUT_MS: count(100, 10_000),
  /** Accept `http://` endpoints (local development and tests only; production needs https). */
  SAMVARD_SUBSCRIPTION_ALLOW_HTTP: flag,
  /**
   * Accept and deliver to private, loopback and link-local endpoint addresses (local
   * development and tests only: `npm start` sets it; the CDK stack must not). Off, such
   * addresses are refused when written and before every delivery (endpoint-address.ts).
   */
  SAMVARD_ALLOW_PRIVATE_ENDPOINTS: flag,
  /** Shortest heartbeat period a subscription may ask for, in seconds. */
  SAMVARD_HEARTBEAT_MIN_SECONDS: count(1, 60),
  /** How long events stay readable through `$events`, in days. */
  SAMVARD_EVENT_RETENTION_DAYS: count(1, 30),
  /** Absolute base of the FHIR API, for `fullUrl`s in notifications. */
  SAMVARD_BASE_URL: z.optional(z.url()),
});

export type SubscriptionConfig = z.infer<typeof SubscriptionConfigSchema>;

export function readSubscriptionConfig(env: NodeJS.ProcessEnv = process.env): SubscriptionConfig {
  const parsed = SubscriptionConfigSchema.safeParse(env);
  if (!parsed.success) throw invalidConfiguration('subscription configuration', parsed.error);
  return parsed.data;
}

/** What delivery needs to know about attempts and time. */
export interface DeliverySettings {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  allowHttp: boolean;
}

export function deliverySettings(config: SubscriptionConfig): DeliverySettings {
  return {
    maxAttempts: config.SAMVARD_DELIVERY_MAX_ATTEMPTS,
    backoffBaseMs: config.SAMVARD_DELIVERY_BACKOFF_BASE_MS,
    backoffMaxMs: config.SAMVARD_DELIVERY_BACKOFF_MAX_MS,
    timeoutMs: config.SAMVARD_DELIVERY_TIMEOUT_MS,
    allowHttp: config.SAMVARD_SUBSCRIPTION_ALLOW_HTTP,
  };
}

/**
 * Rules a Subscription (or a notification Endpoint) must meet to be accepted (checked on
 * write and again by the matcher and delivery).
 */
export interface SubscriptionRules {
  allowHttp: boolean;
  minHeartbeatSeconds: number;
  /** Private, loopback, link-local and metadata addresses allowed (local development); unset: refused. */
  allowPrivateEndpoints?: boolean;
}

export function subscriptionRules(config: SubscriptionConfig = readSubscriptionConfig()): SubscriptionRules {
  return {
    allowHttp: config.SAMVARD_SUBSCRIPTION_ALLOW_HTTP,
    minHeartbeatSeconds: config.SAMVARD_HEARTBEAT_MIN_SECONDS,
    allowPrivateEndpoints: config.SAMVARD_ALLOW_PRIVATE_ENDPOINTS,
  };
}
