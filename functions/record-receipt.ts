import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SNSEvent } from 'aws-lambda';
import { recordReceipt, type RecordReceiptDeps } from '../shared/domain/record-receipt.js';
import { lambdaEntry } from '../shared/middleware/operation-state.js';
import { logger, metrics } from '../shared/observability.js';
import { codeSendsOf, loadCoreRuntime, receiptedDeliveryRequestsOf, suppressionsOf, type LoadOptions } from '../shared/runtime.js';

/** recordReceipt's parts: no secret (a receipt names its delivery request by id, and the request holds the keyed hashes). */
export async function loadRecordReceiptRuntime(options?: LoadOptions) {
  const core = await loadCoreRuntime('recordReceipt', options);
  const deliveryRequests = receiptedDeliveryRequestsOf(core);
  return { ...core, deliveryRequests, sends: codeSendsOf(core, deliveryRequests), suppressions: suppressionsOf(core) };
}
export type RecordReceiptRuntime = Awaited<ReturnType<typeof loadRecordReceiptRuntime>>;

/** An SNS message's body: the provider's event record as JSON (anything else is no receipt, and skipped). */
function parseMessage(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * The receipts topic's subscriber (docs/architecture.md "Receipts"): End User Messaging's and SES's
 * configuration sets publish each event record to the topic, which invokes this function with it (one
 * record per invocation, asynchronously). A record that fails (DynamoDB) fails the invocation: Lambda
 * retries it, then hands it to the receipts' on-failure queue; recording is idempotent, so a retry
 * changes nothing that was recorded.
 */
export function createRecordReceiptHandler(rt: Pick<RecordReceiptRuntime, 'deliveryRequests' | 'sends' | 'suppressions' | 'clock'>) {
  const deps: RecordReceiptDeps = {
    deliveryRequests: rt.deliveryRequests,
    sends: rt.sends,
    suppressions: rt.suppressions,
    clock: rt.clock,
  };
  const handler = middy<SNSEvent, void, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      logger.appendKeys({ operation: 'recordReceipt' });
      for (const record of event.Records ?? []) {
        const sns = record.Sns;
        const result = await recordReceipt(deps, parseMessage(sns?.Message ?? ''), sns?.MessageId ?? '');
        logger.info('receipt handled', { result, snsMessageId: sns?.MessageId });
      }
    });
  return lambdaEntry(handler);
}

export const handler = createRecordReceiptHandler(await loadRecordReceiptRuntime());
