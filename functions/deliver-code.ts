import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { deliverCode, type DeliverCodeDeps } from '../shared/domain/deliver-code.js';
import { readProviderSettings } from '../shared/config.js';
import { compileMessages } from '../shared/messages/catalog.js';
import { lambdaEntry } from '../shared/middleware/operation-state.js';
import type { Notifier } from '../shared/notify/notifier.js';
import { notifierFor } from '../shared/notify/select.js';
import { logger, metrics } from '../shared/observability.js';
import { DELIVER_FUNCTION_TIMEOUT_MS } from '../shared/policy.js';
import { codeSendsOf, deliveryRequestsOf, loadCoreRuntime, suppressionsOf, type LoadOptions } from '../shared/runtime.js';
import { DeliveryRequestUnreadable } from '../shared/store/delivery-requests.js';

/**
 * deliverCode's parts, from its own secret (the delivery request key the delivery requests are sealed under),
 * the stage's messages and, with the aws notifier, its End User Messaging and SES settings, all checked here
 * at cold start (a ConfigError names every problem).
 */
export async function loadDeliverCodeRuntime(options?: LoadOptions) {
  const core = await loadCoreRuntime('deliverCode', options);
  const deliveryRequests = deliveryRequestsOf(core);
  const messages = compileMessages(core.config);
  const providers = core.config.notifier.kind === 'aws' ? readProviderSettings(options?.env ?? process.env, core.config.sms) : undefined;
  return { ...core, deliveryRequests, sends: codeSendsOf(core, deliveryRequests), suppressions: suppressionsOf(core), messages, providers };
}
export type DeliverCodeRuntime = Awaited<ReturnType<typeof loadDeliverCodeRuntime>>;

/**
 * The consumer of the table's stream, filtered (shared/channels.ts DELIVERY_STREAM_FILTER_PATTERNS) to
 * inserted delivery requests of a channel: each record is one delivery (shared/domain/deliver-code.ts), the records of a batch
 * independent. A record that failed for a reason redelivery may fix (DynamoDB, a claim still held) is
 * reported in batchItemFailures; the stream retries it, then hands it to the on-failure queue.
 */
export function createDeliverCodeHandler(
  rt: Omit<DeliverCodeRuntime, 'messages' | 'providers'> & Partial<Pick<DeliverCodeRuntime, 'messages' | 'providers'>>,
  notifier: Notifier = notifierFor(rt.config, rt.messages ?? compileMessages(rt.config), rt.providers),
) {
  const deps: DeliverCodeDeps = {
    deliveryRequests: rt.deliveryRequests,
    sends: rt.sends,
    suppressions: rt.suppressions,
    notifier,
    clock: rt.clock,
  };
  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  async function handleRecord(record: DynamoDBRecord): Promise<void> {
    const image = record.dynamodb?.NewImage;
    let delivery;
    try {
      if (!image) throw new DeliveryRequestUnreadable('record without a new image');
      delivery = rt.deliveryRequests.fromImage(unmarshall(image as Record<string, AttributeValue>));
    } catch (err) {
      // Nothing redelivery could change: the stream's filter let through what is not a delivery request.
      logger.error('stream record is not a delivery request; skipped', {
        eventID: record.eventID,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    const result = await deliverCode(deps, delivery, record.eventID ?? delivery.sendId);
    logger.info('delivery handled', { result, channel: delivery.channel, sendRequestId: delivery.sendRequestId });
  }

  const handler = middy<DynamoDBStreamEvent, unknown, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event, context) => {
      logger.appendKeys({ operation: 'deliverCode' });
      return processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
    });
  return lambdaEntry(handler, DELIVER_FUNCTION_TIMEOUT_MS);
}

export const handler = createDeliverCodeHandler(await loadDeliverCodeRuntime());
