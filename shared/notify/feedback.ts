import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PinpointSMSVoiceV2Client, PutMessageFeedbackCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { AwsCredentialIdentity } from '@smithy/types';
import { budgetSignal } from '../deadline.js';
import { logger } from '../observability.js';
import { EVENTS_CALL_MS, EVENTS_TIMEOUT_MS, MESSAGE_FEEDBACK_RETRY, SECOND_MS } from '../policy.js';
import { retry } from '../retry.js';

/**
 * Conversion feedback (End User Messaging's message feedback): a code sent by SMS or voice with
 * MessageFeedbackEnabled is reported RECEIVED once a verify consumed it, which feeds End User Messaging's
 * own conversion metrics (AWS/SMSVoice NumberOfTextMessagesWithFeedback); a message not reported within an
 * hour counts as FAILED there. In AWS PutMessageFeedback, locally a line in the feedback file beside the outbox.
 */
export interface MessageFeedback {
  /** Reports the message received; never rejects. */
  received(messageId: string): Promise<FeedbackResult>;
}

/** `reported`; `unknown_message`: End User Messaging has no such message (ResourceNotFoundException); `failed`: not reported. */
export type FeedbackResult = 'reported' | 'unknown_message' | 'failed';

/** Where the local port writes the feedback: beside the outbox (`.data/message-feedback.jsonl`). */
export const feedbackFileOf = (outboxFile: string): string => path.join(path.dirname(path.resolve(outboxFile)), 'message-feedback.jsonl');

/** No answer, throttling, or the service's own fault: worth another try (setting the same status twice is harmless). */
function retryable(err: unknown): boolean {
  const e = err as { name?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return status === undefined || status >= 500 || e.$fault === 'server' || e.$retryable !== undefined || /Throttl/.test(e.name ?? '');
}

export interface SmsVoiceFeedbackOptions {
  region: string;
  /** A stand-in's endpoint and credentials (tests); AWS's and the function's own when undefined. */
  endpoint?: string | undefined;
  credentials?: AwsCredentialIdentity | undefined;
}

/** PutMessageFeedback RECEIVED, each call bounded like a PutEvents call, retried within MESSAGE_FEEDBACK_RETRY and the budget. */
export function smsVoiceFeedback(o: SmsVoiceFeedbackOptions): MessageFeedback {
  let client: PinpointSMSVoiceV2Client | undefined;
  const eum = () =>
    (client ??= new PinpointSMSVoiceV2Client({
      region: o.region,
      maxAttempts: 1,
      requestHandler: { requestTimeout: EVENTS_TIMEOUT_MS, connectionTimeout: SECOND_MS, throwOnRequestTimeout: true },
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
    }));
  return {
    async received(messageId) {
      try {
        await retry(
          MESSAGE_FEEDBACK_RETRY,
          () => {
            const call = AbortSignal.timeout(EVENTS_CALL_MS);
            const budget = budgetSignal();
            return eum().send(new PutMessageFeedbackCommand({ MessageId: messageId, MessageFeedbackStatus: 'RECEIVED' }), {
              abortSignal: budget ? AbortSignal.any([budget, call]) : call,
            });
          },
          { retryable, attemptMs: EVENTS_CALL_MS },
        );
        return 'reported';
      } catch (err) {
        const name = err instanceof Error ? err.name : String(err);
        if (name === 'ResourceNotFoundException') {
          logger.warn('message feedback: End User Messaging has no such message', { messageId });
          return 'unknown_message';
        }
        logger.error('message feedback not reported', { messageId, error: name });
        return 'failed';
      }
    },
  };
}

/** The local port: one JSON line per report (`messageId`, `status`, `at`) in the feedback file. */
export function feedbackFile(file: string): MessageFeedback {
  let dirReady: Promise<unknown> | undefined;
  return {
    async received(messageId) {
      try {
        dirReady ??= mkdir(path.dirname(path.resolve(file)), { recursive: true });
        await dirReady;
        const line = JSON.stringify({ messageId, status: 'RECEIVED', at: new Date().toISOString() });
        await appendFile(file, `${line}\n`, { encoding: 'utf8', flag: 'a' });
        return 'reported';
      } catch (err) {
        logger.error('message feedback not written', { file, error: err instanceof Error ? err.name : String(err) });
        return 'failed';
      }
    },
  };
}
