import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import * as z from 'zod/mini';
import { ERROR_CODES, FAMILY_CODES, ServiceError, invalidParameters, messageFor, type Family, type Language } from '../errors.js';
import { countMetric, logger, metrics } from '../observability.js';
import type { AuditItem, AuditLog, AuditRecord } from '../store/audit.js';
import { pickLanguage } from './language.js';
import { normalizeEvent, type IncomingRequest } from './request.js';

export const MAX_BODY_BYTES = 8 * 1024;
// A caller's X-Request-Id is echoed in a header and stored: accept only a safe, bounded token.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_CONTENT_TYPE = /^application\/json\s*(;.*)?$/i;

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What a domain function may know and do about the request it serves. */
export interface OperationContext {
  requestId: string;
  language: Language;
  now: Date;
  direct: boolean;
  caller: string;
  sourceIp: string | undefined;
  /** Names the identity the request concerns (keyed hash + masked form) for the audit record. */
  setSubject(hash: string, masked: string): void;
  addAuditDetail(detail: Record<string, string | number | boolean>): void;
  /** This request's audit record as an item, for a domain transaction that commits it with its state change. */
  auditItem(outcome: string, status: number, detail?: Record<string, string | number | boolean>): AuditItem;
  /** The domain's transaction wrote this request's audit record; the pipeline must not add another. */
  auditCommitted(item: AuditItem): void;
}

export interface Authenticator {
  /** Returns the caller's identity for the audit, or throws a ServiceError of the family. */
  (request: IncomingRequest, ctx: { now: Date; requestId: string }): Promise<string>;
}

export interface OperationSpec<S extends z.ZodMiniType, O> {
  name: string;
  family: Family;
  defaultLanguage: Language;
  authenticate: Authenticator | undefined;
  input: S;
  run(input: z.output<S>, ctx: OperationContext): Promise<O>;
  /** The HTTP body on success; undefined → empty body. Defaults to the output itself. */
  present?(output: O, ctx: OperationContext): unknown;
}

export interface PipelineDeps {
  audit: AuditLog;
  clock?: () => Date;
}

interface RequestState {
  requestId: string;
  language: Language;
  startedAt: number;
  now: Date;
  incoming: IncomingRequest;
  caller: string;
  subjectHash: string | undefined;
  subjectMasked: string | undefined;
  detail: Record<string, string | number | boolean>;
  committedAudit: AuditItem | undefined;
  input: unknown;
}

type Ctx = Context & { verigate?: RequestState };

/** The error a direct invocation throws: `name` is the code, so a state machine can Catch on it. */
export class OperationError extends Error {
  constructor(
    code: string,
    message: string,
    readonly fields: Record<string, unknown>,
  ) {
    super(message);
    this.name = code;
  }
}

function parseBody(family: Family, incoming: IncomingRequest): unknown {
  if (incoming.direct) {
    if (typeof incoming.directBody !== 'object' || incoming.directBody === null)
      throw invalidParameters(family, 'direct invocation event is not an object');
    return incoming.directBody;
  }
  const contentType = incoming.headers['content-type'];
  if (!contentType || !JSON_CONTENT_TYPE.test(contentType)) throw invalidParameters(family, 'content type is not application/json');
  const raw = incoming.rawBody ?? '';
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw invalidParameters(family, 'body larger than 8 KiB');
  if (raw.trim() === '') throw invalidParameters(family, 'empty body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameters(family, 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidParameters(family, 'body is not a JSON object');
  return parsed;
}

function errorBody(family: Family, code: string, message: string, requestId: string, fields: Record<string, unknown>) {
  return family === 'USG'
    ? { error_code: code, error_msg: message, request_id: requestId, ...fields }
    : { error_code: code, error_msg: message, ...fields };
}

/**
 * Builds a public operation's handler: one middy stack for every HTTP function (request id,
 * language, body limits and parsing, caller auth, zod validation, audit, error mapping last).
 */
export function httpOperation<S extends z.ZodMiniType, O>(spec: OperationSpec<S, O>, deps: () => PipelineDeps) {
  const clock = () => deps().clock?.() ?? new Date();

  const begin: MiddlewareObj<unknown, unknown, Error, Ctx> = {
    before: async (request) => {
      const incoming = normalizeEvent(request.event);
      const given = incoming.headers['x-request-id'];
      const now = clock();
      const state: RequestState = {
        requestId: given && REQUEST_ID.test(given) ? given : randomUUID(),
        language: pickLanguage(incoming.headers['accept-language'], spec.defaultLanguage),
        startedAt: performance.now(),
        now,
        incoming,
        caller: incoming.direct ? 'direct' : 'anonymous',
        subjectHash: undefined,
        subjectMasked: undefined,
        detail: {},
        committedAudit: undefined,
        input: undefined,
      };
      request.context.verigate = state;
      logger.appendKeys({ requestId: state.requestId, operation: spec.name });
    },
    after: async (request) => {
      const state = request.context.verigate!;
      const successCode = FAMILY_CODES[spec.family].success;
      await finishAudit(state, successCode, 200);
      request.response = state.incoming.direct ? request.response : httpSuccess(state, request.response);
      done(state, 200, successCode);
    },
    onError: async (request) => {
      const state = request.context.verigate;
      const err = request.error;
      const se = err instanceof ServiceError ? err : undefined;
      const code = se?.code ?? FAMILY_CODES[spec.family].internal;
      const status = ERROR_CODES[code].status;
      if (!se) {
        countMetric('ServerErrors');
        logger.error('unhandled error', {
          error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
        });
      } else if (se.detail) {
        logger.info('request refused', { code, detail: se.detail });
      }
      if (!state) throw err; // the first middleware itself failed: nothing sane to answer with
      try {
        await finishAudit(state, code, status);
      } catch (auditErr) {
        logger.error('audit write failed', { error: auditErr instanceof Error ? auditErr.message : String(auditErr) });
      }
      const message = messageFor(code, state.language);
      const fields = se?.fields ?? {};
      done(state, status, code);
      if (state.incoming.direct) {
        request.response = undefined;
        request.error = new OperationError(code, message, fields);
        return;
      }
      request.error = null;
      request.response = {
        statusCode: status,
        headers: responseHeaders(state, se?.retryAfterSeconds),
        body: JSON.stringify(errorBody(spec.family, code, message, state.requestId, fields)),
      } satisfies HttpResponse;
    },
  };

  /** This request's audit record as it stands now. */
  function auditRecord(
    state: RequestState,
    outcome: string,
    status: number,
    extra?: Record<string, string | number | boolean>,
  ): AuditRecord {
    const detail = { ...state.detail, ...extra };
    return {
      requestId: state.requestId,
      operation: spec.name,
      caller: state.caller,
      outcome,
      status,
      subjectHash: state.subjectHash,
      subjectMasked: state.subjectMasked,
      sourceIp: state.incoming.sourceIp,
      at: state.now,
      latencyMs: Math.round(performance.now() - state.startedAt),
      detail: Object.keys(detail).length ? detail : undefined,
    };
  }

  async function finishAudit(state: RequestState, outcome: string, status: number): Promise<void> {
    const { audit } = deps();
    const record = auditRecord(state, outcome, status);
    if (state.committedAudit) {
      // Already written with the state change; only correct it if the answer changed since.
      if (state.committedAudit.outcome !== outcome) await audit.amend(state.committedAudit, outcome, status, record.latencyMs);
      return;
    }
    await audit.write(record);
  }

  function done(state: RequestState, status: number, code: string) {
    logger.info('request done', {
      status,
      code,
      caller: state.caller,
      subject: state.subjectMasked,
      latencyMs: Math.round(performance.now() - state.startedAt),
    });
    logger.resetKeys();
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }

  function responseHeaders(state: RequestState, retryAfter?: number): Record<string, string> {
    return {
      'content-type': 'application/json;charset=UTF-8',
      'x-request-id': state.requestId,
      'cache-control': 'no-store',
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
    };
  }

  function httpSuccess(state: RequestState, output: unknown): HttpResponse {
    return {
      statusCode: 200,
      headers: responseHeaders(state),
      body: output === undefined ? '' : JSON.stringify(output),
    };
  }

  const parse: MiddlewareObj<unknown, unknown, Error, Ctx> = {
    before: async (request) => {
      const state = request.context.verigate!;
      // Authenticate before looking at the body: an anonymous caller learns nothing about our validation.
      if (!state.incoming.direct && spec.authenticate) {
        state.caller = await spec.authenticate(state.incoming, { now: state.now, requestId: state.requestId });
      }
      const body = parseBody(spec.family, state.incoming);
      const result = spec.input.safeParse(body);
      if (!result.success) throw invalidParameters(spec.family, z.prettifyError(result.error));
      state.input = result.data;
    },
  };

  const core = async (_event: unknown, context: Ctx): Promise<unknown> => {
    const state = context.verigate!;
    const ctx: OperationContext = {
      requestId: state.requestId,
      language: state.language,
      now: state.now,
      direct: state.incoming.direct,
      caller: state.caller,
      sourceIp: state.incoming.sourceIp,
      setSubject(hash, masked) {
        state.subjectHash = hash;
        state.subjectMasked = masked;
      },
      addAuditDetail(detail) {
        Object.assign(state.detail, detail);
      },
      auditItem(outcome, status, extra) {
        return deps().audit.toItem(auditRecord(state, outcome, status, extra));
      },
      auditCommitted(item) {
        state.committedAudit = item;
      },
    };
    const output = await spec.run(state.input as z.output<S>, ctx);
    return spec.present ? spec.present(output, ctx) : output;
  };

  // middy runs `after`/`onError` in reverse order of use: `begin` is used first so that its
  // error mapping runs last.
  return middy<unknown, unknown, Error, Ctx>({ timeoutEarlyInMillis: 0 })
    .use(begin)
    .use(parse)
    .handler(core as never);
}
