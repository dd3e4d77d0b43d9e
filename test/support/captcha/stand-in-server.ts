// The HTTP part of the CAPTCHA providers' loopback stand-ins: a server on 127.0.0.1 that hands each request,
// read whole, to a provider's protocol (the *-stand-in.ts files), and can be told to fail as a real
// service fails. What the protocol answers is the provider's documentation's business, not this file's.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The media type of Content-Type, lower-cased, without parameters ('' when absent). */
  contentType: string;
  body: string;
}

export interface StandInAnswer {
  status: number;
  /** JSON-encoded unless a string. */
  body: unknown;
}

/**
 * How the stand-in fails instead of answering: `hang` (takes the request, never answers), `status-502`
 * and `status-503` (a gateway in front of the provider), `not-json` (an HTML error page), `missing-fields`
 * (JSON without what the protocol promises: the protocol says what that looks like), `huge` (an endless
 * JSON string).
 */
export type StandInFault = 'none' | 'hang' | 'status-502' | 'status-503' | 'not-json' | 'missing-fields' | 'huge';

export interface StandInServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  fault: StandInFault;
  /** Every request received, oldest first. */
  requests: StandInRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, answer: StandInAnswer): void {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const type = typeof answer.body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
  res.writeHead(answer.status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
}

export async function startStandInServer(
  protocol: (req: StandInRequest) => StandInAnswer,
  missingFields: StandInAnswer,
): Promise<StandInServer> {
  const requests: StandInRequest[] = [];
  const state: { fault: StandInFault } = { fault: 'none' };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: StandInRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        contentType: (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase(),
        body: await readBody(req),
      };
      requests.push(request);
      switch (state.fault) {
        case 'hang':
          return; // the socket stays open, unanswered, until the client gives up or the stand-in closes
        case 'status-502':
          return send(res, { status: 502, body: '<html><body>502 Bad Gateway</body></html>' });
        case 'status-503':
          return send(res, { status: 503, body: '<html><body>503 Service Unavailable</body></html>' });
        case 'not-json':
          return send(res, { status: 200, body: '<html><body>Please wait…</body></html>' });
        case 'missing-fields':
          return send(res, missingFields);
        case 'huge': {
          res.on('error', () => undefined); // the client hangs up mid-answer
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"success": true, "hostname": "');
          const chunk = 'x'.repeat(64 * 1024);
          const pump = () => {
            while (res.write(chunk));
          };
          res.on('drain', pump);
          pump();
          return;
        }
        case 'none':
          return send(res, protocol(request));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get fault() {
      return state.fault;
    },
    set fault(f: StandInFault) {
      state.fault = f;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL nothing listens on (connection refused): a provider that is down. */
export async function unreachableOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The request's parameters when it is form-encoded; none otherwise (a form reader finds nothing in JSON). */
export const formParams = (req: StandInRequest): URLSearchParams =>
  req.contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(req.body) : new URLSearchParams();

/**
 * The stand-in: the server, its protocol's own members, and its knobs as properties the protocol reads
 * back (`standIn.acceptReplays = true` changes how the next request is answered).
 */
export function withKnobs<K extends object, M extends object>(server: StandInServer, knobs: K, members: M): StandInServer & K & M {
  const standIn = Object.assign(server, members) as StandInServer & K & M;
  for (const key of Object.keys(knobs) as (keyof K & string)[])
    Object.defineProperty(standIn, key, { get: () => knobs[key], set: (v: K[typeof key]) => void (knobs[key] = v), enumerable: true });
  return standIn;
}
