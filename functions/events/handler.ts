/**
 * Lambda entry of the change-event publisher: a DynamoDB stream event source with
 * `ReportBatchItemFailures` (see `infra/constructs/event-path.ts`). The configuration
 * and the EventBridge client are built once, when the container starts.
 */
import { buildPublisherOptions } from './dependencies.ts';
import { createPublishChangesHandler } from './publish-changes.ts';

export const handler = createPublishChangesHandler(buildPublisherOptions());
