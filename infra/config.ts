/**
 * The deployment's settings, read from CDK context (`cdk.json`, or `-c key=value` on the
 * command line) and checked once, so a typo fails the synth rather than the deploy.
 * docs/deployment.md lists every key.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

export interface SamvardConfig {
  /** Deployment stage, part of every name: `dev`, `test`, `prod`. */
  stage: string;
  /** AWS region; Stockholm unless told otherwise. */
  region: string;
  /** AWS account; the CLI's current credentials when unset. */
  account?: string | undefined;
  /** Issuer (`iss`) of the access tokens the API accepts, an https URL. */
  jwtIssuer: string;
  /** Accepted audiences (`aud`) of those tokens. */
  jwtAudience: string[];
  /** Encrypt data at rest with a customer-managed KMS key instead of an AWS-managed one. */
  customerManagedKey: boolean;
  /**
   * Publish a compact change event per write to an EventBridge bus (stream -> publisher
   * function -> bus). On unless turned off; see docs/deployment.md.
   */
  changeEvents: boolean;
  /** Steady-state requests per second the API stage admits. */
  throttleRateLimit: number;
  /** Burst the API stage admits. */
  throttleBurstLimit: number;
  /** p99 latency (ms) above which the latency alarm fires. */
  latencyP99AlarmMs: number;
  /** Retention of Lambda and access logs, in days. */
  logRetentionDays: number;
  /** Where alarm notifications go; none when unset. */
  alarmEmail?: string | undefined;
}

export const DEFAULT_REGION = 'eu-north-1';

/** Reads and checks the `samvard:*` context values. */
export function readConfig(node: Node, env: NodeJS.ProcessEnv = process.env): SamvardConfig {
  const get = (key: string): unknown => node.tryGetContext(`samvard:${key}`);
  const problems: string[] = [];

  const text = (key: string, fallback?: string): string => {
    const value = get(key) ?? fallback;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`samvard:${key} is required (a non-empty string)`);
      return '';
    }
    return value.trim();
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = get(key) ?? fallback;
    // `-c key=true` arrives as a string.
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    problems.push(`samvard:${key} must be true or false`);
    return fallback;
  };
  const positive = (key: string, fallback: number): number => {
    const raw = get(key) ?? fallback;
    const value = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      problems.push(`samvard:${key} must be a positive number`);
      return fallback;
    }
    return value;
  };

  const stage = text('stage', 'dev');
  if (stage && !/^[a-z][a-z0-9-]{0,15}$/.test(stage)) {
    problems.push('samvard:stage must be lower-case letters, digits and dashes, at most 16 characters');
  }
  const jwtIssuer = text('jwtIssuer');
  if (jwtIssuer && !/^https:\/\/[^\s]+$/.test(jwtIssuer)) {
    problems.push('samvard:jwtIssuer must be an https URL (API Gateway fetches its JWKS from there)');
  }
  const audienceValue = get('jwtAudience');
  const jwtAudience = (
    Array.isArray(audienceValue) ? audienceValue : typeof audienceValue === 'string' ? audienceValue.split(',') : []
  )
    .map((a) => String(a).trim())
    .filter((a) => a !== '');
  if (jwtAudience.length === 0) problems.push('samvard:jwtAudience is required (a string, comma-separated, or a list)');

  const logRetentionDays = positive('logRetentionDays', RetentionDays.ONE_YEAR);
  if (!(Object.values(RetentionDays) as number[]).includes(logRetentionDays)) {
    problems.push('samvard:logRetentionDays must be one of CloudWatch Logs\' retention values (e.g. 365, 731, 1827)');
  }

  const alarmEmail = get('alarmEmail');
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(alarmEmail))) {
    problems.push('samvard:alarmEmail must be an e-mail address');
  }

  const config: SamvardConfig = {
    stage,
    region: text('region', env.CDK_DEPLOY_REGION ?? DEFAULT_REGION),
    account: env.CDK_DEPLOY_ACCOUNT ?? env.CDK_DEFAULT_ACCOUNT,
    jwtIssuer,
    jwtAudience,
    customerManagedKey: flag('customerManagedKey', false),
    changeEvents: flag('changeEvents', true),
    throttleRateLimit: positive('throttleRateLimit', 200),
    throttleBurstLimit: positive('throttleBurstLimit', 400),
    latencyP99AlarmMs: positive('latencyP99AlarmMs', 1500),
    logRetentionDays,
    alarmEmail: typeof alarmEmail === 'string' ? alarmEmail : undefined,
  };
  if (problems.length > 0) {
    throw new Error(`Invalid CDK context:\n  - ${problems.join('\n  - ')}\nSee docs/deployment.md.`);
  }
  return config;
}
