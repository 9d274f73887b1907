/**
 * Transactions (issue 5): `POST /fhir` with transaction Bundles of 10 and 50 Patient
 * creates, beside single creates (`POST /fhir/Patient`) of the same Patients, measured
 * side by side in one run on one table: each round sends a few single creates, a
 * 10-entry and a 50-entry transaction, in rotating order, so all see the same load.
 *
 * Per-entry cost is a transaction's p50 divided by its entries, compared with the p50 of
 * one single create. The DynamoDB calls each kind sent (recorded on the app's client) are
 * printed beside it: a Patient create is 10 items (current, version and 8 index entries),
 * so 10 entries fill one TransactWriteItems of 100 items and 50 entries take the
 * multi-step commit (`functions/store/multi-step-commit.ts`). The table has no stream
 * unless asked (`createResourceTable` in api-server.ts says why).
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client.ts';
import { type CommandRecorder, recordCommands, samplePatient } from './api-latency.ts';
import { FHIR_JSON, createResourceTable, startApi } from './api-server.ts';
import { type Summary, summarize } from './stats.ts';

export interface TransactionBenchOptions {
  endpoint: string;
  region: string;
  /** Measured rounds; each has {@link SINGLES_PER_ROUND} single creates and one transaction of each size. */
  iterations: number;
  warmup: number;
  sizes?: number[];
  /** Create the table with the DynamoDB stream (default: without; see `createResourceTable`). */
  stream?: boolean;
  log: (line: string) => void;
}

export interface TransactionKind {
  name: string;
  entries: number;
  ms: Summary;
  /** p50 / entries, milliseconds. */
  perEntryP50: number;
  /** perEntryP50 / p50 of a single create. */
  perEntryVsSingle: number;
  /** DynamoDB calls one request sent, e.g. `TransactWriteItems x1 (100 items)`. */
  calls: string;
}

export interface TransactionBenchResult {
  /** Whether the table had the DynamoDB stream. */
  stream: boolean;
  iterations: number;
  warmup: number;
  single: { ms: Summary; calls: string };
  transactions: TransactionKind[];
}

const SINGLES_PER_ROUND = 3;

export async function benchTransactions(options: TransactionBenchOptions): Promise<TransactionBenchResult> {
  const sizes = options.sizes ?? [10, 50];
  const tableName = `bench-tx-${randomUUID()}`;
  const client = createDynamoDbClient({ region: options.region, endpoint: options.endpoint });
  const recorder = recordCommands(client);
  await createResourceTable(client, tableName, options.stream ?? false);
  const api = await startApi({ endpoint: options.endpoint, region: options.region, client, tableName });
  let n = 0;
  try {
    const single = async (): Promise<void> => {
      const res = await fetch(`${api.fhirBase}/Patient`, {
        method: 'POST',
        headers: { 'Content-Type': FHIR_JSON },
        body: JSON.stringify(samplePatient(n++)),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`POST /Patient: ${res.status}: ${text.slice(0, 1000)}`);
    };
    const transaction = (entries: number) => async (): Promise<void> => {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: Array.from({ length: entries }, () => ({
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: samplePatient(n++) as unknown as Patient,
          request: { method: 'POST', url: 'Patient' },
        })),
      };
      const res = await fetch(api.fhirBase, {
        method: 'POST',
        headers: { 'Content-Type': FHIR_JSON },
        body: JSON.stringify(bundle),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`transaction of ${entries}: ${res.status}: ${text.slice(0, 1000)}`);
      const answer = JSON.parse(text) as Bundle;
      const created = (answer.entry ?? []).filter((e) => e.response?.status?.startsWith('201')).length;
      if (answer.type !== 'transaction-response' || created !== entries) {
        throw new Error(`transaction of ${entries}: ${created} entries answered 201`);
      }
    };

    const kinds = [
      { key: 'single', run: single, repeat: SINGLES_PER_ROUND },
      ...sizes.map((entries) => ({ key: String(entries), run: transaction(entries), repeat: 1 })),
    ];
    const samples = new Map<string, number[]>(kinds.map((k) => [k.key, []]));
    const calls = new Map<string, string>();
    options.log(
      `  ${options.warmup} warm-up + ${options.iterations} measured rounds of ${SINGLES_PER_ROUND} single creates and ` +
        `one transaction of each of ${sizes.join(', ')} entries ...`,
    );
    const started = performance.now();
    let nextReport = started + 30_000;
    for (let round = 0; round < options.warmup + options.iterations; round++) {
      if (performance.now() > nextReport) {
        nextReport += 30_000;
        options.log(`    ... round ${round} of ${options.warmup + options.iterations} after ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(round + k) % kinds.length] as (typeof kinds)[number];
        for (let r = 0; r < kind.repeat; r++) {
          recorder.take();
          const started = performance.now();
          await kind.run();
          const elapsed = performance.now() - started;
          const sent = recorder.take();
          if (round >= options.warmup) {
            samples.get(kind.key)?.push(elapsed);
            if (!calls.has(kind.key)) calls.set(kind.key, describeCalls(sent));
          }
        }
      }
    }

    const singleMs = summarize(samples.get('single') ?? []);
    return {
      stream: options.stream ?? false,
      iterations: options.iterations,
      warmup: options.warmup,
      single: { ms: singleMs, calls: calls.get('single') ?? '' },
      transactions: sizes.map((entries) => {
        const ms = summarize(samples.get(String(entries)) ?? []);
        const perEntryP50 = ms.p50 / entries;
        return {
          name: `transaction of ${entries} Patient creates`,
          entries,
          ms,
          perEntryP50,
          perEntryVsSingle: perEntryP50 / singleMs.p50,
          calls: calls.get(String(entries)) ?? '',
        };
      }),
    };
  } finally {
    await api.close();
    client.destroy();
  }
}

export function formatTransactionBench(r: TransactionBenchResult): string[] {
  const ms = (s: Summary) => `${s.p50.toFixed(2)} / ${s.p95.toFixed(2)}`;
  return [
    `Transactions through POST /fhir beside single creates, ms p50 / p95 (${r.iterations} rounds; single creates n=${r.single.ms.n}; ` +
      `table ${r.stream ? 'with' : 'without'} stream):`,
    `  ${'single create POST /Patient'.padEnd(36)} ${ms(r.single.ms).padEnd(17)} DynamoDB: ${r.single.calls}`,
    ...r.transactions.map(
      (t) =>
        `  ${t.name.padEnd(36)} ${ms(t.ms).padEnd(17)} per entry ${t.perEntryP50.toFixed(2)} ms = ` +
        `${t.perEntryVsSingle.toFixed(2)}x a single create; DynamoDB: ${t.calls}`,
    ),
  ];
}

/** `TransactWriteItems x1 (100 items) + GetItem x2`, in first-seen order. */
function describeCalls(sent: ReturnType<CommandRecorder['take']>): string {
  const counts = new Map<string, { calls: number; items: number }>();
  for (const { name, input } of sent) {
    const key = name.replace(/Command$/, '');
    const entry = counts.get(key) ?? { calls: 0, items: 0 };
    entry.calls++;
    entry.items += (input as { TransactItems?: unknown[] }).TransactItems?.length ?? 0;
    counts.set(key, entry);
  }
  return (
    [...counts]
      .map(([name, { calls, items }]) => `${name} x${calls}${items > 0 ? ` (${items} items)` : ''}`)
      .join(' + ') || 'none'
  );
}
