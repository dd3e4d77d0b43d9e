// The frame the three AWS stand-ins share: an HTTP server on 127.0.0.1 (a free port), the SigV4 check, a
// record of every request as it arrived and as it was parsed, the answer in the service's wire protocol, and
// the fault controls (delay, hang, headers-then-hang, closed connection, 5xx, throttling, malformed body,
// a documented error), for the next N calls or for all of them.
//
// Wire protocols, from the Smithy protocol specifications AWS publishes:
//   awsJson1_0 / awsJson1_1: https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html (POST /, X-Amz-Target
//     "<ServiceName>.<Operation>", Content-Type application/x-amz-json-1.x, errors as a body with "__type")
//   restJson1: https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html (HTTP binding per operation;
//     errors named by the X-Amzn-Errortype header, the message in the body)
//   Unknown operations: UnknownOperationException (awsJson), SerializationException for a body that is not a
//     JSON object of the modelled types.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSignature, STAND_IN_CREDENTIALS, type SignatureScope, type TestCredentials } from './sigv4.js';

/** An error the service documents; thrown by an operation, rendered in the protocol's error shape. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Members of the error structure besides its message (e.g. Reason, Fields, ResourceType). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export type Fault =
  /** Answer normally, after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Read the request and never answer (until the stand-in closes). */
  | { kind: 'hang'; effect?: boolean }
  /** Send the status line and headers of a 200 that announces a body, then never send the body. */
  | { kind: 'stall-body'; effect?: boolean }
  /** Close the connection without answering. */
  | { kind: 'close'; effect?: boolean }
  /** Answer the service's own internal error (500) or 502/503/504. */
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504 }
  /** Answer the service's throttling error. */
  | { kind: 'throttle' }
  /** Answer 200 with a body that is not the operation's JSON. */
  | { kind: 'malformed'; effect?: boolean }
  /** Answer one of the operation's documented errors; `fields` are the error structure's other members. */
  | { kind: 'error'; code: string; message?: string; fields?: Record<string, unknown> };
// `effect: true`: the operation takes place (a message is sent, its events follow) and only the answer is
// lost, which is what a caller cannot tell apart from a request that never arrived.

export interface RecordedCall {
  seq: number;
  /** The operation the request names (X-Amz-Target or the REST route); '' when it names none. */
  operation: string;
  method: string;
  path: string;
  /** As they arrived, names in lower case. */
  headers: Record<string, string>;
  rawBody: string;
  /** The parsed JSON body; undefined when the body is not JSON. */
  input: unknown;
  receivedAt: number;
  /** amz-sdk-invocation-id: the SDK sends the same value on every attempt of one command. */
  invocationId?: string;
  signature?: SignatureScope;
  fault?: Fault['kind'];
  /** The HTTP status answered; undefined while (or when) no answer was sent. */
  status?: number;
  /** The error code answered, when the answer was an error. */
  errorCode?: string;
  answered: boolean;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Protocol {
  signingName: string;
  /** The operation a request names, or a ServiceError for one the service does not have. */
  operationOf(method: string, path: string, headers: Record<string, string>): string | ServiceError;
  contentType: string;
  renderError(e: ServiceError, requestId: string): Answer;
  throttlingError(): ServiceError;
  serverError(status: 500 | 502 | 503 | 504): ServiceError;
  /** The documented errors of an operation with their HTTP status, to answer an `error` fault faithfully. */
  documentedErrors(operation: string): Record<string, number>;
}

/** What an operation may do after its answer is written: publish events, for instance. */
export type AfterAnswer = (work: () => void) => void;
export type Handler = (operation: string, input: unknown, after: AfterAnswer) => Answer;

export interface StandInOptions {
  /** Credentials whose signatures are verified; default: STAND_IN_CREDENTIALS. */
  credentials?: TestCredentials[];
  /** false: check the Authorization header's presence, form, service and clock, not the signature. */
  verifySignature?: boolean;
}

export interface FaultControl {
  /** The next `times` calls (default 1) meet `fault`, before any standing fault. */
  next(fault: Fault, times?: number): void;
  /** Every call meets `fault` until clear(). */
  always(fault: Fault): void;
  clear(): void;
}

export interface StandInFrame {
  endpoint: string;
  calls: RecordedCall[];
  faults: FaultControl;
  /** Calls that got no answer (hang, closed connection, headers without a body). */
  unanswered(): RecordedCall[];
  /** Calls that repeat an earlier unanswered call: the same operation with the same input. */
  repeatsOfUnanswered(): RecordedCall[];
  close(): Promise<void>;
}

const canonicalJson = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonicalJson).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

export async function startStandIn(protocol: Protocol, handler: Handler, options: StandInOptions = {}): Promise<StandInFrame> {
  const calls: RecordedCall[] = [];
  const queued: Fault[] = [];
  let standing: Fault | undefined;
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const credentials = options.credentials ?? [STAND_IN_CREDENTIALS];

  const write = (res: ServerResponse, call: RecordedCall, requestId: string, a: Answer) => {
    const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    res.writeHead(a.status, {
      'content-type': protocol.contentType,
      'x-amzn-requestid': requestId,
      'content-length': String(Buffer.byteLength(body)),
      ...a.headers,
    });
    res.end(body);
    call.status = a.status;
    call.answered = true;
  };
  const writeError = (res: ServerResponse, call: RecordedCall, requestId: string, e: ServiceError) => {
    call.errorCode = e.code;
    write(res, call, requestId, protocol.renderError(e, requestId));
  };

  const serve = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!.toLowerCase()] = req.rawHeaders[i + 1]!;
    const rawBody = raw.toString('utf8');
    let input: unknown;
    try {
      input = rawBody === '' ? undefined : JSON.parse(rawBody);
    } catch {
      input = undefined;
    }
    const method = req.method ?? '';
    const path = req.url ?? '/';
    const routed = protocol.operationOf(method, path, headers);
    const call: RecordedCall = {
      seq: calls.length + 1,
      operation: typeof routed === 'string' ? routed : '',
      method,
      path,
      headers,
      rawBody,
      input,
      receivedAt: Date.now(),
      invocationId: headers['amz-sdk-invocation-id'],
      answered: false,
    };
    calls.push(call);
    const requestId = randomUUID();

    const auth = checkSignature(
      { method, url: path, headers, body: raw },
      { service: protocol.signingName, credentials, verify: options.verifySignature ?? true, now: Date.now() },
    );
    call.signature = auth.scope;
    if (!auth.ok) return writeError(res, call, requestId, new ServiceError(auth.code, auth.status, auth.message));
    if (typeof routed !== 'string') return writeError(res, call, requestId, routed);

    const fault = queued.shift() ?? standing;
    call.fault = fault?.kind;
    const deferred: (() => void)[] = [];
    const runOperation = (): Answer => {
      try {
        if (input === undefined && rawBody !== '')
          throw new ServiceError('SerializationException', 400, 'The request body is not valid JSON.');
        return handler(call.operation, input ?? {}, (work) => deferred.push(work));
      } catch (e) {
        if (e instanceof ServiceError) {
          call.errorCode = e.code;
          return protocol.renderError(e, requestId);
        }
        throw e;
      }
    };
    const publish = () => {
      for (const work of deferred.splice(0)) setImmediate(work);
    };
    // The operation takes place; its answer is lost on the way.
    const takeEffect = () => {
      runOperation();
      publish();
    };

    switch (fault?.kind) {
      case undefined:
        write(res, call, requestId, runOperation());
        return publish();
      case 'delay': {
        // A slow service still does the work when the caller has given up waiting.
        const t = setTimeout(() => {
          timers.delete(t);
          const answer = runOperation();
          publish();
          if (!res.destroyed) write(res, call, requestId, answer);
        }, fault.ms);
        timers.add(t);
        return;
      }
      case 'hang':
        if (fault.effect) takeEffect();
        held.add(res);
        return;
      case 'stall-body':
        if (fault.effect) takeEffect();
        held.add(res);
        res.writeHead(200, { 'content-type': protocol.contentType, 'x-amzn-requestid': requestId, 'content-length': '1024' });
        res.flushHeaders();
        return;
      case 'close':
        if (fault.effect) takeEffect();
        req.socket.destroy();
        return;
      case 'malformed':
        if (fault.effect) takeEffect();
        return write(res, call, requestId, { status: 200, body: '{"MessageId": "trunc' });
      case 'throttle':
        return writeError(res, call, requestId, protocol.throttlingError());
      case 'server-error':
        return writeError(res, call, requestId, protocol.serverError(fault.status ?? 500));
      case 'error': {
        const status = protocol.documentedErrors(call.operation)[fault.code];
        // A misused control, not an AWS answer: say so loudly.
        if (status === undefined)
          return write(res, call, requestId, {
            status: 599,
            body: `stand-in defect: ${fault.code} is not a documented error of ${call.operation}`,
          });
        return writeError(
          res,
          call,
          requestId,
          new ServiceError(fault.code, status, fault.message ?? `${fault.code} (stand-in fault)`, fault.fields),
        );
      }
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        serve(req, res, Buffer.concat(chunks));
      } catch (e) {
        // A defect of the stand-in or a misused control: say so loudly rather than imitate AWS.
        res.writeHead(599, { 'content-type': 'text/plain' });
        res.end(`stand-in defect: ${(e as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    calls,
    faults: {
      next: (fault, times = 1) => {
        for (let i = 0; i < times; i++) queued.push(fault);
      },
      always: (fault) => void (standing = fault),
      clear: () => {
        queued.length = 0;
        standing = undefined;
      },
    },
    unanswered: () => calls.filter((c) => !c.answered && c.fault !== undefined),
    repeatsOfUnanswered: () => {
      const keyOf = (c: RecordedCall) => `${c.operation} ${canonicalJson(c.input)}`;
      return calls.filter((c) => calls.some((earlier) => earlier.seq < c.seq && !earlier.answered && keyOf(earlier) === keyOf(c)));
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- The two JSON protocols' request routing and error shapes ----

/** awsJson1_0 / awsJson1_1: POST / with X-Amz-Target "<targetPrefix>.<Operation>". */
export function awsJsonProtocol(spec: {
  version: '1.0' | '1.1';
  targetPrefix: string;
  signingName: string;
  operations: Record<string, Record<string, number>>;
  /** The error structure's message member as the model names it ("Message" or "message"). */
  messageMember: 'Message' | 'message';
  throttling: () => ServiceError;
  internal: () => ServiceError;
}): Protocol {
  return {
    signingName: spec.signingName,
    contentType: `application/x-amz-json-${spec.version}`,
    operationOf: (method, path, headers) => {
      const target = headers['x-amz-target'] ?? '';
      const [prefix, operation = ''] = target.split('.', 2);
      if (method !== 'POST' || path.split('?')[0] !== '/' || prefix !== spec.targetPrefix || !(operation in spec.operations)) {
        return new ServiceError('UnknownOperationException', 400, `The operation ${target || '(none)'} is not known.`);
      }
      return operation;
    },
    renderError: (e) => ({ status: e.status, body: { __type: e.code, [spec.messageMember]: e.message, ...e.fields } }),
    throttlingError: spec.throttling,
    serverError: (status) => (status === 500 ? spec.internal() : new ServiceError('ServiceUnavailable', status, 'Service is unavailable.')),
    documentedErrors: (operation) => spec.operations[operation] ?? {},
  };
}

/** restJson1: each operation its own method and path; errors named by X-Amzn-Errortype. */
export function restJsonProtocol(spec: {
  signingName: string;
  routes: { method: string; path: string; operation: string; errors: Record<string, number> }[];
  throttling: () => ServiceError;
  internal: () => ServiceError;
}): Protocol {
  return {
    signingName: spec.signingName,
    contentType: 'application/json',
    operationOf: (method, path) => {
      const route = spec.routes.find((r) => r.method === method && r.path === path.split('?')[0]);
      return route ? route.operation : new ServiceError('UnknownOperationException', 404, `No operation at ${method} ${path}.`);
    },
    renderError: (e) => ({ status: e.status, headers: { 'x-amzn-errortype': e.code }, body: { message: e.message, ...e.fields } }),
    throttlingError: spec.throttling,
    serverError: (status) => (status === 500 ? spec.internal() : new ServiceError('ServiceUnavailable', status, 'Service is unavailable.')),
    documentedErrors: (operation) => spec.routes.find((r) => r.operation === operation)?.errors ?? {},
  };
}
