/**
 * What the change-event publisher needs, built once per process (a Lambda container):
 * its configuration, checked with zod (`zod/mini`) so a missing variable fails the cold start rather
 * than every batch, and one EventBridge client.
 */
import { Agent as HttpsAgent } from 'node:https';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as z from 'zod/mini';
import { invalidConfiguration } from '../config-errors.ts';
import type { PublishChangesOptions } from './publish-changes.ts';

const PublisherConfigSchema = z.object({
  /** Name (or ARN) of the EventBridge bus the events go to; set by the CDK stack. */
  SAMVARD_EVENT_BUS: z.string().check(z.minLength(1)),
  /** The events' `source`. */
  SAMVARD_EVENT_SOURCE: z._default(z.string().check(z.minLength(1)), 'samvard'),
  AWS_REGION: z._default(z.string(), 'eu-north-1'),
});

export type PublisherConfig = z.infer<typeof PublisherConfigSchema>;

export function readPublisherConfig(env: NodeJS.ProcessEnv = process.env): PublisherConfig {
  const parsed = PublisherConfigSchema.safeParse(env);
  if (!parsed.success) throw invalidConfiguration('configuration', parsed.error);
  return parsed.data;
}

/**
 * An EventBridge client with bounded time per attempt and the SDK's standard retries
 * (3 attempts, throttling included): a hung connection becomes a failed call, which the
 * publisher reports as a partial batch failure, instead of a Lambda timeout.
 * `AWS_ENDPOINT_URL_EVENTBRIDGE` overrides the endpoint (the SDK reads it).
 */
export function createEventBridgeClient(region: string): EventBridgeClient {
  return new EventBridgeClient({
    region,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    }),
  });
}

/** The publisher's options from the environment, with a new client. */
export function buildPublisherOptions(config: PublisherConfig = readPublisherConfig()): PublishChangesOptions {
  return {
    client: createEventBridgeClient(config.AWS_REGION),
    eventBusName: config.SAMVARD_EVENT_BUS,
    source: config.SAMVARD_EVENT_SOURCE,
  };
}
