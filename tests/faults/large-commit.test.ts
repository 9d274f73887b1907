/**
 * A multi-step commit whose transaction record is larger than one DynamoDB item holds:
 * the record's changes are gzip'd and split over several items (multi-step-commit.ts).
 * Faults are injected before, at and after the commit point; readers see all or nothing,
 * and recovery, which must read every part of the record, leaves the store clean. A
 * commit whose record would exceed MAX_RECORD_BYTES is refused before anything is written.
 */
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../functions/core/outcomes.ts';
import { MAX_RECORD_BYTES, RECORD_PART_BYTES } from '../../functions/store/multi-step-commit.ts';
import { type Change, ResourceStore } from '../../functions/store/resource-store.ts';
import { type TestApi, createTestApi } from '../support/test-api.ts';
import { type Injected, faultyClient, injectFaultAt as inject } from './support.ts';

/** Patients with many long, random identifiers: index entries that gzip does not shrink much. */
const PATIENTS = 60;
const IDENTIFIERS = 20;
const IDENTIFIER_CHARS = 900;

let real: TestApi;
const { faulty, mock } = faultyClient();

beforeAll(async () => {
  real = await createTestApi();
});

/** Passes every command through to DynamoDB Local, failing the `failAt`-th write. */
const injectFaultAt = (failAt: number): Injected => inject(mock, real.client, failAt);

function patients(tag: string, count = PATIENTS): Change[] {
  const lastUpdated = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const id = `${tag}-${i}`;
    const resource: Patient = {
      resourceType: 'Patient',
      id,
      meta: { versionId: '1', lastUpdated },
      identifier: Array.from({ length: IDENTIFIERS }, () => ({
        system: 'urn:example:large',
        value: randomBytes(IDENTIFIER_CHARS / 2).toString('hex'),
      })),
      name: [{ family: tag }],
    };
    return { next: { type: 'Patient', id, version: 1, lastUpdated, operation: 'create', resource }, previous: undefined };
  });
}

async function visible(tag: string, count = PATIENTS): Promise<number> {
  const found = await real.store.readCurrentMany(Array.from({ length: count }, (_, i) => ({ type: 'Patient', id: `${tag}-${i}` })));
  return found.length;
}

async function scan() {
  const items = [];
  let start: Record<string, any> | undefined;
  do {
    const page = await real.client.send(new ScanCommand({ TableName: real.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function assertClean(tag: string, expected: number): Promise<void> {
  expect(await visible(tag)).toBe(expected);
  const items = await scan();
  expect(items.filter((i) => i.lockTx).length).toBe(0);
  expect(items.filter((i) => i.txId).length).toBe(0);
  expect(items.filter((i) => i.pk?.S?.startsWith('tx')).length).toBe(0);
  const currents = items.filter((i) => i.sk?.S === 'current' && i.pk?.S?.startsWith(`Patient/${tag}-`));
  expect(currents).toHaveLength(expected);
  const identifierEntries = items.filter((i) => i.pk?.S?.startsWith('ix#Patient#identifier#') && i.sk?.S?.startsWith(`${tag}-`));
  expect(identifierEntries).toHaveLength(expected * IDENTIFIERS);
}

async function recoverAll(): Promise<void> {
  await new ResourceStore(real.client, real.tableName, { transactionLeaseMs: 0 }).recoverStaleTransactions();
}

describe('a multi-step commit whose record spans several items', () => {
  let cleanWrites = 0;
  let commitPoint = 0;

  it('commits, with the record in several parts, and leaves nothing behind', { timeout: 120_000 }, async () => {
    const injected = injectFaultAt(-1);
    await new ResourceStore(faulty, real.tableName).commit(patients('clean'));
    expect(injected.partsWritten()).toBeGreaterThanOrEqual(1);
    cleanWrites = injected.writes();
    commitPoint = injected.commitPoint() ?? 0;
    expect(commitPoint).toBeGreaterThan(2);
    await assertClean('clean', PATIENTS);
  });

  it('a fault on the first write (the record and its parts) stores nothing', { timeout: 120_000 }, async () => {
    injectFaultAt(1);
    await expect(new ResourceStore(faulty, real.tableName).commit(patients('first'))).rejects.toThrow();
    expect(await visible('first')).toBe(0);
    await recoverAll();
    await assertClean('first', 0);
  });

  it('a fault while preparing rolls back, reading the whole record', { timeout: 120_000 }, async () => {
    injectFaultAt(Math.max(2, Math.floor(commitPoint / 2)));
    await expect(new ResourceStore(faulty, real.tableName).commit(patients('middle'))).rejects.toThrow();
    expect(await visible('middle')).toBe(0);
    await recoverAll();
    await assertClean('middle', 0);
  });

  it('a fault just after the commit point is rolled forward by recovery from the parts', { timeout: 120_000 }, async () => {
    expect(cleanWrites).toBeGreaterThan(commitPoint + 1);
    injectFaultAt(commitPoint + 1);
    // The commit point was passed: the commit succeeds, its record (with its parts) is left
    // for recovery, and readers see every change at once.
    await new ResourceStore(faulty, real.tableName).commit(patients('after'));
    const left = await scan();
    expect(left.filter((i) => i.pk?.S?.startsWith('tx#') && i.sk?.S?.startsWith('part#')).length).toBeGreaterThanOrEqual(1);
    // (A reader whose lease has passed would itself recover: on a slow machine the default 30 s can.)
    const patient = new ResourceStore(real.client, real.tableName, { transactionLeaseMs: 3_600_000 });
    expect((await patient.readCurrentMany(Array.from({ length: PATIENTS }, (_, i) => ({ type: 'Patient', id: `after-${i}` })))).length).toBe(PATIENTS);
    await recoverAll();
    await assertClean('after', PATIENTS);
  });

  it('a commit whose record would exceed MAX_RECORD_BYTES is a 413 and writes nothing', { timeout: 120_000 }, async () => {
    // Random hex gzips to about half: enough patients for twice the limit.
    const count = Math.ceil((4 * MAX_RECORD_BYTES) / (IDENTIFIERS * IDENTIFIER_CHARS));
    expect(count * IDENTIFIERS * IDENTIFIER_CHARS).toBeGreaterThan(3 * RECORD_PART_BYTES);
    const before = (await scan()).length;
    injectFaultAt(-1);
    const err = await new ResourceStore(faulty, real.tableName).commit(patients('huge', count)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationOutcomeError);
    expect((err as OperationOutcomeError).outcome.issue?.[0]?.code).toBe('too-costly');
    expect((await scan()).length).toBe(before);
  });
});
