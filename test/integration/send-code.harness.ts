// Shared harness for the send-code / verify-code / code-limits / notifier integration suites: the real
// handlers on a real runtime (DynamoDB Local, fresh table), driven through API Gateway-shaped events.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createRegisterCustomerHandler } from '../../functions/register-customer.js';
import { createSendVerificationCodeHandler } from '../../functions/send-verification-code.js';
import { createVerifyVerificationCodeHandler } from '../../functions/verify-verification-code.js';
import { startLocalDelivery, type LocalDelivery, type LocalDeliveryOptions } from '../../dev/support/delivery.js';
import { startLocalReceipts, type LocalReceipts } from '../../dev/support/receipts.js';
import { httpEvent, invokeHandler, type LambdaHttpResult } from '../../dev/support/events.js';
import { uniqueIp } from '../../dev/support/identities.js';
import { mintAppToken, mintCaptchaToken } from '../../scripts/tokens.js';
import { subjectHash } from '../../shared/identity/hash.js';
import { OPERATIONS } from '../../shared/operations.js';
import { DESTINATION_FAILURE_RUN } from '../../shared/store/destinations.js';
import { keys } from '../../shared/store/keys.js';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  raw: string;
  /** Parsed body ({} for an empty body). */
  body: Record<string, unknown>;
  requestId: string;
}

/** A different 6-digit code. */
export function wrongCode(code: string): string {
  return ((Number(code) + 1) % 1_000_000).toString().padStart(6, '0');
}

function reply(res: LambdaHttpResult): Reply {
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
  /** deliverCode on the table's stream; send() waits for it unless the harness was made with `deliver: 'manual'`. */
  delivery: LocalDelivery;
  /** recordReceipt on the local port's receipts; send() waits for it too when the harness was made with `receipts: true`. */
  receipts: LocalReceipts;
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
}

/**
 * A real runtime on a fresh table, with deliverCode fed by the table's real stream. Its default notifier
 * is the real outbox notifier writing to the runtime's outbox file, only without echoing every message to
 * stdout. Each send() waits until deliverCode has handled what the stream holds (`deliver: 'manual'`: the
 * test drains it itself), so the outbox has the send's line, or never will; with `receipts`, also until
 * recordReceipt has handled the receipts the port wrote beside the outbox.
 */
export async function harness(
  options: {
    env?: Record<string, string>;
    notifier?: LocalDeliveryOptions['notifier'];
    deliver?: 'after-each-send' | 'manual';
    /** Hand each delivery's receipts to recordReceipt after each send, as the receipts topic would. */
    receipts?: boolean;
  } = {},
): Promise<Harness> {
  const t = await createTestRuntime(options.env ? { env: options.env } : {});
  const delivery = startLocalDelivery(t, options.notifier ? { notifier: options.notifier } : {});
  const receipts = startLocalReceipts(t);
  const sendHandler = createSendVerificationCodeHandler(t.rt);
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
    delivery,
    receipts,
    appToken,
    nowSeconds,
    captcha,
    async send(user, o = {}) {
      const token = o.token === null ? undefined : (o.token ?? (await captcha(user)));
      const body: Record<string, unknown> = { user };
      if (o.sendMethod !== undefined) body.sendMethod = o.sendMethod;
      if (token !== undefined) body.token = token;
      const answer = reply(
        await invokeHandler(sendHandler, httpEvent(OPERATIONS.sendVerificationCode.route.path, body, o.headers ?? {}, o.ip ?? uniqueIp())),
      );
      if (options.deliver !== 'manual') await delivery.drain();
      if (options.receipts && options.deliver !== 'manual') await receipts.drain();
      return answer;
    },
    async verify(contact, verificationCode, o = {}) {
      const headers = { ...(o.noToken ? {} : { 'x-access-token': appToken }), ...o.headers };
      const body: Record<string, unknown> = { contact, verificationCode };
      if (o.country !== undefined) body.country = o.country;
      return reply(
        await invokeHandler(verifyHandler, httpEvent(OPERATIONS.verifyVerificationCode.route.path, body, headers, o.ip ?? uniqueIp())),
      );
    },
    messagesTo: (to) => outbox().filter((m) => m.to === to),
    lastCode(to) {
      const all = outbox().filter((m) => m.to === to);
      const last = all[all.length - 1];
      if (!last) throw new Error(`no message to ${to} in the outbox`);
      return last.code;
    },
  };
  return h;
}

/** Counts replies by `status error_code` (or `status` alone for a success), e.g. { '200': 1, '429 USG.201050004': 9 }. */
export function tally(replies: ReadonlyArray<Pick<Reply, 'status' | 'body'>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status === 200 ? '200' : `${r.status} ${String(r.body.error_code)}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
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

/**
 * Brings a mobile's destination to `count` failures in its current run, the last at `lastMs`: the 100
 * failures of the destination-wide cap need more requesters and codes than a test can issue in 24 h.
 */
export async function setFailureRun(h: Harness, mobile: string, count: number, lastMs: number): Promise<void> {
  await h.rt.db.doc.send(
    new UpdateCommand({
      TableName: h.config.tableName,
      Key: keys.destination(subjectHash(h.config.identityPepper, 'mobile', mobile)),
      UpdateExpression: 'SET #n = :n, #last = :last',
      ExpressionAttributeNames: { '#n': DESTINATION_FAILURE_RUN.count, '#last': DESTINATION_FAILURE_RUN.last },
      ExpressionAttributeValues: { ':n': count, ':last': lastMs },
    }),
  );
}
