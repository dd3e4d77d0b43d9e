// The reference partner page and its tiny partner backend, for `npm start` and the browser test. The page
// (app.ts, bundled with esbuild) calls send and verify from the browser with the typed client, across
// origins as a partner's site would. What a browser must never hold stays here: the partner's AK/SK
// (check-identity is signed with the official Huawei signer), the CAPTCHA stand-in and the app token
// minting, and the registerCustomer invocation. A local development tool: it listens on loopback only.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createVerigateClient, type CheckIdentityInput } from '../../client/index.js';
import { OFFLINE_STAGE } from '../../dev/offline.js';
import { mintAppToken, mintCaptchaToken } from '../../scripts/tokens.js';
import type { Config } from '../../shared/config.js';
import { functionName } from '../../shared/operations.js';
import { signWithHuaweiSdk } from '../../dev/support/huawei-sign.js';
import { listenOnLoopback } from '../../dev/processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MAX_BODY_BYTES = 8 * 1024;

export interface PartnerPageOptions {
  port: number;
  /** The verigate HTTP API the page and the backend call. */
  apiUrl: string;
  /** serverless-offline's Lambda invoke endpoint, for registerCustomer. */
  lambdaEndpoint: string;
  /** The local stage's configuration: the CAPTCHA and app token secrets the stand-ins mint with. */
  config: Config;
  partnerKey: { accessKey: string; secretKey: string };
}

export interface PartnerPage {
  url: string;
  close(): Promise<void>;
}

/** The page's script: app.ts and the typed client it imports, bundled for browsers. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(here, 'app.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

class BadRequest extends Error {}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest('body too large');
    chunks.push(chunk);
  }
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('expected a JSON object');
    return body as Record<string, unknown>;
  } catch (error) {
    throw error instanceof BadRequest ? error : new BadRequest('malformed JSON');
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export async function startPartnerPage(o: PartnerPageOptions): Promise<PartnerPage> {
  const [html, script] = await Promise.all([readFile(path.join(here, 'index.html'), 'utf8'), bundlePage()]);

  // The partner backend calls check-identity with the same typed client, signing each request with the
  // official Huawei SDK signer (SDK-HMAC-SHA256) just before it leaves.
  const partnerApi = createVerigateClient({ baseUrl: o.apiUrl });
  partnerApi.use({
    onRequest: async ({ request }) => {
      const signed = await signWithHuaweiSdk({
        ak: o.partnerKey.accessKey,
        sk: o.partnerKey.secretKey,
        method: request.method,
        url: request.url,
        headers: { 'Content-Type': 'application/json' },
        body: await request.clone().text(),
      });
      for (const [name, value] of Object.entries(signed)) if (name.toLowerCase() !== 'host') request.headers.set(name, value);
      return request;
    },
  });

  const routes: Record<string, (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    '/backend/check-identity': async (body, req, res) => {
      const input = { search_type: body.search_type, search_value: body.search_value } as CheckIdentityInput;
      const language = req.headers['accept-language'];
      const { data, error, response } = await partnerApi.POST('/v2/partners/sub-customers/users/check-identity', {
        body: input,
        headers: language ? { 'Accept-Language': language } : {},
        signal: AbortSignal.timeout(10_000),
      });
      // The service's answer, as it came (status, body, request id), for the page to show.
      send(res, response.status, data ?? error, { 'x-request-id': response.headers.get('x-request-id') ?? '' });
    },
    // Stand-in for the stage's CAPTCHA provider: a real page gets its pass from the provider's widget or the
    // operator's puzzle service (docs/captcha.md).
    '/backend/captcha': async (body, _req, res) => {
      const user = text(body.user);
      if (!user) throw new BadRequest('user is required');
      send(res, 200, { token: await mintCaptchaToken(o.config, user) });
    },
    // The app's access token for verify (X-Access-Token), as the partner's app backend would issue it.
    '/backend/app-token': async (_body, _req, res) => {
      send(res, 200, { token: await mintAppToken(o.config, { subject: 'reference-partner-page' }) });
    },
    // Once the contact is verified, the partner's backend registers the customer (an event to registerCustomer).
    '/backend/register': async (body, _req, res) => {
      const event = { customerId: `page-${randomUUID()}`, name: text(body.name), email: text(body.email), mobile: text(body.mobile) };
      const upstream = await fetch(`${o.lambdaEndpoint}/2015-03-31/functions/${functionName(OFFLINE_STAGE, 'registerCustomer')}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(10_000),
      });
      const payload = (await upstream.json()) as Record<string, unknown>;
      if (!upstream.headers.get('x-amz-function-error')) {
        send(res, 200, payload);
        return;
      }
      // The error's name is the first line of serverless-offline's trace; the trace itself stays here.
      const trace = Array.isArray(payload.trace) ? String(payload.trace[0] ?? '') : '';
      const name = /^([^:\s]+):/.exec(trace)?.[1] ?? String(payload.errorType ?? 'Error');
      send(res, name === 'IdentityConflict' ? 409 : 400, { error: name, message: String(payload.errorMessage ?? '') });
    },
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://page');
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
        res.writeHead(200, { 'content-type': 'text/html;charset=UTF-8', 'cache-control': 'no-store' });
        res.end(html);
      } else if (req.method === 'GET' && url.pathname === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript;charset=UTF-8', 'cache-control': 'no-store' });
        res.end(script);
      } else if (req.method === 'GET' && url.pathname === '/backend/config') {
        send(res, 200, { apiUrl: o.apiUrl });
      } else if (req.method === 'POST' && routes[url.pathname]) {
        await routes[url.pathname]!(await readJson(req), req, res);
      } else {
        send(res, 404, { error: 'not found' });
      }
    })().catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof BadRequest) send(res, 400, { error: error.message });
      else send(res, 502, { error: `backend failed: ${error instanceof Error ? error.message : String(error)}` });
    });
  });
  return listenOnLoopback(server, o.port);
}
