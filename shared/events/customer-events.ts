import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSRecord } from 'aws-lambda';
import { RequestAudit, type AuditSink } from '../audit/request-audit.js';
import type { Settings } from '../config.js';
import { EVENT_CODES, type EventCode } from '../errors.js';
import { inAnswerPhase } from '../deadline.js';
import { logUnstoredAudit } from '../middleware/audit-trail.js';
import { OperationError } from '../middleware/family-response.js';
import { lambdaEntry, type LambdaHandler } from '../middleware/operation-state.js';
import { logger, metrics } from '../observability.js';
import type { OperationName } from '../operations.js';
import { FUNCTION_TIMEOUT_MS } from '../policy.js';
import type { OperationContext } from '../request/operation-context.js';

/**
 * registerCustomer / deregisterCustomer take events three ways: a direct invocation (the payload
 * itself), an SQS batch (each body a payload or an EventBridge envelope), or an EventBridge event
 * (payload in `detail`). Each message is one request with one audit record.
 */
export interface EventOutcome {
  code: EventCode;
  result: Record<string, unknown>;
}

export interface CustomerEventSpec {
  operation: Extract<OperationName, 'registerCustomer' | 'deregisterCustomer'>;
  process(payload: unknown, ctx: OperationContext): Promise<EventOutcome>;
  /** The code of an error that redelivery cannot fix (bad payload, identity taken); undefined: retry it. */
  refusalCode(err: unknown): EventCode | undefined;
}

export interface CustomerEventDeps {
  audit: AuditSink;
  clock: () => Date;
  /** `requestBudgetMs`: the most one invocation may take (shared/policy.ts REQUEST_BUDGET_MS). */
  config: Pick<Settings, 'requestBudgetMs'>;
}

type Handled = { ok: true; result: Record<string, unknown> } | { ok: false; error: Error; refused: boolean };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSqsBatch = (e: unknown): e is { Records: SQSRecord[] } =>
  isObject(e) && Array.isArray(e.Records) && e.Records.every((r) => isObject(r) && r.eventSource === 'aws:sqs');
const isEventBridge = (e: unknown): e is { id?: string; detail: unknown } => isObject(e) && 'detail-type' in e && 'detail' in e;
const unwrap = (payload: unknown): unknown => (isEventBridge(payload) ? payload.detail : payload);

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body; // refused by the domain's validation, audited as an invalid event
  }
}

export function customerEventHandler(spec: CustomerEventSpec, deps: CustomerEventDeps): LambdaHandler {
  /** One message: processed, audited (with the state change where the store commits it), never thrown. */
  async function handleOne(payload: unknown, requestId: string, caller: string): Promise<Handled> {
    const now = deps.clock();
    const audit = new RequestAudit({ requestId, operation: spec.operation, caller, at: now });
    let outcome: EventOutcome | undefined;
    let failure: Error | undefined;
    try {
      outcome = await spec.process(unwrap(payload), { requestId, now, audit });
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    const refusal = failure && spec.refusalCode(failure);
    const code: EventCode = outcome?.code ?? refusal ?? 'CUS.0999';
    if (failure && !refusal) logger.error('event failed', { requestId, error: { name: failure.name, message: failure.message } });
    else if (failure) logger.warn('event refused', { requestId, code, reason: failure.message });
    // The record is written before the answer: a lost audit write (logged instead) fails the message,
    // whose redelivery is answered idempotently and audited then.
    const detail = refusal ? { error: failure!.name, reason: failure!.message.slice(0, 200) } : undefined;
    try {
      await inAnswerPhase(() => audit.finish(deps.audit, code, EVENT_CODES[code].status, detail));
    } catch (err) {
      logUnstoredAudit(err);
      return { ok: false, error: failure ?? (err instanceof Error ? err : new Error(String(err))), refused: false };
    }
    if (!failure) return { ok: true, result: outcome!.result };
    return { ok: false, error: failure, refused: refusal !== undefined };
  }

  const processor = new BatchProcessor(EventType.SQS);

  const handler = middy<unknown, unknown, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event, context) => {
      logger.appendKeys({ operation: spec.operation });
      if (isSqsBatch(event)) {
        // Messages of a batch are independent; a refused one is audited and not retried, a failed
        // one is reported in batchItemFailures for SQS to redeliver.
        return processPartialResponse(
          event,
          async (record: SQSRecord) => {
            const handled = await handleOne(parseBody(record.body), record.messageId, 'event:sqs');
            if (!handled.ok && !handled.refused) throw handled.error;
          },
          processor,
          { context, throwOnFullBatchFailure: false },
        );
      }
      const fromEventBridge = isEventBridge(event);
      const requestId = fromEventBridge && typeof event.id === 'string' ? event.id : (context?.awsRequestId ?? randomUUID());
      const handled = await handleOne(event, requestId, fromEventBridge ? 'event:eventbridge' : 'direct');
      if (handled.ok) return handled.result;
      // EventBridge retries a thrown error; a refusal is recorded and not retried.
      if (fromEventBridge && handled.refused) return { error: handled.error.name, message: handled.error.message };
      // A direct caller gets an error named by what went wrong: the refusal's own name, or the code.
      if (handled.refused) throw handled.error;
      throw new OperationError('CUS.0999', 'The event could not be processed; retry it.', {});
    });
  return lambdaEntry(handler, FUNCTION_TIMEOUT_MS, deps.config.requestBudgetMs);
}
