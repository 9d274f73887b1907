/**
 * A Lambda function with samvard's defaults set once: esbuild (the locally installed
 * one, never Docker), ESM, minified, source maps, arm64, Node.js 22, JSON logs in a log
 * group of its own, and a role that holds only what is granted to it explicitly.
 */
import { fileURLToPath } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import {
  type AddToPrincipalPolicyResult,
  ManagedPolicy,
  PolicyStatement,
  Role,
  type RoleProps,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';
import type { DataTable } from './data-table.ts';

/** The repository root, where `package-lock.json` and `functions/` live. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A path under `functions/`, as an absolute path for `NodejsFunction.entry`. */
export const functionEntry = (path: string): string => fileURLToPath(new URL(`../../functions/${path}`, import.meta.url));

export interface SamvardFunctionProps {
  /** Absolute path of the entry file (see {@link functionEntry}). */
  entry: string;
  /** The export that Lambda calls. */
  handler?: string;
  description: string;
  memorySize?: number;
  timeout?: Duration;
  environment?: Record<string, string>;
  logRetention: RetentionDays;
  /** Encrypts the log group; CloudWatch Logs' own encryption when unset. */
  logEncryptionKey?: IKey | undefined;
}

/**
 * What a function does with a table. Each entry is an IAM action, granted on the table
 * itself or on each named index (never `*`, never `index/*`).
 */
export interface TableAccess {
  table: string[];
  indexes?: string[];
}

/**
 * Reading and writing single items and querying the table, as the resource store does
 * (TransactWriteItems is authorized per item, as PutItem, UpdateItem and DeleteItem).
 */
export const ITEM_READ_WRITE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** CloudWatch Logs encrypts every log group at rest; a KMS key is the `customerManagedKey` option. */
export function acknowledgeServiceEncryptedLogs(logGroup: LogGroup): void {
  acknowledge(
    logGroup,
    ['HIPAA.Security-CloudWatchLogGroupEncrypted'],
    'CloudWatch Logs encrypts log data at rest with service-managed keys; encryption with a customer-managed KMS key is turned on with samvard:customerManagedKey.',
  );
}

/**
 * A role whose permissions live in one customer-managed policy rather than an inline
 * (default) policy, so they can be versioned and reviewed on their own.
 */
class ManagedPolicyRole extends Role {
  private readonly permissions: ManagedPolicy;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id, props);
    this.permissions = new ManagedPolicy(this, 'Permissions', { roles: [this], description: props.description });
  }

  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    this.permissions.addStatements(statement);
    return { statementAdded: true, policyDependable: this.permissions };
  }
}

export class SamvardFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SamvardFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
    });
    // Its own role: the default one carries AWSLambdaBasicExecutionRole, which may
    // create and write any log group (`*`). This one writes its own log group only.
    const role = new ManagedPolicyRole(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      environment: {
        // Stack traces point at the TypeScript sources.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // The SDK version the tests ran against, not whichever the runtime ships.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        mainFields: ['module', 'main'],
        // Some bundled CommonJS dependencies call require() on Node built-ins.
        banner: "import { createRequire as __samvardCreateRequire } from 'node:module';const require = __samvardCreateRequire(import.meta.url);",
      },
    });

    acknowledge(
      this,
      ['AwsSolutions-L1'],
      'Node.js 22 on purpose: the version the code is developed and tested on (the `node` devDependency, >= 22.18 as @medplum/core 5 requires); moving to a newer runtime is a deliberate upgrade of both.',
    );
    acknowledge(
      this,
      ['HIPAA.Security-LambdaInsideVPC'],
      'samvard has no resources inside a VPC: its functions call DynamoDB and EventBridge over TLS, authorised by IAM. A VPC would add NAT or interface endpoints without isolating anything.',
    );
    acknowledge(
      this,
      ['HIPAA.Security-LambdaDLQ'],
      'A function DLQ applies to asynchronous invocations only. samvard functions are invoked synchronously by API Gateway (the client sees the error) or by event source mappings, whose failures go to the mapping\'s own on-failure queue.',
    );
    acknowledge(
      this,
      ['HIPAA.Security-LambdaConcurrency'],
      'Concurrency is bounded upstream: by the API stage\'s throttling for the API function and by the stream\'s shard count for stream consumers. Reserved concurrency would carve capacity out of the account pool, and fails outright in accounts with low concurrency quotas.',
    );
    if (!props.logEncryptionKey) acknowledgeServiceEncryptedLogs(logGroup);
  }

  /**
   * Grants `access` on `data`'s table and on each of its indexes, and, when the table
   * has a customer-managed key, the KMS actions DynamoDB needs on the caller's behalf.
   */
  grantTableAccess(data: DataTable, access: TableAccess): void {
    this.addToRolePolicy(new PolicyStatement({ actions: access.table, resources: [data.table.tableArn] }));
    if (access.indexes?.length && data.indexArns.length > 0) {
      this.addToRolePolicy(new PolicyStatement({ actions: access.indexes, resources: data.indexArns }));
    }
    const writes = access.table.some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)Item$/.test(a));
    this.grantKeyUseVia(data.encryptionKey, 'dynamodb', writes);
  }

  /** Grants reading `data`'s stream (for an event source mapping), on that stream only. */
  grantStreamRead(data: DataTable): void {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
        resources: [data.streamArn],
      }),
    );
    this.grantKeyUseVia(data.encryptionKey, 'dynamodb', false);
  }

  private grantKeyUseVia(key: IKey | undefined, service: string, write: boolean): void {
    if (!key) return;
    const actions = ['kms:Decrypt', 'kms:DescribeKey'];
    if (write) actions.push('kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo');
    this.addToRolePolicy(
      new PolicyStatement({
        actions,
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }
}
