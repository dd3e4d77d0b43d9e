import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { logger } from '../observability.js';
import { EVENTS_CALL_MS, EVENTS_RETRY, EVENTS_TIMEOUT_MS, PUT_EVENTS_MAX_ENTRIES } from '../policy.js';
import { retry } from '../retry.js';
import { callSignal, singleAttemptClient, worthAnotherCall, type AwsClientOptions } from '../aws-call.js';
import { LIFECYCLE_EVENT_SOURCE, type LifecycleEvent } from './lifecycle.js';

/**
 * The lifecycle events' port: in AWS PutEvents to the stage's bus, locally one JSON line per event in the
 * events file beside the outbox. `publish` resolves with the positions of the events that could not be
 * published (their stream records are handed back to the stream); it never rejects.
 */
export interface EventPublisher {
  publish(events: readonly LifecycleEvent[]): Promise<ReadonlySet<number>>;
}

/** Where the local port writes the events: beside the outbox (`.data/events.jsonl`). */
export const eventsFileOf = (outboxFile: string): string => path.join(path.dirname(path.resolve(outboxFile)), 'events.jsonl');

/** An event as the events file holds it: what EventBridge's envelope would say of it. */
export interface EventLine {
  time: string;
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
}

/**
 * The entry errors PutEvents documents as worth another try (API_PutEventsResultEntry: InternalFailure,
 * ThrottlingException); the others (InvalidArgument, MalformedDetail, AccessDeniedException, …) would fail again.
 */
const RETRYABLE_ENTRY_ERRORS: ReadonlySet<string> = new Set(['InternalFailure', 'ThrottlingException']);

/** Some entries of a call failed in a way worth another try: only they are put again. */
class EntriesToRetry extends Error {
  override name = 'EntriesToRetry';
}

export interface EventBridgePublisherOptions extends AwsClientOptions {
  /** The bus's name or ARN (EVENT_BUS_NAME). */
  busName: string;
}

/**
 * PutEvents, PUT_EVENTS_MAX_ENTRIES entries a call, the calls of a batch at once. A call that answered
 * puts again only the entries it failed with a retryable error; one that got no answer (a timeout: it may
 * have been applied) or was throttled is made again whole. EventBridge has no idempotent put, so an event
 * may reach the bus twice: its `detail.eventId` (the stream record's eventID) is what a consumer dedups on.
 * Every call ends by EVENTS_CALL_MS or the invocation's budget; giving up leaves the entries failed.
 */
export function eventBridgePublisher(o: EventBridgePublisherOptions): EventPublisher {
  let client: EventBridgeClient | undefined;
  const eventBridge = () => (client ??= new EventBridgeClient(singleAttemptClient(o, EVENTS_TIMEOUT_MS)));
  const entryOf = (e: LifecycleEvent): PutEventsRequestEntry => ({
    Source: LIFECYCLE_EVENT_SOURCE,
    DetailType: e.detailType,
    Detail: JSON.stringify(e.detail),
    EventBusName: o.busName,
    Time: e.time,
  });

  return {
    async publish(events) {
      const entries = events.map(entryOf);
      const failed = new Set<number>();
      const calls: number[][] = [];
      for (let i = 0; i < entries.length; i += PUT_EVENTS_MAX_ENTRIES)
        calls.push(entries.slice(i, i + PUT_EVENTS_MAX_ENTRIES).map((_, k) => i + k));

      const put = async (positions: number[]) => {
        let pending = positions;
        try {
          await retry(
            EVENTS_RETRY,
            async () => {
              const out = await eventBridge().send(new PutEventsCommand({ Entries: pending.map((p) => entries[p]!) }), {
                abortSignal: callSignal(EVENTS_CALL_MS),
              });
              const again: number[] = [];
              pending.forEach((p, k) => {
                const r = out.Entries?.[k];
                if (r?.EventId) return;
                if (r?.ErrorCode && !RETRYABLE_ENTRY_ERRORS.has(r.ErrorCode)) {
                  failed.add(p);
                  logger.error('lifecycle event refused', {
                    detailType: events[p]!.detailType,
                    eventId: events[p]!.detail.eventId,
                    error: r.ErrorCode,
                  });
                } else again.push(p);
              });
              pending = again;
              if (pending.length) throw new EntriesToRetry(`${pending.length} entries to put again`);
            },
            {
              retryable: (err) => err instanceof EntriesToRetry || worthAnotherCall(err),
              attemptMs: EVENTS_CALL_MS,
              onRetry: (err, attempt) =>
                logger.warn('PutEvents failed; retrying', {
                  attempt,
                  entries: pending.length,
                  error: err instanceof Error ? err.name : String(err),
                }),
            },
          );
        } catch (err) {
          for (const p of pending) failed.add(p);
          logger.error('lifecycle events not published', { entries: pending.length, error: err instanceof Error ? err.name : String(err) });
        }
      };
      await Promise.all(calls.map(put));
      return failed;
    },
  };
}

/** One write call with O_APPEND per batch: concurrent writers never interleave within a line. */
const appendLines = (file: string, lines: string[]) =>
  appendFile(file, lines.map((l) => `${l}\n`).join(''), { encoding: 'utf8', flag: 'a' });

/**
 * Local delivery of the events, as the outbox is the local delivery of messages: one JSON line per event
 * appended to the events file (`time`, `source`, `detail-type`, `detail`), and printed.
 */
export function eventFilePublisher(
  file: string,
  print: (line: string) => void = (l) => process.stdout.write(`[events] ${l}\n`),
): EventPublisher {
  let dirReady: Promise<unknown> | undefined;
  return {
    async publish(events) {
      if (!events.length) return new Set();
      const lines = events.map((e) =>
        JSON.stringify({
          time: e.time.toISOString(),
          source: LIFECYCLE_EVENT_SOURCE,
          'detail-type': e.detailType,
          detail: e.detail,
        } satisfies EventLine),
      );
      try {
        dirReady ??= mkdir(path.dirname(path.resolve(file)), { recursive: true });
        await dirReady;
        await appendLines(file, lines);
      } catch (err) {
        logger.error('lifecycle events not written', { file, error: err instanceof Error ? err.name : String(err) });
        return new Set(events.map((_, i) => i));
      }
      for (const line of lines) print(line);
      return new Set();
    },
  };
}
