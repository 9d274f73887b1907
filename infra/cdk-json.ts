import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The `context` of the repository's `cdk.json`, as the CDK CLI would pass it. */
export function cdkJsonContext(): Record<string, unknown> {
  const path = fileURLToPath(new URL('../cdk.json', import.meta.url));
  const cdkJson = JSON.parse(readFileSync(path, 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}
