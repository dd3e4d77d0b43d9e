import { describe, expect, it } from 'vitest';
import * as policy from '../../shared/policy.js';
import {
  AK_LOCK_MS,
  PARTNER_RATE_PERIOD_MS,
  COUNTRY_BUDGET_PERIOD_MS,
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
    expect(ITEM_LIFETIME_MS.countryBudget).toBeGreaterThanOrEqual(COUNTRY_BUDGET_PERIOD_MS);
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

  it('keeps every configurable number’s default within its bounds', () => {
    const settings = {
      CODE_TTL_SECONDS: policy.CODE_TTL_SECONDS,
      MAX_CUSTOMERS_PER_MOBILE: policy.MAX_CUSTOMERS_PER_MOBILE,
      AUDIT_RETENTION_DAYS: policy.AUDIT_RETENTION_DAYS,
      PARTNER_REQUESTS_PER_SECOND: policy.PARTNER_REQUESTS_PER_SECOND,
      SMS_HOURLY_BUDGET_PER_COUNTRY: policy.SMS_HOURLY_BUDGET_PER_COUNTRY,
      SMS_MAX_PARTS: policy.SMS_MAX_PARTS,
      DYNAMODB_ATTEMPT_TIMEOUT_MS: policy.DYNAMODB_ATTEMPT_TIMEOUT_MS,
      DYNAMODB_CONNECT_TIMEOUT_MS: policy.DYNAMODB_CONNECT_TIMEOUT_MS,
      ...policy.TOKEN_MAX_LIFETIME_SECONDS,
    };
    for (const [name, b] of Object.entries(settings)) expect([name, b.min <= b.default && b.default <= b.max]).toEqual([name, true]);
  });

  it('bounds every retry loop: a first backoff no longer than the longest, and at least one attempt', () => {
    for (const r of [
      policy.TRANSACTION_CONFLICT_RETRY,
      policy.BACKGROUND_RETRY,
      policy.DELIVERY_RETRY,
      policy.SSM_RETRY,
      policy.SSM_THROTTLED_RETRY,
    ]) {
      expect(r.attempts).toBeGreaterThanOrEqual(1);
      expect(r.firstDelayMs).toBeLessThanOrEqual(r.maxDelayMs);
    }
  });
});
