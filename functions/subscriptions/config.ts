/**
 * Configuration of the subscription path (matcher, delivery, heartbeats), read from the
 * environment and checked with zod. Every duration has a default for production; the
 * tests shorten them through the same settings.
 */
import { z } from 'zod';

const flag = z
  .enum(['true', 'false', '1', '0'])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const SubscriptionConfigSchema = z.object({
  /** The subscriptions table (`subscriptionTable` in functions/store/tables.ts). */
  SAMVARD_SUBSCRIPTION_TABLE: z.string().min(3).default('samvard-subscriptions'),
  /** SQS queue of pending deliveries (AWS only). */
  SAMVARD_DELIVERY_QUEUE_URL: z.url().optional(),
  /** SQS dead-letter queue: deliveries that failed their last attempt (AWS only). */
  SAMVARD_DELIVERY_DLQ_URL: z.url().optional(),
  /** Attempts per notification, the first included. */
  SAMVARD_DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** Delay before the second attempt; each later one doubles it (with jitter). */
  SAMVARD_DELIVERY_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(2_000),
  /** Longest delay between attempts (SQS delays at most 15 minutes). */
  SAMVARD_DELIVERY_BACKOFF_MAX_MS: z.coerce.number().int().min(1).default(900_000),
  /** Time allowed per POST; a subscription's `backport-timeout` may ask for less. */
  SAMVARD_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Accept `http://` endpoints (local development and tests only; production needs https). */
  SAMVARD_SUBSCRIPTION_ALLOW_HTTP: flag,
  /**
   * Accept and deliver to private, loopback and link-local endpoint addresses (local
   * development and tests only: `npm start` sets it; the CDK stack must not). Off, such
   * addresses are refused when written and before every delivery (endpoint-address.ts).
   */
  SAMVARD_ALLOW_PRIVATE_ENDPOINTS: flag,
  /** Shortest heartbeat period a subscription may ask for, in seconds. */
  SAMVARD_HEARTBEAT_MIN_SECONDS: z.coerce.number().int().min(1).default(60),
  /** How long events stay readable through `$events`, in days. */
  SAMVARD_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Absolute base of the FHIR API, for `fullUrl`s in notifications. */
  SAMVARD_BASE_URL: z.url().optional(),
});

export type SubscriptionConfig = z.infer<typeof SubscriptionConfigSchema>;

export function readSubscriptionConfig(env: NodeJS.ProcessEnv = process.env): SubscriptionConfig {
  const parsed = SubscriptionConfigSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid subscription configuration: ${z.prettifyError(parsed.error)}`);
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
