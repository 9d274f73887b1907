/**
 * Helpers for the party-notification tests (docs/workflow.md, "Notifications"): register
 * an organisation's notification Endpoint through the API, and read what a receiver got
 * as `[event number, focus version, status]`.
 */
import type { Bundle, Endpoint, Organization, Parameters } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import { verifySignature } from '../../functions/subscriptions/signature.ts';
import { SECRET_URL } from '../../functions/subscriptions/subscription-model.ts';
import type { Receiver } from '../subscriptions/support.ts';
import { json } from '../support/test-api.ts';
import type { Send } from './support.ts';

export const PARTY_TOPIC = 'https://samvard.se/fhir/SubscriptionTopic/workflow-party';
export const FHIR_REST = { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' };
export const REST_HOOK = { system: 'http://hl7.org/fhir/subscription-channel-type', code: 'rest-hook' };

/** A notification Endpoint for `address`. */
export function notificationEndpoint(address: string, overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    resourceType: 'Endpoint',
    status: 'active',
    connectionType: FHIR_REST,
    name: 'samvard notifications',
    payloadType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-payload-type', code: 'any' }] }],
    payloadMimeType: ['application/fhir+json'],
    address,
    ...overrides,
  };
}

/**
 * Registers a notification Endpoint for the Organization: POST the Endpoint, then PUT the
 * Organization with it in `endpoint` (two calls). Returns the Endpoint as created, with
 * the secret samvard generated.
 */
export async function registerEndpoint(send: Send, organizationId: string, endpoint: Endpoint): Promise<Endpoint> {
  const res = await send('POST', '/Endpoint', { ...endpoint, managingOrganization: { reference: `Organization/${organizationId}` } });
  expect(res.status, await res.clone().text()).toBe(201);
  const created: Endpoint = await json(res);
  const organization: Organization = await json(await send('GET', `/Organization/${organizationId}`));
  const put = await send('PUT', `/Organization/${organizationId}`, {
    ...organization,
    endpoint: [...(organization.endpoint ?? []), { reference: `Endpoint/${created.id}` }],
  });
  expect(put.status, await put.clone().text()).toBe(200);
  return created;
}

export const secretOf = (endpoint: Endpoint): string => endpoint.extension?.find((e) => e.url === SECRET_URL)?.valueString as string;

export interface Note {
  eventNumber: number;
  /** `Type/id/_history/version` of the focus. */
  focus: string;
  /** The `X-Samvard-Subscription` header: the channel. */
  channel: string;
  bundle: Bundle;
  signed: boolean;
}

/** The event notifications received at `path`, by event number, their signatures checked with `secret`. */
export function notesAt(receiver: Receiver, path: string, secret: string): Note[] {
  return receiver
    .at(path)
    .filter((r) => r.headers['x-samvard-notification-type'] === 'event-notification')
    .map((r) => {
      const bundle = JSON.parse(r.body) as Bundle;
      const status = bundle.entry?.[0]?.resource as Parameters;
      const event = status.parameter?.find((p) => p.name === 'notification-event');
      const eventNumber = Number(event?.part?.find((p) => p.name === 'event-number')?.valueString);
      const entry = bundle.entry?.[1];
      const version = /^W\/"(\d+)"$/.exec(entry?.response?.etag ?? '')?.[1];
      const ref = (entry?.fullUrl ?? '').replace(/^.*\/fhir\//, '');
      return {
        eventNumber,
        focus: `${ref}/_history/${version}`,
        channel: String(r.headers['x-samvard-subscription']),
        bundle,
        signed: verifySignature(secret, String(r.headers['x-samvard-signature']), r.body),
      };
    })
    .sort((a, b) => a.eventNumber - b.eventNumber);
}
