// The receipts topic, played locally the way AWS delivers it: the local delivery port appends each receipt it
// would get from AWS's simulators (shared/notify/simulator.ts) to the receipts file, one record per line, as
// End User Messaging's and SES's event destinations publish them to the topic; this poller reads the file's
// new lines and hands each to recordReceipt as the Lambda event of an SNS subscription (one record per
// invocation, the record as the notification's Message), retrying a failed invocation as Lambda retries an
// asynchronous one. Used by `npm start` and the e2e suite (dev/offline.ts) and by the integration tests,
// which drive recordReceipt in-process.
import { startPolling } from './polling.js';
import { randomUUID } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { SNSEvent } from 'aws-lambda';
import { RECEIPT_INVOKE_RETRIES } from '../shared/policy.js';

/** The receipts topic's ARN as the local stage's events name it. */
export const localReceiptsTopicArn = (stage: string) => `arn:aws:sns:local:000000000000:verigate-${stage}-delivery-receipts`;

export interface ReceiptsPollerOptions {
  /** The receipts file (shared/notify/outbox.ts receiptsFileOf). */
  file: string;
  /** The topic the events name (`verigate-<stage>-delivery-receipts`). */
  topicArn: string;
  /** Runs the function with one event, as the topic's subscription invokes it; rejects if it failed. */
  invoke: (event: SNSEvent) => Promise<unknown>;
  /** How often the file is read in the background; 0: only when drain() asks. */
  intervalMs?: number;
  /** Retries of a failed invocation before it is given up (in AWS: the on-failure queue). */
  maximumRetryAttempts?: number;
  onProblem?: (message: string, error?: unknown) => void;
}

export interface ReceiptsPoller {
  /** Hands every receipt written so far to the function and waits for it. */
  drain(): Promise<void>;
  /** Every event handed over so far. */
  events(): SNSEvent[];
  stop(): Promise<void>;
}

/** One receipt as Lambda receives it from an SNS topic subscription. */
export function snsEvent(message: string, topicArn: string, at = new Date()): SNSEvent {
  const subscriptionArn = `${topicArn}:local`;
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        EventSource: 'aws:sns',
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: topicArn,
          Subject: '',
          Message: message,
          Timestamp: at.toISOString(),
          SignatureVersion: '1',
          // A function behind a subscription never checks it: Lambda took the message from SNS itself.
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  };
}

export function startReceiptsPoller(o: ReceiptsPollerOptions): ReceiptsPoller {
  const options = { intervalMs: 100, maximumRetryAttempts: RECEIPT_INVOKE_RETRIES, onProblem: () => {}, ...o };
  const handed: SNSEvent[] = [];
  let offset = 0;
  let partial = '';

  /** The lines appended since the last read (a line still being written waits for its end). */
  async function newLines(): Promise<string[]> {
    const size = await stat(options.file).then(
      (s) => s.size,
      () => 0,
    );
    if (size <= offset) return [];
    const handle = await open(options.file, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      const text = partial + buffer.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      return lines.filter((l) => l.trim() !== '');
    } finally {
      await handle.close();
    }
  }

  async function invoke(event: SNSEvent): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await options.invoke(event);
        return;
      } catch (error) {
        if (attempt >= options.maximumRetryAttempts) {
          options.onProblem(`gave up on a receipt after ${attempt + 1} attempts (in AWS: the on-failure queue)`, error);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.max(options.intervalMs, 50)));
      }
    }
  }

  async function pass(): Promise<void> {
    for (const line of await newLines()) {
      const event = snsEvent(line, options.topicArn);
      handed.push(event);
      await invoke(event);
    }
  }

  const polling = startPolling(pass, {
    intervalMs: options.intervalMs,
    onProblem: options.onProblem,
    failure: 'reading the receipts failed',
  });

  return {
    drain: () => polling.serialized(pass),
    events: () => [...handed],
    async stop() {
      await polling.stop();
    },
  };
}
