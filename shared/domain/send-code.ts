import { randomBytes, randomInt } from 'node:crypto';
import * as z from 'zod/mini';
import type { CaptchaVerifier } from '../auth/captcha.js';
import { invalidParameters, ServiceError } from '../errors.js';
import { decoyMaskedEmail, decoyMaskedPhone } from '../identity/decoy.js';
import { codeHash, subjectHash } from '../identity/hash.js';
import { sourceIpBucket } from '../identity/source-ip.js';
import type { Notifier } from '../notify/notifier.js';
import { countMetric, logger } from '../observability.js';
import { CODE_DIGITS, MAX_TOKEN_CHARS, SECOND_MS } from '../policy.js';
import type { PublicOperationContext } from '../request/operation-context.js';
import type { CodeStore, SendRefusal } from '../store/codes.js';
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
  /** Under enumeration protection, an account send will not send to: unknown, or without the requested contact. */
  let withheld: { method: 'sms' | 'email'; reason: 'unknown_account' | 'no_contact' } | undefined;
  if (user.kind === 'name') {
    const method = input.sendMethod ?? 'sms';
    const contacts = await deps.registry.contactsOfAccount(user.value);
    const to = contacts && (method === 'sms' ? contacts.mobile : contacts.email);
    if (to) destination = { kind: method === 'sms' ? 'mobile' : 'email', value: to };
    else if (!deps.enumerationProtection && !contacts) throw new ServiceError('USG.201040000', { detail: 'unknown account' });
    else if (!deps.enumerationProtection) throw new ServiceError('USG.201040002', { detail: `account has no ${method === 'sms' ? 'mobile' : 'email'}` });
    else withheld = { method, reason: contacts ? 'no_contact' : 'unknown_account' };
  } else {
    destination = user;
  }

  // A withheld account goes through the very same transaction, with a code nobody learns, on an item
  // of its own per name and method (a known account's sms and email are two destinations, each with
  // its own cooldown): same answer, same limits, same cost, nothing sent. Its audit subject is the name.
  const audited = destination ?? user;
  const subjectKey = subjectHash(deps.identityPepper, audited.kind, audited.value);
  ctx.audit.setSubject(subjectKey, maskIdentity(audited));
  const destinationHash = withheld ? subjectHash(deps.identityPepper, 'name', `${user.value}:${withheld.method}`) : subjectKey;

  const code = newCode();
  const hash = destination ? codeHash(deps.codePepper, destinationHash, code) : randomBytes(32).toString('base64url');
  const channel = destination ? channelOf(destination.kind) : 'none';
  ctx.audit.addDetail(withheld ? { channel, withheld: withheld.reason } : { channel });
  const refusal = await deps.codes.issue({
    destinationHash,
    codeHash: hash,
    channel,
    nowMs,
    expiresAtMs: nowMs + deps.codeTtlSeconds * SECOND_MS,
    captcha,
    sourceIpHash,
    audit: ctx.audit.pending('USG.000000000', 200),
  });
  if (refusal) throw refusalError(refusal);
  if (withheld || !destination) {
    const method = withheld?.method ?? 'sms';
    return {
      expire: deps.codeTtlSeconds,
      bindPhone: method === 'sms' ? decoyMaskedPhone(deps.identityPepper, user.value) : null,
      bindEmail: method === 'email' ? decoyMaskedEmail(deps.identityPepper, user.value) : null,
    };
  }

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
    logger.error('delivery failed; withdrawing the send', { channel: delivered, error: err instanceof Error ? err.name : 'unknown' });
    await deps.codes.withdraw({ destinationHash, codeHash: hash, sentAtMs: nowMs });
    throw err;
  }
  countMetric('CodesSent');
  const masked = maskIdentity(destination);
  return { expire: deps.codeTtlSeconds, bindPhone: delivered === 'sms' ? masked : null, bindEmail: delivered === 'email' ? masked : null };
}
