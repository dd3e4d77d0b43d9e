import { randomBytes, randomInt } from 'node:crypto';
import * as z from 'zod/mini';
import type { CaptchaVerifier } from '../auth/captcha.js';
import { invalidParameters, ServiceError } from '../errors.js';
import { codeHash, subjectHash } from '../identity/hash.js';
import { sourceIpBucket } from '../identity/source-ip.js';
import type { Notifier } from '../notify/notifier.js';
import { countMetric, logger } from '../observability.js';
import { CODE_DIGITS, MAX_TOKEN_CHARS, SECOND_MS } from '../policy.js';
import type { PublicOperationContext } from '../request/operation-context.js';
import { retryInBackground } from '../background.js';
import { inAnswerPhase } from '../deadline.js';
import { SendOutcomeUnknown, type CodeSend, type CodeStore, type SendRefusal } from '../store/codes.js';
import type { Registry } from '../store/registry.js';
import { channelOf, identifyUser, maskIdentity } from './destination.js';

export const SendCodeInput = z.strictObject({
  user: z.string().check(z.minLength(1), z.maxLength(255)),
  sendMethod: z.optional(z.enum(['sms', 'email'])),
  token: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TOKEN_CHARS))),
});
export type SendCodeInput = z.output<typeof SendCodeInput>;

export interface SendCodeResult {
  expire: number;
  bindPhone: string | null;
  bindEmail: string | null;
}

export interface SendCodeDeps {
  registry: Registry;
  codes: CodeStore;
  notifier: Notifier;
  captcha: CaptchaVerifier;
  codePepper: string;
  identityPepper: string;
  codeTtlSeconds: number;
  enumerationProtection: boolean;
}

/** Six digits from the CSPRNG. */
export const newCode = (): string => randomInt(0, 10 ** CODE_DIGITS).toString().padStart(CODE_DIGITS, '0');

function refusalError(r: SendRefusal): ServiceError {
  switch (r.reason) {
    case 'captcha_used':
      return new ServiceError('USG.000000006', { detail: 'CAPTCHA pass already used' });
    case 'ip_limited':
      countMetric('Throttled');
      return new ServiceError('USG.201050004', { detail: 'per-IP send limit', retryAfterSeconds: r.retryMs / SECOND_MS });
    case 'send_limited':
      countMetric('Throttled');
      return new ServiceError('USG.201050004', { detail: 'destination send limit', retryAfterSeconds: r.retryMs / SECOND_MS });
    case 'locked':
      countMetric('Throttled');
      return new ServiceError('USG.201050003', { detail: 'destination locked after failed attempts', retryAfterSeconds: r.retryMs / SECOND_MS });
  }
}

/**
 * Undoes a send answered with a failure (see CodeStore.undo), in the time kept for the answer; if
 * DynamoDB cannot take it now, it is retried in the background until it can.
 */
async function undo(deps: SendCodeDeps, send: CodeSend, o: Parameters<CodeStore['undo']>[1]): Promise<void> {
  try {
    await inAnswerPhase(() => deps.codes.undo(send, o));
  } catch {
    retryInBackground('undo a failed send', async () => void (await deps.codes.undo(send, o)));
  }
}

/**
 * Sends a code to a mobile, an email, or an account's bound contact. The CAPTCHA use, the IP and
 * destination limits, the new code and the audit record commit in one transaction; delivery follows,
 * and a failed delivery withdraws the send.
 */
export async function sendCode(deps: SendCodeDeps, input: SendCodeInput, ctx: PublicOperationContext): Promise<SendCodeResult> {
  const nowMs = ctx.now.getTime();
  const user = identifyUser(input.user);
  if (!user) throw invalidParameters('USG', 'user is not a mobile number, email or account name');
  if (user.kind !== 'name' && input.sendMethod !== undefined && input.sendMethod !== channelOf(user.kind)) {
    throw invalidParameters('USG', `sendMethod ${input.sendMethod} contradicts a ${user.kind} user`);
  }

  let captcha: { jti: string; expiresAtMs: number } | undefined;
  let sourceIpHash: string | undefined;
  if (!ctx.direct) {
    // Over HTTP a CAPTCHA pass issued for this very user is required; trusted direct calls skip it.
    const pass = input.token === undefined ? undefined : await deps.captcha(input.token, nowMs);
    const passUser = pass && identifyUser(pass.user);
    if (!pass || !passUser || passUser.kind !== user.kind || passUser.value !== user.value) {
      throw new ServiceError('USG.000000006', {
        detail: input.token === undefined ? 'no CAPTCHA token' : 'CAPTCHA token invalid or for another user',
      });
    }
    captcha = { jti: pass.jti, expiresAtMs: pass.expiresAtMs };
    if (ctx.sourceIp) sourceIpHash = subjectHash(deps.identityPepper, 'ip', sourceIpBucket(ctx.sourceIp));
  }

  let destination: { kind: 'mobile' | 'email'; value: string } | undefined;
  if (user.kind === 'name') {
    const method = input.sendMethod ?? 'sms';
    const contacts = await deps.registry.contactsOfAccount(user.value);
    if (!contacts && !deps.enumerationProtection) throw new ServiceError('USG.201040000', { detail: 'unknown account' });
    if (contacts) {
      const to = method === 'sms' ? contacts.mobile : contacts.email;
      if (!to) throw new ServiceError('USG.201040002', { detail: `account has no ${method === 'sms' ? 'mobile' : 'email'}` });
      destination = { kind: method === 'sms' ? 'mobile' : 'email', value: to };
    }
  } else {
    destination = user;
  }

  const subject = destination ?? user;
  const destinationHash = subjectHash(deps.identityPepper, subject.kind, subject.value);
  ctx.audit.setSubject(destinationHash, maskIdentity(subject));

  // An unknown account (under enumeration protection) goes through the very same transaction, on its
  // name's own item with a code nobody learns: same answer, same limits, same cost, nothing sent.
  const code = newCode();
  const hash = destination ? codeHash(deps.codePepper, destinationHash, code) : randomBytes(32).toString('base64url');
  const channel = destination ? channelOf(destination.kind) : 'none';
  ctx.audit.addDetail(destination ? { channel } : { channel, unknownAccount: true });
  const send: CodeSend = {
    destinationHash,
    codeHash: hash,
    channel,
    nowMs,
    expiresAtMs: nowMs + deps.codeTtlSeconds * SECOND_MS,
    captcha,
    sourceIpHash,
    audit: ctx.audit.pending('USG.000000000', 200),
  };
  let refusal: SendRefusal | undefined;
  try {
    refusal = await deps.codes.issue(send);
  } catch (err) {
    // No answer from DynamoDB (it stalled, or the budget ran out): the transaction may still commit.
    // The caller is answered with a failure, so the send is undone whichever way it went.
    if (err instanceof SendOutcomeUnknown) await undo(deps, send, { committed: 'unknown', dropAuditRecord: true });
    throw err;
  }
  if (refusal) throw refusalError(refusal);
  if (!destination) return { expire: deps.codeTtlSeconds, bindPhone: null, bindEmail: null };

  const delivered = channelOf(destination.kind);
  try {
    await deps.notifier.deliver({
      channel: delivered,
      to: destination.value,
      code,
      expireSeconds: deps.codeTtlSeconds,
      language: ctx.language,
      requestId: ctx.requestId,
    });
  } catch (err) {
    // The error's name only: an SNS/SES message can quote the destination back.
    countMetric('DeliveryFailures');
    logger.error('delivery failed; undoing the send', { channel: delivered, error: err instanceof Error ? err.name : 'unknown' });
    // The request's record stays, amended with the failure it is answered with.
    await undo(deps, send, { committed: true, dropAuditRecord: false });
    throw err;
  }
  countMetric('CodesSent');
  const masked = maskIdentity(destination);
  return { expire: deps.codeTtlSeconds, bindPhone: delivered === 'sms' ? masked : null, bindEmail: delivered === 'email' ? masked : null };
}
