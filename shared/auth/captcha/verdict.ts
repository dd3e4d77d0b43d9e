import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import type { UserIdentity } from '../../domain/destination.js';
import type { CaptchaProviderName } from './settings.js';

/** A remote provider's configuration: its settings and its secret. */
export type ProviderConfig = Extract<Config['captcha'], { kind: 'provider' }>;

/** A send's `token`, and what it must prove: a person solved the puzzle for this very `user`, just now. */
export interface CaptchaAttempt {
  token: string;
  /** The send's `user`, normalized (E.164 number, lower-cased email or account name). */
  user: UserIdentity;
  /** The `user` string exactly as sent. */
  rawUser: string;
  /** The caller's address, handed to the provider as its `remoteip`. */
  sourceIp: string | undefined;
  nowMs: number;
}

/** What send claims in its transaction: the pass's single-use id, and until when the pass could be redeemed. */
export interface CaptchaPass {
  jti: string;
  expiresAtMs: number;
}

/** The check a refused pass failed (403 USG.000000006): what its audit record says as `captcha`. */
export type RefusedCheck =
  | 'missing'
  | 'format'
  | 'invalid'
  | 'expired'
  | 'reused'
  /** The provider does not say which (Turnstile's and reCAPTCHA's `timeout-or-duplicate`). */
  | 'expired-or-reused'
  | 'user'
  | 'hostname'
  | 'action'
  | 'score'
  | 'captcha-id';

/** Why the provider could not judge the pass (503 USG.000000503): the request's audit record says it. */
export type UnavailableCheck = 'timeout' | 'unreachable' | 'status' | 'malformed-answer' | 'provider-error';

/** Facts for the audit record (never the token, never the secret). */
export type CaptchaFacts = Record<string, string | number>;

export type CaptchaVerdict =
  | { outcome: 'passed'; pass: CaptchaPass }
  | { outcome: 'refused'; check: RefusedCheck; facts?: CaptchaFacts }
  | { outcome: 'unavailable'; check: UnavailableCheck; facts?: CaptchaFacts }
  /** The provider refused our request, not the pass (a wrong secret or sitekey): the operator must act. */
  | { outcome: 'misconfigured'; check: 'misconfigured'; facts?: CaptchaFacts };

export type Unavailable = Extract<CaptchaVerdict, { outcome: 'unavailable' }>;

/** One provider's verification of a send's token. */
export type CaptchaAdapter = (attempt: CaptchaAttempt) => Promise<CaptchaVerdict>;

export const passed = (jti: string, expiresAtMs: number): CaptchaVerdict => ({ outcome: 'passed', pass: { jti, expiresAtMs } });
export const refused = (check: RefusedCheck, facts?: CaptchaFacts): CaptchaVerdict => ({
  outcome: 'refused',
  check,
  ...(facts && { facts }),
});
export const unavailable = (check: UnavailableCheck, facts?: CaptchaFacts): Unavailable => ({
  outcome: 'unavailable',
  check,
  ...(facts && { facts }),
});
export const misconfigured = (facts?: CaptchaFacts): CaptchaVerdict => ({
  outcome: 'misconfigured',
  check: 'misconfigured',
  ...(facts && { facts }),
});

/**
 * A provider pass's single-use id: the SHA-256 of what identifies it (the token; GeeTest's lot number),
 * under the provider's name. The token itself is never stored.
 */
export const providerPassId = (provider: CaptchaProviderName, material: string): string =>
  `${provider}:${createHash('sha256').update(material).digest('base64url')}`;

/** A provider's own words (error codes, a reason) for the audit record: short, and of plain characters only. */
export const auditText = (value: unknown): string =>
  String(value)
    .replace(/[^\w .,:-]/g, '?')
    .slice(0, 100);

/**
 * What a siteverify-style answer's `error-codes` mean, in the order they are acted on: our request was
 * refused (the operator's secret or sitekey), the provider failed, else the pass was refused.
 */
export interface ErrorCodeMeaning {
  misconfigured: readonly string[];
  unavailable: readonly string[];
  refused: Readonly<Record<string, RefusedCheck>>;
}

export function verdictOfErrorCodes(codes: unknown, meaning: ErrorCodeMeaning): CaptchaVerdict {
  const list = Array.isArray(codes) ? codes.filter((c): c is string => typeof c === 'string') : [];
  const facts = { captchaErrors: auditText(list.join(',')) };
  if (list.some((c) => meaning.misconfigured.includes(c))) return misconfigured(facts);
  if (list.some((c) => meaning.unavailable.includes(c))) return unavailable('provider-error', facts);
  // Own keys only: a code such as "constructor" must not resolve through the prototype.
  const known = list.filter((c) => Object.hasOwn(meaning.refused, c)).map((c) => meaning.refused[c])[0];
  // An unknown code, or none, still refuses the pass: the provider said it was no success.
  return refused(known ?? 'invalid', facts);
}
