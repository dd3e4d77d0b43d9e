// deliverCode in this process, fed by the real stream of DynamoDB Local (dev/stream-poller.ts): what the
// integration tests and the bench use to see a send's message arrive as it would in AWS.
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createDeliverCodeHandler } from '../../functions/deliver-code.js';
import { compileMessages } from '../../shared/messages/catalog.js';
import type { Notifier } from '../../shared/notify/notifier.js';
import { outboxNotifier } from '../../shared/notify/outbox.js';
import type { Runtime } from '../../shared/runtime.js';
import { startStreamPoller, type StreamPoller } from '../stream-poller.js';
import { ownRuntime, type LocalRuntime } from './runtime.js';

export interface LocalDelivery {
  /** deliverCode's handler, as Lambda invokes it with a stream batch. */
  handler: (event: DynamoDBStreamEvent) => Promise<unknown>;
  poller: StreamPoller;
  /** deliverCode's own runtime: its DynamoDB client is not the send's (tests count each one's calls). */
  rt: Runtime;
  /** Hands every record written so far to deliverCode and waits for it. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalDeliveryOptions {
  /** The notifier deliverCode sends through; by default the runtime's outbox file, quietly. */
  notifier?: Notifier | ((outbox: Notifier) => Notifier);
  /** Background polling every so many ms; 0 (default): only on drain(). */
  intervalMs?: number;
  onProblem?: (message: string, error?: unknown) => void;
}

export function startLocalDelivery(local: Pick<LocalRuntime, 'config' | 'rt' | 'outboxPath'>, o: LocalDeliveryOptions = {}): LocalDelivery {
  const { config } = local;
  const rt = ownRuntime(local);
  const quietOutbox = outboxNotifier(local.outboxPath, compileMessages(config), () => {});
  const notifier = typeof o.notifier === 'function' ? o.notifier(quietOutbox) : (o.notifier ?? quietOutbox);
  const lambda = createDeliverCodeHandler(rt, notifier);
  const handler = (event: DynamoDBStreamEvent) => lambda(event);
  const poller = startStreamPoller({
    endpoint: config.dynamodbEndpoint!,
    tableName: config.tableName,
    invoke: handler,
    intervalMs: o.intervalMs ?? 0,
    ...(o.onProblem ? { onProblem: o.onProblem } : {}),
  });
  return { handler, poller, rt, drain: () => poller.drain(), stop: () => poller.stop() };
}
