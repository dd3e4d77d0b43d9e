// A stand-in for SSM Parameter Store on loopback, speaking the service's JSON 1.1 protocol
// (POST /, X-Amz-Target: AmazonSSM.GetParameters | AmazonSSM.GetParameter) closely enough for the AWS
// SDK and for the functions' own reader (shared/secrets/ssm-get-parameters.ts): SecureString values come
// back encrypted unless WithDecryption is true, unknown names are listed in InvalidParameters, errors
// carry __type as SSM sends them. It records every call so a test can say what a function asked for,
// and every request as it arrived (method, path, headers, body) so a test can compare two senders.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ParameterStoreProvider } from '../../shared/secrets/parameter-store.js';

export interface StoredParameter {
  value: string;
  type?: 'String' | 'StringList' | 'SecureString';
}

export interface SsmCall {
  target: string;
  names: string[];
  withDecryption: boolean;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  /** As they arrived, names in lower case. */
  headers: Record<string, string>;
  body: string;
}

export interface SsmStandIn {
  endpoint: string;
  calls: SsmCall[];
  requests: ReceivedRequest[];
  /** Every parameter name asked for, in order. */
  requestedNames(): string[];
  put(name: string, parameter: StoredParameter): void;
  /** A provider as a function builds one (timeouts, retries), pointed at the stand-in. */
  provider(options?: { maxAttempts?: number }): ParameterStoreProvider;
  close(): Promise<void>;
}

/**
 * answer; stall (read the request, never answer); stall-body (send the headers of an answer, never its
 * body); deny (AccessDeniedException); throttle (ThrottlingException); fail (500 InternalServerError).
 */
export type SsmBehaviour = 'answer' | 'stall' | 'stall-body' | 'deny' | 'throttle' | 'fail';

const ciphertextOf = (value: string) => `AQICAHh${Buffer.from(value).toString('base64')}`;

export async function startSsmStandIn(
  parameters: Record<string, StoredParameter> = {},
  /** One behaviour for every call, or one per call in order (the last repeats). */
  options: { behaviour?: SsmBehaviour | SsmBehaviour[] } = {},
): Promise<SsmStandIn> {
  const store = new Map(Object.entries(parameters));
  const calls: SsmCall[] = [];
  const requests: ReceivedRequest[] = [];
  const behaviours = [options.behaviour ?? 'answer'].flat();
  const stalled = new Set<ServerResponse>();

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'stand-in' });
    res.end(JSON.stringify(body));
  };
  const describe = (name: string, withDecryption: boolean) => {
    const p = store.get(name)!;
    const type = p.type ?? 'SecureString';
    return {
      Name: name,
      Type: type,
      Value: type === 'SecureString' && !withDecryption ? ciphertextOf(p.value) : p.value,
      Version: 1,
      DataType: 'text',
      ARN: `arn:aws:ssm:ap-southeast-1:123456789012:parameter${name}`,
    };
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!.toLowerCase()] = req.rawHeaders[i + 1]!;
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers, body: raw });
      const body = JSON.parse(raw || '{}') as {
        Names?: string[];
        Name?: string;
        WithDecryption?: boolean;
      };
      const names = body.Names ?? (body.Name ? [body.Name] : []);
      const withDecryption = body.WithDecryption === true;
      calls.push({ target, names, withDecryption });
      const behaviour = behaviours[Math.min(calls.length, behaviours.length) - 1];
      if (behaviour === 'stall') {
        stalled.add(res);
        return;
      }
      if (behaviour === 'stall-body') {
        stalled.add(res);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': '1000' });
        res.flushHeaders();
        return;
      }
      if (behaviour === 'deny') {
        answer(res, 400, {
          __type: 'AccessDeniedException',
          message: `User: arn:aws:sts::123456789012:assumed-role/test is not authorized to perform: ssm:GetParameters`,
        });
        return;
      }
      if (behaviour === 'throttle') {
        answer(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
        return;
      }
      if (behaviour === 'fail') {
        answer(res, 500, { __type: 'InternalServerError', message: 'internal failure' });
        return;
      }
      if (target === 'AmazonSSM.GetParameters') {
        answer(res, 200, {
          Parameters: names.filter((n) => store.has(n)).map((n) => describe(n, withDecryption)),
          InvalidParameters: names.filter((n) => !store.has(n)),
        });
      } else if (target === 'AmazonSSM.GetParameter' && store.has(names[0] ?? '')) {
        answer(res, 200, { Parameter: describe(names[0]!, withDecryption) });
      } else if (target === 'AmazonSSM.GetParameter') {
        answer(res, 400, { __type: 'ParameterNotFound', message: 'parameter not found' });
      } else {
        answer(res, 400, { __type: 'InvalidAction', message: `the stand-in does not speak ${target}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    calls,
    requests,
    requestedNames: () => calls.flatMap((c) => c.names),
    put: (name, parameter) => void store.set(name, parameter),
    provider: (o = {}) =>
      new ParameterStoreProvider({
        region: 'ap-southeast-1',
        endpoint,
        credentials: async () => ({ accessKeyId: 'stand-in', secretAccessKey: 'stand-in' }),
        maxAttempts: o.maxAttempts ?? 1,
      }),
    close: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
