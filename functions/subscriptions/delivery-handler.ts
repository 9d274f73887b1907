/** Lambda entry of notification delivery (SQS delivery queue). */
import { buildSubscriptionDependencies } from './dependencies.ts';
import { createDeliveryHandler } from './handlers.ts';

export const handler = createDeliveryHandler(buildSubscriptionDependencies());
