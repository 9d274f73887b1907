/**
 * The subscription path: the matcher on the resource stream, the delivery queue with its
 * dead-letter queue and the delivery function, the heartbeat schedule, the subscriptions
 * table, their permissions and alarms.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readSubscriptionConfig } from '../../functions/subscriptions/config.ts';
import {
  API_SUBSCRIPTION_TABLE_ACCESS,
  DELIVERY_MAX_ATTEMPTS,
  DELIVERY_SUBSCRIPTION_TABLE_ACCESS,
  HEARTBEAT_SUBSCRIPTION_TABLE_ACCESS,
  MATCHER_SUBSCRIPTION_TABLE_ACCESS,
  SUBSCRIBER_RESOURCE_TABLE_ACCESS,
} from '../../infra/constructs/subscription-path.ts';
import { API_RESOURCE_TABLE_ACCESS } from '../../infra/samvard-stack.ts';
import { nagErrors, resourcesOf, synthesize } from './synth.ts';

const { stack, template, findings } = synthesize({ 'samvard:stage': 'test' });
const path = stack.subscriptionPath;
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: logicalId(construct) });
const getAtt = (construct: { node: { defaultChild?: unknown } }, attribute = 'Arn') => ({
  'Fn::GetAtt': [logicalId(construct), attribute],
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statementsOf = (rolePrefix: string): Statement[] => {
  const found = resourcesOf(template, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith(`${rolePrefix}RolePermissions`));
  if (!found) throw new Error(`no managed policy for ${rolePrefix}`);
  return (found[1].PolicyDocument as { Statement: Statement[] }).Statement;
};
const actionsOn = (statements: Statement[], resource: unknown) =>
  statements
    .filter((s) => list(s.Resource).some((r) => JSON.stringify(r) === JSON.stringify(resource)))
    .flatMap((s) => list(s.Action))
    .sort();

describe('subscriptions table', () => {
  it('is built from subscriptionTable with the resource table\'s defaults, and TTL on expiresAt', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        StreamSpecification: Match.absent(),
        GlobalSecondaryIndexes: Match.absent(),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('delivery queue', () => {
  it('redrives to a dead-letter queue after the delivery attempt count of functions/subscriptions/config.ts', () => {
    expect(DELIVERY_MAX_ATTEMPTS).toBe(readSubscriptionConfig({}).SAMVARD_DELIVERY_MAX_ATTEMPTS);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: getAtt(path.deadLetterQueue), maxReceiveCount: DELIVERY_MAX_ATTEMPTS },
      SqsManagedSseEnabled: true,
      // Six times the delivery function's 60 s timeout.
      VisibilityTimeout: 360,
    });
  });

  it('keeps dead letters 14 days, encrypted, and keeps the queue', () => {
    template.hasResource('AWS::SQS::Queue', {
      Properties: { MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true },
      DeletionPolicy: 'Retain',
    });
  });

  it('accepts TLS only, on both queues', () => {
    for (const queue of [path.deliveryQueue, path.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('functions', () => {
  const environment = {
    SAMVARD_RESOURCE_TABLE: ref(stack.resources.table),
    SAMVARD_SUBSCRIPTION_TABLE: ref(path.subscriptions.table),
    SAMVARD_DELIVERY_QUEUE_URL: ref(path.deliveryQueue),
    SAMVARD_DELIVERY_DLQ_URL: ref(path.deadLetterQueue),
    SAMVARD_BASE_URL: Match.anyValue(),
    SAMVARD_AUTH: 'on',
  };

  it.each([
    ['matches resource changes', 60],
    ['delivers subscription notifications', 60],
    ['queues subscription heartbeats', 30],
  ])('%s: Node.js 22, arm64, ESM bundle, told the tables, queues and base URL', (description, timeout) => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp(description),
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: timeout,
      Environment: { Variables: Match.objectLike(environment) },
    });
  });

  it('never allow private endpoint addresses or http endpoints (local development only: SSRF guard)', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(3);
    for (const [id, properties] of functions) {
      const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      expect(Object.keys(variables), id).not.toContain('SAMVARD_ALLOW_PRIVATE_ENDPOINTS');
      expect(Object.keys(variables), id).not.toContain('SAMVARD_SUBSCRIPTION_ALLOW_HTTP');
    }
  });

  it('tell the API function the subscriptions table ($status, $events)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('FHIR R4 API'),
      Environment: { Variables: Match.objectLike({ SAMVARD_SUBSCRIPTION_TABLE: ref(path.subscriptions.table) }) },
    });
  });
});

describe('event sources', () => {
  it('feed the matcher version writes from the resource stream, with partial failures, bisection, retries and a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(stack.resources.table, 'StreamArn'),
      FunctionName: ref(path.matcher),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: getAtt(path.matcherFailureQueue) } },
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: 'v#' }] } } } }) }],
      },
    });
  });

  it('create the matcher mapping only after its role may read the stream', () => {
    const [[, mapping]] = Object.entries(
      template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { FunctionName: ref(path.matcher) } }),
    ) as [[string, { DependsOn?: string[] }]];
    const policy = Object.keys(template.findResources('AWS::IAM::ManagedPolicy')).find((id) =>
      id.startsWith('SubscriptionPathMatcherRolePermissions'),
    );
    expect(mapping.DependsOn).toEqual(expect.arrayContaining([policy]));
  });

  it('feed the delivery function from the delivery queue, ten at a time, with partial failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(path.deliveryQueue),
      FunctionName: ref(path.delivery),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('run the heartbeat function every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: getAtt(path.heartbeat) })],
    });
  });
});

describe('permissions', () => {
  const resourceTable = getAtt(stack.resources.table);
  const subscriptionTable = getAtt(path.subscriptions.table);

  it('give each function exactly its table actions, on the tables themselves (no index, no *)', () => {
    const matcher = statementsOf('SubscriptionPathMatcher');
    const delivery = statementsOf('SubscriptionPathDelivery');
    const heartbeat = statementsOf('SubscriptionPathHeartbeat');
    expect(actionsOn(matcher, resourceTable)).toEqual([...SUBSCRIBER_RESOURCE_TABLE_ACCESS.table].sort());
    expect(actionsOn(matcher, subscriptionTable)).toEqual([...MATCHER_SUBSCRIPTION_TABLE_ACCESS.table].sort());
    expect(actionsOn(delivery, resourceTable)).toEqual([...SUBSCRIBER_RESOURCE_TABLE_ACCESS.table].sort());
    expect(actionsOn(delivery, subscriptionTable)).toEqual([...DELIVERY_SUBSCRIPTION_TABLE_ACCESS.table].sort());
    expect(actionsOn(heartbeat, resourceTable)).toEqual([]);
    expect(actionsOn(heartbeat, subscriptionTable)).toEqual([...HEARTBEAT_SUBSCRIPTION_TABLE_ACCESS.table].sort());
    expect(actionsOn(statementsOf('ApiFunction'), subscriptionTable)).toEqual([...API_SUBSCRIPTION_TABLE_ACCESS.table].sort());
    for (const statement of [...matcher, ...delivery, ...heartbeat]) {
      for (const action of list(statement.Action)) expect(action).not.toContain('*');
      for (const resource of list(statement.Resource)) {
        expect(resource).not.toBe('*');
        expect(JSON.stringify(resource)).not.toContain('/index/');
      }
    }
  });

  it('let the matcher and heartbeat send to the delivery queue, and delivery also to the dead-letter queue', () => {
    expect(actionsOn(statementsOf('SubscriptionPathMatcher'), getAtt(path.deliveryQueue))).toEqual(['sqs:SendMessage']);
    expect(actionsOn(statementsOf('SubscriptionPathHeartbeat'), getAtt(path.deliveryQueue))).toEqual(['sqs:SendMessage']);
    const delivery = statementsOf('SubscriptionPathDelivery');
    expect(actionsOn(delivery, getAtt(path.deadLetterQueue))).toEqual(['sqs:SendMessage']);
    expect(actionsOn(delivery, getAtt(path.deliveryQueue))).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
  });

  it('the subscriber resource-table actions are the store\'s, with no index', () => {
    expect(new Set(SUBSCRIBER_RESOURCE_TABLE_ACCESS.table)).toEqual(new Set(API_RESOURCE_TABLE_ACCESS.table));
    expect(SUBSCRIBER_RESOURCE_TABLE_ACCESS.indexes).toBeUndefined();
  });

  it('cover every DynamoDB call of the subscription store (a tripwire for new commands)', () => {
    const source = readFileSync(
      fileURLToPath(new URL('../../functions/subscriptions/subscription-store.ts', import.meta.url)),
      'utf8',
    );
    const commands = new Set([...source.matchAll(/new (\w+)Command\b/g)].map((m) => m[1] as string));
    const parts = new Set([...source.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)].map((m) => `dynamodb:${m[1]}Item`));
    const needed = new Set([
      ...[...commands].filter((c) => c !== 'TransactWriteItems').map((c) => `dynamodb:${c}`),
      ...(commands.has('TransactWriteItems') ? parts : []),
    ]);
    const granted = new Set([
      ...MATCHER_SUBSCRIPTION_TABLE_ACCESS.table,
      ...DELIVERY_SUBSCRIPTION_TABLE_ACCESS.table,
      ...HEARTBEAT_SUBSCRIPTION_TABLE_ACCESS.table,
    ]);
    expect(granted).toEqual(needed);
  });
});

describe('alarms', () => {
  it('alarm on the delivery dead-letter queue depth', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-test-DeliveryDeadLetters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(path.deadLetterQueue, 'QueueName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarm on the matcher\'s failure queue and iterator age, and on delivery errors', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-test-MatcherFailures',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(path.matcherFailureQueue, 'QueueName') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-test-MatcherLag',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: ref(path.matcher) }],
      Threshold: 300_000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-test-DeliveryErrors',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(path.delivery) }],
    });
  });
});

describe('cdk-nag', () => {
  it('finds no unacknowledged error with the subscription path in the stack', () => {
    expect(nagErrors(findings)).toEqual([]);
  });
});
