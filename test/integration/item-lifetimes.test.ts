// Every item the service writes carries a TTL, and each outlives the rules it serves: a TTL shorter
// than its window would let DynamoDB forget a limit (or a used CAPTCHA pass) while it still applies.
import { describe, it, expect, beforeAll } from 'vitest';

import {
  CAPTCHA_MAX_LIFETIME_MS,
  AUDIT_RETENTION_DAYS,
  DAY_MS,
  SEND_COOLDOWN,
  SEND_DAILY_CAP,
  SEND_PER_SOURCE_IP,
  COUNTRY_BUDGET_PERIOD_MS,
  VERIFY_ATTEMPTS,
  VERIFY_FAILURES_PER_DESTINATION,
  VERIFY_FAILURES_PER_REQUESTER,
} from '../../shared/policy.js';
import { uniqueIp, uniqueMobile } from '../../dev/support/identities.js';
import { harness, wrongCode, type Harness } from './send-code.harness.js';

type Item = Record<string, unknown>;

let h: Harness;
let items: Item[];
let sentAtMs: number;

beforeAll(async () => {
  h = await harness();
  const mobile = uniqueMobile().e164;
  sentAtMs = h.clock.now().getTime();
  expect((await h.send(mobile, { ip: uniqueIp() })).status).toBe(200);
  expect((await h.verify(mobile, wrongCode(h.lastCode(mobile)))).status).toBe(400);
  items = await h.scan();
});

/** Milliseconds from the send until DynamoDB may delete the item. */
const lifetimeOf = (prefix: string): number[] =>
  items.filter((i) => String(i.pk).startsWith(prefix)).map((i) => Number(i.ttl) * 1000 - sentAtMs);

describe('item lifetimes', () => {
  it('keeps a destination as long as its longest window (daily sends, daily failures, cooldown, attempts)', () => {
    const [lifetime] = lifetimeOf('DEST#');
    expect(lifetime).toBeDefined();
    for (const rule of [SEND_COOLDOWN, SEND_DAILY_CAP, VERIFY_ATTEMPTS, VERIFY_FAILURES_PER_DESTINATION])
      expect(lifetime).toBeGreaterThanOrEqual(rule.windowMs);
  });

  it("keeps a requester's failures at a destination as long as its daily budget", () => {
    const [lifetime] = lifetimeOf('REQ#');
    expect(lifetime).toBeDefined();
    expect(lifetime).toBeGreaterThanOrEqual(VERIFY_FAILURES_PER_REQUESTER.windowMs);
  });

  it('keeps a source address as long as its hourly send window', () => {
    const [lifetime] = lifetimeOf('IP#');
    expect(lifetime).toBeGreaterThanOrEqual(SEND_PER_SOURCE_IP.windowMs);
  });

  it("keeps a country's SMS count until its hour is over", () => {
    const [lifetime] = lifetimeOf('COUNTRYBUDGET#');
    expect(lifetime).toBeDefined();
    expect(lifetime).toBeGreaterThanOrEqual(COUNTRY_BUDGET_PERIOD_MS - (sentAtMs % COUNTRY_BUDGET_PERIOD_MS));
  });

  it('remembers a used CAPTCHA pass as long as any pass can live', () => {
    const [lifetime] = lifetimeOf('CAPTCHA#');
    expect(lifetime).toBeGreaterThanOrEqual(CAPTCHA_MAX_LIFETIME_MS);
  });

  it("keeps a delivery request's outcome past the stream's 24 h retention, so a redelivered record still finds it", () => {
    const [lifetime] = lifetimeOf('DELIVERY#');
    expect(lifetime).toBeGreaterThanOrEqual(DAY_MS);
  });

  it('keeps every audit record for the retention period', () => {
    const lifetimes = lifetimeOf('AUDIT#');
    expect(lifetimes).toHaveLength(3); // the send's, the verify's, and the delivery's
    for (const lifetime of lifetimes) expect(lifetime).toBeGreaterThanOrEqual(AUDIT_RETENTION_DAYS.default * DAY_MS - 1000);
  });

  it('writes a TTL on every item that is not a registry claim', () => {
    const unexpiring = items.filter((i) => typeof i.ttl !== 'number').map((i) => String(i.pk).split('#')[0]);
    expect(unexpiring).toEqual([]);
  });
});
