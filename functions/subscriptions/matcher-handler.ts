/** Lambda entry of the subscription matcher (DynamoDB stream of the resource table). */
import { buildSubscriptionDependencies } from './dependencies.ts';
import { createMatcherHandler } from './handlers.ts';

export const handler = createMatcherHandler(buildSubscriptionDependencies());
