import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import type { AuditSink } from '../audit/request-audit.js';
import type { Settings } from '../config.js';
import type { Family, Language } from '../errors.js';
import { logger, metrics } from '../observability.js';
import { OPERATIONS, type HttpOperationName } from '../operations.js';
import { FUNCTION_TIMEOUT_MS } from '../policy.js';
import type { Authenticator, CallerRateLimit, PublicOperationContext } from '../request/operation-context.js';
import { auditTrail } from './audit-trail.js';
import { callerAuth } from './caller-auth.js';
import { familyResponse } from './family-response.js';
import { flowControl } from './flow-control.js';
import { jsonBody } from './json-body.js';
import { operationCall, lambdaEntry, type LambdaHandler, type OperationCall, type OperationInternal } from './operation-state.js';
import { requestContext } from './request-context.js';
import { requestLog } from './request-log.js';
import { validateInput } from './validate-input.js';

/** SPEC §1: USG answers in Chinese unless asked otherwise (as its seed says), CBC in English. */
const DEFAULT_LANGUAGE: Record<Family, Language> = { CBC: 'en-US', USG: 'zh-CN' };

export interface PublicOperationSpec<S extends z.ZodMiniType, O> {
  operation: HttpOperationName;
  /** Undefined: the operation checks its own proof (send's CAPTCHA pass, bound to the body). */
  authenticate: Authenticator | undefined;
  /** The rate an authenticated caller is held to, if any. */
  flowControl?: CallerRateLimit;
  input: S;
  run(input: z.output<S>, ctx: PublicOperationContext): Promise<O>;
  /** The body on success; undefined → an empty body. Defaults to the output itself. */
  present?(output: O, ctx: PublicOperationContext): unknown;
}

export interface PublicOperationDeps {
  audit: AuditSink;
  clock: () => Date;
  /**
   * `requestBudgetMs`: the most one request may take (shared/policy.ts REQUEST_BUDGET_MS); `corsAllowedOrigins`:
   * the browser origins its answers grant (CORS_ALLOWED_ORIGINS), none when absent.
   */
  config: Pick<Settings, 'requestBudgetMs'> & { corsAllowedOrigins?: readonly string[] };
}

/**
 * A public operation's handler: the request lifecycle as single-concern middlewares, composed here
 * and nowhere else. middy runs `before` in this order and `after`/`onError` in reverse, so the
 * family's response mapping, used first, runs last.
 */
export function publicOperation<S extends z.ZodMiniType, O>(spec: PublicOperationSpec<S, O>, deps: PublicOperationDeps): LambdaHandler {
  const { family, name } = OPERATIONS[spec.operation];
  const handler = middy<unknown, unknown, Error, Context, OperationInternal>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(familyResponse({ family, allowedOrigins: deps.config?.corsAllowedOrigins ?? [] }))
    .use(requestLog({ family }))
    .use(requestContext({ operation: name, defaultLanguage: DEFAULT_LANGUAGE[family], clock: deps.clock }))
    .use(auditTrail({ family, sink: () => deps.audit }));
  if (spec.authenticate) handler.use(callerAuth(spec.authenticate));
  if (spec.flowControl) handler.use(flowControl(spec.flowControl));
  const composed = handler
    .use(jsonBody({ family }))
    .use(validateInput({ family, schema: spec.input }))
    .use(operationCall())
    .handler(async (event) => {
      const { input, ctx } = event as OperationCall<z.output<S>>;
      const output = await spec.run(input, ctx);
      return spec.present ? spec.present(output, ctx) : output;
    });
  return lambdaEntry(composed, FUNCTION_TIMEOUT_MS, deps.config.requestBudgetMs);
}
