import { randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { RequestAudit } from '../audit/request-audit.js';
import type { Language } from '../errors.js';
import { logger } from '../observability.js';
import { CLIENT_REQUEST_ID } from '../policy.js';
import { normalizeEvent } from '../request/incoming.js';
import { pickLanguage } from '../request/language.js';
import type { OperationInternal } from './operation-state.js';

interface RequestContextOptions {
  operation: string;
  defaultLanguage: Language;
  clock: () => Date;
}

/**
 * Starts a public operation's request: one shape for HTTP and direct invocations, its request id
 * (the caller's `X-Request-Id` when it is a safe token, else a new UUID), language, clock reading
 * and audit.
 */
export function requestContext(opts: RequestContextOptions): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { ...opts };
  return {
    before: async (request) => {
      const incoming = normalizeEvent(request.event);
      const given = incoming.headers['x-request-id'];
      const requestId = given && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
      const now = options.clock();
      request.internal.operation = {
        incoming,
        requestId,
        language: pickLanguage(incoming.headers['accept-language'], options.defaultLanguage),
        now,
        audit: new RequestAudit({
          requestId,
          operation: options.operation,
          caller: incoming.direct ? 'direct' : 'anonymous',
          sourceIp: incoming.sourceIp,
          at: now,
        }),
      };
      logger.appendKeys({ requestId, operation: options.operation });
    },
  };
}
