import type { RequestAudit } from '../audit/request-audit.js';
import type { ErrorCode, Language } from '../errors.js';
import type { IncomingRequest } from './incoming.js';

/**
 * What a domain function may know about the request it serves, whichever way it came in (HTTP,
 * direct invocation or an event). Neutral ground: the domain and the auth adapters import it, the
 * middlewares build it.
 */
export interface OperationContext {
  requestId: string;
  now: Date;
  /** The request's audit: the domain names its subject; stores commit its record with their writes. */
  audit: RequestAudit;
}

/** A public operation's request (HTTP or a direct invocation of the same function). */
export interface PublicOperationContext extends OperationContext {
  /** The language of the answer's messages. */
  language: Language;
  /** The caller's Accept-Language, most wanted first: a code message is written in the first the stage has. */
  acceptedLanguages?: readonly string[];
  /** A trusted direct invocation (IAM authenticated it): no caller token, no CAPTCHA. */
  direct: boolean;
  sourceIp: string | undefined;
  /** Who the credentials proved the caller to be; undefined for a direct invocation or an unauthenticated operation. */
  caller: AuthenticatedCaller | undefined;
}

/** An HTTP caller as its credentials name it: limits count against it, the audit records `kind:subject`. */
export interface AuthenticatedCaller {
  kind: 'app' | 'partner-token' | 'partner-ak';
  /** The token's `sub`, or the access key. */
  subject: string;
}

/** The audit record's `caller` for an authenticated caller (`app:<sub>`, `partner-ak:<AK>`, …). */
export const callerLabel = (caller: AuthenticatedCaller): string => `${caller.kind}:${caller.subject}`;

/** Checks an HTTP request's credentials: returns who the caller is, or throws a ServiceError of the family. */
export type Authenticator = (request: IncomingRequest, ctx: { now: Date; requestId: string }) => Promise<AuthenticatedCaller>;

/** A rate an authenticated caller's requests are held to (shared/middleware/flow-control.ts applies it). */
export interface CallerRateLimit {
  /** Counts this request against the caller: undefined when admitted, else milliseconds until it would be. */
  admit(caller: AuthenticatedCaller, now: Date): Promise<number | undefined>;
  /** What a refused request is answered with (a 429 of the family). */
  refusal: ErrorCode;
}
