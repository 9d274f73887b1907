/**
 * The stack with every option on: a customer-managed KMS key and the change-event path
 * (stream -> publisher -> EventBridge, failures to a queue).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RESOURCE_CHANGED } from '../../functions/events/change-events.ts';
import { nagErrors, resourcesOf, synthesize } from './synth.ts';

const { stack, template, findings } = synthesize({
  'samvard:stage': 'test',
  'samvard:customerManagedKey': true,
  'samvard:changeEvents': 'true',
  'samvard:alarmEmail': 'oncall@region.example',
});
const ref = (construct: { node: { defaultChild?: unknown } }) => ({
  Ref: stack.getLogicalId(construct.node.defaultChild as never),
});
const arnOf = (construct: { node: { defaultChild?: unknown } }, attribute = 'Arn') => ({
  'Fn::GetAtt': [stack.getLogicalId(construct.node.defaultChild as never), attribute],
});
const eventPath = stack.eventPath;
if (!eventPath) throw new Error('samvard:changeEvents=true made no event path');

describe('customer-managed key', () => {
  it('is rotated and kept', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/samvard-test-data' });
  });

  it('encrypts the table, the logs, the bus and the alarm topic', () => {
    const key = arnOf(stack.encryptionKey as never);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: key },
    });
    for (const [id, logGroup] of resourcesOf(template, 'AWS::Logs::LogGroup')) {
      expect(logGroup.KmsKeyId, id).toEqual(key);
    }
    template.hasResourceProperties('AWS::Events::EventBus', { KmsKeyIdentifier: key });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: key });
  });
});

describe('change-event path', () => {
  it('has a bus for the compact events', () => {
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'samvard-test-changes',
      Description: Match.stringLikeRegexp(RESOURCE_CHANGED),
    });
  });

  it('runs the publisher on Node.js 22, arm64, told the bus and the source', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('publishes change events'),
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({ SAMVARD_EVENT_BUS: ref(eventPath.bus), SAMVARD_EVENT_SOURCE: 'samvard' }),
      },
    });
  });

  it('feeds it version inserts from the stream, with partial batch failures, into a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(stack.resources.table, 'StreamArn'),
      FunctionName: ref(eventPath.publisher),
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(eventPath.failureQueue) } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: 'v#' }] } } } }),
          },
        ],
      },
    });
  });

  it('creates the mapping only after the role may read the stream', () => {
    const [[, mapping]] = Object.entries(
      template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { FunctionName: ref(eventPath.publisher) } }),
    ) as [[string, { DependsOn?: string[] }]];
    const policy = Object.keys(template.findResources('AWS::IAM::ManagedPolicy')).find((id) =>
      id.startsWith('ChangeEventsPublisherRolePermissions'),
    );
    expect(mapping.DependsOn).toEqual(expect.arrayContaining([policy]));
  });

  it('keeps failed batches 14 days on a queue that only accepts TLS', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarms on failed batches and on lag', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-test-ChangeEventFailures',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [stack.getLogicalId(eventPath.failureQueue.node.defaultChild as never), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'samvard-test-ChangeEventLag',
      MetricName: 'IteratorAge',
      Threshold: 300_000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'samvard-test-PublisherThrottles' });
  });

  it('e-mails alarms to the address from context', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@region.example' });
  });

  it('outputs the bus name', () => {
    template.hasOutput('ChangeEventBusName', { Value: ref(eventPath.bus) });
  });
});

describe('cdk-nag', () => {
  it('finds no unacknowledged error with every option on', () => {
    expect(nagErrors(findings)).toEqual([]);
  });

  it('and no error annotation either (those would stop `cdk deploy`)', () => {
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
