import { describe, expect, it } from 'vitest';
import {
  AK_LOCK_MS,
  PARTNER_RATE_PERIOD_MS,
  SMS_BUDGET_PERIOD_MS,
  CAPTCHA_MAX_LIFETIME_MS,
  CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS,
  CODE_TTL_SECONDS,
  ITEM_LIFETIME_MS,
  SECOND_MS,
  SEND_COOLDOWN,
  SEND_DAILY_CAP,
  SEND_PER_SOURCE_IP,
  ttlAfter,
  VERIFY_ATTEMPTS,
  VERIFY_FAILURES_PER_DESTINATION,
  VERIFY_FAILURES_PER_REQUESTER,
} from '../../shared/policy.js';

describe('policy', () => {
  it('derives each item lifetime from the windows it serves, never shorter', () => {
    for (const rule of [SEND_COOLDOWN, SEND_DAILY_CAP, VERIFY_ATTEMPTS, VERIFY_FAILURES_PER_DESTINATION]) {
      expect(ITEM_LIFETIME_MS.destination).toBeGreaterThanOrEqual(rule.windowMs);
    }
    expect(ITEM_LIFETIME_MS.destination).toBeGreaterThanOrEqual(CODE_TTL_SECONDS.max * SECOND_MS);
    expect(ITEM_LIFETIME_MS.sourceIp).toBeGreaterThanOrEqual(SEND_PER_SOURCE_IP.windowMs);
    expect(ITEM_LIFETIME_MS.usedCaptcha).toBeGreaterThanOrEqual(CAPTCHA_MAX_LIFETIME_MS);
    expect(ITEM_LIFETIME_MS.accessKeyLockout).toBeGreaterThanOrEqual(AK_LOCK_MS);
    expect(ITEM_LIFETIME_MS.requesterFailures).toBeGreaterThanOrEqual(VERIFY_FAILURES_PER_REQUESTER.windowMs);
    // Period counters live from their period's start: at least the period.
    expect(ITEM_LIFETIME_MS.smsBudget).toBeGreaterThanOrEqual(SMS_BUDGET_PERIOD_MS);
    expect(ITEM_LIFETIME_MS.partnerRate).toBeGreaterThanOrEqual(PARTNER_RATE_PERIOD_MS);
  });

  it('remembers a used CAPTCHA pass longer than any provider redeems its token, so no replay outlives the claim', () => {
    for (const lifetimeMs of Object.values(CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS)) expect(ITEM_LIFETIME_MS.usedCaptcha).toBeGreaterThan(lifetimeMs);
  });

  it('keeps the destination-wide failure cap within NIST SP 800-63B (at most 100) and out of one requester’s reach', () => {
    expect(VERIFY_FAILURES_PER_DESTINATION.limit).toBeLessThanOrEqual(100);
    expect(VERIFY_FAILURES_PER_DESTINATION.windowMs).toBeGreaterThanOrEqual(VERIFY_FAILURES_PER_REQUESTER.windowMs);
    // At least ten requesters' whole budgets.
    expect(VERIFY_FAILURES_PER_DESTINATION.limit / VERIFY_FAILURES_PER_REQUESTER.limit).toBeGreaterThanOrEqual(10);
  });

  it('writes TTLs in epoch seconds, rounded up so an item never expires early', () => {
    expect(ttlAfter(1_000, 1)).toBe(2);
    expect(ttlAfter(0, 60_000)).toBe(60);
  });
});
