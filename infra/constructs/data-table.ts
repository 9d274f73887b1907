/**
 * DynamoDB tables built from the definitions in `functions/store/tables.ts`, the same
 * ones the local start-up and the tests create, so keys and indexes cannot drift.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { TableDefinition } from '../../functions/store/tables.ts';
import { acknowledge } from '../nag.ts';

export interface DataTableProps {
  definition: TableDefinition;
  /** A customer-managed key; the AWS-managed DynamoDB key (`aws/dynamodb`) when unset. */
  encryptionKey?: IKey | undefined;
}

/**
 * One table of patient data: on demand, point-in-time recovery, encrypted with KMS,
 * deletion protection on, kept when the stack is deleted, and time to live on the
 * definition's expiry attribute when it has one.
 */
export class DataTable extends Construct {
  readonly table: Table;
  readonly definition: TableDefinition;
  readonly encryptionKey: IKey | undefined;

  constructor(scope: Construct, id: string, props: DataTableProps) {
    super(scope, id);
    const { definition, encryptionKey } = props;
    this.definition = definition;
    this.encryptionKey = encryptionKey;
    const key = (name: string) => ({ name, type: AttributeType.STRING });

    this.table = new Table(this, 'Table', {
      partitionKey: key(definition.keys.partitionKey),
      sortKey: key(definition.keys.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(encryptionKey
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey }
        : { encryption: TableEncryption.AWS_MANAGED }),
      stream: definition.stream ? StreamViewType.NEW_AND_OLD_IMAGES : undefined,
      timeToLiveAttribute: definition.timeToLiveAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.table,
      ['HIPAA.Security-DynamoDBInBackupPlan'],
      'Point-in-time recovery keeps continuous backups for 35 days. Longer-lived, cross-account backups belong to the organisation\'s AWS Backup policy (AWS Organizations), not to this stack; see docs/deployment.md.',
    );
    for (const [indexName, k] of Object.entries(definition.globalIndexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: key(k.partitionKey),
        sortKey: key(k.sortKey),
      });
    }
  }

  /** The ARNs of the table's global secondary indexes, each named (no `index/*`). */
  get indexArns(): string[] {
    return Object.keys(this.definition.globalIndexes).map((name) => `${this.table.tableArn}/index/${name}`);
  }

  /** The ARN of the table's stream. */
  get streamArn(): string {
    const arn = this.table.tableStreamArn;
    if (!arn) throw new Error(`Table ${this.definition.id} has no stream`);
    return arn;
  }
}
