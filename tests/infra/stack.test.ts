/**
 * The stack as `cdk.json` configures it (AWS-managed keys, change events on): tables,
 * functions, the HTTP API and its authorizer, the change-event path, alarms, and cdk-nag;
 * and the same stack with `samvard:changeEvents=false`.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RESOURCE_CHANGED } from '../../functions/events/change-events.ts';
import { resourceTable } from '../../functions/store/tables.ts';
import { INGEST_PATHS, PUBLIC_ROUTES } from '../../infra/constructs/fhir-http-api.ts';
import { TEST_AUDIENCE, TEST_ISSUER, nagErrors, resourcesOf, synthesize } from './synth.ts';

const { stack, template, findings, acknowledgments } = synthesize();
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: logicalId(construct) });
const getAtt = (construct: { node: { defaultChild?: unknown } }, attribute = 'Arn') => ({
  'Fn::GetAtt': [logicalId(construct), attribute],
});

describe('resource table', () => {
  it('has the keys and indexes of functions/store/tables.ts', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: resourceTable.keys.partitionKey, KeyType: 'HASH' },
        { AttributeName: resourceTable.keys.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Object.entries(resourceTable.globalIndexes).map(([IndexName, k]) => ({
        IndexName,
        KeySchema: [
          { AttributeName: k.partitionKey, KeyType: 'HASH' },
          { AttributeName: k.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  it('is on demand, with point-in-time recovery and deletion protection', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('is encrypted with the AWS-managed KMS key unless told otherwise', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      // Enabled without a key of its own: the AWS-managed `aws/dynamodb` key.
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    });
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('streams new and old images for the change consumers', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('is kept when the stack is deleted or the table replaced', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('API function', () => {
  it('runs Node.js 22 on arm64, ESM-bundled, with source maps', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('FHIR R4 API'),
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          SAMVARD_RESOURCE_TABLE: { Ref: stack.getLogicalId(stack.resources.table.node.defaultChild as never) },
        },
      },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: Match.anyValue() },
    });
  });

  it('verifies tokens of the same issuer and audience as the HTTP API authorizer', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('FHIR R4 API'),
      Environment: {
        Variables: {
          SAMVARD_AUTH_ISSUER: TEST_ISSUER,
          SAMVARD_AUTH_AUDIENCE: TEST_AUDIENCE.join(','),
        },
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: TEST_ISSUER, Audience: TEST_AUDIENCE },
    });
  });

  it('has no default execution role with AWSLambdaBasicExecutionRole', () => {
    for (const [, role] of resourcesOf(template, 'AWS::IAM::Role')) {
      expect(JSON.stringify(role.ManagedPolicyArns ?? [])).not.toContain('AWSLambdaBasicExecutionRole');
    }
  });

  it('writes logs to a log group with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });
});

describe('ingest function', () => {
  const ingestFunction = { Description: Match.stringLikeRegexp('document ingest') };

  it('runs its own entry on Node.js 22, arm64, with the memory and time of a 1000-resource document', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      ...ingestFunction,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 60,
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          SAMVARD_RESOURCE_TABLE: ref(stack.resources.table),
          SAMVARD_AUTH_ISSUER: TEST_ISSUER,
          SAMVARD_AUTH_AUDIENCE: TEST_AUDIENCE.join(','),
        },
      },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: Match.anyValue() },
    });
    expect(stack.ingestFunction).not.toBe(stack.apiFunction);
  });

  it('serves ANY /ingest and ANY /ingest/{proxy+} behind the JWT authorizer; there is no $ingest route', () => {
    const integrations = resourcesOf(template, 'AWS::ApiGatewayV2::Integration');
    const ingestIntegration = integrations.find(([, i]) => JSON.stringify(i.IntegrationUri).includes(logicalId(stack.ingestFunction)));
    expect(ingestIntegration).toBeDefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: getAtt(stack.ingestFunction),
      PayloadFormatVersion: '2.0',
    });
    const authorizer = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer')[0]?.[0];
    for (const path of INGEST_PATHS) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `ANY ${path}`,
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizer },
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: ingestIntegration?.[0] }]] },
      });
    }
    expect(INGEST_PATHS).toEqual(['/ingest', '/ingest/{proxy+}']);
    const keys = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => String(r.RouteKey));
    expect(keys.filter((k) => k.includes('$ingest'))).toEqual([]);
  });

  it('may be invoked by the HTTP API', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(stack.ingestFunction),
      Principal: 'apigateway.amazonaws.com',
    });
  });
});

describe('HTTP API', () => {
  it('has a JWT authorizer with the issuer and audiences from context', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: TEST_ISSUER, Audience: TEST_AUDIENCE },
    });
  });

  it('puts the authorizer on every route except the two discovery documents', () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r);
    const byKey = new Map(routes.map((r) => [r.RouteKey as string, r]));
    expect([...byKey.keys()].sort()).toEqual(
      ['$default', ...PUBLIC_ROUTES, ...INGEST_PATHS.map((path) => `ANY ${path}`)].sort(),
    );
    for (const route of routes) {
      if ((PUBLIC_ROUTES as readonly string[]).includes(route.RouteKey as string)) {
        expect(route.AuthorizationType, String(route.RouteKey)).toBe('NONE');
      } else {
        expect(route.AuthorizationType, String(route.RouteKey)).toBe('JWT');
        expect(route.AuthorizerId, String(route.RouteKey)).toBeDefined();
      }
    }
    expect(PUBLIC_ROUTES).toEqual(['GET /fhir/metadata', 'GET /fhir/.well-known/smart-configuration']);
  });

  it('throttles and writes access logs, without query strings', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
    const stage = resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0]?.[1];
    const format = (stage?.AccessLogSettings as { Format: string }).Format;
    expect(format).not.toMatch(/querystring|requestOverride|body/i);
  });

  it('outputs the FHIR base URL', () => {
    template.hasOutput('FhirBaseUrl', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });
});

describe('alarms and dashboard', () => {
  const alarmNames = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.AlarmName as string);

  it('alarm on 5xx rate, p99 latency and throttles', () => {
    expect(alarmNames).toEqual(
      expect.arrayContaining([
        'samvard-dev-Api5xxRate',
        'samvard-dev-ApiLatencyP99',
        'samvard-dev-ApiFunctionThrottles',
        'samvard-dev-IngestFunctionThrottles',
        'samvard-dev-ResourcesTableThrottles',
        'samvard-dev-PublisherThrottles',
        'samvard-dev-ChangeEventFailures',
        'samvard-dev-ChangeEventLag',
      ]),
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-dev-Api5xxRate',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(requests >= 20, 100 * errors / requests, 0)' })]),
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-dev-ApiLatencyP99',
      MetricName: 'Latency',
      Namespace: 'AWS/ApiGateway',
      ExtendedStatistic: 'p99',
      Threshold: 1500,
    });
  });

  it('notify the alarm topic, which only accepts TLS', () => {
    const topic = { Ref: stack.getLogicalId(stack.alarms.topic.node.defaultChild as never) };
    for (const [id, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.AlarmActions, id).toEqual([topic]);
      expect(alarm.OKActions, id).toEqual([topic]);
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has a dashboard', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'samvard-dev' });
  });
});

describe('change events (on by default)', () => {
  const eventPath = stack.eventPath;
  if (!eventPath) throw new Error('the default stack has no change-event path');

  it('have a bus for the compact events', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'samvard-dev-changes',
      Description: Match.stringLikeRegexp(RESOURCE_CHANGED),
    });
    template.hasOutput('ChangeEventBusName', { Value: ref(eventPath.bus) });
  });

  it('run the publisher entry on Node.js 22, arm64, told the bus and the source', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('publishes change events'),
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 30,
      Environment: {
        Variables: Match.objectLike({ SAMVARD_EVENT_BUS: ref(eventPath.bus), SAMVARD_EVENT_SOURCE: 'samvard' }),
      },
    });
  });

  it('feed it version inserts from the stream, with partial batch failures and a failure destination', () => {
    // One mapping of the publisher's (the matcher's and delivery's: subscription-path.test.ts).
    expect(
      Object.keys(
        template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { FunctionName: ref(eventPath.publisher) } }),
      ),
    ).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(stack.resources.table, 'StreamArn'),
      FunctionName: ref(eventPath.publisher),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: getAtt(eventPath.failureQueue) } },
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: 'v#' }] } } } }) }],
      },
    });
  });

  it('keep failed batches 14 days, on a queue that is kept and alarmed', () => {
    template.hasResource('AWS::SQS::Queue', {
      Properties: { MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-dev-ChangeEventFailures',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(eventPath.failureQueue, 'QueueName') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'samvard-dev-ChangeEventLag', MetricName: 'IteratorAge' });
  });

  it('let the publisher put events on that bus only, read that stream only, and send failures to that queue', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ChangeEventsPublisherRole') }],
      PolicyDocument: {
        // An exact list: nothing on the table, nothing on another bus or stream.
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChangeEventsPublisherLogs'), 'Arn'] },
          },
          { Effect: 'Allow', Action: 'events:PutEvents', Resource: getAtt(eventPath.bus) },
          {
            Effect: 'Allow',
            Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
            Resource: getAtt(stack.resources.table, 'StreamArn'),
          },
          {
            Effect: 'Allow',
            Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
            Resource: getAtt(eventPath.failureQueue),
          },
        ],
      },
    });
  });
});

describe('change events turned off (samvard:changeEvents=false)', () => {
  const off = synthesize({ 'samvard:changeEvents': 'false' });

  it('leave out the bus, the publisher, its stream mapping, failure queue and alarms', () => {
    expect(off.stack.eventPath).toBeUndefined();
    off.template.resourceCountIs('AWS::Events::EventBus', 0);
    // What remains is the subscription path's: the matcher's and delivery's mappings, its
    // three queues (delivery, dead letters, matcher failures), API + ingest + matcher + delivery + heartbeat.
    const path = off.stack.subscriptionPath;
    const mappingTargets = resourcesOf(off.template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.FunctionName);
    expect(mappingTargets).toEqual(expect.arrayContaining([ref(path.matcher), ref(path.delivery)]));
    off.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    off.template.resourceCountIs('AWS::SQS::Queue', 3);
    off.template.resourceCountIs('AWS::Lambda::Function', 5);
    const alarmNames = resourcesOf(off.template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.AlarmName as string);
    expect(alarmNames.filter((name) => /ChangeEvent|Publisher/.test(name))).toEqual([]);
    expect(Object.keys(off.template.findOutputs('ChangeEventBusName'))).toEqual([]);
  });

  it('keep the table stream (for the subscription consumers) and pass cdk-nag', () => {
    off.template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(nagErrors(off.findings)).toEqual([]);
  });
});

describe('cdk-nag', () => {
  it('finds no unacknowledged error in the AwsSolutions and HIPAA Security packs', () => {
    expect(nagErrors(findings)).toEqual([]);
  });

  it('every acknowledgment is on a resource, not the stack, and says why', () => {
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const ack of acknowledgments) {
      expect(ack.path, ack.id).not.toBe(stack.node.path);
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(40);
    }
  });
});
