/**
 * samvard in one stack: the resource table, the API and ingest functions behind an HTTP API, the
 * subscription path (matcher, delivery queue and function, heartbeats), the change-event
 * path (on unless `samvard:changeEvents=false`), and the alarms over all of it.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { resourceTable } from '../functions/store/tables.ts';
import type { SamvardConfig } from './config.ts';
import { Alarms } from './constructs/alarms.ts';
import { DataTable } from './constructs/data-table.ts';
import { EventPath } from './constructs/event-path.ts';
import { FhirHttpApi } from './constructs/fhir-http-api.ts';
import { ITEM_READ_WRITE_ACTIONS, SamvardFunction, type TableAccess, functionEntry } from './constructs/samvard-function.ts';
import { API_SUBSCRIPTION_TABLE_ACCESS, SubscriptionPath } from './constructs/subscription-path.ts';

/**
 * What the API function does with the resource table: the IAM actions behind the
 * DynamoDB calls in `functions/store` (tests/infra/iam.test.ts checks the two agree).
 * A TransactWriteItems is authorized per item: its `Put`s need `dynamodb:PutItem`, its
 * `Delete`s (stale search index entries) `dynamodb:DeleteItem`, its `Update`s (locks of
 * a multi-step commit, `store/multi-step-commit.ts`) `dynamodb:UpdateItem`.
 */
export const API_RESOURCE_TABLE_ACCESS: TableAccess = {
  table: [...ITEM_READ_WRITE_ACTIONS],
  indexes: ['dynamodb:Query'],
};

/**
 * What the ingest function does with the resource table: the same store (lookups,
 * conditional matches, the transaction and its multi-step commit) and the access log,
 * so the same actions as the API function. Nothing on the subscriptions table: ingest
 * serves no `$status`/`$events`, and a document never maps to a Subscription.
 */
export const INGEST_RESOURCE_TABLE_ACCESS: TableAccess = API_RESOURCE_TABLE_ACCESS;

export interface SamvardStackProps extends StackProps {
  config: SamvardConfig;
}

export class SamvardStack extends Stack {
  readonly resources: DataTable;
  readonly apiFunction: SamvardFunction;
  readonly ingestFunction: SamvardFunction;
  readonly httpApi: FhirHttpApi;
  readonly subscriptionPath: SubscriptionPath;
  readonly eventPath: EventPath | undefined;
  readonly alarms: Alarms;
  readonly encryptionKey: Key | undefined;

  constructor(scope: Construct, id: string, props: SamvardStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.encryptionKey = config.customerManagedKey
      ? new Key(this, 'DataKey', {
          alias: `alias/samvard-${config.stage}-data`,
          description: `samvard ${config.stage}: patient data at rest (tables, logs, queues, events)`,
          enableKeyRotation: true,
          removalPolicy: RemovalPolicy.RETAIN,
        })
      : undefined;
    if (this.encryptionKey) {
      // CloudWatch Logs encrypts this account's log groups in this region with the key.
      this.encryptionKey.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudWatchLogsOfThisAccount',
          principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
            },
          },
        }),
      );
    }

    this.resources = new DataTable(this, 'Resources', { definition: resourceTable, encryptionKey: this.encryptionKey });

    // The API and ingest functions serve the store behind the same guard. They verify tokens
    // themselves too (scopes, the access rules, the access log need the claims); API
    // Gateway's authorizer checks the same issuer and audience first.
    const guardedStoreEnvironment = {
      SAMVARD_RESOURCE_TABLE: this.resources.table.tableName,
      SAMVARD_AUTH_ISSUER: config.jwtIssuer,
      SAMVARD_AUTH_AUDIENCE: config.jwtAudience.join(','),
    };
    this.apiFunction = new SamvardFunction(this, 'ApiFunction', {
      entry: functionEntry('api/handler.ts'),
      description: `samvard ${config.stage}: FHIR R4 API`,
      // Validation indexes StructureDefinitions at cold start: more memory, more CPU.
      memorySize: 1024,
      timeout: Duration.seconds(15),
      logRetention,
      logEncryptionKey: this.encryptionKey,
      environment: guardedStoreEnvironment,
    });
    this.apiFunction.grantTableAccess(this.resources, API_RESOURCE_TABLE_ACCESS);

    // Document ingest (mappings/): its own function, so the API function carries none of its
    // code. A 1000-resource document is a multi-step commit of many transactions: memory for
    // CPU, and more time than the HTTP API waits (30 s) so that a commit API Gateway has
    // given up on (503 to the client) still finishes or rolls back rather than being cut off;
    // posting the same document again is safe (mappings/ingest.ts: idempotent). docs/deployment.md.
    this.ingestFunction = new SamvardFunction(this, 'IngestFunction', {
      entry: functionEntry('ingest/handler.ts'),
      description: `samvard ${config.stage}: document ingest (/ingest)`,
      memorySize: 1024,
      timeout: Duration.seconds(60),
      logRetention,
      logEncryptionKey: this.encryptionKey,
      environment: guardedStoreEnvironment,
    });
    this.ingestFunction.grantTableAccess(this.resources, INGEST_RESOURCE_TABLE_ACCESS);

    this.httpApi = new FhirHttpApi(this, 'Http', {
      stage: config.stage,
      handler: this.apiFunction,
      ingestHandler: this.ingestFunction,
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      throttleRateLimit: config.throttleRateLimit,
      throttleBurstLimit: config.throttleBurstLimit,
      logRetention,
      logEncryptionKey: this.encryptionKey,
    });

    this.subscriptionPath = new SubscriptionPath(this, 'SubscriptionPath', {
      stage: config.stage,
      resources: this.resources,
      baseUrl: this.httpApi.fhirBaseUrl,
      logRetention,
      encryptionKey: this.encryptionKey,
    });
    // `$status` and `$events` read the subscriptions table.
    this.apiFunction.addEnvironment('SAMVARD_SUBSCRIPTION_TABLE', this.subscriptionPath.subscriptions.table.tableName);
    this.apiFunction.grantTableAccess(this.subscriptionPath.subscriptions, API_SUBSCRIPTION_TABLE_ACCESS);

    this.eventPath = config.changeEvents
      ? new EventPath(this, 'ChangeEvents', {
          stage: config.stage,
          resources: this.resources,
          logRetention,
          encryptionKey: this.encryptionKey,
        })
      : undefined;

    this.alarms = new Alarms(this, 'Alarms', {
      stage: config.stage,
      api: this.httpApi,
      functions: [
        this.apiFunction,
        this.ingestFunction,
        this.subscriptionPath.matcher,
        this.subscriptionPath.delivery,
        this.subscriptionPath.heartbeat,
        ...(this.eventPath ? [this.eventPath.publisher] : []),
      ],
      tables: [this.resources, this.subscriptionPath.subscriptions],
      eventPath: this.eventPath,
      subscriptionPath: this.subscriptionPath,
      latencyP99AlarmMs: config.latencyP99AlarmMs,
      alarmEmail: config.alarmEmail,
      encryptionKey: this.encryptionKey,
    });

    new CfnOutput(this, 'FhirBaseUrl', { value: this.httpApi.fhirBaseUrl, description: 'FHIR base URL of the API' });
    new CfnOutput(this, 'ResourceTableName', { value: this.resources.table.tableName });
    new CfnOutput(this, 'SubscriptionTableName', { value: this.subscriptionPath.subscriptions.table.tableName });
    new CfnOutput(this, 'DeliveryDeadLetterQueueUrl', { value: this.subscriptionPath.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'Subscribe on-call here' });
    if (this.eventPath) {
      new CfnOutput(this, 'ChangeEventBusName', { value: this.eventPath.bus.eventBusName });
    }
  }
}
