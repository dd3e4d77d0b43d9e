/**
 * Every number of the service: SPEC's limits, the values derived from them (item lifetimes from the windows
 * they serve), the bounds of every configurable number, time budgets and retries. Nothing else in the
 * service writes a limit, a window, a TTL, a timeout or a retry count as a literal.
 */
export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** "At most `limit` events in any span of `windowMs`", kept exactly (see store/sliding-window.ts). */
export interface SlidingWindow {
  readonly limit: number;
  readonly windowMs: number;
}

/** A number an operator may configure (shared/config.ts): its default and the bounds it must keep to. */
export interface SettingBounds {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/**
 * How a loop retries (shared/retry.ts): `attempts` in all, the first included; before each further attempt
 * a wait drawn at random up to a backoff that starts at `firstDelayMs` and doubles up to `maxDelayMs`.
 */
export interface RetryPolicy {
  readonly attempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

/** SPEC §1: request bodies. */
export const MAX_BODY_BYTES = 8 * 1024;
/** Any token a caller hands us (JWT, CAPTCHA pass) is refused unread beyond this many characters. */
export const MAX_TOKEN_CHARS = 4096;
/** A caller's X-Request-Id is echoed and stored: a safe, bounded token, else replaced by a UUID. */
export const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The Accept-Language entries a send keeps for its message's language (each one at most 71 characters by its form). */
export const ACCEPTED_LANGUAGES_KEPT = 4;

/** SPEC §3 (seed): check-identity's search_value. */
export const MAX_SEARCH_VALUE_CHARS = 64;
/**
 * The longest value each other input field takes, refused unread beyond it: generous for what the field
 * holds (an email address has at most 254 characters, RFC 5321; an E.164 number 16 with its `+`).
 */
export const MAX_INPUT_CHARS = {
  /** send's `user`, verify's `contact` and `country`. */
  contact: 255,
  verificationCode: 64,
  customerId: 128,
  customerName: 64,
  customerEmail: 254,
  customerMobile: 32,
  customerCountry: 32,
} as const;
/** SPEC §3: customers one mobile number may be registered to (MAX_CUSTOMERS_PER_MOBILE). */
export const MAX_CUSTOMERS_PER_MOBILE: SettingBounds = { default: 5, min: 1, max: 100 };

/** SPEC §4: the code itself. */
export const CODE_DIGITS = 6;
export const CODE_TTL_SECONDS: SettingBounds = { default: 180, min: 30, max: 600 };
export const MAX_WRONG_TRIES_PER_CODE = 5;

/** SPEC §4: send limits per destination and per source IP. */
export const SEND_COOLDOWN: SlidingWindow = { limit: 1, windowMs: MINUTE_MS };
export const SEND_DAILY_CAP: SlidingWindow = { limit: 10, windowMs: DAY_MS };
export const SEND_PER_SOURCE_IP: SlidingWindow = { limit: 30, windowMs: HOUR_MS };

/** SPEC §4 (seed): verify attempts per destination, whoever makes them. */
export const VERIFY_ATTEMPTS: SlidingWindow = { limit: 5, windowMs: MINUTE_MS };
/**
 * SPEC §4: failed verifications per requester (the app token's subject and the source address) and
 * destination. A requester past it is refused every attempt at that destination, the right code too.
 */
export const VERIFY_FAILURES_PER_REQUESTER: SlidingWindow = { limit: 10, windowMs: DAY_MS };
/**
 * SPEC §4, NIST SP 800-63B §5.2.2 (at most 100 consecutive failures): failures per destination from
 * all requesters together; it takes ten requesters' whole budgets to reach it. Past it the destination
 * is refused verify and send until 24 h after its last failure.
 */
export const VERIFY_FAILURES_PER_DESTINATION: SlidingWindow = { limit: 100, windowMs: DAY_MS };

/**
 * SPEC §4: where SMS may go by default (SMS_COUNTRY_ALLOWLIST): the regions send's `country` field names
 * (chinaPR, chinaHK, chinaMO, chinaTW). SMS pumping lives on the long tail of expensive destinations; an
 * operator serving more countries lists them.
 */
export const DEFAULT_SMS_COUNTRY_ALLOWLIST: readonly string[] = ['CN', 'HK', 'MO', 'TW'];
/**
 * SPEC §4: SMS per country per clock hour (SMS_HOURLY_BUDGET_PER_COUNTRY). A circuit breaker on cost, far
 * above what one service's verifications need in an hour (one source address may send 30); an attack must
 * come from over 30 addresses to reach it, and the CountryBudgetExhausted metric says so at once.
 */
export const SMS_HOURLY_BUDGET_PER_COUNTRY: SettingBounds = { default: 1000, min: 1, max: 10_000_000 };
export const COUNTRY_BUDGET_PERIOD_MS = HOUR_MS;

/**
 * Shared counters (store/sharded-counter.ts): a country's budget and a partner's rate are counted on
 * shard items, each written at most this often a second at the design's peak: half of what DynamoDB takes
 * on one item (1 000 write units a second), since refused conditional writes consume capacity too.
 */
export const SHARD_WRITES_PER_SECOND = 500;
/** The design's ceiling for SMS and voice sends to one country (issue 17): the country budget's shards hold it. */
export const SMS_SENDS_PER_SECOND_CEILING = 5000;
/** The design's ceiling for one partner's check-identity calls (issue 17): the partner rate's shards hold it. */
export const PARTNER_CALLS_PER_SECOND_CEILING = 10_000;

/**
 * SPEC §2 CBC.0250: check-identity calls per partner per clock second (PARTNER_REQUESTS_PER_SECOND). A
 * partner's frontend checks an identity per user action; 10 a second is 36 000 an hour per partner. Higher
 * than the design's ceiling is refused: the partner's count could not take it.
 */
export const PARTNER_REQUESTS_PER_SECOND: SettingBounds = { default: 10, min: 1, max: PARTNER_CALLS_PER_SECOND_CEILING };
export const PARTNER_RATE_PERIOD_MS = SECOND_MS;
/** Partners a warm function remembers as over their rate for the rest of a second (bounds the memory a flood of partners takes). */
export const PARTNER_RATE_MEMO_MAX_ENTRIES = 4096;

/** SPEC §5: tokens carry `iat` and `exp`; each kind has a maximum lifetime (configurable within these bounds). */
export const TOKEN_MAX_LIFETIME_SECONDS = {
  partner: { default: 3600, min: 60, max: 86_400 },
  app: { default: 86_400, min: 60, max: 7 * 86_400 },
  captcha: { default: 600, min: 30, max: 3600 },
} as const satisfies Record<string, SettingBounds>;
/** How far a token's `iat` may lie in the future: issuers' clocks drift a little. */
export const TOKEN_CLOCK_TOLERANCE_SECONDS = 60;
/** CAPTCHA passes are meant to be used right after the puzzle: the longest a pass can be configured to live. */
export const CAPTCHA_MAX_LIFETIME_MS = TOKEN_MAX_LIFETIME_SECONDS.captcha.max * SECOND_MS;
/**
 * How long each CAPTCHA provider documents its tokens to be redeemable (shared/auth/captcha/): a used
 * pass is remembered longer than this (ITEM_LIFETIME_MS.usedCaptcha). GeeTest documents none: its pass
 * is held to the CAPTCHA pass lifetime (CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS) from its `gen_time`.
 */
export const CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS = {
  turnstile: 300 * SECOND_MS,
  hcaptcha: 120 * SECOND_MS,
  recaptcha: 2 * MINUTE_MS,
} as const;
/** "A Turnstile token can have up to 2048 characters": a longer one is refused without asking. */
export const TURNSTILE_TOKEN_MAX_CHARS = 2048;
/** One call to a CAPTCHA provider's verification endpoint, within what is left of the request's budget. */
export const CAPTCHA_VERIFY_TIMEOUT_MS = 2 * SECOND_MS;
/** A provider's answer is a small JSON object: a longer one is not an answer. */
export const CAPTCHA_ANSWER_MAX_BYTES = 16 * 1024;
/** Retry-After of the 503 answered when the CAPTCHA provider could not be asked. */
export const CAPTCHA_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;
/** reCAPTCHA v3's RECAPTCHA_MIN_SCORE (Google scores 0.0 to 1.0 and suggests 0.5 to start with). */
export const RECAPTCHA_MIN_SCORE_BOUNDS = { min: 0.1, max: 0.9 } as const;
/** SPEC §5: AK/SK signatures. */
export const SIGNATURE_MAX_CLOCK_SKEW_MS = 15 * MINUTE_MS;
export const AK_FAILURES_BEFORE_LOCK = 5;
export const AK_LOCK_MS = 5 * MINUTE_MS;
/** A run of failed signatures is forgotten a day after its last failure. */
export const AK_FAILURE_MEMORY_MS = DAY_MS;
/**
 * Partner keys (store/partner-keys.ts): how long a warm function keeps what it read about an access key.
 * Adding, rotating or revoking a key takes effect within this, plus DynamoDB's eventual consistency.
 */
export const PARTNER_KEY_CACHE_MS = 30 * SECOND_MS;
/** Bounds the memory a stream of made-up access keys can take (unknown keys are remembered too). */
export const PARTNER_KEY_CACHE_MAX_ENTRIES = 4096;

/**
 * How long a delivery's receipts may take to come: End User Messaging reports a final status within 72 hours
 * (then UNKNOWN), and a complaint comes back days after its email was delivered.
 */
export const RECEIPT_WINDOW_MS = 7 * DAY_MS;
/**
 * SPEC §4: how long a hard bounce, a complaint or an opt-out keeps its destination suppressed. An address
 * can be fixed and a number changes hands (operators recycle numbers after some months): a suppression
 * ends, and an operator lifts one sooner with `npm run suppression -- remove`.
 */
export const SUPPRESSION_MS = 180 * DAY_MS;

/** SPEC §6: audit retention. */
export const AUDIT_RETENTION_DAYS: SettingBounds = { default: 180, min: 1, max: 3650 };

/**
 * How long each kind of item must live: at least as long as the longest rule it serves, then
 * DynamoDB's TTL may remove it. A test holds each one to its windows.
 */
export const ITEM_LIFETIME_MS = {
  /** A destination's item: its code and all four windows. */
  destination:
    Math.max(SEND_COOLDOWN.windowMs, SEND_DAILY_CAP.windowMs, VERIFY_ATTEMPTS.windowMs, VERIFY_FAILURES_PER_DESTINATION.windowMs) +
    MINUTE_MS,
  /** A requester's failures at one destination. */
  requesterFailures: VERIFY_FAILURES_PER_REQUESTER.windowMs + MINUTE_MS,
  /** A source IP's send window. */
  sourceIp: SEND_PER_SOURCE_IP.windowMs + MINUTE_MS,
  /** An hour's SMS count of a country: its hour, then an hour to look at it. */
  countryBudget: 2 * COUNTRY_BUDGET_PERIOD_MS,
  /** A partner's request count of one second. */
  partnerRate: MINUTE_MS,
  /** A used CAPTCHA jti must outlive the longest pass that could carry it. */
  usedCaptcha: CAPTCHA_MAX_LIFETIME_MS + MINUTE_MS,
  /** An (access key, source) pair's failure run and lock. */
  accessKeyLockout: Math.max(AK_LOCK_MS, AK_FAILURE_MEMORY_MS),
  /**
   * A delivery request: its outcome marks must outlive the stream's 24 h retention so a redelivered record
   * still finds them, and the request must be there when its provider's receipts come (RECEIPT_WINDOW_MS).
   */
  deliveryRequest: Math.max(DAY_MS, RECEIPT_WINDOW_MS) + HOUR_MS,
  /** A suppressed destination (hard bounce, complaint, opt-out): refused until then, or until an operator lifts it. */
  suppression: SUPPRESSION_MS,
  /** An audit record. */
  audit: (retentionDays: number) => retentionDays * DAY_MS,
} as const;

/** The TTL attribute's value (epoch seconds) for an item written at `nowMs` that must live `lifetimeMs`. */
export const ttlAfter = (nowMs: number, lifetimeMs: number): number => Math.ceil((nowMs + lifetimeMs) / SECOND_MS);

/**
 * Time budgets (SPEC §6: a stalled dependency ends in the family's answer within 3 s, with its audit record,
 * never in a Lambda timeout). serverless.yml's `timeout` is FUNCTION_TIMEOUT_MS (a test holds them together):
 * longer than a request's budget, since a cold start reads its secrets first. A request runs within
 * min(what Lambda says is left, REQUEST_BUDGET_MS): its work ends ANSWER_RESERVE_MS before the budget's end,
 * leaving time to write the audit record and undo a failed send; the answer phase ends RETURN_RESERVE_MS
 * before it.
 */
export const FUNCTION_TIMEOUT_MS = 10 * SECOND_MS;
/** At most Lambda's longest timeout: a request never has more than its function's own timeout anyway. */
export const REQUEST_BUDGET_MS: SettingBounds = { default: 3 * SECOND_MS, min: SECOND_MS, max: 15 * MINUTE_MS };
/**
 * The local stage's budget, the function's timeout: DynamoDB Local on a developer's machine answers a burst
 * of concurrent requests seconds late, where DynamoDB answers in milliseconds.
 */
export const LOCAL_REQUEST_BUDGET_MS = FUNCTION_TIMEOUT_MS;
export const ANSWER_RESERVE_MS = SECOND_MS;
export const RETURN_RESERVE_MS = 200;
/**
 * One DynamoDB attempt (config DDB_REQUEST_TIMEOUT_MS); the SDK retries within the request's budget. Sized so
 * that DYNAMODB_MAX_ATTEMPTS attempts and the SDK's backoffs between them fit in a request's work phase.
 */
export const DYNAMODB_ATTEMPT_TIMEOUT_MS: SettingBounds = { default: 500, min: 100, max: 30 * SECOND_MS };
/** The local stage's attempt timeout: a slow answer of DynamoDB Local is waited for rather than repeated. */
export const LOCAL_DYNAMODB_ATTEMPT_TIMEOUT_MS = 4 * SECOND_MS;
export const DYNAMODB_CONNECT_TIMEOUT_MS: SettingBounds = { default: 500, min: 50, max: 10 * SECOND_MS };
/** Attempts per DynamoDB call, the first included: the SDK's standard retry of throttling and transient faults. */
export const DYNAMODB_MAX_ATTEMPTS = 3;
/** The SDK's standard retry: the backoff before a retry is drawn up to this, doubling per retry (longer after throttling). */
export const DYNAMODB_SDK_BACKOFF_MS = { first: 100, throttled: 500 } as const;
/**
 * A conflicting write cancels a transaction at once (TransactionConflict) instead of waiting, and the SDK does
 * not retry that: the whole transaction is run again (store/transactions.ts), a few times within the request's
 * budget; a transaction still cancelled after that is answered as capacity (503), not as a caller's limit.
 */
export const TRANSACTION_CONFLICT_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 20, maxDelayMs: 80 };
/**
 * Retry-After of a 503 for DynamoDB's capacity (SPEC §2): throttled, or a transaction cancelled by others on
 * its items through every attempt (a moment's contention), or a call that got no answer (a stall lasts longer).
 */
export const CAPACITY_RETRY_AFTER_SECONDS = { throttled: 1, contended: 1, unanswered: 5 } as const;
/** What a caller is told to wait when other requests on the same items kept winning (a contended destination). */
export const CONTENDED_RETRY_AFTER_MS = SECOND_MS;
/** How often verify judges an attempt again when the destination's item changed under it (concurrent attempts). */
export const VERIFY_JUDGING_ROUNDS = 4;
/**
 * Work that must still happen after its request was answered (undoing a send whose outcome was unknown):
 * retried outside any request's budget, while the execution environment lives (shared/background.ts).
 */
export const BACKGROUND_RETRY: RetryPolicy = { attempts: 30, firstDelayMs: 250, maxDelayMs: 5 * SECOND_MS };
/**
 * One SendTextMessage / SendVoiceMessage / SES SendEmail: the wait for the answer's headers (the SDK's
 * requestTimeout), and the whole call, its body included (an abort signal: requestTimeout does not time a
 * body that stalls). A call that timed out is never retried (the provider may have taken it: a retry could
 * send a second message); one the provider refused for a while (throttling, its own fault) is (DELIVERY_RETRY).
 */
export const DELIVERY_TIMEOUT_MS = 3 * SECOND_MS;
export const DELIVERY_CALL_MS = DELIVERY_TIMEOUT_MS + SECOND_MS;
/** Attempts at one delivery (deliverCode) while the provider refuses it (an answered error: nothing was sent). */
export const DELIVERY_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 250, maxDelayMs: 500 };
/**
 * serverless.yml's `timeout` of deliverCode: a batch's deliveries run in parallel, each within its
 * attempts (3 × DELIVERY_CALL_MS) and their delays, with the request's reserves. A test holds them together.
 */
export const DELIVER_FUNCTION_TIMEOUT_MS = 20 * SECOND_MS;

/**
 * Secrets at cold start (secrets/ssm-get-parameters.ts): Lambda's init phase has 10 s. One GetParameters
 * attempt has SSM_ATTEMPT_MS in all, body included; no attempt starts that could end past SSM_READ_BUDGET_MS
 * (3 slow attempts and a throttled backoff could otherwise take ~9 s of the 10). The backoffs are the SDK's
 * standard retry strategy's, longer after throttling.
 */
export const SSM_ATTEMPT_MS = 2500;
/** An SSM attempt's connection, and its wait for the answer's headers (within SSM_ATTEMPT_MS). */
export const SSM_CONNECT_TIMEOUT_MS = SECOND_MS;
export const SSM_HEADERS_TIMEOUT_MS = 2 * SECOND_MS;
/** Powertools keeps the secrets read at cold start this long, so a second load in one environment reads none. */
export const SECRET_CACHE_SECONDS = 900;
export const SSM_READ_BUDGET_MS = 7 * SECOND_MS;
export const SSM_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 100, maxDelayMs: 20 * SECOND_MS };
export const SSM_THROTTLED_RETRY: RetryPolicy = { ...SSM_RETRY, firstDelayMs: 500 };

/**
 * SPEC §4: the parts an SMS template may take (SMS_MAX_PARTS). One by default: a second part doubles the
 * price of every code sent. At most ten, within what End User Messaging accepts in one message.
 */
export const SMS_MAX_PARTS: SettingBounds = { default: 1, min: 1, max: 10 };

/**
 * Token keys from a JWKS URL (shared/auth/jwt.ts): one fetch of the key set may take this long, and an
 * unknown key id refetches the set at most once per cooldown (a flood of forged key ids costs one fetch).
 */
export const JWKS_FETCH_TIMEOUT_MS = 2 * SECOND_MS;
export const JWKS_REFETCH_COOLDOWN_MS = 30 * SECOND_MS;

/**
 * End User Messaging's price caps (SMS_MAX_PRICE, VOICE_MAX_PRICE_PER_MINUTE, USD): a message dearer than
 * its cap is refused, not sent (SendTextMessage MaxPrice, SendVoiceMessage MaxPricePerMinute). The API
 * takes at most two integer and five decimal digits; unset, no cap is sent.
 */
export const MESSAGE_PRICE_USD = { min: 0.00001, max: 99.99999 } as const;
/** A delivery request's id in a message's Context (End User Messaging) or EmailTags (SES): what its receipts name. */
export const RECEIPT_CONTEXT_KEY = 'deliveryRequestId';
/**
 * The receipts function (SNS → Lambda, asynchronous): Lambda retries a failed invocation this many times,
 * then hands the event to the receipts' on-failure queue.
 */
export const RECEIPT_INVOKE_RETRIES = 2;

/**
 * Lifecycle events (shared/events/publisher.ts): PutEvents takes at most PUT_EVENTS_MAX_ENTRIES entries a
 * call. One call has EVENTS_CALL_MS in all, its body included (EVENTS_TIMEOUT_MS for the answer's headers);
 * only the entries a call failed are put again, or the whole call when it got no answer (a duplicate is the
 * price: EventBridge has no idempotent put), within EVENTS_RETRY and the invocation's budget.
 */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const EVENTS_TIMEOUT_MS = 2 * SECOND_MS;
export const EVENTS_CALL_MS = EVENTS_TIMEOUT_MS + SECOND_MS;
export const EVENTS_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 200, maxDelayMs: SECOND_MS };
/**
 * Message feedback (PutMessageFeedback RECEIVED for a verified SMS or voice code): a call like a PutEvents
 * call; setting the same status again changes nothing, so a call without an answer may be repeated.
 */
export const MESSAGE_FEEDBACK_RETRY: RetryPolicy = { attempts: 2, firstDelayMs: 200, maxDelayMs: SECOND_MS };
/**
 * serverless.yml's `timeout` of publishLifecycleEvents: a batch's PutEvents calls and feedback calls run
 * at once, each within its attempts and their waits, with the request's reserves.
 */
export const EVENTS_FUNCTION_TIMEOUT_MS = 15 * SECOND_MS;
