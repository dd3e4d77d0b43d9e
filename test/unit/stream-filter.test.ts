// The local poller filters the table's stream as Lambda's event source mapping does, with the very patterns
// the template gives deliverCode (shared/channels.ts): only inserted delivery requests of a channel.
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../dev/stream-poller.js';
import { DELIVERY_STREAM_FILTER_PATTERNS } from '../../shared/channels.js';

const record = (eventName: string, pk: string, channel: string | undefined) => ({
  eventName,
  dynamodb: { Keys: { pk: { S: pk }, sk: { S: 'REQUEST' } }, NewImage: { pk: { S: pk }, ...(channel ? { channel: { S: channel } } : {}) } },
});
const passes = (r: unknown) => DELIVERY_STREAM_FILTER_PATTERNS.some((p) => matchesPattern(r, p as never));

describe('the delivery stream filter', () => {
  it('passes an inserted sms or email delivery request', () => {
    expect(passes(record('INSERT', 'DELIVERY#abc', 'sms'))).toBe(true);
    expect(passes(record('INSERT', 'DELIVERY#abc', 'email'))).toBe(true);
  });

  it("drops a withheld send's request, an update of a request (claim, outcome), and every other item", () => {
    expect(passes(record('INSERT', 'DELIVERY#abc', 'none'))).toBe(false);
    expect(passes(record('MODIFY', 'DELIVERY#abc', 'sms'))).toBe(false);
    expect(passes(record('REMOVE', 'DELIVERY#abc', 'sms'))).toBe(false);
    expect(passes(record('INSERT', 'DEST#abc', 'sms'))).toBe(false);
    expect(passes(record('INSERT', 'AUDIT#abc', undefined))).toBe(false);
  });

});
