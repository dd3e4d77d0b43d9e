// A loopback stand-in for Amazon EventBridge PutEvents (SDK @aws-sdk/client-eventbridge). Written from:
//   The Smithy model, aws/api-models-aws eventbridge/service/2015-10-07/eventbridge-2015-10-07.json (aws-sdk-js-v3
//     codegen/sdk-codegen/aws-models/eventbridge.json): awsJson1_1, X-Amz-Target "AWSEvents.PutEvents", SigV4
//     signing name "events"; Entries 1–10 of {Time, Source, Resources (each ≤ 2048), DetailType, Detail,
//     EventBusName (name or ARN, ≤ 1600, pattern below), TraceHeader (1–500)}; → {FailedEntryCount, Entries:
//     [{EventId} | {ErrorCode, ErrorMessage}]} in the order of the request; modelled error InternalException
//     (500). "Detail, DetailType, and Source are required … If you include event entries in a request that do
//     not include each of those properties, EventBridge fails that entry. If you submit a request in which
//     none of the entries have each of these properties, EventBridge fails the entire request." DetailType is
//     "free-form string, with a maximum of 128 characters"; Detail is "a valid JSON object".
//   https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html: entry error
//     codes InternalFailure and ThrottlingException (retryable), AccessDeniedException, InvalidAccountIdException,
//     InvalidArgument, MalformedDetail, RedactionFailure, NotAuthorizedForSourceException,
//     NotAuthorizedForDetailTypeException (not retryable).
//   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html: an entry's size is 14 bytes
//     for a Time, plus the UTF-8 bytes of Source, DetailType, Detail and each Resource; the entries of one
//     request total less than 256 KB.
//   Common errors (https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html):
//     ThrottlingException 400, InternalFailure 500, ServiceUnavailable 503, ValidationError 400.
//   The events a bus receives: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { violations, validationMessage, type Rule } from './constraints.js';
import { EventSink, eventBridgeEvent } from './deliveries.js';
import { awsJsonProtocol, ServiceError, startStandIn, type StandInFrame, type StandInOptions } from './stand-in-server.js';

const ENTRY: Rule = {
  type: 'structure',
  members: {
    Time: { type: 'timestamp' },
    Source: { type: 'string' },
    Resources: { type: 'list', member: { type: 'string', length: [0, 2048] } },
    DetailType: { type: 'string' },
    Detail: { type: 'string' },
    EventBusName: {
      type: 'string',
      length: [1, 1600],
      pattern: /^(arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[.\-_A-Za-z0-9]+$/,
    },
    TraceHeader: { type: 'string', length: [1, 500] },
  },
};
const PUT_EVENTS: Record<string, Rule> = {
  Entries: { type: 'list', required: true, length: [1, 10], member: ENTRY },
  EndpointId: { type: 'string', length: [1, 50], pattern: /^[A-Za-z0-9-]+[.][A-Za-z0-9-]+$/ },
};
const PUT_EVENTS_ERRORS = {
  InternalException: 500,
  ThrottlingException: 400,
  ValidationException: 400,
  ResourceNotFoundException: 400,
  AccessDeniedException: 400,
};
export const ENTRY_ERROR_CODES = [
  'InternalFailure',
  'ThrottlingException',
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
] as const;
export type EntryErrorCode = (typeof ENTRY_ERROR_CODES)[number];
const MAX_REQUEST_BYTES = 256 * 1024;

export interface PutEventsEntry {
  Time?: number;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

export interface PublishedEvent {
  eventBusName: string;
  event: EventBridgeEvent<string, unknown>;
}

/** Fails the entries at `indexes` of the next PutEvents calls (a partial failure). */
export interface EntryFault {
  indexes: number[];
  errorCode: EntryErrorCode;
  errorMessage?: string;
}

export interface EventBridgeStandInOptions extends StandInOptions {
  region?: string;
  accountId?: string;
  /** Buses that exist besides "default". */
  eventBuses?: string[];
  onEvent?: (e: PublishedEvent) => void;
}

export interface EventBridgeStandIn extends StandInFrame {
  region: string;
  accountId: string;
  sink: EventSink<PublishedEvent>;
  /** The next `calls` PutEvents calls (default 1) fail these entries and publish the others. */
  failEntries(fault: EntryFault, calls?: number): void;
}

/** The documented size of one entry. */
export function entrySize(e: PutEventsEntry): number {
  const bytes = (s?: string) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (
    (e.Time !== undefined ? 14 : 0) +
    bytes(e.Source) +
    bytes(e.DetailType) +
    bytes(e.Detail) +
    (e.Resources ?? []).reduce((n, r) => n + bytes(r), 0)
  );
}

const isJsonObject = (s: string) => {
  try {
    const v: unknown = JSON.parse(s);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
};

export async function startEventBridgeStandIn(o: EventBridgeStandInOptions = {}): Promise<EventBridgeStandIn> {
  const region = o.region ?? 'ap-east-1';
  const accountId = o.accountId ?? '123456789012';
  const buses = new Set(['default', ...(o.eventBuses ?? [])]);
  const sink = new EventSink<PublishedEvent>(o.onEvent);
  const entryFaults: EntryFault[] = [];

  const busName = (nameOrArn?: string) => (nameOrArn ?? 'default').split(':event-bus/').at(-1)!;

  function entryError(e: PutEventsEntry): { ErrorCode: EntryErrorCode; ErrorMessage: string } | undefined {
    if (e.Source === undefined || e.DetailType === undefined || e.Detail === undefined) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter(s) Source, DetailType and Detail must be specified.' };
    }
    if ([...e.DetailType].length > 128) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'DetailType has more than 128 characters.' };
    if (!isJsonObject(e.Detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    if (e.Source.startsWith('aws.')) {
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: `Not authorized for the source ${e.Source}.` };
    }
    return undefined;
  }

  function putEvents(input: Record<string, unknown>) {
    const found = violations(PUT_EVENTS, input);
    if (found.length) throw new ServiceError('ValidationException', 400, validationMessage(found, input));
    const entries = input.Entries as PutEventsEntry[];
    if (entries.reduce((n, e) => n + entrySize(e), 0) >= MAX_REQUEST_BYTES) {
      throw new ServiceError('ValidationException', 400, 'Total size of the entries in the request is over the limit.');
    }
    const unknownBus = entries.map((e) => busName(e.EventBusName)).find((b) => !buses.has(b));
    if (unknownBus) throw new ServiceError('ResourceNotFoundException', 400, `Event bus ${unknownBus} does not exist.`);
    const errors = entries.map(entryError);
    if (errors.every((e) => e?.ErrorCode === 'InvalidArgument' && e.ErrorMessage.startsWith('Parameter(s)'))) {
      throw new ServiceError(
        'ValidationException',
        400,
        'Parameter(s) Source, DetailType and Detail must be specified in at least one entry.',
      );
    }
    const injected = entryFaults.shift();
    const results = entries.map((e, i) => {
      const error =
        errors[i] ??
        (injected?.indexes.includes(i)
          ? { ErrorCode: injected.errorCode, ErrorMessage: injected.errorMessage ?? `${injected.errorCode} (stand-in fault)` }
          : undefined);
      if (error) return error;
      const eventId = randomUUID();
      const published = eventBridgeEvent(JSON.parse(e.Detail!) as unknown, {
        source: e.Source!,
        detailType: e.DetailType!,
        account: accountId,
        region,
        resources: e.Resources,
        time: e.Time === undefined ? undefined : new Date(e.Time * 1000),
      });
      sink.deliver({ eventBusName: busName(e.EventBusName), event: { ...published, id: eventId } });
      return { EventId: eventId };
    });
    return { status: 200, body: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results } };
  }

  const protocol = awsJsonProtocol({
    version: '1.1',
    targetPrefix: 'AWSEvents',
    signingName: 'events',
    operations: { PutEvents: PUT_EVENTS_ERRORS },
    messageMember: 'message',
    throttling: () => new ServiceError('ThrottlingException', 400, 'Rate exceeded'),
    internal: () => new ServiceError('InternalException', 500, 'An internal error occurred.'),
  });
  const frame = await startStandIn(protocol, (_operation, input) => putEvents(input as Record<string, unknown>), o);
  return {
    ...frame,
    region,
    accountId,
    sink,
    failEntries: (fault, calls = 1) => {
      for (let i = 0; i < calls; i++) entryFaults.push(fault);
    },
  };
}
