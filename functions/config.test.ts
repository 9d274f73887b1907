/**
 * Bad configuration fails with a message that names each variable and what is wrong
 * with it (zod/mini with the English locale, config-errors.ts), not a bare "Invalid input".
 */
import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';
import { readPublisherConfig } from './events/dependencies.ts';
import { readSubscriptionConfig } from './subscriptions/config.ts';

describe('readConfig', () => {
  it('fills the defaults', () => {
    expect(readConfig({})).toEqual({ SAMVARD_RESOURCE_TABLE: 'samvard-resources', AWS_REGION: 'eu-north-1', SAMVARD_AUTH: 'on' });
  });

  it('names every bad variable and the problem', () => {
    const bad = { SAMVARD_RESOURCE_TABLE: 'ab', DYNAMODB_ENDPOINT: 'not a url', SAMVARD_AUTH: 'maybe', SAMVARD_AUTH_AUDIENCE: '' };
    expect(() => readConfig(bad)).toThrow(
      [
        'Invalid configuration: ✖ Too small: expected string to have >=3 characters',
        '  → at SAMVARD_RESOURCE_TABLE',
        '✖ Invalid URL',
        '  → at DYNAMODB_ENDPOINT',
        '✖ Invalid option: expected one of "on"|"off"',
        '  → at SAMVARD_AUTH',
        '✖ Too small: expected string to have >=1 characters',
        '  → at SAMVARD_AUTH_AUDIENCE',
      ].join('\n'),
    );
  });
});

describe('readSubscriptionConfig', () => {
  it('reads numbers and flags from text, with defaults', () => {
    const config = readSubscriptionConfig({ SAMVARD_DELIVERY_MAX_ATTEMPTS: '3', SAMVARD_SUBSCRIPTION_ALLOW_HTTP: '1' });
    expect(config).toMatchObject({
      SAMVARD_DELIVERY_MAX_ATTEMPTS: 3,
      SAMVARD_DELIVERY_TIMEOUT_MS: 10_000,
      SAMVARD_SUBSCRIPTION_ALLOW_HTTP: true,
      SAMVARD_ALLOW_PRIVATE_ENDPOINTS: false,
    });
  });

  it('names every bad variable and the problem', () => {
    const bad = {
      SAMVARD_DELIVERY_QUEUE_URL: 'x',
      SAMVARD_DELIVERY_MAX_ATTEMPTS: '51',
      SAMVARD_DELIVERY_BACKOFF_BASE_MS: '0',
      SAMVARD_DELIVERY_TIMEOUT_MS: 'abc',
      SAMVARD_SUBSCRIPTION_ALLOW_HTTP: 'yes',
      SAMVARD_HEARTBEAT_MIN_SECONDS: '1.5',
    };
    expect(() => readSubscriptionConfig(bad)).toThrow(
      [
        'Invalid subscription configuration: ✖ Invalid URL',
        '  → at SAMVARD_DELIVERY_QUEUE_URL',
        '✖ Too big: expected number to be <=50',
        '  → at SAMVARD_DELIVERY_MAX_ATTEMPTS',
        '✖ Too small: expected number to be >=1',
        '  → at SAMVARD_DELIVERY_BACKOFF_BASE_MS',
        '✖ Invalid input: expected number, received NaN',
        '  → at SAMVARD_DELIVERY_TIMEOUT_MS',
        '✖ Invalid option: expected one of "0"|"1"|"true"|"false"',
        '  → at SAMVARD_SUBSCRIPTION_ALLOW_HTTP',
        '✖ Invalid input: expected int, received number',
        '  → at SAMVARD_HEARTBEAT_MIN_SECONDS',
      ].join('\n'),
    );
  });
});

describe('readPublisherConfig', () => {
  it('names a missing or empty variable', () => {
    expect(() => readPublisherConfig({})).toThrow(
      'Invalid configuration: ✖ Invalid input: expected string, received undefined\n  → at SAMVARD_EVENT_BUS',
    );
    expect(() => readPublisherConfig({ SAMVARD_EVENT_BUS: 'b', SAMVARD_EVENT_SOURCE: '' })).toThrow(
      'Invalid configuration: ✖ Too small: expected string to have >=1 characters\n  → at SAMVARD_EVENT_SOURCE',
    );
  });
});
