import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Context } from 'aws-lambda';
import { invalidParameters, type Family } from '../errors.js';
import { MAX_BODY_BYTES } from '../policy.js';
import { stateOf, type OperationInternal } from './operation-state.js';

const JSON_CONTENT_TYPE = /^application\/json\s*(;.*)?$/i;

interface JsonBodyOptions {
  family: Family;
  maxBytes?: number;
}

/**
 * An HTTP body must be a JSON object of at most 8 KiB sent as `application/json`; anything else is
 * the family's 400. middy's parser does the parsing; this middleware adds SPEC's limits around it
 * and leaves a direct invocation (whose event already is the body) alone.
 */
export function jsonBody(opts: JsonBodyOptions): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { maxBytes: MAX_BODY_BYTES, ...opts };
  // The content type is checked below, case-insensitively as media types are (middy's check is not);
  // disableContentTypeCheck is documented (middy.js.org) but missing from the package's types.
  const parser = httpJsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0]);
  return {
    before: async (request) => {
      const { incoming } = stateOf(request);
      if (incoming.direct) return;
      const contentType = incoming.headers['content-type'];
      if (!contentType || !JSON_CONTENT_TYPE.test(contentType)) throw invalidParameters(options.family, 'content type is not application/json');
      const raw = incoming.rawBody ?? '';
      if (Buffer.byteLength(raw, 'utf8') > options.maxBytes) throw invalidParameters(options.family, `body larger than ${options.maxBytes} bytes`);
      if (raw.trim() === '') throw invalidParameters(options.family, 'empty body');
      try {
        await parser.before!(request as never);
      } catch {
        throw invalidParameters(options.family, 'body is not valid JSON');
      }
      const body = (request.event as { body?: unknown }).body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidParameters(options.family, 'body is not a JSON object');
    },
  };
}

/** The request's body as an object: the parsed HTTP body, or a direct invocation's event. */
export function bodyOf(request: { event: unknown; internal: OperationInternal }): unknown {
  const { incoming } = stateOf(request as never);
  return incoming.direct ? incoming.directBody : (request.event as { body?: unknown }).body;
}
