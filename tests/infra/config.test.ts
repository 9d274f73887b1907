import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.ts';

const required = { 'samvard:jwtIssuer': 'https://idp.region.example/realms/vard', 'samvard:jwtAudience': 'samvard' };
const configOf = (context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
  readConfig(new App({ context }).node, env);

describe('readConfig', () => {
  it('defaults to stage dev in Stockholm, AWS-managed keys, change events on', () => {
    expect(configOf(required)).toEqual({
      stage: 'dev',
      region: 'eu-north-1',
      account: undefined,
      jwtIssuer: 'https://idp.region.example/realms/vard',
      jwtAudience: ['samvard'],
      customerManagedKey: false,
      changeEvents: true,
      throttleRateLimit: 200,
      throttleBurstLimit: 400,
      latencyP99AlarmMs: 1500,
      logRetentionDays: 365,
      alarmEmail: undefined,
    });
  });

  it('reads command-line context, where everything is a string', () => {
    const config = configOf({
      ...required,
      'samvard:stage': 'prod',
      'samvard:region': 'eu-central-1',
      'samvard:jwtAudience': 'samvard, samvard-app',
      'samvard:customerManagedKey': 'true',
      'samvard:changeEvents': 'false',
      'samvard:throttleRateLimit': '50',
      'samvard:logRetentionDays': '1827',
      'samvard:alarmEmail': 'oncall@region.example',
    });
    expect(config).toMatchObject({
      stage: 'prod',
      region: 'eu-central-1',
      jwtAudience: ['samvard', 'samvard-app'],
      customerManagedKey: true,
      changeEvents: false,
      throttleRateLimit: 50,
      logRetentionDays: 1827,
      alarmEmail: 'oncall@region.example',
    });
  });

  it('takes the account from the CLI environment', () => {
    expect(configOf(required, { CDK_DEFAULT_ACCOUNT: '123456789012' }).account).toBe('123456789012');
  });

  it('names every problem at once', () => {
    let message = '';
    try {
      configOf({
        'samvard:stage': 'Prod_1',
        'samvard:jwtIssuer': 'http://idp.local',
        'samvard:customerManagedKey': 'yes',
        'samvard:logRetentionDays': 100,
      });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const problem of [
      /stage must be lower-case/,
      /jwtIssuer must be an https URL/,
      /jwtAudience is required/,
      /customerManagedKey must be true or false/,
      /logRetentionDays must be one of/,
    ]) {
      expect(message).toMatch(problem);
    }
  });

  it('requires the token issuer: there is no safe default', () => {
    expect(() => configOf({ 'samvard:jwtAudience': 'samvard' })).toThrow(/samvard:jwtIssuer is required/);
  });
});
