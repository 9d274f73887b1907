/**
 * A transaction too large for one DynamoDB transaction is committed in steps. A fault is
 * injected at every write step in turn: afterwards the entries are visible all or none,
 * and once recovery has run the store holds no locks, no open transaction and a search
 * index that agrees with the resources.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/http/app.ts';
import { ResourceStore } from '../../functions/store/resource-store.ts';
import { BASE, type TestApi, createTestApi, json } from '../support/test-api.ts';
import { type Injected, faultyClient, injectFaultAt as inject } from './support.ts';

const ENTRIES = 25; // 25 Patients × 6 items: more than one DynamoDB transaction holds

let real: TestApi;
const { faulty, mock } = faultyClient();

beforeAll(async () => {
  real = await createTestApi();
});

/** Passes every command through to DynamoDB Local, failing the `failAt`-th write. */
const injectFaultAt = (failAt: number): Injected => inject(mock, real.client, failAt);

function bundleOf(family: string) {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: ENTRIES }, (_, i) => ({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resource: { resourceType: 'Patient', name: [{ family, given: [`g${i}`] }] },
      request: { method: 'POST', url: 'Patient' },
    })),
  };
}

async function visible(family: string): Promise<number> {
  const bundle = await json(await real.send('GET', `/Patient?family=${family}&_summary=count`));
  return bundle.total;
}

async function assertClean(family: string, expected: number): Promise<void> {
  expect(await visible(family)).toBe(expected);
  const scan = await real.client.send(new ScanCommand({ TableName: real.tableName }));
  const items = scan.Items ?? [];
  expect(items.filter((i) => i.lockTx)).toEqual([]);
  expect(items.filter((i) => i.txId)).toEqual([]);
  expect(items.filter((i) => i.pk?.S?.startsWith('tx') )).toEqual([]);
  const currents = items.filter((i) => i.sk?.S === 'current' && i.resource?.S?.includes(`"family":"${family}"`));
  expect(currents).toHaveLength(expected);
  const listing = items.filter((i) => i.pk?.S?.startsWith('ixs#Patient#family#') && i.sk?.S?.startsWith(`${family}#`));
  expect(listing).toHaveLength(expected);
}

describe('multi-step commit under faults', () => {
  it('counts the write steps of a clean commit', async () => {
    const counter = injectFaultAt(-1);
    const app = createApp({ store: new ResourceStore(faulty, real.tableName), baseUrl: BASE });
    const res = await app.request(`${BASE}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(bundleOf('clean')),
    });
    expect(res.status).toBe(200);
    expect(counter.writes()).toBeGreaterThan(3);
    await assertClean('clean', ENTRIES);
    stepsOfCleanRun = counter.writes();
  });

  it('a fault at every step leaves all or nothing visible, and recovery cleans up', { timeout: 240_000 }, async () => {
    const outcomes = new Set<number>();
    for (let step = 1; step <= stepsOfCleanRun; step++) {
      const family = `fault${step}x`;
      injectFaultAt(step);
      const store = new ResourceStore(faulty, real.tableName);
      const app = createApp({ store, baseUrl: BASE });
      const res = await app.request(`${BASE}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(bundleOf(family)),
      });
      expect([200, 503], `step ${step}`).toContain(res.status);
      const expected = res.status === 200 ? ENTRIES : 0;
      outcomes.add(res.status);
      // Before any recovery, readers already see all or nothing.
      expect(await visible(family), `step ${step} before recovery`).toBe(expected);
      // Later (the lease has passed), recovery finishes or undoes what the fault left.
      await new ResourceStore(real.client, real.tableName, { transactionLeaseMs: 0 }).recoverStaleTransactions();
      await assertClean(family, expected);
    }
    // Faults before the commit point roll back (503), after it roll forward (200): both were exercised.
    expect([...outcomes].sort()).toEqual([200, 503]);
  });
});

let stepsOfCleanRun = 0;
