import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entrySize, startEventBridgeStandIn, type EventBridgeStandIn } from '../../support/aws/eventbridge.js';
import { eventBridgeClient, rejection } from './clients.js';

const BUS = 'verigate-lifecycle';
const entry = (i: number, o: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'verigate',
  DetailType: 'CodeSent',
  Detail: JSON.stringify({ requestId: `req-${i}`, channel: 'sms', country: 'HK', destination: '+852****8426' }),
  EventBusName: BUS,
  ...o,
});

let eb: EventBridgeStandIn;
let client: EventBridgeClient;
beforeEach(async () => {
  eb = await startEventBridgeStandIn({ eventBuses: [BUS] });
  client = eventBridgeClient({ endpoint: eb.endpoint });
});
afterEach(async () => {
  client.destroy();
  await eb.close();
});

describe('PutEvents', () => {
  it('publishes every entry on its bus, answering one EventId per entry in order (awsJson1_1, AWSEvents.PutEvents)', async () => {
    const time = new Date('2026-03-04T05:06:07Z');
    const out = await client.send(
      new PutEventsCommand({
        Entries: [entry(1, { Time: time, Resources: ['arn:aws:lambda:ap-east-1:123456789012:function:send'] }), entry(2)],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toEqual([{ EventId: expect.any(String) }, { EventId: expect.any(String) }]);
    const call = eb.calls[0]!;
    expect(call.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(call.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(call.signature).toMatchObject({ service: 'events' });
    expect(eb.sink.delivered).toEqual([
      {
        eventBusName: BUS,
        event: {
          version: '0',
          id: out.Entries![0]!.EventId,
          'detail-type': 'CodeSent',
          source: 'verigate',
          account: '123456789012',
          time: '2026-03-04T05:06:07Z',
          region: 'ap-east-1',
          resources: ['arn:aws:lambda:ap-east-1:123456789012:function:send'],
          detail: { requestId: 'req-1', channel: 'sms', country: 'HK', destination: '+852****8426' },
        },
      },
      expect.objectContaining({ eventBusName: BUS, event: expect.objectContaining({ id: out.Entries![1]!.EventId }) }),
    ]);
  });

  it('names the bus by its ARN too, and puts an entry without EventBusName on the default bus', async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [
          entry(1, { EventBusName: `arn:aws:events:ap-east-1:123456789012:event-bus/${BUS}` }),
          entry(2, { EventBusName: undefined }),
        ],
      }),
    );
    expect(eb.sink.delivered.map((d) => d.eventBusName)).toEqual([BUS, 'default']);
  });

  it('fails only the entries that lack Source, DetailType or Detail, or whose Detail is not a JSON object', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(1),
          entry(2, { Detail: '[1,2]' }),
          entry(3, { DetailType: undefined }),
          entry(4, { Detail: '{"a":' }),
          entry(5, { Source: 'aws.sms-voice' }),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'MalformedDetail',
      'InvalidArgument',
      'MalformedDetail',
      'NotAuthorizedForSourceException',
    ]);
    expect(out.Entries![1]!.ErrorMessage).toBeTruthy();
    expect(eb.sink.delivered).toHaveLength(1);
  });

  it('fails the whole request when no entry has Source, DetailType and Detail', async () => {
    const e = await rejection(client.send(new PutEventsCommand({ Entries: [{ Source: 'verigate' }, { Detail: '{}' }] })));
    expect(e).toMatchObject({ name: 'ValidationException' });
  });

  it("refuses no entries and more than ten (the model's 1–10)", async () => {
    const none = await rejection(client.send(new PutEventsCommand({ Entries: [] })));
    expect(none.message).toBe(
      "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const eleven = await rejection(client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, i) => entry(i)) })));
    expect(eleven).toMatchObject({ name: 'ValidationException' });
    expect(eleven.message).toMatch(/at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/);
    expect((eleven as unknown as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
  });

  it('measures entries by the documented size rule (Time 14 bytes, UTF-8 bytes of the rest) and refuses 256 KB or more', async () => {
    expect(entrySize({ Time: 0, Source: 'é', DetailType: '验', Detail: '{}', Resources: ['ab', 'c'] })).toBe(14 + 2 + 3 + 2 + 3);
    // 14 (Time) + 8 (Source) + 8 (DetailType) + 1 (Resources) + 8 + n (Detail) = 39 + n bytes.
    const sized = (n: number) => entry(0, { Time: new Date(), Resources: ['r'], Detail: JSON.stringify({ p: 'a'.repeat(n) }) });
    expect(entrySize({ ...sized(10), Time: 0 })).toBe(49);
    const out = await client.send(new PutEventsCommand({ Entries: [sized(256 * 1024 - 1 - 39)] }));
    expect(out.FailedEntryCount).toBe(0);
    const e = await rejection(client.send(new PutEventsCommand({ Entries: [sized(256 * 1024 - 39)] })));
    expect(e).toMatchObject({ name: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' });
    const two = await rejection(client.send(new PutEventsCommand({ Entries: [sized(128 * 1024 - 39), sized(128 * 1024 - 39)] })));
    expect(two.message).toBe('Total size of the entries in the request is over the limit.');
  });

  it('refuses a bus that does not exist', async () => {
    const e = await rejection(client.send(new PutEventsCommand({ Entries: [entry(1, { EventBusName: 'nope' })] })));
    expect(e).toMatchObject({ name: 'ResourceNotFoundException', message: 'Event bus nope does not exist.' });
  });

  it('fails the entries a test chooses, with a documented entry error code, for the next calls only', async () => {
    eb.failEntries({ indexes: [1, 2], errorCode: 'ThrottlingException' });
    const out = await client.send(new PutEventsCommand({ Entries: [entry(1), entry(2), entry(3)] }));
    expect(out).toMatchObject({
      FailedEntryCount: 2,
      Entries: [{ EventId: expect.any(String) }, { ErrorCode: 'ThrottlingException' }, { ErrorCode: 'ThrottlingException' }],
    });
    expect(eb.sink.delivered.map((d) => (d.event.detail as { requestId: string }).requestId)).toEqual(['req-1']);
    const retry = await client.send(new PutEventsCommand({ Entries: [entry(2), entry(3)] }));
    expect(retry.FailedEntryCount).toBe(0);
  });
});
