import { randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { RequestAudit } from '../audit/request-audit.js';
import type { Language } from '../errors.js';
import { logger } from '../observability.js';
import { CLIENT_REQUEST_ID } from '../policy.js';
import { normalizeEvent } from '../request/incoming.js';
import { acceptedLanguages, pickLanguage } from '../request/language.js';
import type { OperationInternal } from './operation-state.js';

interface RequestContextOptions {
  operation: string;
  defaultLanguage: Language;
  clock: () => Date;
}

/**
 * Starts a public operation's request: one shape for HTTP and direct invocations, its language,
 * clock reading and audit. Two ids: the platform's own (Lambda's request id) keys the audit record,
 * so no caller can make its record collide with another's; the id a caller sees (its own
 * `X-Request-Id` when that is a safe token, else the platform's) is echoed, logged and stored with it.
 */
export function requestContext(opts: RequestContextOptions): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { ...opts };
  return {
    before: async (request) => {
      const incoming = normalizeEvent(request.event);
      const given = incoming.headers['x-request-id'];
      const clientRequestId = given && CLIENT_REQUEST_ID.test(given) ? given : undefined;
      const platformRequestId = request.context?.awsRequestId || randomUUID();
      const requestId = clientRequestId ?? platformRequestId;
      const now = options.clock();
      request.internal.operation = {
        incoming,
        requestId,
        language: pickLanguage(incoming.headers['accept-language'], options.defaultLanguage),
        acceptedLanguages: acceptedLanguages(incoming.headers['accept-language']),
        now,
        audit: new RequestAudit({
          requestId: platformRequestId,
          clientRequestId,
          operation: options.operation,
          caller: incoming.direct ? 'direct' : 'anonymous',
          sourceIp: incoming.sourceIp,
          at: now,
        }),
      };
      logger.appendKeys({ requestId, operation: options.operation });
      // The access log of the API: every line of a request the function serves says who asked what, so its
      // `request done` line is the request's access-log line (the stage keeps none: docs/operations.md "Logs").
      if (!incoming.direct)
        logger.appendKeys({
          apiRequestId: incoming.gatewayRequestId,
          ip: incoming.sourceIp,
          userAgent: incoming.headers['user-agent'],
          httpMethod: incoming.method,
          path: incoming.path,
        });
    },
  };
}
