// publishLifecycleEvents in this process, fed by the real stream of DynamoDB Local (dev/stream-poller.ts) with
// the patterns its event source mapping has in AWS: what the integration tests use to see which events a
// change leads to. By default its ports are the local ones (the events file and the feedback file beside
// the outbox); a test may give others (the EventBridge and End User Messaging stand-ins).
import { readFileSync, existsSync } from 'node:fs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createPublishLifecycleEventsHandler } from '../../functions/publish-lifecycle-events.js';
import { LIFECYCLE_STREAM_FILTER_PATTERNS } from '../../shared/events/lifecycle-stream.js';
import { eventFilePublisher, eventsFileOf, type EventLine, type EventPublisher } from '../../shared/events/publisher.js';
import { feedbackFile, feedbackFileOf, type MessageFeedback } from '../../shared/notify/feedback.js';
import { startStreamPoller, type StreamPoller } from '../stream-poller.js';
import type { LocalRuntime } from './runtime.js';

export interface LocalLifecycle {
  /** publishLifecycleEvents' handler, as Lambda invokes it with a stream batch. */
  handler: (event: DynamoDBStreamEvent) => Promise<unknown>;
  poller: StreamPoller;
  /** Hands every record written so far to the function and waits for it. */
  drain(): Promise<void>;
  /** The events the local port wrote, oldest first. */
  events(): EventLine[];
  /** The message ids the local port reported received. */
  feedback(): string[];
  stop(): Promise<void>;
}

export interface LocalLifecycleOptions {
  publisher?: EventPublisher;
  feedback?: MessageFeedback;
  /** Background polling every so many ms; 0 (default): only on drain(). */
  intervalMs?: number;
  onProblem?: (message: string, error?: unknown) => void;
}

const jsonLines = <T>(file: string): T[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T)
    : [];

/** The events in a local events file (shared/events/publisher.ts eventsFileOf), oldest first. */
export const readEvents = (file: string): EventLine[] => jsonLines<EventLine>(file);

export function startLocalLifecycle(local: Pick<LocalRuntime, 'config' | 'outboxPath'>, o: LocalLifecycleOptions = {}): LocalLifecycle {
  const eventsFile = eventsFileOf(local.outboxPath);
  const feedbackPath = feedbackFileOf(local.outboxPath);
  const lambda = createPublishLifecycleEventsHandler({
    publisher: o.publisher ?? eventFilePublisher(eventsFile, () => {}),
    feedback: o.feedback ?? feedbackFile(feedbackPath),
  });
  const handler = (event: DynamoDBStreamEvent) => lambda(event);
  const poller = startStreamPoller({
    endpoint: local.config.dynamodbEndpoint!,
    tableName: local.config.tableName,
    invoke: handler,
    filterPatterns: LIFECYCLE_STREAM_FILTER_PATTERNS,
    batchSize: 100,
    intervalMs: o.intervalMs ?? 0,
    ...(o.onProblem ? { onProblem: o.onProblem } : {}),
  });
  return {
    handler,
    poller,
    drain: () => poller.drain(),
    events: () => readEvents(eventsFile),
    feedback: () => jsonLines<{ messageId: string }>(feedbackPath).map((f) => f.messageId),
    stop: () => poller.stop(),
  };
}
