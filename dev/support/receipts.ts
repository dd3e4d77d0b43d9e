// recordReceipt in this process, fed by the local delivery port's receipts file (dev/receipts-poller.ts) as the
// receipts topic would feed it in AWS: what the integration tests use to see a delivery's receipt settle it.
import type { SNSEvent } from 'aws-lambda';
import { createRecordReceiptHandler } from '../../functions/record-receipt.js';
import { receiptsFileOf } from '../../shared/notify/outbox.js';
import type { Runtime } from '../../shared/runtime.js';
import { localReceiptsTopicArn, startReceiptsPoller, type ReceiptsPoller } from '../receipts-poller.js';
import { ownRuntime, type LocalRuntime } from './runtime.js';

export interface LocalReceipts {
  /** recordReceipt's handler, as the topic's subscription invokes it. */
  handler: (event: SNSEvent) => Promise<unknown>;
  poller: ReceiptsPoller;
  /** recordReceipt's own runtime (its own DynamoDB client, as in its own Lambda). */
  rt: Runtime;
  /** Hands every receipt the port wrote so far to recordReceipt and waits for it. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export function startLocalReceipts(
  local: Pick<LocalRuntime, 'config' | 'rt' | 'outboxPath'>,
  o: { intervalMs?: number; onProblem?: (message: string, error?: unknown) => void } = {},
): LocalReceipts {
  const { config } = local;
  const rt = ownRuntime(local);
  const lambda = createRecordReceiptHandler(rt);
  const handler = (event: SNSEvent) => lambda(event);
  const poller = startReceiptsPoller({
    file: receiptsFileOf(local.outboxPath),
    topicArn: localReceiptsTopicArn(config.stage),
    invoke: handler,
    intervalMs: o.intervalMs ?? 0,
    ...(o.onProblem ? { onProblem: o.onProblem } : {}),
  });
  return { handler, poller, rt, drain: () => poller.drain(), stop: () => poller.stop() };
}
