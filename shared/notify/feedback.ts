import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PinpointSMSVoiceV2Client, PutMessageFeedbackCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { logger } from '../observability.js';
import { callSignal, singleAttemptClient, worthAnotherCall, type AwsClientOptions } from '../aws-call.js';
import { EVENTS_CALL_MS, EVENTS_TIMEOUT_MS, MESSAGE_FEEDBACK_RETRY } from '../policy.js';
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

/** Setting the same status again changes nothing: a call without an answer may be made again. */
export type SmsVoiceFeedbackOptions = AwsClientOptions;

/** PutMessageFeedback RECEIVED, each call bounded like a PutEvents call, retried within MESSAGE_FEEDBACK_RETRY and the budget. */
export function smsVoiceFeedback(o: SmsVoiceFeedbackOptions): MessageFeedback {
  let client: PinpointSMSVoiceV2Client | undefined;
  const eum = () => (client ??= new PinpointSMSVoiceV2Client(singleAttemptClient(o, EVENTS_TIMEOUT_MS)));
  return {
    async received(messageId) {
      try {
        await retry(
          MESSAGE_FEEDBACK_RETRY,
          () =>
            eum().send(new PutMessageFeedbackCommand({ MessageId: messageId, MessageFeedbackStatus: 'RECEIVED' }), {
              abortSignal: callSignal(EVENTS_CALL_MS),
            }),
          { retryable: worthAnotherCall, attemptMs: EVENTS_CALL_MS },
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
