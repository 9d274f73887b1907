/** Lambda entry of the heartbeat scheduler (EventBridge schedule, every minute). */
import { buildSubscriptionDependencies } from './dependencies.ts';
import { createHeartbeatHandler } from './handlers.ts';

export const handler = createHeartbeatHandler(buildSubscriptionDependencies());
