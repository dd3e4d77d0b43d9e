import { randomUUID } from 'node:crypto';
import { logger, metrics } from '../observability.js';
import type { AuditLog } from '../store/audit.js';

/**
 * registerCustomer / deregisterCustomer take events three ways: a direct invocation (the payload
 * itself), an SQS batch (each body a payload or an EventBridge envelope), or an EventBridge event
 * (payload in `detail`). Each message is one request with one audit record.
 */
export interface EventOutcome {
  outcome: string;
  result: Record<string, unknown>;
}

export type ProcessMessage = (payload: unknown, now: Date) => Promise<EventOutcome>;

/** Errors that redelivery cannot fix (bad payload, identity taken): reported, never retried. */
export type IsPermanent = (err: unknown) => err is Error;

interface SqsRecord {
  messageId: string;
  body: string;
  eventSource?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSqsBatch = (e: unknown): e is { Records: SqsRecord[] } =>
  isObject(e) && Array.isArray(e.Records) && e.Records.every((r) => isObject(r) && r.eventSource === 'aws:sqs');
const isEventBridge = (e: unknown): e is { id?: string; detail: unknown } => isObject(e) && 'detail-type' in e && 'detail' in e;

function unwrap(payload: unknown): unknown {
  return isEventBridge(payload) ? payload.detail : payload;
}

export interface EventSpec {
  operation: string;
  process: ProcessMessage;
  isPermanent: IsPermanent;
  audit: () => AuditLog;
  clock: () => Date;
  /** The subject of a payload for the audit record, whether processing succeeds, refuses or fails. */
  subjectOf?: (payload: unknown) => { hash: string; masked: string } | undefined;
}

export function eventHandler(spec: EventSpec) {
  async function handleOne(
    payload: unknown,
    requestId: string,
    caller: string,
  ): Promise<{ ok: true; result: Record<string, unknown> } | { ok: false; error: Error; permanent: boolean }> {
    const started = performance.now();
    const now = spec.clock();
    const unwrapped = unwrap(payload);
    let outcome: EventOutcome | undefined;
    let failure: Error | undefined;
    try {
      outcome = await spec.process(unwrapped, now);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    const permanent = failure !== undefined && spec.isPermanent(failure);
    const subject = spec.subjectOf?.(unwrapped);
    const code = outcome?.outcome ?? (permanent ? failure!.name : 'Error');
    if (failure && !permanent) logger.error('event failed', { requestId, error: { name: failure.name, message: failure.message } });
    else if (failure) logger.warn('event refused', { requestId, code, reason: failure.message });
    // The record is written before the answer: a lost audit write fails the message, whose
    // redelivery is answered idempotently and audited then.
    await spec.audit().write({
      requestId,
      operation: spec.operation,
      caller,
      outcome: code,
      status: failure ? (permanent ? 400 : 500) : 200,
      subjectHash: subject?.hash,
      subjectMasked: subject?.masked,
      at: now,
      latencyMs: Math.round(performance.now() - started),
      detail: failure && permanent ? { reason: failure.message.slice(0, 200) } : undefined,
    });
    return failure ? { ok: false, error: failure, permanent } : { ok: true, result: outcome!.result };
  }

  return async (event: unknown): Promise<unknown> => {
    try {
      if (isSqsBatch(event)) {
        const batchItemFailures: Array<{ itemIdentifier: string }> = [];
        // Messages of a batch are independent; one failing does not hold back the others.
        await Promise.all(
          event.Records.map(async (record) => {
            let payload: unknown;
            try {
              payload = JSON.parse(record.body);
            } catch {
              payload = record.body;
            }
            try {
              const r = await handleOne(payload, record.messageId, 'event:sqs');
              if (!r.ok && !r.permanent) batchItemFailures.push({ itemIdentifier: record.messageId });
            } catch {
              batchItemFailures.push({ itemIdentifier: record.messageId });
            }
          }),
        );
        return { batchItemFailures };
      }
      const fromEventBridge = isEventBridge(event);
      const requestId = fromEventBridge && typeof event.id === 'string' ? event.id : randomUUID();
      const r = await handleOne(event, requestId, fromEventBridge ? 'event:eventbridge' : 'direct');
      if (r.ok) return r.result;
      // EventBridge retries a thrown error; a permanent refusal is recorded and not retried.
      if (fromEventBridge && r.permanent) return { error: r.error.name, message: r.error.message };
      throw r.error;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
