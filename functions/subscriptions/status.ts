/**
 * Server-side changes of a Subscription's status (`requested` → `active` after the
 * handshake or at once for a classic subscription; → `error` after the last failed
 * attempt). Each is an ordinary update of the resource (a new version, so clients see it
 * and the matcher re-files the subscription), made only while the subscription is still
 * in the state that justified it, and with If-Match so it never overwrites a client's
 * concurrent edit.
 */
import type { Subscription } from '@medplum/fhirtypes';
import type { FhirContext } from '../core/context.ts';
import { updateResource } from '../core/crud.ts';
import { OperationOutcomeError } from '../core/outcomes.ts';
import type { SubscriptionStatusCode } from './subscription-model.ts';

const ATTEMPTS = 4;

export interface StatusChange {
  to: SubscriptionStatusCode;
  /** The change applies only while the status is one of these. */
  from: readonly SubscriptionStatusCode[];
  /** ...and, when given, only to this version. */
  version?: number;
  /** `Subscription.error`; cleared when absent. */
  error?: string;
}

/** Applies the change; returns whether it did (false: the subscription moved on). */
export async function setSubscriptionStatus(ctx: FhirContext, id: string, change: StatusChange): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.store.readCurrent('Subscription', id);
    const subscription = current?.resource as Subscription | undefined;
    if (!current || current.operation === 'delete' || !subscription) return false;
    if (!change.from.includes(subscription.status as SubscriptionStatusCode)) return false;
    if (change.version !== undefined && current.version !== change.version) return false;
    const { error: _previousError, ...rest } = subscription;
    const next: Subscription = { ...rest, status: change.to, ...(change.error ? { error: change.error.slice(0, 1000) } : {}) };
    try {
      await updateResource(ctx, 'Subscription', id, next, current.version);
      return true;
    } catch (err) {
      const preconditionFailed = err instanceof OperationOutcomeError && err.outcome.id === 'precondition-failed';
      if (!preconditionFailed || attempt >= ATTEMPTS) throw err;
    }
  }
}
