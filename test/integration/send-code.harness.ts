// Shared harness for the send-code / verify-code / code-limits / notifier integration suites: the real
// handlers on a real runtime (DynamoDB Local, fresh table), driven through API Gateway-shaped events.
// Test files set LOG_LEVEL / POWERTOOLS_METRICS_DISABLED in vi.hoisted before this module loads.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createSendVerificationCodeHandler } from '../../functions/send-verification-code.js';
import { createVerifyVerificationCodeHandler } from '../../functions/verify-verification-code.js';
import { createRegisterCustomerHandler } from '../../functions/register-customer.js';
import { mintAppToken, mintCaptchaToken } from '../../scripts/tokens.js';
import type { Notifier } from '../../shared/notify/notifier.js';
import { outboxNotifier } from '../../shared/notify/outbox.js';
import { createTestRuntime, httpEvent, invoke, type TestRuntime } from '../support/runtime.js';

export const SEND_PATH = '/v1/usg/acs/verifycode/send';
export const VERIFY_PATH = '/v1/usg/dcs/member/verification-code/verify';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  raw: string;
  /** Parsed body ({} for an empty body). */
  body: Record<string, unknown>;
  requestId: string;
}

let sequence = 0;
const unique = () => `${process.pid % 1000}${(++sequence).toString().padStart(4, '0')}${Math.floor(Math.random() * 10)}`;

/** A fresh, valid mainland China mobile number in E.164 (+86 138 xxxx xxxx). */
export function uniqueMobile(): string {
  const digits = `${unique()}${Math.floor(Math.random() * 1e8)}`.slice(0, 8).padEnd(8, '7');
  return `+86138${digits}`;
}

/** A fresh email address whose local part is longer than 7 characters. */
export function uniqueEmail(): string {
  return `member${unique()}@example.com`;
}

/** A fresh source IP (TEST-NET-2 / TEST-NET-3 style) so per-IP limits never leak between tests. */
export function uniqueIp(): string {
  const n = ++sequence;
  return `10.${Math.floor(Math.random() * 200) + 20}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
}

/** A different 6-digit code. */
export function wrongCode(code: string): string {
  return ((Number(code) + 1) % 1_000_000).toString().padStart(6, '0');
}

function reply(res: { statusCode: number; headers: Record<string, string>; body: string }): Reply {
  return {
    status: res.statusCode,
    headers: res.headers,
    raw: res.body,
    body: res.body === '' ? {} : (JSON.parse(res.body) as Record<string, unknown>),
    requestId: res.headers['x-request-id'] ?? '',
  };
}

export interface Harness extends TestRuntime {
  sendHandler: ReturnType<typeof createSendVerificationCodeHandler>;
  verifyHandler: ReturnType<typeof createVerifyVerificationCodeHandler>;
  registerHandler: ReturnType<typeof createRegisterCustomerHandler>;
  appToken: string;
  /** Pipeline clock in whole seconds (what a CAPTCHA pass must be issued at). */
  nowSeconds(): number;
  /** A CAPTCHA pass for `user`, issued at the test clock's time. */
  captcha(user: string, o?: { jti?: string; issuedAt?: number; expiresInSeconds?: number }): Promise<string>;
  /**
   * POST send. A CAPTCHA pass for `user` is minted unless `token` is given (`null` = omit it).
   */
  send(user: string, o?: { ip?: string; sendMethod?: string; token?: string | null; headers?: Record<string, string> }): Promise<Reply>;
  /** POST verify with the app token unless `headers` says otherwise. */
  verify(
    contact: string,
    verificationCode: string,
    o?: { ip?: string; headers?: Record<string, string>; noToken?: boolean; country?: string },
  ): Promise<Reply>;
  /** Messages the outbox holds for `to`, oldest first. */
  messagesTo(to: string): ReturnType<TestRuntime['outbox']>;
  /** The code of the latest message to `to`. */
  lastCode(to: string): string;
  /** Every item of the table (consistent scan). */
  scan(): Promise<Record<string, unknown>[]>;
}

/**
 * A real runtime on a fresh table. The default notifier is the real outbox notifier writing to the
 * runtime's outbox file, only without echoing every message to stdout.
 */
export async function harness(options: { env?: Record<string, string>; notifier?: (outbox: Notifier) => Notifier } = {}): Promise<Harness> {
  const outboxPath = path.join(mkdtempSync(path.join(tmpdir(), 'verigate-codes-')), 'outbox.jsonl');
  const quietOutbox = outboxNotifier(outboxPath, () => {});
  const notifier = options.notifier ? options.notifier(quietOutbox) : quietOutbox;
  const t = await createTestRuntime({ env: { OUTBOX_PATH: outboxPath, ...options.env } });
  const sendHandler = createSendVerificationCodeHandler(t.rt, notifier);
  const verifyHandler = createVerifyVerificationCodeHandler(t.rt);
  const registerHandler = createRegisterCustomerHandler(t.rt);
  // The app token is checked against the real clock (jose's default), not the pipeline clock.
  const appToken = await mintAppToken(t.config, { expiresInSeconds: 3600 });
  const nowSeconds = () => Math.floor(t.clock.now().getTime() / 1000);
  const captcha: Harness['captcha'] = (user, o = {}) => mintCaptchaToken(t.config, user, { issuedAt: nowSeconds(), ...o });

  const outbox = t.outbox;
  const h: Harness = {
    ...t,
    sendHandler,
    verifyHandler,
    registerHandler,
    appToken,
    nowSeconds,
    captcha,
    async send(user, o = {}) {
      const token = o.token === null ? undefined : (o.token ?? (await captcha(user)));
      const body: Record<string, unknown> = { user };
      if (o.sendMethod !== undefined) body.sendMethod = o.sendMethod;
      if (token !== undefined) body.token = token;
      return reply(await invoke(sendHandler, httpEvent(SEND_PATH, body, o.headers ?? {}, o.ip ?? uniqueIp())));
    },
    async verify(contact, verificationCode, o = {}) {
      const headers = { ...(o.noToken ? {} : { 'x-access-token': appToken }), ...o.headers };
      const body: Record<string, unknown> = { contact, verificationCode };
      if (o.country !== undefined) body.country = o.country;
      return reply(await invoke(verifyHandler, httpEvent(VERIFY_PATH, body, headers, o.ip ?? uniqueIp())));
    },
    messagesTo: (to) => outbox().filter((m) => m.to === to),
    lastCode(to) {
      const all = outbox().filter((m) => m.to === to);
      const last = all[all.length - 1];
      if (!last) throw new Error(`no message to ${to} in the outbox`);
      return last.code;
    },
    async scan() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await t.rt.db.doc.send(
          new ScanCommand({ TableName: t.config.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
  };
  return h;
}

/** Counts replies by `status error_code` (or `status` alone for a success), e.g. { '200': 1, '429 USG.201050004': 9 }. */
export function tally(replies: Reply[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status === 200 ? '200' : `${r.status} ${String(r.body.error_code)}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** The masked form SPEC §3 prescribes for a +86 mobile: "+86" + first 3 + "****" + last 4. */
export function maskedCnMobile(e164: string): string {
  const national = e164.slice(3);
  return `+86${national.slice(0, 3)}****${national.slice(-4)}`;
}

/**
 * Whether `code` occurs in `json` outside opaque random material. Keyed hashes, UUIDs (runs of 20+
 * base64url characters) and epoch timestamps (10+ digit runs) are blanked first: a random 6-digit
 * code turns up inside those by chance about once in a few hundred scans, which is not a leak.
 */
export function mentionsCode(json: string, code: string): boolean {
  return json
    .replace(/[A-Za-z0-9_-]{20,}/g, '<opaque>')
    .replace(/\d{10,}/g, '<n>')
    .includes(code);
}
