/**
 * Least privilege: every identity policy names its actions and resources, and the API
 * and ingest functions may do exactly what `functions/store` does with the table (the
 * ingest function: what the DynamoDB commands in its own bundle need).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { API_RESOURCE_TABLE_ACCESS, INGEST_RESOURCE_TABLE_ACCESS } from '../../infra/samvard-stack.ts';
import { resourcesOf, synthesize } from './synth.ts';

// Every option on, so every function and grant is in the template.
const { stack, template } = synthesize({ 'samvard:customerManagedKey': 'true', 'samvard:changeEvents': 'true' });

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const identityStatements = [
  ...resourcesOf(template, 'AWS::IAM::Policy'),
  ...resourcesOf(template, 'AWS::IAM::ManagedPolicy'),
].flatMap(([id, policy]) =>
  ((policy.PolicyDocument as { Statement: Statement[] }).Statement ?? []).map((statement) => ({ id, statement })),
);
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const tableLogicalId = stack.getLogicalId(stack.resources.table.node.defaultChild as never);
const tableArn = { 'Fn::GetAtt': [tableLogicalId, 'Arn'] };
const streamArn = { 'Fn::GetAtt': [tableLogicalId, 'StreamArn'] };
const eventPath = stack.eventPath;
if (!eventPath) throw new Error('samvard:changeEvents=true made no event path');
const busArn = { 'Fn::GetAtt': [stack.getLogicalId(eventPath.bus.node.defaultChild as never), 'Arn'] };

describe('identity policies', () => {
  it('exist, and all of them are customer-managed policies of a role', () => {
    expect(identityStatements.length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('have no wildcard in any action', () => {
    for (const { id, statement } of identityStatements) {
      for (const action of list(statement.Action)) expect(action, id).not.toContain('*');
    }
  });

  it('have no wildcard resource, and name each table and index resource exactly', () => {
    for (const { id, statement } of identityStatements) {
      for (const resource of list(statement.Resource)) {
        const text = JSON.stringify(resource);
        expect(resource, id).not.toBe('*');
        if (text.includes(tableLogicalId)) expect(text, id).not.toContain('*');
      }
    }
  });

  for (const [fn, access] of [
    ['ApiFunction', API_RESOURCE_TABLE_ACCESS],
    ['IngestFunction', INGEST_RESOURCE_TABLE_ACCESS],
  ] as const) {
    it(`give the ${fn} exactly the table actions its store uses`, () => {
      const policy = resourcesOf(template, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith(`${fn}RolePermissions`));
      const statements = (policy?.[1].PolicyDocument as { Statement: Statement[] }).Statement;
      const onTable = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(tableArn));
      expect(onTable.flatMap((s) => list(s.Action)).sort()).toEqual([...access.table].sort());
      const onIndex = statements.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
      expect(onIndex).toEqual([
        {
          Effect: 'Allow',
          Action: access.indexes?.[0],
          Resource: { 'Fn::Join': ['', [tableArn, '/index/typeHistory']] },
        },
      ]);
      // Nothing else of DynamoDB's, on anything.
      const dynamoActions = statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('dynamodb:'));
      expect(new Set(dynamoActions)).toEqual(new Set([...access.table]));
    });
  }

  it('give the ingest function nothing on the subscriptions table, and no DynamoDB action beyond the resource table', () => {
    const policy = resourcesOf(template, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith('IngestFunctionRolePermissions'));
    const statements = (policy?.[1].PolicyDocument as { Statement: Statement[] }).Statement;
    for (const s of statements.filter((st) => list(st.Action).some((a) => a.startsWith('dynamodb:')))) {
      expect(JSON.stringify(s.Resource)).toContain(tableLogicalId);
    }
    const subscriptionsTable = stack.getLogicalId(stack.subscriptionPath.subscriptions.table.node.defaultChild as never);
    expect(JSON.stringify(statements)).not.toContain(subscriptionsTable);
  });

  it('let the publisher read the stream, put events and send failures, and nothing on the table', () => {
    const policy = resourcesOf(template, 'AWS::IAM::ManagedPolicy').find(([id]) =>
      id.startsWith('ChangeEventsPublisherRolePermissions'),
    );
    const statements = (policy?.[1].PolicyDocument as { Statement: Statement[] }).Statement;
    const actions = statements.flatMap((s) => list(s.Action));
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'events:PutEvents', 'sqs:SendMessage']),
    );
    for (const s of statements.filter((st) => list(st.Action).some((a) => a.startsWith('dynamodb:')))) {
      expect(s.Resource).toEqual(streamArn);
    }
  });

  it('grant events:PutEvents on the change-event bus only, and to the publisher only', () => {
    const grants = identityStatements.filter(({ statement }) =>
      list(statement.Action).some((a) => a.startsWith('events:')),
    );
    expect(grants.map(({ id }) => id)).toEqual([expect.stringMatching(/^ChangeEventsPublisherRolePermissions/)]);
    expect(grants[0]?.statement).toEqual({ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn });
  });

  it('grant the stream read actions on the table stream only, and to its two consumers only', () => {
    const streamActions = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
    const grants = identityStatements.filter(({ statement }) =>
      list(statement.Action).some((a) => streamActions.includes(a)),
    );
    expect(grants.map(({ id }) => id).sort()).toEqual([
      expect.stringMatching(/^ChangeEventsPublisherRolePermissions/),
      expect.stringMatching(/^SubscriptionPathMatcherRolePermissions/),
    ]);
    for (const grant of grants) {
      expect(grant.statement).toEqual({ Effect: 'Allow', Action: streamActions, Resource: streamArn });
    }
  });

  it('use the customer-managed key only through DynamoDB', () => {
    for (const { id, statement } of identityStatements) {
      if (list(statement.Action).some((a) => a.startsWith('kms:'))) {
        expect(statement.Condition, id).toEqual({ StringEquals: { 'kms:ViaService': 'dynamodb.eu-north-1.amazonaws.com' } });
      }
    }
  });
});

describe('the granted table actions and functions/store', () => {
  // A tripwire: a new DynamoDB command in the store must come with its IAM action here.
  const storeDir = fileURLToPath(new URL('../../functions/store/', import.meta.url));
  // ensure-tables.ts creates tables for DynamoDB Local; it never runs on Lambda.
  const LOCAL_ONLY = new Set(['ensure-tables.ts']);
  const sources = readdirSync(storeDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !LOCAL_ONLY.has(f))
    .map((f) => readFileSync(`${storeDir}${f}`, 'utf8'));
  const commands = new Set(sources.flatMap((s) => [...s.matchAll(/\b(\w+)Command\b/g)].map((m) => m[1] as string)));
  const transactionParts = new Set(
    sources.flatMap((s) => [...s.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)].map((m) => m[1] as string)),
  );

  /** The IAM action each DynamoDB call needs (transactions: per item, see below). */
  const ACTION_OF_COMMAND: Record<string, string[]> = {
    GetItem: ['dynamodb:GetItem'],
    Query: ['dynamodb:Query'],
    PutItem: ['dynamodb:PutItem'],
    UpdateItem: ['dynamodb:UpdateItem'],
    DeleteItem: ['dynamodb:DeleteItem'],
    BatchGetItem: ['dynamodb:BatchGetItem'],
    BatchWriteItem: ['dynamodb:BatchWriteItem'],
    TransactGetItems: ['dynamodb:GetItem'],
    TransactWriteItems: [],
  };
  const ACTION_OF_TRANSACTION_PART: Record<string, string> = {
    Put: 'dynamodb:PutItem',
    Update: 'dynamodb:UpdateItem',
    Delete: 'dynamodb:DeleteItem',
    ConditionCheck: 'dynamodb:ConditionCheckItem',
  };

  it('every command the store sends is one this test knows', () => {
    expect(commands.size).toBeGreaterThan(0);
    for (const command of commands) expect(Object.keys(ACTION_OF_COMMAND), `${command}Command`).toContain(command);
  });

  it('the API is granted what those commands need, and no more', () => {
    const needed = new Set([
      ...[...commands].flatMap((c) => ACTION_OF_COMMAND[c] ?? []),
      ...(commands.has('TransactWriteItems')
        ? [...transactionParts].map((p) => ACTION_OF_TRANSACTION_PART[p] as string)
        : []),
    ]);
    expect(new Set(API_RESOURCE_TABLE_ACCESS.table)).toEqual(needed);
  });

  it('the ingest function is granted what the DynamoDB commands in its bundle need, and no more', async () => {
    // Its bundle as esbuild builds it (as infra/constructs/samvard-function.ts does): which SDK commands are in it.
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../../functions/ingest/handler.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      mainFields: ['module', 'main'],
      write: false,
      metafile: true,
      logLevel: 'error',
    });
    const inputs = Object.values(result.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    const bundled = new Set(
      inputs
        .map((i) => /@aws-sdk\/client-dynamodb\/.*\/commands\/(\w+)Command\.js$/.exec(i)?.[1])
        .filter((c): c is string => c !== undefined)
        // The SDK's own endpoint discovery (off unless configured); samvard never sends it.
        .filter((c) => c !== 'DescribeEndpoints'),
    );
    expect(bundled.size).toBeGreaterThan(0);
    for (const command of bundled) expect(Object.keys(ACTION_OF_COMMAND), `${command}Command`).toContain(command);
    const needed = new Set([
      ...[...bundled].flatMap((c) => ACTION_OF_COMMAND[c] ?? []),
      ...(bundled.has('TransactWriteItems') ? [...transactionParts].map((p) => ACTION_OF_TRANSACTION_PART[p] as string) : []),
    ]);
    expect(new Set(INGEST_RESOURCE_TABLE_ACCESS.table)).toEqual(needed);
  });
});
