import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { readEventBusName } from '../shared/config.js';
import { lifecycleChangeOf, type LifecycleChange, type StreamChange } from '../shared/events/lifecycle.js';
import { eventBridgePublisher, eventFilePublisher, eventsFileOf, type EventPublisher } from '../shared/events/publisher.js';
import { lambdaEntry } from '../shared/middleware/operation-state.js';
import { feedbackFile, feedbackFileOf, smsVoiceFeedback, type MessageFeedback } from '../shared/notify/feedback.js';
import { countFunnel, countMetric, logger, metrics } from '../shared/observability.js';
import { EVENTS_FUNCTION_TIMEOUT_MS } from '../shared/policy.js';
import { loadCoreRuntime, type LoadOptions } from '../shared/runtime.js';

/**
 * publishLifecycleEvents' parts: no secret and no table access (what it publishes is in the stream's
 * images). With the aws notifier, PutEvents to the stage's bus and PutMessageFeedback to End User
 * Messaging; locally, like the outbox, the events file and the feedback file beside it.
 */
export async function loadPublishLifecycleEventsRuntime(options?: LoadOptions) {
  const core = await loadCoreRuntime('publishLifecycleEvents', options);
  const n = core.config.notifier;
  const ports: { publisher: EventPublisher; feedback: MessageFeedback } =
    n.kind === 'aws'
      ? {
          publisher: eventBridgePublisher({ region: core.config.region, busName: readEventBusName(options?.env ?? process.env) }),
          feedback: smsVoiceFeedback({ region: core.config.region }),
        }
      : { publisher: eventFilePublisher(eventsFileOf(n.path)), feedback: feedbackFile(feedbackFileOf(n.path)) };
  return { ...core, ...ports };
}
export type PublishLifecycleEventsRuntime = Awaited<ReturnType<typeof loadPublishLifecycleEventsRuntime>>;

/** A stream record as the write it reports; throws when its images cannot be read. */
function streamChange(record: DynamoDBRecord): StreamChange {
  const image = (i: unknown) => (i ? unmarshall(i as Record<string, AttributeValue>) : undefined);
  return {
    eventId: record.eventID ?? record.dynamodb?.SequenceNumber ?? '',
    eventName: record.eventName,
    pk: String(record.dynamodb?.Keys?.pk?.S ?? ''),
    oldImage: image(record.dynamodb?.OldImage),
    newImage: image(record.dynamodb?.NewImage),
  };
}

/**
 * The consumer of the table's stream that tells the world what happened to codes (docs/architecture.md
 * "Lifecycle events"), filtered (shared/events/lifecycle-stream.ts) to the writes an event can follow from.
 * A batch's events are put together (PUT_EVENTS_MAX_ENTRIES a call); a record whose event could not be
 * published is handed back to the stream in batchItemFailures, which redelivers it, and every record after
 * it, until its retries run out (then the on-failure queue describes them). So an event may be published
 * twice, never lost while the stream keeps it: a consumer dedups on `detail.eventId`. Once a verified
 * code's event is out and no record before it is handed back, End User Messaging is told its message was
 * received and the code is counted per channel and country: once, however often the stream redelivers.
 */
export function createPublishLifecycleEventsHandler(rt: Pick<PublishLifecycleEventsRuntime, 'publisher' | 'feedback'>) {
  const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      logger.appendKeys({ operation: 'publishLifecycleEvents' });
      const found: Array<{ record: DynamoDBRecord; change: LifecycleChange }> = [];
      for (const record of event.Records ?? []) {
        let change: LifecycleChange | undefined;
        try {
          change = lifecycleChangeOf(streamChange(record));
        } catch (err) {
          // Nothing redelivery could change.
          logger.error('stream record unreadable; skipped', {
            eventID: record.eventID,
            error: err instanceof Error ? err.message : String(err),
          });
        }
        if (change) found.push({ record, change });
      }
      const failed = await rt.publisher.publish(found.map((f) => f.change.event));
      const published = found.filter((_, i) => !failed.has(i));
      if (published.length) countMetric('LifecycleEventsPublished', published.length);
      if (failed.size) countMetric('LifecycleEventsFailed', failed.size);
      // Lambda hands the batch back from its first failed record on, published ones after it included: those
      // are counted and reported when they come again, so a redelivery counts no code twice.
      const firstFailed = failed.size > 0 ? Math.min(...failed) : found.length;
      await Promise.all(
        found.slice(0, firstFailed).map(async ({ change }) => {
          if (change.verified) countFunnel('CodesVerified', change.verified.channel, change.verified.country, { total: false });
          if (change.feedback && (await rt.feedback.received(change.feedback.messageId)) === 'failed')
            countMetric('MessageFeedbackFailures');
        }),
      );
      for (const { change } of published)
        logger.info('lifecycle event published', { detailType: change.event.detailType, eventId: change.event.detail.eventId });
      return {
        batchItemFailures: found
          .filter((_, i) => failed.has(i))
          .map(({ record }) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' })),
      };
    });
  return lambdaEntry(handler, EVENTS_FUNCTION_TIMEOUT_MS);
}

export const handler = createPublishLifecycleEventsHandler(await loadPublishLifecycleEventsRuntime());
