/**
 * For the benches that also run alone (`npx tsx tests/bench/<name>.ts`): settings from the
 * environment, whether a module is the script started, and a DynamoDB Local of its own.
 */
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';

/** The positive whole number in environment variable `name`, else `fallback`. */
export function intFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Whether the module at `moduleUrl` (its `import.meta.url`) is the script node was started with. */
export const isMain = (moduleUrl: string): boolean => moduleUrl === `file://${process.argv[1]}`;

/** Runs `bench` against a DynamoDB Local started for it, and stops that DynamoDB Local after, however `bench` ends. */
export async function withDynamoDbLocal(bench: (endpoint: string) => Promise<void>): Promise<void> {
  const local = await startDynamoDbLocal();
  try {
    await bench(local.endpoint);
  } finally {
    await local.stop();
  }
}
