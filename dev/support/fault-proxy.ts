// A stand-in network between the service and a dependency (DynamoDB Local, a fake SNS): it forwards
// HTTP requests, and on request holds some of them forever, before they reach the dependency or
// after the dependency answered (the write is applied, the answer never arrives). Tests use it to
// make faults DynamoDB Local cannot produce by itself deterministic.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultMode = 'pass' | 'hold-request' | 'hold-response';

export interface FaultProxy {
  endpoint: string;
  /** Applies `mode` to requests whose `X-Amz-Target` (e.g. `DynamoDB_20120810.TransactWriteItems`) ends with `operation`, or to all. */
  set(mode: FaultMode, operation?: string): void;
  /** Requests seen, by target. */
  seen(operation?: string): number;
  /** Lets every held request and answer go on as if nothing happened (responses to gone clients are dropped). */
  release(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rule: { mode: FaultMode; operation: string | undefined } = { mode: 'pass', operation: undefined };
  const held: Array<() => void> = [];
  const seen: string[] = [];

  const matches = (op: string) => rule.operation === undefined || op.endsWith(rule.operation);

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, holdResponse: boolean) => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const reply = () => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(chunks));
          };
          if (holdResponse) held.push(reply);
          else reply();
        });
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? req.url ?? '');
      seen.push(op);
      const body = Buffer.concat(chunks);
      const mode = matches(op) ? rule.mode : 'pass';
      if (mode === 'hold-request') held.push(() => forward(req, body, res, false));
      else forward(req, body, res, mode === 'hold-response');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    set(mode, operation) {
      rule = { mode, operation };
    },
    seen: (operation) => seen.filter((op) => operation === undefined || op.endsWith(operation)).length,
    release() {
      rule = { mode: 'pass', operation: undefined };
      for (const go of held.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
