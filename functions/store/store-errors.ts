/**
 * Turns DynamoDB faults into outcomes. Throttling, timeouts and an unreachable
 * endpoint are transient: the request did nothing, and the client may retry (503).
 */
import { OperationOutcomeError, serverError, unavailable } from '../core/outcomes.ts';

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TransactionInProgressException',
  'TransactionCanceledException',
]);

const TRANSIENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function storeFault(err: unknown): OperationOutcomeError {
  if (err instanceof OperationOutcomeError) return err;
  const e = err as { name?: string; code?: string; $retryable?: unknown };
  if (
    (e.name && TRANSIENT_NAMES.has(e.name)) ||
    (e.code && TRANSIENT_NETWORK_CODES.has(e.code)) ||
    e.$retryable
  ) {
    return new OperationOutcomeError(unavailable(`The data store is unavailable (${e.name ?? e.code}); retry later`));
  }
  console.error('Unexpected data store error', err);
  return new OperationOutcomeError(serverError());
}
