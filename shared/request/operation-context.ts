import type { RequestAudit } from '../audit/request-audit.js';
import type { Language } from '../errors.js';
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
  language: Language;
  /** A trusted direct invocation (IAM authenticated it): no caller token, no CAPTCHA. */
  direct: boolean;
  sourceIp: string | undefined;
}

/** Checks an HTTP request's credentials: returns the caller's identity for the audit, or throws a ServiceError of the family. */
export type Authenticator = (request: IncomingRequest, ctx: { now: Date; requestId: string }) => Promise<string>;
