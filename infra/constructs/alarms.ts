/**
 * What wakes someone up, and the one dashboard they open then: API 5xx rate and p99
 * latency, throttles (Lambda and DynamoDB), the change-event failure queue and how far
 * the publisher lags behind the stream. Every alarm notifies one SNS topic.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  type IMetric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type IKey } from 'aws-cdk-lib/aws-kms';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { acknowledge } from '../nag.ts';
import { Construct } from 'constructs';
import type { DataTable } from './data-table.ts';
import type { EventPath } from './event-path.ts';
import type { FhirHttpApi } from './fhir-http-api.ts';
import type { SamvardFunction } from './samvard-function.ts';
import type { SubscriptionPath } from './subscription-path.ts';

const PERIOD = Duration.minutes(5);

export interface AlarmsProps {
  stage: string;
  api: FhirHttpApi;
  functions: SamvardFunction[];
  tables: DataTable[];
  eventPath?: EventPath | undefined;
  subscriptionPath?: SubscriptionPath | undefined;
  latencyP99AlarmMs: number;
  alarmEmail?: string | undefined;
  /** Encrypts the alarm topic (and lets CloudWatch use it); unencrypted when unset. */
  encryptionKey?: IKey | undefined;
}

export class Alarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: `samvard ${props.stage} alarms`,
      enforceSSL: true,
      masterKey: props.encryptionKey,
    });
    if (props.encryptionKey) {
      // CloudWatch encrypts the notifications it publishes to the topic.
      props.encryptionKey.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudWatchAlarmsOfThisAccount',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
    } else {
      acknowledge(
        this.topic,
        ['AwsSolutions-SNS2', 'HIPAA.Security-SNSEncryptedKMS'],
        'Alarm notifications carry metric names and thresholds, no patient data, and CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key. The topic is encrypted with the customer-managed key when samvard:customerManagedKey is set.',
      );
    }
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, evaluation: [number, number]) => {
      const created = new Alarm(this, alarmId, {
        metric,
        alarmName: `samvard-${props.stage}-${alarmId}`,
        alarmDescription: description,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: evaluation[1],
        datapointsToAlarm: evaluation[0],
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    // API: 5xx rate (ignoring quiet periods, where one error would be a large share) and p99 latency.
    const { api } = props.api;
    const requests = api.metricCount({ period: PERIOD, statistic: 'Sum' });
    const serverErrors = api.metricServerError({ period: PERIOD, statistic: 'Sum' });
    const errorRate = new MathExpression({
      expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      label: '5xx rate (%)',
      period: PERIOD,
    });
    alarm('Api5xxRate', 'More than 1% of API requests failed with 5xx in 2 of the last 3 five-minute periods', errorRate, 1, [2, 3]);
    const latencyP99 = api.metricLatency({ period: PERIOD, statistic: 'p99' });
    alarm(
      'ApiLatencyP99',
      `API p99 latency above ${props.latencyP99AlarmMs} ms for 15 minutes`,
      latencyP99,
      props.latencyP99AlarmMs,
      [3, 3],
    );

    // Throttles: Lambda concurrency and DynamoDB on-demand limits.
    for (const fn of props.functions) {
      alarm(
        `${fn.node.id}Throttles`,
        `Lambda throttled invocations of ${fn.node.id}`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        0,
        [1, 1],
      );
    }
    for (const data of props.tables) {
      const tableMetric = (metricName: string) =>
        new Metric({
          namespace: 'AWS/DynamoDB',
          metricName,
          dimensionsMap: { TableName: data.table.tableName },
          period: PERIOD,
          statistic: 'Sum',
        });
      const throttles = new MathExpression({
        expression: 'reads + writes',
        usingMetrics: { reads: tableMetric('ReadThrottleEvents'), writes: tableMetric('WriteThrottleEvents') },
        label: `${data.definition.id} throttle events`,
        period: PERIOD,
      });
      alarm(
        `${capitalize(data.definition.id)}TableThrottles`,
        `DynamoDB throttled requests on the ${data.definition.id} table in 2 consecutive five-minute periods`,
        throttles,
        0,
        [2, 2],
      );
    }

    // Change events: failed batches and lag.
    if (props.eventPath) {
      const { failureQueue, publisher } = props.eventPath;
      alarm(
        'ChangeEventFailures',
        'Stream batches the change-event publisher gave up on (the failure queue is not empty)',
        queueDepth(failureQueue),
        0,
        [1, 1],
      );
      alarm(
        'ChangeEventLag',
        'The change-event publisher is more than 5 minutes behind the resource stream',
        publisher.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' }),
        Duration.minutes(5).toMilliseconds(),
        [2, 2],
      );
    }

    // Subscriptions: undeliverable notifications, failed matcher batches, matcher lag,
    // and the delivery function failing (not the subscriber: its failures are retried).
    if (props.subscriptionPath) {
      const { deadLetterQueue, matcherFailureQueue, matcher, delivery } = props.subscriptionPath;
      alarm(
        'DeliveryDeadLetters',
        'Subscription notifications failed their last attempt (the delivery dead-letter queue is not empty)',
        queueDepth(deadLetterQueue),
        0,
        [1, 1],
      );
      alarm(
        'MatcherFailures',
        'Stream batches the subscription matcher gave up on (its failure queue is not empty)',
        queueDepth(matcherFailureQueue),
        0,
        [1, 1],
      );
      alarm(
        'MatcherLag',
        'The subscription matcher is more than 5 minutes behind the resource stream',
        matcher.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' }),
        Duration.minutes(5).toMilliseconds(),
        [2, 2],
      );
      alarm(
        'DeliveryErrors',
        'The delivery function failed invocations in 2 consecutive five-minute periods',
        delivery.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        0,
        [2, 2],
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `samvard-${props.stage}` });
    const tableMetrics = props.tables.flatMap((data) => [
      data.table.metricConsumedReadCapacityUnits({ period: PERIOD, label: `${data.definition.id} RCU` }),
      data.table.metricConsumedWriteCapacityUnits({ period: PERIOD, label: `${data.definition.id} WCU` }),
    ]);
    this.dashboard.addWidgets(
      new TextWidget({ markdown: `# samvard ${props.stage}\nFHIR R4 API, its functions and tables.`, width: 24, height: 2 }),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 }));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [requests, api.metricClientError({ period: PERIOD, statistic: 'Sum' }), serverErrors],
        right: [errorRate],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [
          api.metricLatency({ period: PERIOD, statistic: 'p50' }),
          latencyP99,
          api.metricIntegrationLatency({ period: PERIOD, statistic: 'p99' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda duration p99 (ms)',
        left: props.functions.map((fn) => fn.metricDuration({ period: PERIOD, statistic: 'p99', label: fn.node.id })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Lambda errors and throttles',
        left: props.functions.flatMap((fn) => [
          fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: `${fn.node.id} errors` }),
          fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: `${fn.node.id} throttles` }),
        ]),
        width: 8,
      }),
      new GraphWidget({
        title: 'Lambda concurrency',
        left: props.functions.map((fn) =>
          fn.metric('ConcurrentExecutions', { period: PERIOD, statistic: 'Maximum', label: fn.node.id }),
        ),
        width: 8,
      }),
    );
    const eventWidgets = props.eventPath
      ? [
          new GraphWidget({
            title: 'Change events',
            left: [
              props.eventPath.publisher.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum', label: 'lag (ms)' }),
            ],
            right: [
              queueDepth(props.eventPath.failureQueue, 'failed batches'),
            ],
            width: 12,
          }),
        ]
      : [];
    const subscriptionWidgets = props.subscriptionPath
      ? [
          new GraphWidget({
            title: 'Subscriptions',
            left: [
              props.subscriptionPath.matcher.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum', label: 'matcher lag (ms)' }),
            ],
            right: [
              queueDepth(props.subscriptionPath.deliveryQueue, 'pending deliveries'),
              queueDepth(props.subscriptionPath.deadLetterQueue, 'dead letters'),
            ],
            width: 12,
          }),
        ]
      : [];
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'DynamoDB consumed capacity', left: tableMetrics, width: 12 }),
      ...eventWidgets,
      ...subscriptionWidgets,
    );
  }
}

/** The most messages waiting in `queue` in each period. */
function queueDepth(queue: Queue, label?: string): IMetric {
  return queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', ...(label ? { label } : {}) });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
